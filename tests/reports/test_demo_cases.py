"""The demo loads the seed's real incidents into the case library, through the services."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from drillops.core.models import AuditEntry
from drillops.reports.models import Case, QuestionnaireTemplate
from drillops.reports.selectors import search_cases

pytestmark = pytest.mark.django_db


def _seed(*args: str) -> None:
    call_command("seed_demo", "--password", "demo-pass-1", *args, stdout=io.StringIO())


def test_the_demo_library_holds_the_seeds_real_incidents() -> None:
    _seed("--language", "en")
    streamlined = Case.objects.get(title__contains="streamlined communication flow")
    assert (streamlined.resolution_change, streamlined.satisfaction_change) == (-0.30, 0.15)
    mass = Case.objects.get(title__contains="several hundred consumers")
    assert mass.satisfaction_change == 0.20 and mass.kind == "incident"
    assert AuditEntry.objects.filter(action="case.create").count() == 2


def test_the_chinese_demo_cases_are_found_by_投诉() -> None:
    _seed("--language", "zh-hans")
    _seed("--language", "zh-hans")  # a second run adds nothing
    assert search_cases(Case.objects.all(), "投诉").count() == 2 == Case.objects.count()
    assert QuestionnaireTemplate.objects.filter(is_default=True).count() == 2
