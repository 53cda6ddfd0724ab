"""One way to draw a section: the wizard preview, the review page and the published page."""

from guidelines.document import document, section_blocks
from guidelines.sections import ACCOUNTS, DISCLOSURE
from tests.factories import starter


def test_choices_show_their_label_not_their_stored_value():
    blocks = section_blocks(DISCLOSURE, {"separate_accounts": "recommended"})
    [choice] = [b for b in blocks if b.label == "Separate personal and work accounts"]
    assert choice.value == "Separate personal and work accounts are recommended"


def test_table_cells_know_which_are_links():
    data = {
        "accounts": [
            {"platform": "Instagram", "handle": "@ward", "url": "https://example.org/ward"},
            {"platform": "Facebook", "handle": "@clinic", "url": ""},
        ]
    }
    [table] = [b for b in section_blocks(ACCOUNTS, data) if b.kind == "table"]
    assert table.rows[0][2] == ("Web address", "https://example.org/ward", True)
    assert table.rows[1][2] == ("Web address", "", False)


def test_empty_fields_are_left_out_and_markdown_is_sanitised():
    blocks = section_blocks(ACCOUNTS, {"body": "Hi <script>alert(1)</script>", "hashtags": []})
    assert [b.kind for b in blocks] == ["markdown"]
    assert "<script>" not in str(blocks[0].html)


def test_document_keeps_catalogue_order_and_numbers():
    sections = document(starter())
    assert [s.number for s in sections] == list(range(1, 13))
    assert sections[1].key == "accounts"
