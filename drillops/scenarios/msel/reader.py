"""An uploaded MSEL file -> its sheets as rows of cell values, within the limits.

The type is told by content, never by the name: an XLSX is a zip with a workbook's parts, a CSV
is text (UTF-8, with or without a BOM, or GB18030 as Chinese Excel saves "CSV"). A zip that
would inflate more than 100:1 is refused from its entries' declared sizes before any XML is read
(zipfile never inflates an entry past its declared size, so the declaration is the bound).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from drillops.scenarios.msel.columns import sheet_role

MAX_BYTES = 10 * 1024 * 1024
# A multipart body carries the file plus a few short fields: allow for them above the file's limit.
MAX_BODY = MAX_BYTES + 256 * 1024
MAX_ROWS = 10_000
MAX_COLUMNS = 200
MAX_INFLATION = 100
XLSX_PARTS = ("[Content_Types].xml", "xl/workbook.xml")
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def error(message: str, row: int | None = None, column: str | None = None, sheet: str | None = None) -> dict[str, Any]:
    return {"row": row, "column": column, "message": message, "sheet": sheet}


def content_length(request: Any) -> int:
    """The declared size of a request's body, to refuse a huge upload before it is read."""
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class ImportRefused(Exception):
    """The file (or some of its rows) cannot be imported; `errors` names every problem."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(errors)} errors")
        self.errors = errors


@dataclass
class Sheet:
    name: str
    rows: list[tuple[Any, ...]] = field(default_factory=list)  # rows[0] is the sheet's row 1

    @property
    def headers(self) -> list[str]:
        return [str(h).strip() if h is not None else "" for h in (self.rows[0] if self.rows else ())]


@dataclass
class Upload:
    kind: str  # "xlsx" or "csv"
    events: Sheet
    objectives: Sheet | None = None


def _trimmed(row: Iterable[Any]) -> tuple[Any, ...]:
    cells = list(row)
    while cells and (cells[-1] is None or cells[-1] == ""):
        cells.pop()
    return tuple(cells)


def _bounded(rows: Iterator[Iterable[Any]], sheet: str) -> list[tuple[Any, ...]]:
    """Rows up to the limits; a sheet beyond them is refused rather than cut."""
    kept: list[tuple[Any, ...]] = []
    for number, row in enumerate(rows, start=1):
        cells = _trimmed(row)
        if len(cells) > MAX_COLUMNS:
            message = _("This row has %(n)d columns; at most %(max)d are read.") % {"n": len(cells), "max": MAX_COLUMNS}
            raise ImportRefused([error(message, number, None, sheet)])
        if number > MAX_ROWS + 1:
            message = _("The sheet has more than %(max)s rows; split it.") % {"max": f"{MAX_ROWS:,}"}
            raise ImportRefused([error(message, number, None, sheet)])
        kept.append(cells)
    while kept and not any(c not in (None, "") for c in kept[-1]):
        kept.pop()
    return kept


def _inline_text(element: Any) -> str:
    """The text of an inline string: its <t>, or its runs' <t>s (phonetic runs left out)."""
    from openpyxl.xml.constants import SHEET_MAIN_NS

    plain = element.find(f"{{{SHEET_MAIN_NS}}}t")
    if plain is not None:
        return plain.text or ""
    return "".join(run.findtext(f"{{{SHEET_MAIN_NS}}}t") or "" for run in element.findall(f"{{{SHEET_MAIN_NS}}}r"))


def _sheet_rows(worksheet: Any) -> Iterator[tuple[Any, ...]]:
    """Cell values row by row, from the sheet's XML as it is (its declared size may lie).

    openpyxl reads an inline string (what openpyxl itself writes, our exports included) through its
    rich-text model at ~40 µs a cell; this reads its text directly and leaves every other kind of
    cell (shared strings, numbers, dates and times by their style) to openpyxl's parser. It uses
    openpyxl's read-only internals (`_get_source`, WorkSheetParser), pinned in requirements.txt.
    """
    from openpyxl.utils.cell import coordinate_to_tuple
    from openpyxl.worksheet._reader import INLINE_STRING, WorkSheetParser

    class Parser(WorkSheetParser):
        def parse_cell(self, element: Any) -> dict[str, Any]:
            if element.get("t") != "inlineStr":
                return dict(super().parse_cell(element))
            coordinate = element.get("r")
            if coordinate:
                row, self.col_counter = coordinate_to_tuple(coordinate)
            else:
                row, self.col_counter = self.row_counter, self.col_counter + 1
            child = element.find(INLINE_STRING)
            value = _inline_text(child) if child is not None else None
            return {"row": row, "column": self.col_counter, "value": value, "data_type": "s", "style_id": 0}

    workbook = worksheet.parent
    with worksheet._get_source() as source:
        parser = Parser(
            source,
            worksheet._shared_strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        expected = 1
        for index, parsed in parser.parse():
            for _gap in range(expected, index):
                yield ()
            values: list[Any] = [None] * max((cell["column"] for cell in parsed), default=0)
            for cell in parsed:
                values[cell["column"] - 1] = cell["value"]
            yield tuple(values)
            expected = index + 1


def _check_zip(data: bytes) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportRefused([error(_("The file is a damaged zip, not a readable XLSX workbook."))]) from exc
    names = {entry.filename for entry in entries}
    if not all(part in names for part in XLSX_PARTS):
        raise ImportRefused([error(_("The file is a zip archive but not an XLSX workbook."))])
    declared = sum(entry.file_size for entry in entries)
    if declared > MAX_INFLATION * len(data):
        message = _("The workbook would inflate %(ratio)d:1 (more than %(max)d:1); it is refused.") % {
            "ratio": declared // max(len(data), 1),
            "max": MAX_INFLATION,
        }
        raise ImportRefused([error(message)])
    return archive


def _read_xlsx(data: bytes) -> Upload:
    _check_zip(data)
    import openpyxl  # only once the zip is known to be safe

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a broken workbook; each is bad input
        raise ImportRefused([error(_("The workbook cannot be read: %(reason)s") % {"reason": exc})]) from exc
    try:
        events: Sheet | None = None
        objectives: Sheet | None = None
        for worksheet in workbook.worksheets:
            role = sheet_role(worksheet.title)
            if (role == "events" and events is not None) or (role == "objectives" and objectives is not None):
                continue
            if role == "ignored":
                continue
            sheet = Sheet(worksheet.title, _bounded(_sheet_rows(worksheet), worksheet.title))
            if role == "events":
                events = sheet
            else:
                objectives = sheet
    except ImportRefused:
        raise
    except Exception as exc:
        raise ImportRefused([error(_("The workbook cannot be read: %(reason)s") % {"reason": exc})]) from exc
    finally:
        workbook.close()
    if events is None:
        raise ImportRefused([error(_("The workbook has no sheet of events."))])
    return Upload("xlsx", events, objectives)


def _decode(data: bytes) -> str:
    if data.startswith(OLE2_MAGIC):
        raise ImportRefused([error(_("This is an old Excel .xls file; save it as .xlsx or CSV UTF-8."))])
    if b"\x00" in data:
        raise ImportRefused([error(_("The file is neither an XLSX workbook nor a CSV text file."))])
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:  # Excel on Chinese Windows saves "CSV" in GB18030 (GBK)
            content = data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise ImportRefused([error(_("The file is neither an XLSX workbook nor UTF-8 CSV text."))]) from exc
    if any(ord(c) < 32 and c not in "\t\r\n" for c in content):
        raise ImportRefused([error(_("The file is neither an XLSX workbook nor a CSV text file."))])
    return content


def _delimiter(content: str) -> str:
    first = content.split("\n", 1)[0]
    return max((",", "\t", ";"), key=first.count) if first else ","


def _read_csv(data: bytes) -> Upload:
    content = _decode(data)
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=_delimiter(content))
    try:
        rows = _bounded(iter(reader), "CSV")
    except csv.Error as exc:
        raise ImportRefused([error(str(exc), reader.line_num)]) from exc
    return Upload("csv", Sheet("CSV", rows))


def read_upload(data: bytes) -> Upload:
    if len(data) > MAX_BYTES:
        raise ImportRefused([error(_("The file is larger than 10 MB."))])
    if not data.strip():
        raise ImportRefused([error(_("The file is empty."))])
    upload = _read_xlsx(data) if data.startswith(b"PK\x03\x04") else _read_csv(data)
    if not upload.events.rows:
        raise ImportRefused([error(_("The sheet is empty."), sheet=upload.events.name)])
    return upload
