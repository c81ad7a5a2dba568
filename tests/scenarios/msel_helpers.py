"""Spreadsheets built in memory for the MSEL import and export tests, and how to read them back."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

IMPORT_URL = "/api/v1/scenarios/import/"
EN_HEADERS = ["sequence", "offset", "title", "body", "channel", "sender", "departments"]


def xlsx(rows: list[list[Any]], sheets: dict[str, list[list[Any]]] | None = None, title: str = "MSEL") -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for name, more in (sheets or {}).items():
        extra = workbook.create_sheet(name)
        for row in more:
            extra.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list[Any]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def upload(client: APIClient, data: bytes, name: str = "msel.xlsx", **fields: Any) -> Any:
    body: dict[str, Any] = {"file": SimpleUploadedFile(name, data)}
    for key, value in fields.items():
        body[key] = json.dumps(value) if isinstance(value, dict) else value
    return client.post(IMPORT_URL, body, format="multipart")


def sheet_values(data: bytes) -> dict[str, list[list[Any]]]:
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in workbook.worksheets}
    finally:
        workbook.close()


def csv_values(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def error_cells(response: Any) -> set[tuple[int | None, str | None]]:
    return {(e["row"], e["column"]) for e in response.json()["errors"]}
