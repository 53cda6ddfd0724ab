import copy

from django.urls import reverse

from tests.factories import starter


def ask(client, org, handle):
    response = client.get(
        reverse("publishing:official_accounts", args=[org.slug]), {"handle": handle}
    )
    assert response.status_code == 200
    return response.content.decode()


def test_official_handle_is_confirmed_with_platform_and_department(client, published, org):
    html = ask(client, org, "@Riverside")
    assert "Yes</strong>, @Riverside on Instagram is an official account of Riverside" in html
    assert "department: Communications" in html


def test_check_ignores_case_and_the_leading_at(client, published, org):
    assert "Yes</strong>" in ask(client, org, "riverside")
    assert "Yes</strong>" in ask(client, org, "  @RIVERSIDE ")


def test_unknown_handle_is_not_official_and_says_where_to_report(client, published, org):
    html = ask(client, org, "@Riverside_Donations")
    assert "No</strong>, @Riverside_Donations is not an official account of Riverside" in html
    assert "social@hospital.example" in html


def test_superseded_accounts_are_no_longer_official(
    client, published, make_version, do_publish, org
):
    content = copy.deepcopy(starter(org))
    content["accounts"]["accounts"] = [
        {"platform": "Facebook", "handle": "@RiversideNew", "url": "", "department": "Comms"}
    ]
    do_publish(make_version(2, content=content))
    assert "No</strong>" in ask(client, org, "@Riverside")
    assert "Yes</strong>" in ask(client, org, "@riversidenew")


def test_unknown_institution_is_404(client, db):
    assert client.get(reverse("publishing:official_accounts", args=["nowhere"])).status_code == 404


def test_page_works_before_anything_is_published(client, org):
    html = ask(client, org, "@x")
    assert "has not published its list" in html
