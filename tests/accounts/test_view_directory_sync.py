"""The directory sync page: the SCIM address, a token shown once, rotation and switching off."""

from django.urls import reverse

from accounts.models import DirectoryToken
from audit.models import AuditEvent


def test_admin_makes_a_token_that_is_shown_once(admin):
    client = admin.client()
    url = reverse("accounts:directory_sync")
    page = client.get(url).content.decode()
    assert "/scim/v2/" in page and "None: directory sync is off" in page
    made = client.post(url, {"action": "issue"})
    token = made.context["new_token"]
    assert token.startswith("chs_") and token in made.content.decode()
    assert made["Cache-Control"] == "no-store"
    later = client.get(url).content.decode()
    assert token not in later and DirectoryToken.objects.get().prefix in later
    assert token not in str(list(AuditEvent.objects.values_list("details", flat=True)))
    rotated = client.post(url, {"action": "issue"}).context["new_token"]
    assert rotated != token
    assert DirectoryToken.objects.filter(revoked_at__isnull=True).count() == 1
    client.post(url, {"action": "revoke"})
    assert not DirectoryToken.objects.filter(revoked_at__isnull=True).exists()


def test_only_admins_may_make_tokens(employee, author):
    url = reverse("accounts:directory_sync")
    for persona in (employee, author):
        assert persona.client().post(url, {"action": "issue"}).status_code == 403
    assert not DirectoryToken.objects.exists()
