"""A version's status changes only through its one door, and only along the table."""

from __future__ import annotations

import itertools

import pytest

from guidelines import services
from guidelines.models import Guideline, Version
from guidelines.status import INITIAL, TRANSITIONS, VersionStatusError, move, move_many

Status = Version.Status
EVERY_PAIR = list(itertools.product(Status.values, Status.values))
REFUSED = [pair for pair in EVERY_PAIR if pair not in TRANSITIONS]


@pytest.fixture
def guideline(author) -> Guideline:
    return services.create_guideline(
        organization=author.org, by=author.user, title="Social media guidelines", start="template"
    )


@pytest.fixture
def make_version(author, guideline):
    """A version already standing at ``status`` (set at creation, as a fixture may)."""
    numbers = itertools.count(1)

    def make(status: str) -> Version:
        return Version.objects.create(
            guideline=guideline,
            number=next(numbers),
            content={},
            change_summary="A change",
            status=status,
            created_by=author.user,
        )

    return make


def stored(version: Version) -> str:
    return Version.objects.values_list("status", flat=True).get(pk=version.pk)


def test_the_table_names_only_real_statuses_and_every_status_is_reachable():
    for before, after in TRANSITIONS:
        assert before in Status.values and after in Status.values
    reachable = {INITIAL} | {after for _, after in TRANSITIONS}
    assert reachable == set(Status.values)


def test_freezing_a_draft_starts_a_version_in_the_initial_status(author, guideline):
    draft = guideline.drafts.get(is_open=True)
    version = services.freeze_draft(draft=draft, by=author.user, change_summary="First")
    assert version.status == INITIAL == Status.IN_REVIEW


@pytest.mark.parametrize(("before", "after"), sorted(TRANSITIONS))
def test_every_allowed_move_is_made(make_version, before, after):
    version = make_version(before)
    move(version, to=after)
    assert version.status == after
    assert stored(version) == after


@pytest.mark.parametrize(("before", "after"), REFUSED)
def test_every_other_move_is_refused_and_changes_nothing(make_version, before, after):
    version = make_version(before)
    with pytest.raises(VersionStatusError, match="cannot become"):
        move(version, to=after)
    assert version.status == before
    assert stored(version) == before


def test_a_refusal_says_where_the_version_stands(make_version):
    version = make_version(Status.WITHDRAWN)
    with pytest.raises(VersionStatusError) as refused:
        move(version, to=Status.PUBLISHED)
    assert str(refused.value) == "A version that is withdrawn cannot become published."


def test_a_stale_move_is_refused_when_the_status_changed_underneath(make_version):
    version = make_version(Status.IN_REVIEW)
    someone_else = Version.objects.get(pk=version.pk)
    move(someone_else, to=Status.WITHDRAWN)

    with pytest.raises(VersionStatusError, match="someone else changed it"):
        move(version, to=Status.APPROVED)
    assert stored(version) == Status.WITHDRAWN


def test_moving_many_moves_all_of_them(make_version):
    versions = [make_version(Status.PUBLISHED) for _ in range(3)]
    moved = move_many([v.pk for v in versions], from_=Status.PUBLISHED, to=Status.SUPERSEDED)
    assert moved == 3
    assert {stored(v) for v in versions} == {Status.SUPERSEDED}


def test_moving_many_moves_none_when_one_changed_underneath(make_version):
    first, second = make_version(Status.PUBLISHED), make_version(Status.APPROVED)
    with pytest.raises(VersionStatusError, match="Nothing was changed"):
        move_many([first.pk, second.pk], from_=Status.PUBLISHED, to=Status.SUPERSEDED)
    assert (stored(first), stored(second)) == (Status.PUBLISHED, Status.APPROVED)


def test_moving_many_refuses_a_move_outside_the_table(make_version):
    version = make_version(Status.SUPERSEDED)
    with pytest.raises(VersionStatusError, match="cannot become"):
        move_many([version.pk], from_=Status.SUPERSEDED, to=Status.PUBLISHED)
    assert stored(version) == Status.SUPERSEDED


def test_moving_nothing_is_not_an_error():
    assert move_many([], from_=Status.PUBLISHED, to=Status.SUPERSEDED) == 0


def test_no_other_write_can_change_the_status(make_version):
    version = make_version(Status.APPROVED)
    with pytest.raises(VersionStatusError, match=r"only through guidelines\.status"):
        Version.objects.filter(pk=version.pk).update(status=Status.PUBLISHED)
    version.status = Status.PUBLISHED
    with pytest.raises(VersionStatusError, match=r"only through guidelines\.status"):
        version.save()
    assert stored(version) == Status.APPROVED
