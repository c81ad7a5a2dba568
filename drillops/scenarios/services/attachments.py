"""Material that goes with an event (a fake news article, a customer's letter): written only on the
version being written, like the event itself."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from drillops.core.errors import ImmutableObject, InvalidInput
from drillops.scenarios.models import EventAttachment, Scenario, ScenarioEvent
from drillops.scenarios.services.common import audit, editable_version


def _editable_event(event: ScenarioEvent) -> Scenario:
    scenario = event.version.scenario
    if editable_version(scenario).pk != event.version_id:
        raise ImmutableObject(str(_("This event belongs to an earlier version, which can no longer change.")))
    return scenario


@transaction.atomic
def attachment_create(
    *, event: ScenarioEvent, by: Any, title: str, content: str = "", file: Any = None
) -> EventAttachment:
    scenario = _editable_event(event)
    attachment = EventAttachment.objects.create(event=event, title=title, content=content, file=file or "")
    audit("attachment.create", attachment, by, scenario, event=event.pk)
    return attachment


@transaction.atomic
def attachment_update(*, attachment: EventAttachment, by: Any, **fields: Any) -> EventAttachment:
    scenario = _editable_event(attachment.event)
    unknown = set(fields) - {"title", "content", "file"}
    if unknown:
        raise InvalidInput({name: [str(_("Unknown field."))] for name in sorted(unknown)})
    for name, value in fields.items():
        setattr(attachment, name, value)
    attachment.save()
    audit("attachment.update", attachment, by, scenario, changed=sorted(fields))
    return attachment


@transaction.atomic
def attachment_delete(*, attachment: EventAttachment, by: Any) -> None:
    scenario = _editable_event(attachment.event)
    pk = attachment.pk
    attachment.delete()
    audit("attachment.delete", None, by, scenario, id=pk, event=attachment.event_id)
