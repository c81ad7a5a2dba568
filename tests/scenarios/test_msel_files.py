"""What the import refuses before reading a row: files that are not what they claim, decompression
bombs and files beyond the limits. Each refusal is a 400 with `errors` and creates nothing."""

from __future__ import annotations

import io
import struct
import time
import zipfile
from typing import Any

from drillops.scenarios.models import Scenario
from drillops.scenarios.msel.reader import MAX_BYTES, MAX_COLUMNS, MAX_ROWS

from ..api.world import World
from .msel_helpers import EN_HEADERS, csv_bytes, upload, xlsx

ROWS = [EN_HEADERS, [1, "0", "A", "B", "call", "", "cs"]]


def _refused(client: Any, data: bytes, name: str = "msel.xlsx") -> list[dict[str, Any]]:
    before = Scenario.objects.count()
    response = upload(client, data, name)
    assert response.status_code == 400, response.content[:300]
    assert Scenario.objects.count() == before
    return response.json()["errors"]


def _rezip(data: bytes, replace: dict[str, bytes]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for item in source.infolist():
            target.writestr(item.filename, replace.get(item.filename, source.read(item.filename)))
    return buffer.getvalue()


def test_a_workbook_that_really_inflates_past_100_to_1_is_refused_unread(world: World, client_as: Any) -> None:
    normal = xlsx(ROWS)
    sheet = zipfile.ZipFile(io.BytesIO(normal)).read("xl/worksheets/sheet1.xml")
    # 30 MB of whitespace inside the sheet XML: valid XML that deflates about 1000:1.
    bomb = _rezip(
        normal, {"xl/worksheets/sheet1.xml": sheet.replace(b"<sheetData>", b"<sheetData>" + b" " * 30_000_000)}
    )
    assert len(bomb) < 200_000
    started = time.monotonic()
    errors = _refused(client_as("coordinator"), bomb)
    assert time.monotonic() - started < 2
    assert "100:1" in errors[0]["message"] and errors[0]["row"] is None


def test_a_workbook_that_declares_a_huge_size_is_refused(world: World, client_as: Any) -> None:
    data = bytearray(xlsx(ROWS))
    start = data.find(b"PK\x01\x02")
    while start != -1:  # every central-directory entry says it inflates to 1 GB
        data[start + 24 : start + 28] = struct.pack("<I", 1_000_000_000)
        start = data.find(b"PK\x01\x02", start + 4)
    errors = _refused(client_as("coordinator"), bytes(data))
    assert "100:1" in errors[0]["message"]


def test_a_binary_renamed_xlsx_is_refused_by_content(world: World, client_as: Any) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    assert "neither" in _refused(client_as("coordinator"), png)[0]["message"]
    old_xls = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512
    assert ".xls" in _refused(client_as("coordinator"), old_xls)[0]["message"]
    not_a_workbook = io.BytesIO()
    with zipfile.ZipFile(not_a_workbook, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    assert "not an XLSX" in _refused(client_as("coordinator"), not_a_workbook.getvalue())[0]["message"]
    truncated = xlsx(ROWS)[:2000]
    assert _refused(client_as("coordinator"), truncated)


def test_an_xlsx_renamed_csv_is_still_read_as_a_workbook(world: World, client_as: Any) -> None:
    response = upload(client_as("coordinator"), xlsx(ROWS), "msel.csv")
    assert response.status_code == 201


def test_text_with_control_bytes_and_an_empty_file_are_refused(world: World, client_as: Any) -> None:
    assert _refused(client_as("coordinator"), b"sequence,offset\x07\n1,0\n", "msel.csv")
    assert _refused(client_as("coordinator"), b"", "msel.csv")


def test_more_than_10000_rows_are_refused(world: World, client_as: Any) -> None:
    rows = [EN_HEADERS] + [[n, "0", f"E{n}", "B", "call", "", "cs"] for n in range(1, MAX_ROWS + 2)]
    errors = _refused(client_as("coordinator"), csv_bytes(rows), "big.csv")
    assert errors[0]["row"] == MAX_ROWS + 2 and "10,000" in errors[0]["message"]


def test_more_than_200_columns_are_refused(world: World, client_as: Any) -> None:
    wide = [EN_HEADERS + [f"extra {n}" for n in range(MAX_COLUMNS)], ROWS[1]]
    errors = _refused(client_as("coordinator"), xlsx(wide))
    assert errors[0]["row"] == 1 and "200" in errors[0]["message"]


def test_files_over_10_mb_are_refused(world: World, client_as: Any) -> None:
    padding = b"," * (MAX_BYTES + 1024 - len(csv_bytes(ROWS)))
    assert "10 MB" in _refused(client_as("coordinator"), csv_bytes(ROWS) + padding, "big.csv")[0]["message"]
    assert "10 MB" in _refused(client_as("coordinator"), b"a" * (MAX_BYTES + 1024 * 1024), "huge.csv")[0]["message"]


def test_missing_file_and_missing_columns_are_named(world: World, client_as: Any) -> None:
    response = client_as("coordinator").post("/api/v1/scenarios/import/", {}, format="multipart")
    assert response.status_code == 400 and response.json()["errors"][0]["row"] is None
    errors = _refused(client_as("coordinator"), xlsx([["title", "body"], ["A", "B"]]))
    assert {e["message"].split(":")[0] for e in errors} == {"No column gives offset", "No column gives departments"}
