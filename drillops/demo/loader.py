"""Loads the demo drill (content.py) through the services, idempotently: every row is found by its
natural key first and only what is missing is created, so a second run changes nothing."""

from __future__ import annotations

import os
import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from drillops.core.audit import record
from drillops.core.errors import DomainError
from drillops.demo import content
from drillops.departments import accounts
from drillops.departments import services as departments
from drillops.departments.models import Department, Organisation, Role
from drillops.reports import services as reports
from drillops.reports.models import Case
from drillops.scenarios import services as authoring
from drillops.scenarios.models import Objective, Scenario, ScenarioEvent, ScenarioVersion
from drillops.scenarios.selectors import latest_approved_version
from drillops.timelines import services as drills
from drillops.timelines.models import Drill, RosterEntry, SeatRole

DEFAULT_PASSWORD = "drillops-demo"  # noqa: S105 - the documented demo password, overridable
LANGUAGES = ("en", "zh-hans")
# The seed is a Chinese insurer's drill, so Chinese content is the default.
DEFAULT_LANGUAGE = "zh-hans"
START_TIME = time(9, 0)


def demo_password(explicit: str | None = None) -> str:
    return explicit or os.environ.get("DRILLOPS_DEMO_PASSWORD") or DEFAULT_PASSWORD


def demo_language(explicit: str | None = None) -> str:
    language = (explicit or os.environ.get("DRILLOPS_DEMO_LANGUAGE") or DEFAULT_LANGUAGE).lower()
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    return language


@dataclass
class DemoResult:
    organisation: Organisation
    scenario: Scenario
    version: ScenarioVersion
    drill: Drill
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # username, role, department


def _pick(text: tuple[str, str], language: str) -> str:
    return text[1] if language == "zh-hans" else text[0]


def next_start(tz: zoneinfo.ZoneInfo, now: datetime | None = None) -> datetime:
    """The next 09:00 in the organisation's time zone (today's if it is still ahead)."""
    local_now = (now or timezone.now()).astimezone(tz)
    start = datetime.combine(local_now.date(), START_TIME, tzinfo=tz)
    return start if start > local_now else datetime.combine(local_now.date() + timedelta(days=1), START_TIME, tzinfo=tz)


def _organisation() -> Organisation:
    spec = content.ORGANISATION
    found = Organisation.objects.filter(slug=spec["slug"]).first()
    return found or departments.organisation_create(by=None, slug=str(spec["slug"]), name=spec["name"][0])


def _departments(org: Organisation) -> dict[str, Department]:
    found = {d.code: d for d in Department.objects.filter(organisation=org)}
    for code, name, name_zh, description in content.DEPARTMENTS:
        if code not in found:
            found[code] = departments.department_create(
                organisation=org, by=None, code=code, name=name, name_zh=name_zh, description="\n".join(description)
            )
    return {code: found[code] for code, *_rest in content.DEPARTMENTS}


def _account(org: Organisation, username: str, role: str, department: Department | None = None) -> tuple[Any, bool]:
    """(user, created): the account of that username, made through the account service if missing."""
    user = get_user_model().objects.filter(username=username).first()
    if user is not None:
        return user, False
    return (
        accounts.setup_account_create(
            organisation=org,
            username=username,
            role=role,
            email=f"{username}@demo.drillops.test",
            departments=[department] if department else [],
        ),
        True,
    )


def _credentials(org: Organisation, user: Any, created: bool, password: str, *, superuser: bool = False) -> None:
    """The demo's logins take the password the command was given: the account service sets none
    (a new person chooses their own), and no service makes a superuser."""
    changed = []
    if created or not user.check_password(password):  # a check costs a hash: not for a new account
        user.set_password(password)
        changed.append("password")
    if superuser and not (user.is_staff and user.is_superuser):
        user.is_staff = user.is_superuser = True
        changed += ["is_staff", "is_superuser"]
    if changed:
        user.save(update_fields=changed)
        record(action="demo.credentials", obj=user, organisation_id=org.pk, data={"changed": changed})


def _users(org: Organisation, departments: dict[str, Department], password: str) -> dict[str, Any]:
    made = {name: _account(org, name, Role.COORDINATOR) for name in ("admin", "coordinator")}
    made |= {name: _account(org, name, Role.OBSERVER) for name in ("observer", "observer2")}
    made |= {code: _account(org, code, Role.STAFF, dept) for code, dept in departments.items()}
    for name, (user, created) in made.items():
        _credentials(org, user, created, password, superuser=name == "admin")
    return {name: user for name, (user, _created) in made.items()}


def _target(spec: dict[str, Any] | None, departments: dict[str, Department]) -> dict[str, Any] | None:
    """A demo target with its department codes turned into ids."""
    if spec is None:
        return None
    return {k: departments[v].pk if k in ("department", "from", "to") else v for k, v in spec.items()}


def _objectives(scenario: Scenario, by: Any, language: str, departments: dict[str, Department]) -> dict[str, Objective]:
    def task(key: str, index: int, title: Any) -> dict[str, Any]:
        return {"title": _pick(title, language), "target": _target(content.TASK_TARGETS.get((key, index)), departments)}

    return {
        spec["key"]: authoring.objective_create(
            scenario=scenario,
            by=by,
            sequence=seq,
            capability=_pick(spec["capability"], language),
            title=_pick(spec["title"], language),
            target=_pick(spec["target"], language),
            critical_tasks=[task(spec["key"], i, title) for i, title in enumerate(spec["tasks"])],
        )
        for seq, spec in enumerate(content.OBJECTIVES, start=1)
    }


def _ladder(spec: dict[str, Any], departments: dict[str, Department], language: str) -> list[dict[str, Any]]:
    return [
        {
            "after_seconds": s["after_seconds"],
            # A step names a department by code, or a role ("coordinator") that no department has as code.
            **(
                {"department": departments[s["department"]].pk}
                if s["department"] in departments
                else {"role": s["department"]}
            ),
            "message": _pick(s["message"], language),
            "unless": s["unless"],
            **(
                {"response_deadline_seconds": s["response_deadline_seconds"]}
                if "response_deadline_seconds" in s
                else {}
            ),
        }
        for s in spec.get("escalations", [])
    ]


def _event(scenario: Scenario, seq: int, spec: dict[str, Any], ctx: dict[str, Any], language: str) -> ScenarioEvent:
    kind, depends_on, delay = spec.get("condition", ("", None, 0))
    event = authoring.event_create(
        scenario=scenario,
        by=ctx["by"],
        sequence=seq,
        offset_seconds=spec["offset"],
        title=_pick(spec["title"], language),
        body=_pick(spec["body"], language),
        channel=spec["channel"],
        sender=_pick(spec["sender"], language),
        expected_action=_pick(spec["expected"], language),
        is_decision=spec.get("is_decision", False),
        objective=ctx["objectives"].get(spec.get("objective", "")),
        response_deadline_seconds=spec.get("deadline"),
        escalations=_ladder(spec, ctx["departments"], language),
        condition={"kind": kind, "event": ctx["events"][depends_on].pk, "delay_seconds": delay} if kind else None,
        departments=[ctx["departments"][code] for code in spec["targets"]],
    )
    if "attachment" in spec:
        authoring.attachment_create(
            event=event, by=ctx["by"], title=_pick(spec["title"], language), content=_pick(spec["attachment"], language)
        )
    return event


def _scenario(org: Organisation, departments: dict[str, Department], language: str, by: Any) -> ScenarioVersion:
    """The scenario, written as a draft and approved; once it exists, its latest approved version."""
    title = _pick(content.SCENARIO["title"], language)
    scenario = Scenario.objects.filter(organisation=org, title=title).order_by("id").first()
    if scenario is not None:
        version = latest_approved_version(scenario)
        if version is None:
            raise DomainError(f"The demo scenario {title!r} exists but has no approved version: approve or delete it.")
        return version
    description = _pick(content.SCENARIO["description"], language)
    scenario = authoring.scenario_create(organisation=org, by=by, title=title, description=description)
    authoring.version_update(scenario=scenario, by=by, notes=_pick(content.SCENARIO["notes"], language))
    ctx: dict[str, Any] = {
        "by": by,
        "departments": departments,
        "objectives": _objectives(scenario, by, language, departments),
    }
    ctx["events"] = {}
    for seq, spec in enumerate(content.EVENTS, start=1):
        ctx["events"][spec["key"]] = _event(scenario, seq, spec, ctx, language)
    authoring.version_submit(scenario=scenario, by=by)
    return authoring.version_approve(scenario=scenario, by=by)


def _drill(
    org: Organisation,
    version: ScenarioVersion,
    departments: dict[str, Department],
    users: dict[str, Any],
    language: str,
) -> Drill:
    """One drill per demo version, created (with its roster) only when the version has none yet."""
    drill = Drill.objects.filter(scenario_version=version).order_by("id").first()
    if drill is None:
        drill = drills.drill_create(
            scenario=version.scenario,
            name=_pick(content.DRILL_NAME, language),
            time_scale=1.0,
            scheduled_start=next_start(org.tz),
            by=users["coordinator"],
        )
    seats: list[tuple[Any, Department | None, str]] = [(users["coordinator"], None, SeatRole.CONTROLLER)]
    seats += [(users[code], dept, SeatRole.PLAYER) for code, dept in departments.items()]
    seats += [(users[name], None, SeatRole.OBSERVER) for name in ("observer", "observer2")]
    for user, dept, role in seats:
        if not RosterEntry.objects.filter(drill=drill, user=user, department=dept).exists():
            drills.roster_add(drill=drill, user=user, department=dept, role=role, by=users["coordinator"])
    return drill


def load_cases(org: Organisation, by: Any, language: str) -> list[Case]:
    """The seed's real incidents in the organisation's case library, through the reports
    services; a case already there (same title) is left alone."""
    cases = []
    for spec in content.CASES:
        title = _pick(spec["title"], language)
        case = Case.objects.filter(organisation=org, title=title).first()
        if case is None:
            case = reports.case_create(
                organisation=org,
                by=by,
                kind=spec["kind"],
                title=title,
                summary=_pick(spec["summary"], language),
                resolution_change=spec.get("resolution_change"),
                satisfaction_change=spec.get("satisfaction_change"),
                tags=[_pick(tag, language) for tag in spec["tags"]],
            )
        cases.append(case)
    return cases


def load_demo(*, password: str, language: str) -> DemoResult:
    with transaction.atomic():
        org = _organisation()
        departments = _departments(org)
        users = _users(org, departments, password)
        version = _scenario(org, departments, language, users["coordinator"])
    # The drill goes through the timelines services, each its own transaction.
    drill = _drill(org, version, departments, users, language)
    load_cases(org, users["coordinator"], language)
    logins = [("admin", "administrator", ""), ("coordinator", "coordinator", "")]
    logins += [("observer", "observer", ""), ("observer2", "observer", "")]
    logins += [(code, "staff", f"{name} / {name_zh}") for code, name, name_zh, _d in content.DEPARTMENTS]
    return DemoResult(organisation=org, scenario=version.scenario, version=version, drill=drill, logins=logins)
