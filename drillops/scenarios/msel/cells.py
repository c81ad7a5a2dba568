"""Cell syntax of the MSEL sheet, both ways: what import reads and what export writes.

Export writes only what import reads back to the same value, so that export -> import -> export
gives the same cells: text is normalised the same way both ways (stripped, newlines as "\\n",
characters a workbook cannot hold dropped), durations are written as HH:MM:SS, departments as
codes one per line, ladder steps one per line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

PG_INT_MAX = 2_147_483_647
DAY = 24 * 3600
UNLESS_WORDS = {
    "acknowledged": "acknowledged",
    "ack": "acknowledged",
    "确认": "acknowledged",
    "已确认": "acknowledged",
    "resolved": "resolved",
    "解决": "resolved",
    "已解决": "resolved",
}
TRUE_WORDS = {"yes", "y", "true", "1", "x", "是", "需要", "✓"}
FALSE_WORDS = {"no", "n", "false", "0", "否", "不需要", ""}
# The optional fifth field of a ladder step: its own response deadline.
STEP_DEADLINE = re.compile(r"^(?P<message>.*);\s*(?:deadline|时限)\s*=\s*(?P<value>[^;]*?)\s*$", re.DOTALL)
DURATION = re.compile(r"^(\d{1,6}):([0-5]\d)(?::([0-5]\d))?$")
LIST_SPLIT = re.compile(r"[\n;；]")


# Names of values in messages, translated only when a message is made (not for every cell read).
THE_TIME = gettext_lazy("The time")
STEP_DELAY = gettext_lazy("The step's delay")
STEP_DEADLINE_NAME = gettext_lazy("The step's deadline")
CONDITION_SEQUENCE = gettext_lazy("The condition's sequence")
CONDITION_DELAY = gettext_lazy("The condition's delay")


class CellError(ValueError):
    """A cell that does not say what its column needs; the message names the problem."""


def text(value: Any) -> str:
    """Text as stored: newlines as \\n, no characters an XLSX cannot hold, no outer spaces."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    result = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return ILLEGAL_CHARACTERS_RE.sub("", result).strip()


def _whole(value: Any, what: Any) -> int:
    if isinstance(value, bool):
        raise CellError(_("%(what)s must be a whole number of seconds.") % {"what": what})
    if isinstance(value, float):
        if not value.is_integer():
            raise CellError(_("%(what)s must be a whole number of seconds.") % {"what": what})
        value = int(value)
    if not isinstance(value, int) or value < 0 or value > PG_INT_MAX:
        raise CellError(_("%(what)s must be a whole number of seconds, 0 or more.") % {"what": what})
    return value


def _hms(value: str) -> tuple[int, int, int] | None:
    match = DURATION.match(value)
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)


def parse_duration(value: Any, what: Any) -> int:
    """Seconds from a number, "HH:MM:SS" (also "HH:MM"), or a time/duration cell of a workbook."""
    if isinstance(value, timedelta):
        return _whole(value.total_seconds(), what)
    if isinstance(value, time):
        return value.hour * 3600 + value.minute * 60 + value.second
    if isinstance(value, int | float):
        return _whole(value, what)
    raw = text(value)
    if raw.isdigit():
        return _whole(int(raw), what)
    parts = _hms(raw)
    if parts is None:
        raise CellError(_("%(what)s must be seconds or HH:MM:SS, not “%(value)s”.") % {"what": what, "value": raw})
    return _whole(parts[0] * 3600 + parts[1] * 60 + parts[2], what)


def parse_offset(value: Any, start: time | None) -> int:
    """An offset from the start. With `start`, HH:MM[:SS] (and a workbook's time cells) are clock
    times, `start` being offset 0 and an earlier clock time the next day; numbers stay seconds."""
    what = THE_TIME
    if start is None or isinstance(value, timedelta | int | float):
        return parse_duration(value, what)
    if isinstance(value, datetime):
        value = value.time()
    if isinstance(value, time):
        clock = value.hour * 3600 + value.minute * 60 + value.second
    else:
        raw = text(value)
        if raw.isdigit():
            return _whole(int(raw), what)
        parts = _hms(raw)
        if parts is None or parts[0] > 23:
            raise CellError(_("The time must be a clock time HH:MM[:SS] or seconds, not “%(value)s”.") % {"value": raw})
        clock = parts[0] * 3600 + parts[1] * 60 + parts[2]
    begin = start.hour * 3600 + start.minute * 60 + start.second
    return (clock - begin) % DAY


def format_duration(seconds: int | None) -> str:
    if seconds is None:
        return ""
    hours, rest = divmod(seconds, 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raw = text(value).casefold()
    if raw in TRUE_WORDS:
        return True
    if raw in FALSE_WORDS:
        return False
    raise CellError(_("Write yes or no (是 or 否), not “%(value)s”.") % {"value": raw})


def format_bool(value: bool, chinese: bool) -> str:
    if chinese:
        return "是" if value else "否"
    return "yes" if value else "no"


def parse_sequence(value: Any, what: Any) -> int | None:
    """A sequence number (an event's or an objective's), or None for an empty cell."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    raw = text(value)
    if raw == "":
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= PG_INT_MAX:
        raise CellError(
            _("%(what)s must be a whole number, 1 or more, not “%(value)s”.") % {"what": what, "value": raw}
        )
    return int(raw)


def parse_list(value: Any) -> list[str]:
    """Names or codes, one per line or separated by ";"."""
    return [item.strip() for item in LIST_SPLIT.split(text(value)) if item.strip()]


@dataclass(frozen=True)
class StepCell:
    """One ladder step as written: its target is a department (code or name) or a role."""

    after_seconds: int
    target: str
    unless: str
    message: str
    response_deadline_seconds: int | None = None


def _parse_step(line: str) -> StepCell:
    deadline: int | None = None
    marker = STEP_DEADLINE.match(line) if line.count(";") >= 4 else None
    if marker is not None:
        line = marker.group("message")
        value = marker.group("value").strip()
        deadline = parse_duration(value, STEP_DEADLINE_NAME) if value else None
    fields = re.split(r"[;；]", line, maxsplit=3)
    if len(fields) < 2 or not fields[1].strip():
        raise CellError(_("Write each step as after_seconds;department or role;acknowledged|resolved;message."))
    after = parse_duration(fields[0].strip(), STEP_DELAY)
    unless_word = fields[2].strip().casefold() if len(fields) > 2 else ""
    unless = UNLESS_WORDS.get(unless_word) if unless_word else "acknowledged"
    if unless is None:
        raise CellError(_("Write acknowledged or resolved, not “%(value)s”.") % {"value": fields[2].strip()})
    message = fields[3].strip() if len(fields) > 3 else ""
    return StepCell(after, fields[1].strip(), unless, message, deadline)


def parse_ladder(value: Any) -> list[StepCell]:
    steps = []
    for number, line in enumerate((ln for ln in text(value).split("\n") if ln.strip()), start=1):
        try:
            steps.append(_parse_step(line.strip()))
        except CellError as exc:
            raise CellError(_("Step %(n)d: %(message)s") % {"n": number, "message": exc}) from exc
    return steps


def format_step(step: StepCell) -> str:
    message = text(step.message).replace("\n", " ")
    line = f"{step.after_seconds};{step.target};{step.unless};{message}"
    if step.response_deadline_seconds is not None:
        return f"{line};deadline={step.response_deadline_seconds}"
    # A message that itself ends like the deadline field gets an empty one, so it reads back whole.
    return f"{line};deadline=" if STEP_DEADLINE.match(line) and line.count(";") >= 4 else line


def parse_condition(value: Any) -> tuple[str, int, int] | None:
    """`after_resolved:<sequence>:<seconds>` or `if_not_acknowledged:<sequence>:<seconds>`."""
    raw = text(value)
    if raw == "":
        return None
    fields = re.split(r"[:：]", raw, maxsplit=2)
    kind = fields[0].strip().casefold()
    if kind not in ("after_resolved", "if_not_acknowledged") or len(fields) < 2:
        raise CellError(
            _("Write after_resolved:<sequence>:<seconds> or if_not_acknowledged:<sequence>:<seconds>, not “%(value)s”.")
            % {"value": raw}
        )
    sequence = parse_sequence(fields[1].strip(), CONDITION_SEQUENCE)
    if sequence is None:
        raise CellError(_("The condition names no event sequence."))
    delay = parse_duration(fields[2].strip(), CONDITION_DELAY) if len(fields) > 2 else 0
    return kind, sequence, delay


def format_condition(kind: str, sequence: int, delay: int) -> str:
    return f"{kind}:{sequence}:{delay}" if kind else ""
