"""Section content carrying HTML or script never reaches a page or a PDF unsanitised."""

from html.parser import HTMLParser

from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guidelines.models import Version
from guidelines.schema import normalise
from guidelines.sections import SECTIONS
from publishing import services
from publishing.pdf import pdf_html
from tests.factories import starter
from tests.publishing.conftest import sign

PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "<iframe src=javascript:alert(1)></iframe>",
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    '"><script>alert(1)</script>',
    "<style>body{display:none}</style>",
    "javascript:alert(1)",
]
hostile = st.lists(
    st.one_of(st.sampled_from(PAYLOADS), st.text(max_size=20)), min_size=1, max_size=4
).map(" ".join)


class Tags(HTMLParser):
    """Collects the real elements and attributes of a page (escaped text is not a tag)."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script" and "src" not in found:
            self.problems.append("inline <script>")
        if tag in {"iframe", "object", "embed", "style"}:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{tag} {name}=")
            if name in {"href", "src", "action"} and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"{tag} {name}=javascript:")


def assert_clean(html: str) -> None:
    parser = Tags()
    parser.feed(html)
    assert parser.problems == []


@given(prose=hostile, item=hostile, handle=hostile)
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_hostile_section_content_is_inert_on_the_page_and_in_the_pdf(
    org, admin, author, legal, compliance, employee, guideline, prose, item, handle
):
    content = starter(org)
    content["privacy"]["body"] = prose
    content["dos_donts"]["dos"] = [item, *content["dos_donts"]["dos"]]
    content["accounts"]["accounts"][0]["handle"] = handle
    # As freezing a draft does: the stored form drops what no database can hold (NUL, lone
    # surrogates); what remains is as hostile as ever.
    content = {s.key: normalise(s, content.get(s.key)) for s in SECTIONS}
    number = (guideline.versions.count() or 0) + 1
    version = Version.objects.create(
        guideline=guideline,
        number=number,
        content=content,
        change_summary=item.replace("\x00", "")[:100] or "x",  # a form refuses NUL
        status=Version.Status.APPROVED,
        created_by=author.user,
    )
    sign(version, legal, compliance)
    publication = services.publish(
        version=version,
        by=admin.user,
        effective_date=timezone.localdate(),
        requires_acknowledgement=False,
        skip_reason="Test",
    )
    page = employee.client().get(
        reverse("publishing:version", args=[org.slug, guideline.slug, number])
    )
    assert page.status_code == 200
    body = page.content.decode()
    assert_clean(body)
    assert "&lt;script&gt;" in body or "<script>alert" not in prose  # shown as text, inert
    assert_clean(pdf_html(publication))
