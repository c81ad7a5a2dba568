"""A report of a long timeline is built by the Celery task (run eagerly here, as the other tests of
after-action tasks do): 202 with the status and progress while it runs, the same file as a direct
export when done, from the API and from the page's progress bar."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from drillops.celery import app
from drillops.reports.models import ExportState, ReportExport

from .report_world import ReportWorld, build_report_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def rw(org: Any, cs: Any, risk: Any, settings: Any) -> ReportWorld:
    world = build_report_world(org, cs, risk)
    settings.REPORT_EXPORT_ASYNC_ENTRIES = world.drill.timeline.count() - 1  # just over the line
    return world


@pytest.fixture
def eager_celery() -> Any:
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_the_api_answers_202_while_the_task_builds_then_the_file(
    rw: ReportWorld, eager_celery: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = APIClient()
    client.force_authenticate(rw.users["coordinator"])
    url = f"/api/v1/drills/{rw.drill.pk}/report/export/"
    with django_capture_on_commit_callbacks(execute=True):
        first = client.get(url, {"format": "json"})
        again = client.get(url, {"format": "json"})  # the running job, not a second one
    assert first.status_code == 202 and first.json() == {"status": "running", "progress": 0, "job": first.json()["job"]}
    assert again.status_code == 202 and again.json()["job"] == first.json()["job"]
    job = ReportExport.objects.get()
    assert job.state == ExportState.DONE and job.progress == 100 and job.audience == "coordinator"
    done = client.get(url, {"format": "json"})
    assert done.status_code == 200 and ReportExport.objects.count() == 1
    document = json.loads(done.content)
    assert document["mark"] == "EXERCISE / 演练" and len(document["timeline"]) == rw.drill.timeline.count()


def test_the_page_shows_a_progress_bar_and_offers_the_file_when_done(
    rw: ReportWorld, client: Any, eager_celery: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(rw.users["observer"])
    with django_capture_on_commit_callbacks(execute=False) as queued:
        page = client.get(f"/drills/{rw.drill.pk}/report/export/xlsx/")
    assert page.status_code == 202
    html = page.content.decode()
    job = ReportExport.objects.get()
    assert "<progress" in html and "drillops/report_export.js" in html and "<script>" not in html
    status_url = f"/drills/{rw.drill.pk}/report/exports/{job.pk}/"
    assert f'data-status-url="{status_url}"' in html
    assert client.get(status_url).json() == {"status": "running", "progress": 0}
    assert client.get(status_url + "file/").status_code == 202
    for callback in queued:
        callback()
    status = client.get(status_url).json()
    assert status == {"status": "done", "progress": 100, "url": status_url + "file/"}
    made = client.get(status_url + "file/")
    assert made.status_code == 200 and made.content[:2] == b"PK" and job.version == 1
    # Another reader's role does not see this job (its content is the observers' version).
    client.force_login(rw.users["cs"])
    assert client.get(status_url).status_code == 404


def test_a_failed_build_says_so_and_the_next_request_starts_again(
    rw: ReportWorld, eager_celery: Any, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    from drillops.reports.services import exports

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr(exports, "render_export", broken)
    client = APIClient()
    client.force_authenticate(rw.users["coordinator"])
    url = f"/api/v1/drills/{rw.drill.pk}/report/export/"
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(url, {"format": "pdf"}).status_code == 202
    failed = ReportExport.objects.get()
    assert failed.state == ExportState.FAILED and "disk full" in failed.error
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(url, {"format": "pdf"}).status_code == 202
    assert client.get(url, {"format": "pdf"}).status_code == 200
    assert ReportExport.objects.filter(state=ExportState.DONE).count() == 1


def test_a_job_lost_with_its_worker_reads_as_failed(rw: ReportWorld, client: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    job = ReportExport.objects.create(drill=rw.drill, format="pdf", audience="coordinator", language="en")
    ReportExport.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(hours=1))
    client.force_login(rw.users["coordinator"])
    status = client.get(f"/drills/{rw.drill.pk}/report/exports/{job.pk}/").json()
    assert status["status"] == "failed" and "Try again" in status["message"]
