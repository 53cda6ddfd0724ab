"""Writing guidelines: creating drafts, saving sections safely, restoring, freezing versions."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from audit.models import AuditEvent
from guidelines import services
from guidelines.facts import confirm_all, facts_in
from guidelines.models import DraftSection, FrozenVersionError, Guideline, Version
from guidelines.schema import SectionState, section_state
from guidelines.sections import SECTIONS, empty_content, get_section
from tests.factories import GuidelineFactory, VersionFactory


def _row(draft, key) -> DraftSection:
    return draft.sections.get(key=key)


def test_template_start_fills_every_section_with_the_institution_details(author, org):
    guideline = services.create_guideline(
        organization=org, by=author.user, title="  Social   media guidelines ", start="template"
    )
    assert guideline.title == "Social media guidelines"
    assert guideline.slug == "social-media-guidelines"
    draft = guideline.drafts.get(is_open=True)
    rows = {row.key: row for row in draft.sections.all()}
    assert set(rows) == {s.key for s in SECTIONS}
    assert org.name in rows["scope"].data["body"]
    assert rows["contact"].data["email"] == org.contact_email
    # Complete once the facts the template marks to confirm are kept.
    assert all(
        section_state(s, confirm_all(rows[s.key].data)) == SectionState.COMPLETE for s in SECTIONS
    )
    assert any(facts_in(row.data) for row in rows.values())
    event = AuditEvent.objects.get(action="guidelines.guideline.created")
    assert event.guideline_id == guideline.pk and event.details["start"] == "template"


def test_second_guideline_with_same_title_gets_its_own_address(author, org):
    first = services.create_guideline(organization=org, by=author.user, title="G", start="blank")
    second = services.create_guideline(organization=org, by=author.user, title="G", start="blank")
    assert first.slug == "g" and second.slug == "g-2"


def test_blank_start_leaves_every_section_empty(author, org):
    guideline = services.create_guideline(
        organization=org, by=author.user, title="G", start="blank"
    )
    draft = guideline.drafts.get()
    assert {row.key: row.data for row in draft.sections.all()} == empty_content()


def test_copy_start_takes_the_text_of_the_chosen_version(author, org):
    version = VersionFactory(guideline=GuidelineFactory(organization=org))
    guideline = services.create_guideline(
        organization=org, by=author.user, title="Copy", start="copy", copy_from=version
    )
    draft = guideline.drafts.get()
    assert draft.based_on == version
    assert {row.key: row.data for row in draft.sections.all()} == version.content


def test_copy_needs_a_version_of_the_same_institution(author, org, other_org):
    with pytest.raises(services.GuidelineError, match="Choose the version"):
        services.create_guideline(organization=org, by=author.user, title="C", start="copy")
    foreign = VersionFactory(guideline=GuidelineFactory(organization=other_org))
    with pytest.raises(services.GuidelineError, match="another institution"):
        services.create_guideline(
            organization=org, by=author.user, title="C", start="copy", copy_from=foreign
        )
    assert not Guideline.objects.filter(organization=org).exists()


def test_empty_title_or_unknown_start_is_refused(author, org):
    with pytest.raises(services.GuidelineError):
        services.create_guideline(organization=org, by=author.user, title="  ", start="blank")
    with pytest.raises(services.GuidelineError):
        services.create_guideline(organization=org, by=author.user, title="T", start="magic")


def test_saving_a_section_counts_a_revision_and_keeps_history(author, wizard_draft):
    row = _row(wizard_draft, "contact")
    data = {**row.data, "name": "Dana Whitfield"}
    saved = services.save_section(
        draft=wizard_draft, key="contact", data=data, revision=row.revision, by=author.user
    )
    assert saved.revision == row.revision + 1
    assert saved.data["name"] == "Dana Whitfield"
    assert saved.history.count() == 2
    assert saved.history.first().history_user == author.user
    assert AuditEvent.objects.filter(action="guidelines.section.saved").count() == 1


def test_saving_unchanged_text_makes_no_new_revision(author, wizard_draft):
    row = _row(wizard_draft, "contact")
    saved = services.save_section(
        draft=wizard_draft, key="contact", data=row.data, revision=row.revision, by=author.user
    )
    assert saved.revision == row.revision
    assert saved.history.count() == 1


def test_malformed_input_is_refused_with_field_errors_and_nothing_saved(author, wizard_draft):
    row = _row(wizard_draft, "accounts")
    rows = row.data["accounts"] + [
        {"platform": "Facebook", "handle": row.data["accounts"][0]["handle"], "url": "nope"}
    ]
    with pytest.raises(services.SectionInvalid) as caught:
        services.save_section(
            draft=wizard_draft,
            key="accounts",
            data={**row.data, "accounts": rows},
            revision=row.revision,
            by=author.user,
        )
    errors = caught.value.errors
    assert "accounts.4.url" in errors and "accounts.4.handle" in errors
    assert _row(wizard_draft, "accounts").revision == row.revision


def test_over_long_text_is_refused(author, wizard_draft):
    row = _row(wizard_draft, "contact")
    with pytest.raises(services.SectionInvalid) as caught:
        services.save_section(
            draft=wizard_draft,
            key="contact",
            data={**row.data, "name": "x" * 500},
            revision=row.revision,
            by=author.user,
        )
    assert "too long" in caught.value.errors["name"][0]


def test_stale_revision_is_a_conflict_carrying_both_texts(author, admin, wizard_draft):
    row = _row(wizard_draft, "contact")
    services.save_section(
        draft=wizard_draft,
        key="contact",
        data={**row.data, "name": "Theirs"},
        revision=row.revision,
        by=admin.user,
    )
    with pytest.raises(services.EditConflict) as caught:
        services.save_section(
            draft=wizard_draft,
            key="contact",
            data={**row.data, "name": "Mine"},
            revision=row.revision,
            by=author.user,
        )
    conflict = caught.value
    assert conflict.mine["name"] == "Mine" and conflict.theirs["name"] == "Theirs"
    assert conflict.revision == row.revision + 1 and conflict.saved_by == admin.user
    assert _row(wizard_draft, "contact").data["name"] == "Theirs"
    # Having seen their text, the author saves against the current revision: allowed.
    merged = services.save_section(
        draft=wizard_draft,
        key="contact",
        data={**row.data, "name": "Theirs and mine"},
        revision=conflict.revision,
        by=author.user,
    )
    assert merged.data["name"] == "Theirs and mine"


def test_a_stale_save_of_the_text_already_saved_is_no_conflict(author, wizard_draft):
    """An autosave and the Next button racing with the same edit must not fight."""
    row = _row(wizard_draft, "contact")
    data = {**row.data, "name": "Same text"}
    first = services.save_section(
        draft=wizard_draft, key="contact", data=data, revision=row.revision, by=author.user
    )
    second = services.save_section(
        draft=wizard_draft, key="contact", data=data, revision=row.revision, by=author.user
    )
    assert second.revision == first.revision == row.revision + 1


def test_a_submitted_draft_cannot_be_edited(author, wizard_draft):
    services.freeze_draft(draft=wizard_draft, by=author.user, change_summary="v1")
    row = _row(wizard_draft, "contact")
    with pytest.raises(services.GuidelineError, match="submitted"):
        services.save_section(
            draft=wizard_draft,
            key="contact",
            data={"name": "X"},
            revision=row.revision,
            by=author.user,
        )


def test_restore_brings_back_an_earlier_text_as_a_new_save(author, wizard_draft):
    row = _row(wizard_draft, "contact")
    original = dict(row.data)
    services.save_section(
        draft=wizard_draft,
        key="contact",
        data={**original, "name": "Changed"},
        revision=row.revision,
        by=author.user,
    )
    first = row.history.order_by("history_id").first()
    restored = services.restore_section(
        draft=wizard_draft,
        key="contact",
        history_id=first.history_id,
        revision=row.revision + 1,
        by=author.user,
    )
    assert restored.data == original
    assert restored.revision == row.revision + 2
    assert restored.history.count() == 3
    assert restored.history.first().history_change_reason.startswith("restored")


def test_restore_refuses_history_of_another_section(author, wizard_draft):
    other = _row(wizard_draft, "scope").history.first()
    with pytest.raises(services.GuidelineError, match="does not exist"):
        services.restore_section(
            draft=wizard_draft,
            key="contact",
            history_id=other.history_id,
            revision=0,
            by=author.user,
        )


def test_freeze_makes_numbered_immutable_versions(author, wizard_guideline, wizard_draft):
    version = services.freeze_draft(draft=wizard_draft, by=author.user, change_summary="First")
    assert version.number == 1 and len(version.content_hash) == 64 and version.verify()
    wizard_draft.refresh_from_db()
    assert not wizard_draft.is_open
    version.content["contact"]["name"] = "Tampered"
    with pytest.raises(FrozenVersionError):
        version.save()
    with pytest.raises(FrozenVersionError):
        Version.objects.filter(pk=version.pk).update(content={})
    with pytest.raises(FrozenVersionError):
        version.delete()
    with pytest.raises(services.GuidelineError, match="already submitted"):
        services.freeze_draft(draft=wizard_draft, by=author.user, change_summary="Again")
    version.refresh_from_db()
    assert version.content["contact"]["name"] != "Tampered"

    draft2 = services.start_draft(
        guideline=wizard_guideline, by=author.user, start="copy", copy_from=version
    )
    version2 = services.freeze_draft(draft=draft2, by=author.user, change_summary="Second")
    assert version2.number == 2 and version2.content_hash == version.content_hash
    assert version2.based_on == version


def test_freeze_needs_a_change_summary(author, wizard_draft):
    with pytest.raises(services.GuidelineError, match="change summary"):
        services.freeze_draft(draft=wizard_draft, by=author.user, change_summary="  ")


def test_only_one_open_draft_per_guideline(author, wizard_guideline):
    with pytest.raises(services.GuidelineError, match="already has an open draft"):
        services.start_draft(guideline=wizard_guideline, by=author.user, start="template")


def test_retired_guideline_gets_no_new_draft(author, wizard_guideline, wizard_draft):
    services.freeze_draft(draft=wizard_draft, by=author.user, change_summary="v1")
    Guideline.objects.filter(pk=wizard_guideline.pk).update(status=Guideline.Status.RETIRED)
    with pytest.raises(services.GuidelineError, match="retired"):
        services.start_draft(guideline=wizard_guideline, by=author.user, start="blank")


def test_every_starter_section_is_saved_unchanged(author, wizard_draft):
    for section in SECTIONS:
        row = _row(wizard_draft, section.key)
        saved = services.save_section(
            draft=wizard_draft,
            key=section.key,
            data=row.data,
            revision=row.revision,
            by=author.user,
        )
        assert saved.revision == row.revision, get_section(section.key).title


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_people_saving_the_same_revision_at_once_never_overwrite(author, admin):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    guideline = services.create_guideline(
        organization=author.org, by=author.user, title="Race", start="template"
    )
    draft = guideline.drafts.get()
    row = _row(draft, "contact")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def save(user, name):
        from django.db import connections

        try:
            barrier.wait()
            services.save_section(
                draft=draft,
                key="contact",
                data={**row.data, "name": name},
                revision=row.revision,
                by=user,
            )
            outcomes.append("saved")
        except services.EditConflict as exc:
            outcomes.append(f"conflict:{exc.theirs['name']}")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=save, args=(author.user, "A")),
        threading.Thread(target=save, args=(admin.user, "B")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o.split(":")[0] for o in outcomes) == ["conflict", "saved"]
    stored = _row(draft, "contact")
    assert stored.revision == row.revision + 1
    loser_saw = next(o for o in outcomes if o.startswith("conflict")).split(":")[1]
    assert loser_saw == stored.data["name"]


def test_demo_guideline_is_loaded_once_with_an_open_draft(db):
    from accounts import demo as people_demo
    from guidelines import demo

    riverside, _ = people_demo.load_people()
    demo.load_guidelines(riverside)
    demo.load_guidelines(riverside)
    guideline = Guideline.objects.get(organization=riverside, slug="social-media")
    draft = guideline.drafts.get(is_open=True)
    assert draft.start == "template"
    rows = {row.key: row for row in draft.sections.all()}
    assert rows["accounts"].revision == 1
    assert any(a["handle"] == "@RiversideER" for a in rows["accounts"].data["accounts"])
    assert section_state(get_section("security"), rows["security"].data) == SectionState.FAILING
