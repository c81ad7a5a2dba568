"""One element of a live page as a push carries it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from drillops.timelines.models import Inject


@dataclass(frozen=True)
class Piece:
    """One element of a page, as pages of `roles` in `language` show it."""

    key: str  # data-live-key of the element it replaces or inserts
    html: str
    roles: frozenset[str]
    language: str
    list: str = ""  # data-live-list it goes into when the page does not have it yet
    subject: Inject | None = None  # the inject it shows; None for drill-wide pieces
    page: int = 0  # only for the page of this inject (its inject page); 0: for every page

    @property
    def digest(self) -> str:
        return hashlib.blake2b(self.html.encode(), digest_size=12).hexdigest()

    def as_json(self) -> dict[str, str]:
        return (
            {"key": self.key, "list": self.list, "html": self.html}
            if self.list
            else {"key": self.key, "html": self.html}
        )
