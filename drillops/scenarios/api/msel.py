"""The API's MSEL doors: import (multipart, 201/200/400 with `errors`) and export (?format=xlsx|csv).

DRF reserves `format` for its renderers; settings turn that URL override off (URL_FORMAT_OVERRIDE
None), so `?format=` reaches the export, which answers with the file itself, not through a renderer.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from drillops.core.errors import InvalidInput
from drillops.departments.models import Organisation
from drillops.scenarios.models import Scenario, ScenarioVersion
from drillops.scenarios.msel.export import XLSX_TYPE, export_version
from drillops.scenarios.msel.parse import parse_options
from drillops.scenarios.msel.reader import MAX_BODY, MAX_BYTES, ImportRefused, content_length, error
from drillops.scenarios.msel.services import msel_import

FORMATS = ("xlsx", "csv")


class ImportRequestSerializer(serializers.Serializer):
    """Documents the multipart fields (DESIGN.md, API); the import service reads and checks them."""

    file = serializers.FileField(help_text="XLSX or CSV, at most 10 MB, 10,000 rows, 200 columns.")
    mapping = serializers.CharField(required=False, help_text='JSON: {"event field": "sheet header"}.')
    start_time = serializers.CharField(required=False, help_text="HH:MM[:SS]: clock times count from it.")
    create_missing_departments = serializers.BooleanField(required=False)
    all_departments_value = serializers.CharField(required=False, help_text='Instead of "all" / "全部".')
    dry_run = serializers.BooleanField(required=False, help_text="Answer 200 with the preview; create nothing.")
    title = serializers.CharField(required=False, help_text="The scenario's title (else the file's name).")


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True, help_text="1-based sheet row; null for the whole file.")
    column = serializers.CharField(allow_null=True, help_text="The sheet's header of the bad cell.")
    message = serializers.CharField()
    sheet = serializers.CharField(allow_null=True)


class ImportErrorsSerializer(serializers.Serializer):
    errors = ImportErrorSerializer(many=True)  # type: ignore[assignment]  # a field named like Serializer.errors


EXPORT_PARAMETERS = [
    OpenApiParameter("format", str, enum=list(FORMATS), description="xlsx (default) or csv"),
    OpenApiParameter("lang", str, enum=["en", "zh-hans"], description="Header language (default: the request's)"),
    OpenApiParameter("version", int, description="Version number (default: the latest)"),
]
EXPORT_RESPONSES = {(200, XLSX_TYPE): OpenApiTypes.BINARY, (200, "text/csv"): OpenApiTypes.BINARY}


def _refused(errors: list[dict[str, Any]]) -> Response:
    return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)


def import_response(request: Request, organisation: Organisation, scenario_data: Any) -> Response:
    """Runs the import for a request; `scenario_data(scenario)` renders the created scenario."""
    if content_length(request) > MAX_BODY:
        return _refused([error(_("The file is larger than 10 MB."))])
    data: Any = request.data
    upload = data.get("file")
    if upload is None or not hasattr(upload, "read"):
        return _refused([error(_("Choose a file (XLSX or CSV) in the field “file”."))])
    if upload.size is not None and upload.size > MAX_BYTES:
        return _refused([error(_("The file is larger than 10 MB."))])
    try:
        options = parse_options(data)
        result = msel_import(
            organisation=organisation, by=request.user, data=upload.read(), filename=upload.name or "", options=options
        )
    except ImportRefused as exc:
        return _refused(exc.errors)
    if result.scenario is None:
        return Response(result.preview, status=status.HTTP_200_OK)
    body = {**scenario_data(result.scenario), "events_created": len(result.preview["events"])}
    body["departments_created"] = result.preview["departments_created"]
    return Response(body, status=status.HTTP_201_CREATED)


def _version(scenario: Scenario, number: str | None) -> ScenarioVersion:
    versions = scenario.versions.order_by("-number")
    if number:
        if not number.isdigit():
            raise InvalidInput({"version": [_("A version number, e.g. 1.")]})
        version = versions.filter(number=int(number)).first()
    else:
        version = versions.first()
    if version is None:
        raise InvalidInput({"version": [_("This scenario has no such version.")]})
    return version


def export_response(scenario: Scenario, params: Any) -> HttpResponse:
    fmt = (params.get("format") or "xlsx").lower()
    if fmt not in FORMATS:
        raise InvalidInput({"format": [_("Choose xlsx or csv.")]})
    language = params.get("lang") or get_language() or "en"
    content, name, content_type = export_version(_version(scenario, params.get("version")), fmt, language)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    return response
