"""The evidence pack: PDF, signatures, roster, audit events and a manifest of hashes."""

import csv
import hashlib
import io
import json
import zipfile

import pytest
from django.test import RequestFactory
from django.urls import reverse

from audit.models import AuditEvent
from guidelines.schema import content_hash
from publishing import services


def unzip(response) -> dict[str, bytes]:
    body = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.fixture
def acknowledged(published, employee):
    request = RequestFactory().post("/", REMOTE_ADDR="10.0.0.5", HTTP_USER_AGENT="UA")
    services.acknowledge(
        user=employee.user, version=published.version, confirmed=True, request=request
    )
    return published


def test_auditor_downloads_a_pack_whose_hashes_all_verify(auditor, acknowledged, employee):
    response = auditor.client().get(reverse("publishing:evidence_pack", args=[acknowledged.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    files = unzip(response)
    assert set(files) >= {
        "guideline.pdf",
        "content.json",
        "signatures.csv",
        "signatures.json",
        "acknowledgements.csv",
        "audit-events.csv",
        "manifest.json",
        "README.txt",
    }
    manifest = json.loads(files["manifest.json"])
    for name, digest in manifest["files"].items():
        assert hashlib.sha256(files[name]).hexdigest() == digest, name
    version = acknowledged.version
    assert manifest["content_hash"] == version.content_hash
    assert hashlib.sha256(files["content.json"]).hexdigest() == version.content_hash
    assert content_hash(json.loads(files["content.json"])) == version.content_hash
    assert files["guideline.pdf"].startswith(b"%PDF")
    signatures = json.loads(files["signatures.json"])
    assert {s["role"] for s in signatures} == {"Legal", "Compliance"}
    assert all(s["content_hash"] == version.content_hash for s in signatures)
    roster = list(csv.DictReader(io.StringIO(files["acknowledgements.csv"].decode())))
    mine = next(r for r in roster if r["email"] == employee.email)
    assert mine["content_hash"] == version.content_hash and mine["ip_address"] == "10.0.0.5"
    assert any(r["acknowledged_at"] == "" for r in roster)  # the not-yet-acknowledged are listed
    events = list(csv.DictReader(io.StringIO(files["audit-events.csv"].decode())))
    assert any(e["action"].startswith("publishing.") for e in events)
    assert "sha256sum" in files["README.txt"].decode()
    assert AuditEvent.objects.filter(action="audit.evidence_pack.downloaded").exists()


def test_admin_may_download_too(admin, published):
    response = admin.client().get(reverse("publishing:evidence_pack", args=[published.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"


def test_other_roles_get_403(published, employee, author, legal):
    url = reverse("publishing:evidence_pack", args=[published.pk])
    for persona in (employee, author, legal):
        assert persona.client().get(url).status_code == 403


def test_other_institution_gets_404(published, outsider):
    url = reverse("publishing:evidence_pack", args=[published.pk])
    assert outsider.client().get(url).status_code == 404


def test_anonymous_is_sent_to_login(client, published):
    assert client.get(reverse("publishing:evidence_pack", args=[published.pk])).status_code == 302
