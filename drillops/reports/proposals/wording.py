"""A proposal in words, in the language of whoever reads it: stored as a rule with its figures, it
is worded when shown, and its words become the finding's when the coordinator accepts it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from drillops.departments.models import Department
from drillops.reports.formatting import department_name, duration_text, figure_text, target_text
from drillops.reports.models import FindingKind, FindingProposal, ProposalRule
from drillops.scenarios.targets import METRICS


@dataclass(frozen=True)
class Words:
    title: str
    analysis: str
    item_title: str


def words(proposal: FindingProposal, departments: dict[int, Department]) -> Words:
    title, analysis, item_title = _RULES[proposal.rule](proposal, proposal.params or {}, departments)
    if proposal.target and proposal.rule not in (ProposalRule.TASK_MISSED, ProposalRule.TASK_MET):
        analysis += " " + _("Target: %(target)s.") % {"target": target_text(proposal.target, departments)}
    return Words(title=title[:200], analysis=analysis, item_title=item_title[:200])


def _figure(proposal: FindingProposal) -> str:
    spec = METRICS.get(proposal.metric)
    return figure_text(proposal.figure, spec.unit if spec else "count")


Departments = dict[int, Department]
Worded = tuple[str, str, str]


def _namer(departments: Departments) -> Callable[[Any], str]:
    return lambda pk: department_name(departments, pk)


def _task(proposal: FindingProposal, p: dict[str, Any], departments: Departments) -> Worded:
    target = target_text(proposal.target, departments)
    task = p.get("task", "")
    if proposal.rule == ProposalRule.TASK_MET:
        analysis = _("Target: %(target)s. Measured: %(figure)s, well within it.")
        title = _("Met comfortably: %(task)s") % {"task": task}
    elif p.get("never"):
        analysis = _("Target: %(target)s. Nothing in this drill reached it: no figure to measure.")
        title = _("Over target: %(task)s") % {"task": task}
    else:
        analysis = _("Target: %(target)s. Measured: %(figure)s.")
        title = _("Over target: %(task)s") % {"task": task}
    item_title = _("Reach the target: %(task)s") % {"task": task}
    return title, analysis % {"target": target, "figure": _figure(proposal)}, item_title


def _handoff(proposal: FindingProposal, p: dict[str, Any], departments: Departments) -> Worded:
    name = _namer(departments)
    pair = {"from": name(p.get("from")), "to": name(p.get("to"))}
    title = _("Slowest hand-off: %(from)s → %(to)s") % pair
    count = p.get("count", 0)
    analysis = ngettext(
        "From %(from)s receiving an event to %(to)s getting it passed on: median %(p50)s, longest %(max)s, "
        "over %(count)d event.",
        "From %(from)s receiving an event to %(to)s getting it passed on: median %(p50)s, longest %(max)s, "
        "over %(count)d events.",
        count,
    ) % {**pair, "p50": duration_text(p.get("p50")), "max": duration_text(p.get("max")), "count": count}
    return title, analysis, _("Speed up the hand-off from %(from)s to %(to)s") % pair


def _slowest(p: dict[str, Any], name: Callable[[Any], str]) -> str:
    return _("; ").join(
        _("%(title)s (%(department)s): %(time)s")
        % {
            "title": s["title"],
            "department": name(s["department"]),
            "time": duration_text(s["seconds"]) if s["seconds"] is not None else _("never"),
        }
        for s in p.get("slowest", [])
    )


def _decisions(proposal: FindingProposal, p: dict[str, Any], departments: Departments) -> Worded:
    name = _namer(departments)
    if proposal.kind == FindingKind.STRENGTH:
        title = _("Decisions taken within their deadlines")
    else:
        title = _("Slow or missing decisions")
    analysis = ngettext(
        "%(count)d inject expected a decision; %(late)d came after the deadline or never (%(never)d never). "
        "Median decision latency: %(p50)s. Slowest: %(slowest)s.",
        "%(count)d injects expected a decision; %(late)d came after the deadline or never (%(never)d never). "
        "Median decision latency: %(p50)s. Slowest: %(slowest)s.",
        p.get("count", 0),
    ) % {
        "count": p.get("count", 0),
        "late": p.get("late", 0),
        "never": p.get("never", 0),
        "p50": _figure(proposal),
        "slowest": _slowest(p, name),
    }
    return title, analysis, _("Faster decisions under pressure")


def _deadlines(proposal: FindingProposal, p: dict[str, Any], departments: Departments) -> Worded:
    name = _namer(departments)
    title = ngettext(
        "%(missed)d of %(total)d response deadline missed",
        "%(missed)d of %(total)d response deadlines missed",
        p.get("with_deadline", 0),
    ) % {
        "missed": p.get("missed", 0),
        "total": p.get("with_deadline", 0),
    }
    levels = ", ".join(_("level %(level)d: %(count)d") % {"level": lv, "count": n} for lv, n in p.get("by_level", []))
    most = ", ".join(f"{name(pk)} ({n})" for pk, n in p.get("departments", []))
    analysis = _("Deadline compliance: %(share)s. Escalations: %(count)d%(levels)s. Most missed: %(departments)s.") % {
        "share": _figure(proposal),
        "count": p.get("escalations", 0),
        "levels": f" ({levels})" if levels else "",
        "departments": most,
    }
    return title, analysis, _("Meet response deadlines")


def _press(proposal: FindingProposal, p: dict[str, Any], departments: Departments) -> Worded:
    name = _namer(departments)
    title = _("Press question answered slowly or flagged: %(title)s") % {"title": p.get("title", "")}
    department = name(p.get("department"))
    if p.get("seconds") is None:
        analysis = _("%(department)s never answered it.") % {"department": department}
    else:
        analysis = _("%(department)s answered in %(answer)s (deadline %(deadline)s).") % {
            "department": department,
            "answer": duration_text(p.get("seconds")),
            "deadline": duration_text(p.get("deadline")),
        }
    notes = [
        " ".join(x for x in (o.get("rating"), o.get("flag"), o.get("note")) if x) for o in p.get("observations", [])
    ]
    if notes:
        analysis += " " + _("Observers: %(notes)s") % {"notes": "; ".join(notes)}
    return title, analysis, _("Answer press questions faster")


_RULES: dict[str, Callable[[FindingProposal, dict[str, Any], Departments], Worded]] = {
    ProposalRule.TASK_MISSED: _task,
    ProposalRule.TASK_MET: _task,
    ProposalRule.HANDOFF_SLOWEST: _handoff,
    ProposalRule.DECISIONS: _decisions,
    ProposalRule.DEADLINES: _deadlines,
    ProposalRule.PRESS: _press,
}
