from django.core.management import call_command

from accounts.models import Organization
from guidelines.models import Version
from publishing.models import Acknowledgement, AckRequest, Publication
from publishing.selectors import campaign_figures, in_force


def snapshot():
    return (
        Publication.objects.count(),
        AckRequest.objects.count(),
        Acknowledgement.objects.count(),
        Version.objects.count(),
    )


def test_demo_has_a_published_signed_guideline_with_a_campaign_in_progress(db, capsys):
    call_command("load_demo")
    first = snapshot()
    call_command("load_demo")
    assert snapshot() == first
    riverside = Organization.objects.get(slug="riverside-health")
    publication = in_force(riverside.guidelines.get(slug="social-media"))
    assert publication is not None and publication.version.number == 1
    assert publication.version.status == Version.Status.PUBLISHED
    signers = set(publication.version.signatures.values_list("signer__email", flat=True))
    assert signers == {"legal@riverside.example", "compliance@riverside.example"}
    figures = campaign_figures(publication.campaign)["overall"]
    assert 55 <= figures["percent"] <= 65
    assert figures["overdue"] > 0
    assert AckRequest.objects.filter(
        user__email="employee@riverside.example", acknowledged_at__isnull=True
    ).exists()
    _published_text_passes_every_check(riverside, publication.version)
    _quiz_draws_on_the_cases_for_one_group(riverside, publication.version)


def _published_text_passes_every_check(riverside, version):
    """The demo's published guideline: every check of its pack passes, suggestions included,
    and no fact is left to confirm."""
    from guidelines.facts import facts_in
    from guidelines.schema import run_checks
    from guidelines.sections import SECTIONS

    for section in SECTIONS:
        data = version.content[section.key]
        failed = [r for r in run_checks(section, data, riverside.jurisdiction) if not r.passed]
        assert failed == [], (section.key, failed)
        assert not facts_in(data), section.key


def _quiz_draws_on_the_cases_for_one_group(riverside, version):
    from accounts.models import Membership
    from publishing.quiz import quiz_for

    nurse = Membership.objects.get(organization=riverside, user__email="employee@riverside.example")
    admin = Membership.objects.get(organization=riverside, user__email="admin@riverside.example")
    assert len(quiz_for(version, nurse)) == len(version.quiz)
    assert len(quiz_for(version, admin)) == len(version.quiz) + 1


def test_demo_dates_follow_one_another(db):
    """Written, then submitted, signed, published, acknowledged: never in another order,
    and nothing of version 1 dated today while its acknowledgements are weeks old."""
    from django.db.models import Max, Min
    from django.utils import timezone

    from approvals.models import ReviewRequest

    call_command("load_demo")
    riverside = Organization.objects.get(slug="riverside-health")
    guideline = riverside.guidelines.get(slug="social-media")
    v1 = guideline.versions.get(number=1)
    publication = Publication.objects.get(version=v1)
    review = ReviewRequest.objects.get(version=v1)
    signed = v1.signatures.aggregate(first=Min("signed_at"), last=Max("signed_at"))
    acks = Acknowledgement.objects.filter(version=v1).aggregate(first=Min("acknowledged_at"))
    assert guideline.created_at <= v1.created_at <= review.submitted_at < signed["first"]
    assert review.closed_at is not None
    assert signed["last"] <= review.closed_at <= publication.published_at < acks["first"]
    assert publication.effective_date == timezone.localdate(publication.published_at)
    assert (timezone.now() - v1.created_at).days > 30
    assert acks["first"] < timezone.now()
