"""Web pages of running drills: the dashboard, the console (one page, three roles), the live
stream's door and the live fragment that the console fetches when the stream is down. Writes
live in views_actions.py and go through the services."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from drillops.departments.models import Role
from drillops.departments.selectors import department_ids_of, organisation_ids_of, role_of
from drillops.scenarios.models import Scenario
from drillops.timelines.board import Card, board, board_departments, head_context
from drillops.timelines.engine.notify import live_rev_key, redis_client
from drillops.timelines.forms import AdhocInjectForm, ForwardForm, MessageForm, StopForm, TriggerForm
from drillops.timelines.models import OPEN_STATUSES, Drill, DrillState, Inject, TimelineEntry
from drillops.timelines.plan import readiness
from drillops.timelines.selectors import (
    attach_missed,
    drill_role,
    drills_visible_to,
    failed_side_effects,
    inbox_split,
    inject_list,
    messages_of,
    scope_for,
    timeline_of,
)

TIMELINE_LIMIT = 200
FEED_LIMIT = 100
# The ASGI server (timelines.live) marks the requests it can hold open as a stream, and the
# stream view hands it what the page may see (a plain WSGI server marks nothing).
STREAM_SERVER_KEY = "drillops.live.server"
STREAM_GRANT_KEY = "drillops.live.grant"


# --- who may see what -------------------------------------------------------------------------


def get_drill_for(user: Any, pk: int) -> tuple[Drill, str]:
    drill = get_object_or_404(Drill.objects.select_related("organisation", "scenario_version__scenario"), pk=pk)
    role = drill_role(user, drill)
    if role is None:
        raise Http404
    return drill, role


def injects_for(drill: Drill, user: Any, role: str) -> QuerySet[Inject]:
    """What the visibility rule lets this user see: coordinators every row (also what is still to
    come) in due order; staff and observers what was delivered to them, newest first."""
    scope = scope_for(user, drill, role)
    injects = inject_list(drill=drill, user=user, scope=scope).select_related("department", "source", "acknowledged_by")
    if scope.sees_everything:
        return injects.select_related("event")
    return injects.order_by("-delivered_at", "-id")


def current_rev(drill_id: int) -> str:
    try:
        value = redis_client().get(live_rev_key(drill_id))
    except Exception:  # a Redis outage degrades to "always refresh", never to an error page
        return "x"
    return value.decode() if value is not None else "0"


# --- pages -----------------------------------------------------------------------------------


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    visible = drills_visible_to(user).select_related("organisation", "scenario_version__scenario")
    drills = _with_open_counts(list(visible.order_by("-created_at")[:100]), user)
    organisations = {d.organisation for d in drills}
    if len(organisations) == 1:
        timezone.activate(organisations.pop().tz)
    coordinated = organisation_ids_of(user, Role.COORDINATOR)
    scenarios = Scenario.objects.select_related("organisation").prefetch_related("versions")
    if not getattr(user, "is_superuser", False):
        scenarios = scenarios.filter(organisation_id__in=coordinated)
    context = {
        "drills": drills,
        "scenarios": scenarios.order_by("title")[:100],
        "can_author": bool(coordinated) or getattr(user, "is_superuser", False),
    }
    return render(request, "timelines/home.html", context)


def _with_open_counts(drills: list[Drill], user: Any) -> list[Drill]:
    """Marks each drill with how many delivered injects wait for the user's departments."""
    mine = {dept for org in organisation_ids_of(user, Role.STAFF) for dept in department_ids_of(user, org)}
    counts: dict[int, int] = {}
    if mine and drills:
        rows = (
            Inject.objects.filter(drill__in=drills, department_id__in=mine, status__in=OPEN_STATUSES)
            .values("drill_id")
            .annotate(n=Count("id"))
        )
        counts = {row["drill_id"]: row["n"] for row in rows}
    for drill in drills:
        drill.open_for_me = counts.get(drill.pk, 0)  # type: ignore[attr-defined]
    return drills


def live_context(drill: Drill, user: Any, role: str) -> dict[str, Any]:
    timezone.activate(drill.organisation.tz)
    rev = current_rev(drill.pk)  # before reading: a change in between shows as a newer revision
    scope = scope_for(user, drill, role)
    messages = messages_of(drill).select_related("department")
    failed = failed_side_effects(drill=drill, user=user, role=role)
    context: dict[str, Any] = {
        "drill": drill,
        "role": role,
        "rev": rev,
        "timeline_limit": TIMELINE_LIMIT,
        "feed_limit": FEED_LIMIT,
        "messages_feed": list(messages.order_by("-at", "-id")[:FEED_LIMIT]),
        "open_statuses": OPEN_STATUSES,
        **head_context(drill, scope, outbox_failed=failed),
    }
    if role == Role.COORDINATOR and drill.state == DrillState.SCHEDULED:
        context["readiness"] = readiness(drill)  # the start button names who would receive nothing
    if scope.watches_drill:
        timeline = timeline_of(drill=drill, user=user, scope=scope).select_related("actor", "department", "inject")
        context["timeline"] = list(timeline.order_by("-at", "-id")[:TIMELINE_LIMIT])
        cards = board(drill, scope)
        context["cards_now"] = sorted((c for c in cards if c.delivered), key=_newest_first)
        context["cards_upcoming"] = [c for c in cards if not c.delivered]
        context["board_departments"] = board_departments(cards)
    else:  # the inbox for triage: open items by deadline, the rest folded away
        injects = list(injects_for(drill, user, role)[:500])
        attach_missed(injects)
        context["injects"] = injects
        context["inbox_open"], context["inbox_done"] = inbox_split(injects)
    return context


def _newest_first(card: Card) -> tuple[float, int]:
    """The order of the live list (data-live-sort-by="delivered", descending)."""
    delivered = card.first_delivered_at
    return (-(delivered.timestamp() if delivered else 0.0), -card.order)


def _not_on_roster(request: HttpRequest, pk: int) -> HttpResponse:
    """The console of a drill the user may not see: still 404, but saying how to get in. The
    drill's name only for members of its organisation: to anyone else the page reads the same
    whether the drill exists or not."""
    drill = Drill.objects.select_related("created_by").filter(pk=pk).first()
    named = drill if drill is not None and role_of(request.user, drill.organisation_id) else None
    return render(request, "timelines/not_on_roster.html", {"drill": named}, status=404)


@login_required
@require_GET
def drill_console(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        drill, role = get_drill_for(request.user, pk)
    except Http404:
        return _not_on_roster(request, pk)
    context = live_context(drill, request.user, role)
    context["message_form"] = MessageForm()
    if role == Role.COORDINATOR:
        context["stop_form"] = StopForm()
        context["adhoc_form"] = AdhocInjectForm(organisation_id=drill.organisation_id)
        context["trigger_form"] = TriggerForm(version_id=drill.scenario_version_id)
        context["roster"] = drill.roster.select_related("user", "department")
    if role == Role.OBSERVER:
        version = drill.scenario_version
        context["objectives"] = version.objectives.prefetch_related("critical_tasks")
        context["flag_entry"] = _entry_from_query(drill, request.user, request.GET.get("entry", ""))
        context["my_observations"] = drill.observations.filter(observer_id=request.user.pk).order_by("-created_at")
    return render(request, "timelines/console.html", context)


def _entry_from_query(drill: Drill, user: Any, value: str) -> TimelineEntry | None:
    """The timeline entry an observer chose to comment on (?entry=<id>), if it is one of this
    drill's timeline as the observer sees it."""
    if not value.isdigit():
        return None
    return timeline_of(drill=drill, user=user).filter(pk=int(value)).select_related("inject", "department").first()


@never_cache
@login_required
@require_GET
def drill_live(request: HttpRequest, pk: int) -> HttpResponse:
    """Fetched when the stream is down (or asks for it): 204 while the drill's revision is
    unchanged, else the fresh fragment."""
    drill, role = get_drill_for(request.user, pk)
    seen = request.GET.get("rev")
    if seen is not None and seen == current_rev(drill.pk) and seen != "x":
        return HttpResponse(status=204)
    # The comms feed sits outside the fragment; it rides along as an out-of-band swap.
    return render(request, "timelines/_live.html", {**live_context(drill, request.user, role), "oob": True})


@never_cache
@login_required
@require_GET
def drill_stream(request: HttpRequest, pk: int) -> HttpResponse:
    """Server-sent events of the changes this user may see of the drill. The view decides who
    may listen and with which scope (the visibility rule's, computed once here); the ASGI server
    holds the stream. Under a plain WSGI server it tells the page to poll instead."""
    drill, role = get_drill_for(request.user, pk)
    response = HttpResponse(content_type="text/event-stream")
    response["X-Accel-Buffering"] = "no"  # proxies such as nginx must not hold the events back
    if STREAM_SERVER_KEY not in request.META:
        response.content = b"retry: 60000\nevent: fallback\ndata: {}\n\n"
        return response
    scope = scope_for(request.user, drill, role)
    seen = request.headers.get("Last-Event-ID") or request.GET.get("rev", "")
    request.META[STREAM_GRANT_KEY] = {
        "drill": drill.pk,
        "user": request.user.pk,
        "role": role,
        "departments": sorted(scope.departments),
        "language": getattr(request, "LANGUAGE_CODE", "") or "en",
        "rev": seen[:20],
        "inject": _inject_page(request.GET.get("inject", "")),
        "entries_after": TimelineEntry.objects.filter(drill=drill).aggregate(last=Max("id"))["last"] or 0,
    }
    return response


def _inject_page(value: str) -> int:
    """An inject page's stream names its inject: only that page gets the page's own pieces (what
    it may see of them is still its scope's to decide)."""
    return int(value) if value.isdigit() and len(value) < 12 else 0


@never_cache
@login_required
@require_GET
def inject_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The inject's page. Its read-only part (#live) follows the drill's live stream; with
    ?part=live it is that part alone (204 while the drill's revision is unchanged), which the
    page fetches when the stream is down. The forms beside it are never replaced."""
    inject = get_object_or_404(
        Inject.objects.select_related("drill__organisation", "department", "source__department"), pk=pk
    )
    drill, role = get_drill_for(request.user, inject.drill_id)
    if not injects_for(drill, request.user, role).filter(pk=inject.pk).exists():
        raise Http404
    rev = current_rev(drill.pk)
    live_only = request.GET.get("part") == "live"
    seen = request.GET.get("rev")
    if live_only and seen is not None and seen == rev and seen != "x":
        return HttpResponse(status=204)
    timezone.activate(drill.organisation.tz)
    attach_missed([inject])
    context = {
        "drill": drill,
        "role": role,
        "rev": rev,
        "inject": inject,
        "entries": inject.entries.select_related("actor").order_by("at", "id"),
        "steps": inject.escalation_steps.select_related("target_department") if role != Role.STAFF else [],
        "can_act": role == Role.STAFF and not drill.is_over,
        "open_statuses": OPEN_STATUSES,
    }
    if live_only:
        return render(request, "timelines/_inject_detail_live.html", context)
    context["forward_form"] = ForwardForm(organisation_id=drill.organisation_id, exclude_id=inject.department_id)
    return render(request, "timelines/inject_detail.html", context)
