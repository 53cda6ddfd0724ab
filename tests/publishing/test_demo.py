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
