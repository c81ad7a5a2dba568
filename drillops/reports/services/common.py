"""Small pieces the report services share: text checks, same-organisation checks, both languages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from drillops.core.errors import InvalidInput
from drillops.timelines.services.common import clean_text

__all__ = ["both_languages", "clean_text", "clean_title", "same_organisation"]

TITLE_MAX = 200


def clean_title(value: Any, field: str = "title") -> str:
    return clean_text(value, field, max_length=TITLE_MAX)


def same_organisation(organisation_id: int, **named: Any) -> None:
    """Every named object (or None) belongs to the organisation; else 400 on its field."""
    errors = {
        field: [str(_("This belongs to another organisation."))]
        for field, obj in named.items()
        if obj is not None and _organisation_of(obj) != organisation_id
    }
    if errors:
        raise InvalidInput(errors)


def _organisation_of(obj: Any) -> int | None:
    if hasattr(obj, "organisation_id"):
        return int(obj.organisation_id)
    if hasattr(obj, "drill"):  # a finding
        return int(obj.drill.organisation_id)
    return None


def both_languages(message: Callable[[], Any]) -> str:
    """A notice text in English and Chinese: sent by a worker to people whose language it does not
    know, e.g. "Questionnaire to answer / 待填写的问卷"."""
    with override("en"):
        english = str(message())
    with override("zh-hans"):
        chinese = str(message())
    return english if english == chinese else f"{english} / {chinese}"
