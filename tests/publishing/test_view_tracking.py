import datetime as dt

from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, User
from publishing.models import AckRequest
from publishing.selectors import campaign_figures
from publishing.services import acknowledge
from publishing.targeting import target_campaign
from tests.factories import MembershipFactory


def url(p):
    return reverse("publishing:tracking", args=[p.campaign.pk])


def test_dashboard_figures_on_a_known_data_set(published, org, nursing, pharmacy, employee):
    # The cast: admin (no group), employee (Nursing), author, legal, compliance, auditor: 6.
    nurses = MembershipFactory.create_batch(3, organization=org, staff_group=nursing)
    pharmacists = MembershipFactory.create_batch(4, organization=org, staff_group=pharmacy)
    target_campaign(
        campaign_id=published.campaign.pk, membership_ids=[m.pk for m in nurses + pharmacists]
    )
    for m in [employee.membership, nurses[0], pharmacists[0]]:
        acknowledge(version=published.version, user=m.user, confirmed=True)
    past = timezone.localdate() - dt.timedelta(days=1)
    AckRequest.objects.filter(membership__in=pharmacists[1:3]).update(due_date=past)
    figures = campaign_figures(published.campaign)
    assert figures["overall"] == {
        "total": 13,
        "acknowledged": 3,
        "overdue": 2,
        "percent": 23,
        "pending": 10,
        "replaced": 0,
        "closed": 0,
    }
    by_group = {
        g["name"]: (g["total"], g["acknowledged"], g["percent"], g["overdue"])
        for g in figures["groups"]
    }
    assert by_group == {
        "No group": (5, 0, 0, 0),
        "Nursing": (4, 2, 50, 0),
        "Pharmacy": (4, 1, 25, 2),
    }


def test_dashboard_shows_numbers_as_text_with_bars(published, admin, employee):
    acknowledge(version=published.version, user=employee.user, confirmed=True)
    html = admin.client().get(url(published)).content.decode()
    assert 'data-testid="overall-percent">16%<' in html
    assert "1 of 6 people acknowledged" in html
    assert "<progress" in html and "Nursing" in html and "100% " in html


def test_roster_search_and_filters(published, admin, employee, author):
    acknowledge(version=published.version, user=employee.user, confirmed=True)
    client = admin.client()
    html = client.get(url(published), {"q": "emma"}).content.decode()
    assert employee.email in html and author.email not in html
    html = client.get(url(published), {"status": "pending"}).content.decode()
    assert employee.email not in html and author.email in html
    html = client.get(url(published), {"status": "acknowledged"}).content.decode()
    assert employee.email in html and author.email not in html


def test_overdue_people_are_listed(published, admin, author):
    AckRequest.objects.filter(user=author.user).update(
        due_date=timezone.localdate() - dt.timedelta(days=2)
    )
    html = admin.client().get(url(published), {"status": "overdue"}).content.decode()
    assert "Overdue" in html and author.email in html
    assert "Overdue only: 1 person" in html and "Send reminders" in html


def _add_people(org, n):
    users = User.objects.bulk_create(
        [User(email=f"bulk{n}-{i}@riverside.test", full_name=f"Bulk {i}") for i in range(n)]
    )
    Membership.objects.bulk_create([Membership(user=u, organization=org) for u in users])


def test_dashboard_query_count_is_bounded(published, admin, org, django_assert_max_num_queries):
    client = admin.client()
    client.get(url(published))  # warm the session
    with django_assert_max_num_queries(16):
        response = client.get(url(published))
    assert response.status_code == 200 and "Acknowledgements" in response.content.decode()
    _add_people(org, 2500)
    target_campaign(campaign_id=published.campaign.pk)
    assert published.campaign.requests.count() > 2500
    with django_assert_max_num_queries(16):
        response = client.get(url(published), {"status": "pending", "q": "bulk"})
    assert response.status_code == 200 and "Page 1 of" in response.content.decode()


def test_auditor_may_look_but_not_remind(published, auditor):
    response = auditor.client().get(url(published))
    assert response.status_code == 200
    assert "Send reminders" not in response.content.decode()


def test_members_without_the_role_get_403(published, employee, author):
    for persona in (employee, author):
        assert persona.client().get(url(published)).status_code == 403


def test_anonymous_is_sent_to_login(client, published):
    assert client.get(url(published)).status_code == 302


def test_other_institution_gets_404(published, outsider):
    assert outsider.client().get(url(published)).status_code == 404


def test_closed_campaign_says_so(published, make_version, do_publish, admin):
    do_publish(make_version(2))
    html = admin.client().get(url(published)).content.decode()
    assert "This campaign is closed" in html and "Send reminders" not in html


def test_an_email_that_did_not_reach_the_person_shows_on_their_row(published, admin, employee):
    from accounts.models import OutboundEmail

    OutboundEmail.objects.filter(user=employee.user).update(
        status=OutboundEmail.Status.BOUNCED, last_error="550 5.1.1 No such mailbox"
    )
    page = admin.client().get(url(published)).content.decode()
    assert f'data-testid="mail-problem-{employee.email}"' in page
    assert "Refused by the mail server: 550 5.1.1 No such mailbox" in page
    assert f'data-testid="mail-problem-{admin.email}"' not in page
