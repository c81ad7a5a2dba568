"""Checks of MSEL input that need the database: ids of the right organisation and version,
escalation ladders and conditions. Services call them; they raise InvalidInput with field messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from drillops.core.errors import InvalidInput
from drillops.departments.models import Department, Role
from drillops.scenarios.models import TITLE_MAX_LENGTH, ConditionKind, Objective, ScenarioEvent, ScenarioVersion
from drillops.scenarios.targets import Target, TargetError

# Mirrors timelines' EscalationUnless; authoring never imports the running drill.
UNLESS_VALUES = ("acknowledged", "resolved")
FREE_TEXT_MAX = 10_000
STEP_KEYS = {"after_seconds", "department", "role", "message", "unless", "response_deadline_seconds"}
SECONDS_MAX = 2_147_483_647  # an integer column
MAX_STEPS = 20


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_seconds(value: Any) -> bool:
    """Whole seconds that fit the integer columns the dispatcher copies them into."""
    return _is_whole(value) and value <= SECONDS_MAX


def _fail(field: str, message: Any) -> InvalidInput:
    return InvalidInput({field: [str(message)]})


def check_departments(version: ScenarioVersion, departments: list[Department]) -> None:
    org_id = version.scenario.organisation_id
    if any(d.organisation_id != org_id for d in departments):
        raise _fail("departments", _("A department belongs to another organisation."))


def check_objective(version: ScenarioVersion, objective: Objective | None) -> None:
    if objective is not None and objective.version_id != version.pk:
        raise _fail("objective", _("The objective belongs to another scenario version."))


def _step_error(index: int, message: Any) -> InvalidInput:
    return InvalidInput({"escalations": [str(_("Step %(n)d: %(message)s") % {"n": index + 1, "message": message})]})


@dataclass(frozen=True)
class KnownDepartments:
    """The departments a ladder may name: read once per ladder (or once per imported sheet)."""

    ids: frozenset[int]
    codes: frozenset[str]

    @classmethod
    def of(cls, organisation_id: int) -> KnownDepartments:
        rows = Department.objects.filter(organisation_id=organisation_id).values_list("pk", "code")
        return cls(ids=frozenset(pk for pk, _code in rows), codes=frozenset(code for _pk, code in rows))


def _step_target(index: int, step: dict[str, Any], known: KnownDepartments) -> dict[str, Any]:
    department, role = step.get("department"), step.get("role")
    if (department is None) == (role in (None, "")):
        raise _step_error(index, _("give either a department or a role."))
    if department is not None:
        if not (_is_whole(department) and department in known.ids):
            raise _step_error(index, _("unknown department."))
        return {"department": department}
    if not isinstance(role, str) or (role not in Role.values and role not in known.codes):
        raise _step_error(index, _("unknown role."))
    return {"role": role}


def normalize_escalations(
    version: ScenarioVersion, steps: Any, *, known: KnownDepartments | None = None
) -> list[dict[str, Any]]:
    """The ladder as stored: each step has after_seconds, department or role, message, unless, and
    response_deadline_seconds when it gives the escalation a deadline of its own. `known` saves the
    department look-up when many ladders of one organisation are checked."""
    if steps is None:
        return []
    if not isinstance(steps, list):
        raise _fail("escalations", _("Expected a list of steps."))
    if len(steps) > MAX_STEPS:
        raise _fail("escalations", _("At most %(n)d steps.") % {"n": MAX_STEPS})
    clean = []
    for index, step in enumerate(steps):
        if not isinstance(step, dict):
            raise _step_error(index, _("expected an object."))
        unknown = set(step) - STEP_KEYS
        if unknown:
            raise _step_error(index, _("unknown keys: %(keys)s.") % {"keys": ", ".join(sorted(unknown))})
        if not _is_seconds(step.get("after_seconds")):
            raise _step_error(index, _("after_seconds must be a whole number of seconds, 0 or more."))
        message = step.get("message", "")
        # PostgreSQL cannot store NUL in text or jsonb: refuse it here rather than fail at the INSERT.
        if not isinstance(message, str) or len(message) > FREE_TEXT_MAX or "\x00" in message:
            raise _step_error(index, _("message must be text of at most %(n)d characters.") % {"n": FREE_TEXT_MAX})
        unless = step.get("unless", "acknowledged")
        if unless not in UNLESS_VALUES:
            raise _step_error(index, _("unless must be 'acknowledged' or 'resolved'."))
        if known is None:
            known = KnownDepartments.of(version.scenario.organisation_id)
        target = _step_target(index, step, known)
        clean.append({"after_seconds": step["after_seconds"], **target, "message": message, "unless": unless})
        clean[-1].update(_step_deadline(index, step))
    return clean


def _step_deadline(index: int, step: dict[str, Any]) -> dict[str, Any]:
    """The escalation's own response deadline, when the step gives one (null or absent: none)."""
    deadline = step.get("response_deadline_seconds")
    if deadline is None:
        return {}
    if not _is_seconds(deadline):
        raise _step_error(index, _("response_deadline_seconds must be a whole number of seconds, 0 or more."))
    return {"response_deadline_seconds": deadline}


def normalize_condition(
    version: ScenarioVersion, condition: Any, event: ScenarioEvent | None = None
) -> tuple[str, ScenarioEvent | None, int]:
    """{"kind", "event", "delay_seconds"} (or null) -> (condition_kind, condition_event, delay)."""
    if condition in (None, {}):
        return "", None, 0
    if not isinstance(condition, dict):
        raise _fail("condition", _("Expected an object with kind, event and delay_seconds."))
    unknown = set(condition) - {"kind", "event", "delay_seconds"}
    if unknown:
        raise _fail("condition", _("Unknown keys: %(keys)s.") % {"keys": ", ".join(sorted(unknown))})
    kind = condition.get("kind")
    if kind not in ConditionKind.values:
        raise _fail("condition", _("Unknown kind; use one of: %(kinds)s.") % {"kinds": ", ".join(ConditionKind.values)})
    delay = condition.get("delay_seconds", 0)
    if not _is_seconds(delay):
        raise _fail("condition", _("delay_seconds must be a whole number of seconds, 0 or more."))
    target_id: Any = condition.get("event")
    target = ScenarioEvent.objects.filter(pk=int(target_id), version=version).first() if _is_whole(target_id) else None
    if target is None:
        raise _fail("condition", _("The condition's event is not an event of this scenario version."))
    if event is not None and _waits_for(target, event):
        raise _fail("condition", _("An event cannot wait for itself, directly or through others."))
    return kind, target, delay


def _waits_for(start: ScenarioEvent, event: ScenarioEvent) -> bool:
    """Whether `start` is `event` or (transitively) waits for it: that condition would never be met."""
    node: ScenarioEvent | None = start
    seen: set[int] = set()
    while node is not None and node.pk not in seen:
        if node.pk == event.pk:
            return True
        seen.add(node.pk)
        node = node.condition_event
    return False


def condition_as_json(event: ScenarioEvent) -> dict[str, Any] | None:
    if not event.condition_kind:
        return None
    return {
        "kind": event.condition_kind,
        "event": event.condition_event_id,
        "delay_seconds": event.condition_delay_seconds,
    }


def check_target(version: ScenarioVersion, data: Any, field: str = "target") -> dict[str, Any] | None:
    """A structured target as stored (or None): its shape, and departments of the organisation."""
    if data is None:
        return None
    try:
        target = Target.from_json(data)
    except TargetError as exc:
        raise InvalidInput({field: exc.messages}) from exc
    known = set(
        Department.objects.filter(
            organisation_id=version.scenario.organisation_id, pk__in=target.department_ids
        ).values_list("pk", flat=True)
    )
    if known != target.department_ids:
        raise _fail(field, _("A department of the target is not one of the organisation's."))
    return target.as_json()


def normalize_critical_tasks(version: ScenarioVersion, tasks: Any) -> list[dict[str, Any]]:
    """Critical tasks as titles, or as {"title", "target"} objects -> [{"title", "target"}]."""
    if not isinstance(tasks, list | tuple):
        raise _fail("critical_tasks", _("Expected a list of titles or of {title, target} objects."))
    clean = []
    for task in tasks:
        title, target = (task, None) if isinstance(task, str) else _task_parts(task)
        if not title.strip() or len(title) > TITLE_MAX_LENGTH or "\x00" in title:
            raise _fail("critical_tasks", _("A title of at most %(n)d characters.") % {"n": TITLE_MAX_LENGTH})
        clean.append({"title": title.strip(), "target": check_target(version, target, "critical_tasks")})
    return clean


def _task_parts(task: Any) -> tuple[str, Any]:
    if not isinstance(task, dict) or set(task) - {"title", "target"} or not isinstance(task.get("title"), str):
        raise _fail("critical_tasks", _("A critical task is a title or an object {title, target}."))
    return task["title"], task.get("target")
