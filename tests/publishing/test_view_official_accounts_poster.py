"""Admins print a waiting-room poster pointing patients to the official-accounts check."""

from django.urls import reverse


def poster_url(org):
    return reverse("publishing:official_accounts_poster", args=[org.slug])


def test_admin_prints_a_poster_with_the_check_address_and_its_qr_code(admin, org, settings):
    settings.SITE_URL = "https://charter.riverside.example"
    response = admin.client().get(poster_url(org))
    assert response.status_code == 200
    html = response.content.decode()
    address = f"https://charter.riverside.example/official-accounts/{org.slug}/"
    assert f'data-testid="poster-address">{address}</p>' in html
    assert org.name in html
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'role="img"' in svg and f"QR code for {address}" in svg
    assert "<path" in svg  # the modules of the code, drawn by the QR library


def test_only_admins_may_print_it_and_only_for_their_institution(
    employee, author, auditor, outsider, org, other_org, client
):
    for persona in (employee, author, auditor):
        assert persona.client().get(poster_url(org)).status_code == 403
    assert outsider.client().get(poster_url(org)).status_code == 404
    assert client.get(poster_url(org)).status_code == 302  # sign in first


def test_the_check_offers_the_poster_to_its_admins_only(admin, employee, org, client):
    check = reverse("publishing:official_accounts", args=[org.slug])
    assert poster_url(org) in admin.client().get(check).content.decode()
    assert poster_url(org) not in employee.client().get(check).content.decode()
    assert poster_url(org) not in client.get(check).content.decode()
