from unittest import mock

from django.db.utils import OperationalError


def test_healthz_up(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "up"


def test_healthz_down_when_database_fails(client, db):
    with mock.patch("config.views.connection.cursor", side_effect=OperationalError("gone")):
        response = client.get("/healthz")
    assert response.status_code == 503
