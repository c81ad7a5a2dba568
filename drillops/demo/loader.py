"""Loads the demo drill (demo_content.py) idempotently: every row is found by its natural key first,
so a second run changes nothing. The drill and its roster go through the timelines services."""

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
from drillops.demo import content
from drillops.departments.models import Department, Membership, Organisation, Role
from drillops.scenarios.models import (
    CriticalTask,
    EventAttachment,
    Objective,
    Scenario,
    ScenarioEvent,
    ScenarioVersion,
    VersionStatus,
)
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
    org, _created = Organisation.objects.get_or_create(
        slug=content.ORGANISATION["slug"],
        defaults={"name": content.ORGANISATION["name"][0], "time_zone": "Asia/Shanghai"},
    )
    return org


def _departments(org: Organisation) -> dict[str, Department]:
    departments = {}
    for code, name, name_zh, description in content.DEPARTMENTS:
        dept, _created = Department.objects.get_or_create(
            organisation=org,
            code=code,
            defaults={"name": name, "name_zh": name_zh, "description": f"{description[0]}\n{description[1]}"},
        )
        departments[code] = dept
    return departments


def _user(username: str, password: str, *, superuser: bool = False) -> Any:
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=username,
        defaults={"email": f"{username}@demo.drillops.test", "is_staff": superuser, "is_superuser": superuser},
    )
    if created or not user.check_password(password):
        user.set_password(password)
        user.save()
    return user


def _member(user: Any, org: Organisation, role: str, department: Department | None = None) -> None:
    Membership.objects.get_or_create(user=user, organisation=org, department=department, defaults={"role": role})


def _users(org: Organisation, departments: dict[str, Department], password: str) -> dict[str, Any]:
    users = {"admin": _user("admin", password, superuser=True)}
    _member(users["admin"], org, Role.COORDINATOR)
    users["coordinator"] = _user("coordinator", password)
    _member(users["coordinator"], org, Role.COORDINATOR)
    for name in ("observer", "observer2"):
        users[name] = _user(name, password)
        _member(users[name], org, Role.OBSERVER)
    for code, dept in departments.items():
        users[code] = _user(code, password)
        _member(users[code], org, Role.STAFF, dept)
    return users


def _target(spec: dict[str, Any] | None, departments: dict[str, Department]) -> dict[str, Any] | None:
    """A demo target with its department codes turned into ids."""
    if spec is None:
        return None
    return {k: departments[v].pk if k in ("department", "from", "to") else v for k, v in spec.items()}


def _objectives(version: ScenarioVersion, language: str, departments: dict[str, Department]) -> dict[str, Objective]:
    objectives = {}
    for seq, spec in enumerate(content.OBJECTIVES, start=1):
        objective = Objective.objects.create(
            version=version,
            sequence=seq,
            capability=_pick(spec["capability"], language),
            title=_pick(spec["title"], language),
            target=_pick(spec["target"], language),
        )
        for task_seq, task in enumerate(spec["tasks"], start=1):
            target = _target(content.TASK_TARGETS.get((spec["key"], task_seq - 1)), departments)
            CriticalTask.objects.create(
                objective=objective, sequence=task_seq, title=_pick(task, language), target=target
            )
        objectives[spec["key"]] = objective
    return objectives


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


def _event(
    version: ScenarioVersion, seq: int, spec: dict[str, Any], ctx: dict[str, Any], language: str
) -> ScenarioEvent:
    kind, depends_on, delay = spec.get("condition", ("", None, 0))
    event = ScenarioEvent.objects.create(
        version=version,
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
        condition_kind=kind,
        condition_event=ctx["events"].get(depends_on) if depends_on else None,
        condition_delay_seconds=delay,
    )
    event.departments.set([ctx["departments"][code] for code in spec["targets"]])
    if "attachment" in spec:
        EventAttachment.objects.create(
            event=event, title=_pick(spec["title"], language), content=_pick(spec["attachment"], language)
        )
    return event


def _scenario(org: Organisation, departments: dict[str, Department], language: str, by: Any) -> ScenarioVersion:
    """The scenario and its approved version 1; left alone when it exists (approved is immutable)."""
    scenario, _created = Scenario.objects.get_or_create(
        organisation=org,
        title=_pick(content.SCENARIO["title"], language),
        defaults={"description": _pick(content.SCENARIO["description"], language), "created_by": by},
    )
    version = scenario.versions.filter(number=1).first()
    if version is not None:
        return version
    version = ScenarioVersion.objects.create(
        scenario=scenario, number=1, status=VersionStatus.DRAFT, notes=_pick(content.SCENARIO["notes"], language)
    )
    ctx: dict[str, Any] = {
        "departments": departments,
        "objectives": _objectives(version, language, departments),
        "events": {},
    }
    for seq, spec in enumerate(content.EVENTS, start=1):
        ctx["events"][spec["key"]] = _event(version, seq, spec, ctx, language)
    version.status = VersionStatus.APPROVED
    version.approved_by = by
    version.approved_at = timezone.now()
    version.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    record(action="scenario.seed_demo", obj=version, actor=by, organisation_id=org.pk, data={"language": language})
    return version


def _drill(org: Organisation, version: ScenarioVersion, users: dict[str, Any], language: str) -> Drill:
    """One drill per demo version, created (with its roster) only when the version has none yet."""
    from drillops.timelines import services  # the timing helper's services; imported late on purpose

    drill = Drill.objects.filter(scenario_version=version).order_by("id").first()
    if drill is None:
        drill = services.drill_create(
            scenario=version.scenario,
            name=_pick(content.DRILL_NAME, language),
            time_scale=1.0,
            scheduled_start=next_start(org.tz),
            by=users["coordinator"],
        )
    seats: list[tuple[Any, Department | None, str]] = [(users["coordinator"], None, SeatRole.CONTROLLER)]
    seats += [(users[code], dept, SeatRole.PLAYER) for code, dept in _dept_map(org).items()]
    seats += [(users[name], None, SeatRole.OBSERVER) for name in ("observer", "observer2")]
    for user, dept, role in seats:
        if not RosterEntry.objects.filter(drill=drill, user=user, department=dept).exists():
            services.roster_add(drill=drill, user=user, department=dept, role=role, by=users["coordinator"])
    return drill


def _dept_map(org: Organisation) -> dict[str, Department]:
    return {
        d.code: d for d in Department.objects.filter(organisation=org, code__in=[c[0] for c in content.DEPARTMENTS])
    }


def load_demo(*, password: str, language: str) -> DemoResult:
    with transaction.atomic():
        org = _organisation()
        departments = _departments(org)
        users = _users(org, departments, password)
        version = _scenario(org, departments, language, users["coordinator"])
    # The drill goes through the timelines services, each its own transaction.
    drill = _drill(org, version, users, language)
    logins = [("admin", "administrator", ""), ("coordinator", "coordinator", "")]
    logins += [("observer", "observer", ""), ("observer2", "observer", "")]
    logins += [(code, "staff", f"{name} / {name_zh}") for code, name, name_zh, _d in content.DEPARTMENTS]
    return DemoResult(organisation=org, scenario=version.scenario, version=version, drill=drill, logins=logins)
