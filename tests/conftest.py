"""Shared fixtures. Tests use the real PostgreSQL and Redis named by DATABASE_URL / REDIS_URL."""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import Any

import pytest
from rest_framework.test import APIClient

from drillops.departments.models import Department, Organisation, Role

from .factories import DepartmentFactory, MembershipFactory, OrganisationFactory, UserFactory


@pytest.fixture
def org() -> Organisation:
    return OrganisationFactory(slug="acme-insurance", name="Acme Insurance")


@pytest.fixture
def cs(org: Organisation) -> Department:
    return DepartmentFactory(organisation=org, code="cs", name="Customer Service", name_zh="客户服务部")


@pytest.fixture
def risk(org: Organisation) -> Department:
    return DepartmentFactory(organisation=org, code="risk", name="Risk Management", name_zh="风险管理部")


@pytest.fixture
def coordinator(org: Organisation):
    return MembershipFactory(organisation=org, role=Role.COORDINATOR, user=UserFactory(username="coord")).user


@pytest.fixture
def cs_staff(org: Organisation, cs: Department):
    return MembershipFactory(organisation=org, role=Role.STAFF, department=cs, user=UserFactory(username="cs1")).user


@pytest.fixture
def risk_staff(org: Organisation, risk: Department):
    return MembershipFactory(
        organisation=org, role=Role.STAFF, department=risk, user=UserFactory(username="risk1")
    ).user


@pytest.fixture
def observer(org: Organisation):
    return MembershipFactory(organisation=org, role=Role.OBSERVER, user=UserFactory(username="obs1")).user


@pytest.fixture
def api() -> APIClient:
    return APIClient()


# --- A skipped test proves nothing: the suite fails on any skip (infra). ---------------
# Set DRILLOPS_ALLOW_SKIPS=1 to see skips as skips while working locally; make test and CI
# never set it.


def _skip_reason(longrepr: object) -> str:
    return str(longrepr[2]) if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)


def _fail_skipped(report: pytest.TestReport | pytest.CollectReport) -> None:
    if report.skipped and not hasattr(report, "wasxfail") and os.environ.get("DRILLOPS_ALLOW_SKIPS") != "1":
        reason = _skip_reason(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped, and a skipped test fails this suite: {reason}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    _fail_skipped(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    report = yield
    _fail_skipped(report)
    return report


@pytest.fixture(autouse=True)
def _no_failed_logins_counted() -> None:
    """Failed logins per address are counted in Redis, outside the rolled-back transaction: each
    test starts from none, so that the suite's wrong passwords never add up to a throttle."""
    from drillops.departments.login_guard import forget_address_failures

    forget_address_failures()


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: Any) -> None:
    """PBKDF2's deliberate slowness is a third of the suite's time, and proves nothing here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
