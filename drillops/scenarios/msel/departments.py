"""Departments as a sheet names them: by code or name (English or Chinese), and the ones an import
may create when asked to (`create_missing_departments`)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils.text import slugify
from django.utils.translation import gettext as _

from drillops.departments.models import Department
from drillops.scenarios.msel.cells import CellError
from drillops.scenarios.validation import KnownDepartments

CODE = re.compile(r"^[-a-zA-Z0-9_]{1,32}$")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


class DepartmentIndex:
    def __init__(self, departments: Iterable[Department]) -> None:
        self.departments: list[Department] = []
        self._codes: dict[str, Department] = {}
        self._folded: dict[str, list[Department]] = {}
        for department in departments:
            self.add(department)

    def add(self, department: Department) -> None:
        self.departments.append(department)
        self._codes[department.code] = department
        for word in {department.code, department.name, department.name_zh} - {""}:
            folded = self._folded.setdefault(word.strip().casefold(), [])
            if department not in folded:
                folded.append(department)

    def find(self, text: str) -> Department | None:
        """The department a cell names: its code exactly, else its code or a name in any case."""
        if text in self._codes:
            return self._codes[text]
        found = self._folded.get(text.strip().casefold(), [])
        if len(found) > 1:
            codes = ", ".join(sorted(d.code for d in found))
            raise CellError(
                _("“%(name)s” names several departments (%(codes)s); use a code.") % {"name": text, "codes": codes}
            )
        return found[0] if found else None

    def known(self) -> KnownDepartments:
        return KnownDepartments(
            ids=frozenset(d.pk for d in self.departments), codes=frozenset(d.code for d in self.departments)
        )

    def new_code(self, name: str) -> str:
        """The code of a department made from a name: the name itself when it can be a code."""
        if CODE.match(name) and name not in self._codes:
            return name
        base = slugify(name)[:24] or "dept"
        if base != "dept" and base not in self._codes:
            return base
        number = 1
        while f"{base}-{number}" in self._codes:
            number += 1
        return f"{base}-{number}"


def names_for(name: str) -> dict[str, str]:
    """name and name_zh of a department made from what a sheet calls it."""
    name = name[:200]
    return {"name": name, "name_zh": name if CJK.search(name) else ""}
