import pytest


@pytest.mark.django_db
def test_healthz_reports_database_and_broker_up(client):
    response = client.get("/healthz")
    body = response.json()
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True


@pytest.mark.django_db
def test_healthz_names_the_broker_when_it_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "broker" in response.json()["down"]
