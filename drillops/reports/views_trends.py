"""The trend page (/trends/, coordinators; anyone else 404): one metric of the organisation's
finished drills, drill over drill, as a line for the drills run at one time scale (drills at
other time scales listed as not comparable), with the real incidents of the case library beside
it. The same query as GET /api/v1/trends/ (reports.forms_trends)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from drillops.departments.models import Department, Role
from drillops.departments.selectors import has_any_role
from drillops.reports.charts import Point, line_chart
from drillops.reports.formatting import figure_text
from drillops.reports.forms_trends import TrendForm
from drillops.reports.selectors import trends
from drillops.scenarios.targets import SECONDS


@login_required
@require_GET
def trends_page(request: HttpRequest) -> HttpResponse:
    if not has_any_role(request.user, Role.COORDINATOR):
        raise Http404
    form = TrendForm(request.GET, user=request.user)
    if not form.is_valid() or form.cleaned_data["organisation"] is None:
        return render(request, "reports/trends.html", {"form": form}, status=400)
    organisation = form.cleaned_data["organisation"]
    timezone.activate(organisation.tz)
    result = trends(form.query())
    departments = {d.pk: d for d in Department.objects.filter(organisation=organisation).order_by("code")}
    context = _context(result, departments)
    for series in context["others"]:
        series["link"] = urlencode({**request.GET.dict(), "time_scale": series["time_scale"]})
    return render(request, "reports/trends.html", {"form": form, **context})


def _pair_name(pair: dict[str, Any] | None, departments: dict[int, Department]) -> str:
    if not pair or pair.get("from") is None:
        return ""
    names = [departments[pk].display_name if pk in departments else "?" for pk in (pair["from"], pair["to"])]
    return " → ".join(names)


def _context(result: dict[str, Any], departments: dict[int, Department]) -> dict[str, Any]:
    unit = result["unit"]
    shown = [s for s in result["series"] if s["comparable"]]
    others = [s for s in result["series"] if not s["comparable"]]
    points = shown[0]["points"] if shown else []
    pair = _pair_name(result["pair"], departments)
    label = _("%(metric)s: %(pair)s") % {"metric": result["label"], "pair": pair} if pair else result["label"]
    chart = line_chart(
        [Point(p["name"], p["value"]) for p in points],
        label=_("%(metric)s, drill over drill") % {"metric": label},
        format_value=lambda value: figure_text(value, unit),
        time_axis=unit == SECONDS,
    )
    return {
        "result": result, "label": label, "unit": unit, "points": points, "others": others, "chart": chart,
        "departments": departments.values(), "pair": result["pair"] or {},
        "pairs": [{**p, "name": _pair_name(p, departments)} for p in result["pairs"]],
        "scales": sorted({s["time_scale"] for s in result["series"]}),
    }  # fmt: skip
