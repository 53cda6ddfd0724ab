from django.urls import reverse

from approvals.models import ApprovalRoute
from audit.models import AuditEvent
from tests.conftest import make_persona

URL = reverse("approvals:route")


def form_data(*stages, revision=0):
    data = {
        "revision": str(revision),
        "stages-TOTAL_FORMS": str(len(stages)),
        "stages-INITIAL_FORMS": "0",
        "stages-MIN_NUM_FORMS": "0",
        "stages-MAX_NUM_FORMS": "1000",
    }
    for i, (role, rule, quorum, due, order) in enumerate(stages):
        data.update(
            {
                f"stages-{i}-reviewer_role": role.pk,
                f"stages-{i}-rule": rule,
                f"stages-{i}-quorum": quorum,
                f"stages-{i}-due_days": due,
                f"stages-{i}-ORDER": order,
            }
        )
    return data


def test_admin_sets_legal_then_compliance(admin, legal_role, compliance_role):
    response = admin.client().post(
        URL, form_data((compliance_role, "any", 1, 3, 2), (legal_role, "all", 1, 5, 1))
    )
    assert response.status_code == 302
    route = ApprovalRoute.objects.get()
    assert [(s["role_name"], s["rule"], s["due_days"]) for s in route.snapshot()] == [
        ("Legal", "all", 5),
        ("Compliance", "any", 3),
    ]
    assert AuditEvent.objects.filter(action="approvals.route.changed").count() == 1
    html = admin.client().get(URL).content.decode()
    assert "Current route" in html and "Legal" in html


def test_quorum_larger_than_holders_is_refused(admin, legal, legal_role):
    response = admin.client().post(URL, form_data((legal_role, "quorum", 3, 5, 1)))
    html = response.content.decode()
    assert response.status_code == 200
    assert "could never be met" in html
    assert not ApprovalRoute.objects.exists()


def test_quorum_that_holders_can_meet_is_saved(admin, org, legal, legal_role):
    make_persona(org, "legal2@riverside.test", "Lou Legal", roles=(legal_role,))
    response = admin.client().post(URL, form_data((legal_role, "quorum", 2, 5, 1)))
    assert response.status_code == 302
    assert ApprovalRoute.objects.get().snapshot()[0]["quorum"] == 2


def test_same_role_twice_is_refused(admin, legal_role):
    response = admin.client().post(
        URL, form_data((legal_role, "any", 1, 5, 1), (legal_role, "any", 1, 5, 2))
    )
    assert "each role appears once" in response.content.decode()


def test_empty_route_is_refused(admin):
    response = admin.client().post(URL, form_data())
    assert "at least one stage" in response.content.decode()


def test_role_of_another_institution_is_not_offered(admin, other_org):
    from tests.factories import ReviewerRoleFactory

    foreign = ReviewerRoleFactory(organization=other_org, name="Foreign")
    response = admin.client().post(URL, form_data((foreign, "any", 1, 5, 1)))
    assert response.status_code == 200 and not ApprovalRoute.objects.exists()


def test_page_tells_admin_that_reviews_under_way_keep_their_route(admin, review):
    assert "keeps the route it started with" in admin.client().get(URL).content.decode()


def test_anonymous_non_admin_and_outsider(client, route, legal, author, outsider):
    assert client.get(URL).status_code == 302
    assert legal.client().get(URL).status_code == 403
    assert author.client().get(URL).status_code == 403
    html = outsider.client().get(URL).content.decode()
    assert "No stages yet" in html and "Legal</strong>" not in html


def test_a_stale_route_editor_cannot_silently_replace_a_newer_route(
    admin, org, legal_role, compliance_role
):
    other_admin = make_persona(org, "admin2@riverside.test", "Abe Admin", is_admin=True)
    first, second = admin.client(), other_admin.client()
    # Both open the editor on the same (empty) route.
    assert 'name="revision" value="0"' in first.get(URL).content.decode()
    assert 'name="revision" value="0"' in second.get(URL).content.decode()
    assert first.post(URL, form_data((legal_role, "any", 1, 5, 1))).status_code == 302

    stale = second.post(URL, form_data((compliance_role, "any", 1, 9, 1)))
    html = stale.content.decode()
    assert stale.status_code == 409
    assert "Someone else saved the approval route" in html
    assert "your changes were not saved" in html
    # The route the first admin saved stands and is shown; the second admin's typing is kept.
    route = ApprovalRoute.objects.get()
    assert [s["role_name"] for s in route.snapshot()] == ["Legal"]
    assert "<strong>Legal</strong>" in html
    assert 'name="stages-0-due_days" value="9"' in html
    assert f'name="revision" value="{route.revision}"' in html
    assert AuditEvent.objects.filter(action="approvals.route.changed").count() == 1

    # Having seen the current route, saving again is a deliberate replacement.
    again = second.post(URL, form_data((compliance_role, "any", 1, 9, 1), revision=route.revision))
    assert again.status_code == 302
    assert [s["role_name"] for s in ApprovalRoute.objects.get().snapshot()] == ["Compliance"]


def test_a_post_without_the_editors_revision_saves_nothing(admin, legal_role):
    data = form_data((legal_role, "any", 1, 5, 1))
    del data["revision"]
    response = admin.client().post(URL, data)  # no route yet: revision 0 is current, -1 is not
    assert response.status_code == 409
    assert not ApprovalRoute.objects.exists()
