"""The OpenAPI schema generates cleanly and the docs page is served from local assets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from django.core.management import call_command
from rest_framework.test import APIClient


def test_schema_generates_without_warnings_and_validates(tmp_path: Path, db: Any) -> None:
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    paths = schema["paths"]
    for path in (
        "/api/v1/auth/token/",
        "/api/v1/drills/{id}/injects/",
        "/api/v1/drills/{id}/events/{event_id}/trigger/",
        "/api/v1/injects/{id}/forward/",
        "/api/v1/scenarios/{scenario_pk}/events/",
        "/api/v1/drills/{drill_pk}/observations/",
    ):
        assert path in paths, path


def test_docs_page_uses_no_cdn(db: Any) -> None:
    page = APIClient().get("/api/docs/").content.decode()
    assert "cdn." not in page and "unpkg" not in page and "jsdelivr" not in page
