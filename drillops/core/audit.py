"""Writing the audit trail: every service that changes something calls record()."""

from __future__ import annotations

from typing import Any

from django.db import models

from drillops.core.models import AuditEntry


def record(
    *,
    action: str,
    obj: models.Model | None = None,
    actor: Any = None,
    organisation_id: int | None = None,
    drill_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    actor_obj = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=obj.pk if obj is not None else None,
        actor=actor_obj,
        organisation_id=organisation_id,
        drill_id=drill_id,
        data=data or {},
    )
