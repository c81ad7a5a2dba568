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


# --- rules of the MSEL as a whole: each problem named, on the event and field it concerns ------------

# How far a response deadline may run past the drill's last event. The drill is as long as its last
# event's offset; the injects near the end need time to be answered, and an hour covers every answer
# the reference drill asks for (its longest deadline is 20 minutes, its press conference an hour
# after the start). A deadline that ends later still leaves the drill standing open for nobody:
# almost always a unit slip, hours typed where minutes were meant ("10:00:00" for ten minutes).
DEADLINE_MARGIN_SECONDS = 3600


@dataclass
class Row:
    """One event as the rules see it: plain values, so an edit can be checked before it is saved."""

    key: int  # the event's id; NEW_ROW for one not saved yet
    sequence: int
    title: str
    offset: int
    deadline: int | None
    departments: frozenset[int]
    codes: frozenset[str]
    steps: list[dict[str, Any]]
    condition_kind: str = ""
    condition_on: int | None = None
    delay: int = 0


@dataclass(frozen=True)
class Problem:
    key: int
    sequence: int
    field: str
    message: str


NEW_ROW = 0


def row_of(event: ScenarioEvent, departments: list[Department] | None = None) -> Row:
    targets = list(event.departments.all()) if departments is None else departments
    return Row(
        key=event.pk or NEW_ROW,
        sequence=event.sequence or 0,
        title=event.title,
        offset=event.offset_seconds or 0,
        deadline=event.response_deadline_seconds,
        departments=frozenset(d.pk for d in targets),
        codes=frozenset(d.code for d in targets),
        steps=[s for s in event.escalations or [] if isinstance(s, dict)],
        condition_kind=event.condition_kind,
        condition_on=event.condition_event_id if event.condition_kind else None,
        delay=event.condition_delay_seconds or 0,
    )


def _hms(seconds: int) -> str:
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


def _label(row: Row) -> str:
    return f"#{row.sequence} \u201c{row.title}\u201d"


def earliest_starts(rows: list[Row]) -> dict[int, int]:
    """The earliest scenario second each event can arrive: its offset, or for a conditional event
    the moment its condition can first be met (the event it waits for arrives; for "if not
    acknowledged", that event's deadline passes), plus the delay."""
    by_key = {row.key: row for row in rows}
    starts: dict[int, int] = {}

    def start(row: Row, seen: frozenset[int]) -> int:
        if row.key in starts:
            return starts[row.key]
        source = by_key.get(row.condition_on) if row.condition_on is not None else None
        if source is None or source.key in seen:
            value = row.offset
        else:
            value = start(source, seen | {row.key}) + row.delay
            if row.condition_kind == ConditionKind.IF_NOT_ACKNOWLEDGED:
                value += source.deadline or 0
        starts[row.key] = value
        return value

    for row in rows:
        start(row, frozenset())
    return starts


def _condition_problems(row: Row, by_key: dict[int, Row]) -> list[Problem]:
    if row.condition_on is None:
        return []
    source = by_key.get(row.condition_on)
    if source is None:
        return []
    if source.key == row.key:
        message = str(_("The event waits for itself: it would never arrive."))
    elif source.sequence >= row.sequence:
        message = _(
            "It waits for %(event)s, which comes later in the list: an event can only wait for an earlier one."
        ) % {"event": _label(source)}
        message = str(message)
    else:
        return []
    return [Problem(row.key, row.sequence, "condition", str(message))]


def _ladder_problems(row: Row, names: dict[int, str]) -> list[Problem]:
    problems = []
    for index, step in enumerate(row.steps):
        department, role = step.get("department"), step.get("role")
        if department in row.departments:
            target = names.get(department, str(department))
        elif isinstance(role, str) and role in row.codes:
            target = role
        else:
            continue
        message = _(
            "Step %(n)d escalates to %(target)s, which already receives this event: "
            "escalate to another department or to the coordinator."
        ) % {"n": index + 1, "target": target}
        problems.append(Problem(row.key, row.sequence, "escalations", str(message)))
    return problems


def _deadline_problems(row: Row, start: int, end: int) -> list[Problem]:
    if row.deadline is None or start + row.deadline <= end + DEADLINE_MARGIN_SECONDS:
        return []
    message = _(
        "The response deadline (%(deadline)s) runs to T+%(until)s, longer than the drill: its last event "
        "is at T+%(end)s, and a deadline may end at most %(margin)s after it."
    ) % {
        "deadline": _hms(row.deadline),
        "until": _hms(start + row.deadline),
        "end": _hms(end),
        "margin": _hms(DEADLINE_MARGIN_SECONDS),
    }
    return [Problem(row.key, row.sequence, "response_deadline_seconds", str(message))]


def msel_problems(rows: list[Row], names: dict[int, str]) -> list[Problem]:
    """Every problem of a version's events, in list order: conditions on later events (or on
    themselves), ladders that escalate to the event's own departments, deadlines longer than the drill."""
    by_key = {row.key: row for row in rows}
    starts = earliest_starts(rows)
    end = max(starts.values(), default=0)
    problems: list[Problem] = []
    for row in sorted(rows, key=lambda r: r.sequence):
        problems += _condition_problems(row, by_key)
        problems += _ladder_problems(row, names)
        problems += _deadline_problems(row, starts[row.key], end)
    return problems


def waiting_problems(rows: list[Row], key: int) -> list[Problem]:
    """Events that wait for event `key` but now come before it: told on `key`'s sequence."""
    by_key = {row.key: row for row in rows}
    moved = by_key[key]
    problems = []
    for row in sorted(rows, key=lambda r: r.sequence):
        if row.condition_on == key and row.key != key and row.sequence <= moved.sequence:
            message = _("%(event)s waits for this event, so this one has to come before it.") % {"event": _label(row)}
            problems.append(Problem(key, moved.sequence, "sequence", str(message)))
    return problems


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
