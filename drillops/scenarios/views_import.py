"""The MSEL upload page for coordinators: choose a file, see its headers, map them to event fields,
preview the rows as events (a dry run), import. Every step posts the whole form again (the browser
keeps the chosen file), so nothing is stored between steps. With htmx the answers are fragments;
without it, the whole page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from drillops.departments.models import Organisation
from drillops.departments.selectors import acting_organisation
from drillops.scenarios.msel.columns import EVENT_COLUMNS, is_chinese, sheet_role
from drillops.scenarios.msel.export import XLSX_TYPE
from drillops.scenarios.msel.parse import layout_for, parse_options
from drillops.scenarios.msel.reader import MAX_BODY, MAX_BYTES, ImportRefused, content_length, error, read_upload
from drillops.scenarios.msel.services import msel_import
from drillops.scenarios.msel.template import template_workbook

FIELD_LABELS = {
    "sequence": gettext_lazy("Sequence"),
    "offset": gettext_lazy("Time (offset or clock time)"),
    "title": gettext_lazy("Title"),
    "body": gettext_lazy("Body"),
    "channel": gettext_lazy("Channel"),
    "sender": gettext_lazy("Sender"),
    "departments": gettext_lazy("Target departments"),
    "expected_action": gettext_lazy("Expected action"),
    "is_decision": gettext_lazy("Decision?"),
    "response_deadline": gettext_lazy("Response deadline"),
    "escalations": gettext_lazy("Escalation ladder"),
    "objective": gettext_lazy("Objective"),
    "condition": gettext_lazy("Condition"),
}
PREVIEW_ROWS = 200


def _organisation(request: HttpRequest) -> Organisation:
    organisation = acting_organisation(request.user)
    if organisation is None:
        raise Http404  # the page is the coordinators'; others are not told it exists
    return organisation


def _mapping_rows(data: bytes) -> dict[str, Any]:
    upload = read_upload(data)
    layout, _errors = layout_for(upload.events, None)
    first = next((row for row in upload.events.rows[1:] if any(c not in (None, "") for c in row)), ())
    headers = [
        {"name": h, "sample": str(first[i])[:80] if i < len(first) and first[i] is not None else ""}
        for i, h in enumerate(layout.headers)
        if h
    ]
    rows = [
        {
            "key": c.key,
            "label": FIELD_LABELS[c.key],
            "chosen": layout.header_of(c.key) if c.key in layout.positions else "",
        }
        for c in EVENT_COLUMNS
    ]
    return {"fields": rows, "headers": headers, "sheet": upload.events.name, "row_count": len(upload.events.rows) - 1}


def _options_data(request: HttpRequest) -> dict[str, Any]:
    data: dict[str, Any] = {key: request.POST.get(key, "") for key in ("title", "start_time", "all_departments_value")}
    data["create_missing_departments"] = request.POST.get("create_missing_departments", "")
    if request.POST.get("mapping_shown"):
        data["mapping"] = {c.key: request.POST.get(f"map_{c.key}", "") for c in EVENT_COLUMNS}
    data["dry_run"] = "true" if request.POST.get("step") != "import" else ""
    return data


def _run(request: HttpRequest, organisation: Organisation, data: bytes, name: str) -> dict[str, Any] | HttpResponse:
    step = request.POST.get("step", "preview")
    if step == "headers":
        return {"mapping": _mapping_rows(data)}
    result = msel_import(
        organisation=organisation,
        by=request.user,
        data=data,
        filename=name,
        options=parse_options(_options_data(request)),
    )
    if result.scenario is None:
        events = result.preview["events"]
        return {"preview": result.preview, "shown": events[:PREVIEW_ROWS], "more": max(0, len(events) - PREVIEW_ROWS)}
    count = len(result.preview["events"])
    messages.success(request, ngettext("Imported %(n)d event.", "Imported %(n)d events.", count) % {"n": count})
    target = reverse("scenario_detail", args=[result.scenario.pk])
    if request.headers.get("HX-Request"):
        return HttpResponse(status=204, headers={"HX-Redirect": target})
    return redirect(target)


def _answer(request: HttpRequest, organisation: Organisation) -> dict[str, Any] | HttpResponse:
    if content_length(request) > MAX_BODY:  # refused before the body is read
        return {"errors": [error(_("The file is larger than 10 MB."))]}
    upload = request.FILES.get("file")
    if upload is None:
        return {"errors": [error(_("Choose a file (XLSX or CSV)."))]}
    if upload.size is not None and upload.size > MAX_BYTES:
        return {"errors": [error(_("The file is larger than 10 MB."))]}
    try:
        return _run(request, organisation, upload.read(), upload.name or "")
    except ImportRefused as exc:
        # The page names a sheet only where it is not the events sheet (the Objectives sheet).
        return {
            "errors": [
                {**e, "sheet": e["sheet"] if sheet_role(e["sheet"] or "") == "objectives" else ""} for e in exc.errors
            ]
        }


@login_required
@require_http_methods(["GET", "POST"])
def scenario_import(request: HttpRequest) -> HttpResponse:
    organisation = _organisation(request)
    context: dict[str, Any] = {"organisation": organisation, "columns": EVENT_COLUMNS}
    if request.method == "POST":
        answer = _answer(request, organisation)
        if isinstance(answer, HttpResponse):
            return answer
        context.update(answer)
        if request.headers.get("HX-Request"):
            fragment = "scenarios/_import_mapping.html" if "mapping" in answer else "scenarios/_import_result.html"
            return render(request, fragment, context)
    return render(request, "scenarios/import.html", context)


@login_required
@require_GET
def scenario_import_template(request: HttpRequest) -> HttpResponse:
    _organisation(request)
    language = "zh-hans" if is_chinese(request.GET.get("lang") or get_language()) else "en"
    name = "MSEL-模板-template-zh.xlsx" if language == "zh-hans" else "MSEL-template-en.xlsx"
    response = HttpResponse(template_workbook(language), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    return response
