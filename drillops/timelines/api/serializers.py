"""Drills, injects, the timeline, messages and the roster as the API shows and takes them."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.relations import PKOnlyObject

from drillops.core.api.fields import FREE_TEXT_MAX, FreeTextField, UTCDateTimeField, format_utc
from drillops.core.api.serializers import BaseModelSerializer
from drillops.departments.api.serializers import DepartmentField
from drillops.departments.selectors import users_managed_by
from drillops.scenarios.api.serializers import ObjectiveSerializer
from drillops.scenarios.models import TITLE_MAX_LENGTH, Channel, ScenarioVersion
from drillops.scenarios.selectors import objectives_of, scenarios_visible_to
from drillops.timelines.models import Drill, Inject, InjectCause, InjectStatus, RosterEntry, SeatRole, TimelineEntry

PG_INT_MAX = 2_147_483_647


@extend_schema_field(OpenApiTypes.INT)
class ScenarioField(serializers.PrimaryKeyRelatedField):
    """The drill's scenario: written when the drill is made, read from its version."""

    def get_queryset(self) -> Any:
        return scenarios_visible_to(self.context["request"].user)

    def get_attribute(self, instance: Drill) -> Any:
        return PKOnlyObject(pk=instance.scenario_version.scenario_id)


@extend_schema_field(OpenApiTypes.INT)
class VersionField(serializers.PrimaryKeyRelatedField):
    """A version of a scenario the caller may see; the service checks it is the drill's scenario's
    and approved."""

    def get_queryset(self) -> Any:
        return ScenarioVersion.objects.filter(scenario__in=scenarios_visible_to(self.context["request"].user))


class DrillSerializer(BaseModelSerializer):
    scenario = ScenarioField()
    version = VersionField(
        write_only=True,
        required=False,
        allow_null=True,
        default=None,
        help_text="An approved version of the scenario; by default its latest approved version.",
    )
    time_scale = serializers.FloatField(min_value=0.001, max_value=3600, required=False, default=1.0)
    scheduled_start = UTCDateTimeField(required=False, allow_null=True)

    class Meta:
        model = Drill
        fields = [
            "id",
            "organisation",
            "scenario",
            "version",
            "scenario_version",
            "name",
            "state",
            "time_scale",
            "scheduled_start",
            "started_at",
            "paused_at",
            "ended_at",
            "stop_reason",
            "marking",
            "created_at",
        ]
        read_only_fields = [
            "organisation",
            "scenario_version",
            "state",
            "started_at",
            "paused_at",
            "ended_at",
            "stop_reason",
            "created_at",
        ]

    marking = serializers.SerializerMethodField()

    def get_marking(self, drill: Drill) -> str:
        from django.conf import settings

        return str(settings.EXERCISE_MARK)


class DrillDetailSerializer(DrillSerializer):
    """One drill with its version's objectives and critical tasks, which observers rate."""

    objectives = serializers.SerializerMethodField()

    class Meta(DrillSerializer.Meta):
        fields = [*DrillSerializer.Meta.fields, "objectives"]

    @extend_schema_field(ObjectiveSerializer(many=True))
    def get_objectives(self, drill: Drill) -> list[dict[str, Any]]:
        return list(ObjectiveSerializer(objectives_of(drill.scenario_version_id), many=True, context=self.context).data)


class StopSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=FREE_TEXT_MAX)


class InjectSerializer(serializers.Serializer):
    """Exactly the fields of DESIGN.md §API v1, read from the row alone (no joins: the list is hot)."""

    id = serializers.IntegerField()
    event = serializers.IntegerField(allow_null=True)
    department = serializers.IntegerField()
    title = serializers.CharField()
    body = serializers.CharField()
    channel = serializers.ChoiceField(choices=Channel.choices)
    cause = serializers.ChoiceField(choices=InjectCause.choices)
    source = serializers.IntegerField(allow_null=True)  # type: ignore[assignment]  # a field named like Field.source
    status = serializers.ChoiceField(choices=InjectStatus.choices)
    is_overdue = serializers.BooleanField()
    due_at = UTCDateTimeField(allow_null=True)
    delivered_at = UTCDateTimeField(allow_null=True)
    acknowledged_at = UTCDateTimeField(allow_null=True)
    first_action_at = UTCDateTimeField(allow_null=True)
    resolved_at = UTCDateTimeField(allow_null=True)
    deadline_at = UTCDateTimeField(allow_null=True)
    escalation_level = serializers.IntegerField()

    def to_representation(self, inject: Inject) -> dict[str, Any]:
        return {
            "id": inject.pk,
            "event": inject.event_id,
            "department": inject.department_id,
            "title": inject.title,
            "body": inject.body,
            "channel": inject.channel,
            "cause": inject.cause,
            "source": inject.source_id,
            "status": inject.status,
            "is_overdue": inject.is_overdue,
            "due_at": format_utc(inject.due_at),
            "delivered_at": format_utc(inject.delivered_at),
            "acknowledged_at": format_utc(inject.acknowledged_at),
            "first_action_at": format_utc(inject.first_action_at),
            "resolved_at": format_utc(inject.resolved_at),
            "deadline_at": format_utc(inject.deadline_at),
            "escalation_level": inject.escalation_level,
        }


class InjectFilterSerializer(serializers.Serializer):
    department = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    status = serializers.ChoiceField(choices=InjectStatus.choices, required=False)


class AdhocInjectSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=TITLE_MAX_LENGTH)
    body = FreeTextField()
    departments = DepartmentField(many=True, allow_empty=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, default=Channel.OTHER)
    sender = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    response_deadline_seconds = serializers.IntegerField(
        min_value=0, max_value=PG_INT_MAX, required=False, allow_null=True, default=None
    )


class ActionSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=FREE_TEXT_MAX)
    is_decision = serializers.BooleanField(required=False, default=False)


class ForwardSerializer(serializers.Serializer):
    department = DepartmentField()
    text = FreeTextField()


class ResolveSerializer(serializers.Serializer):
    text = FreeTextField()


class TextSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=FREE_TEXT_MAX)


class TimelineEntrySerializer(BaseModelSerializer):
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = TimelineEntry
        fields = ["id", "at", "kind", "inject", "department", "actor", "actor_name", "text", "data"]
        read_only_fields = fields

    def get_actor_name(self, entry: TimelineEntry) -> str:
        return entry.actor.get_username() if entry.actor_id and entry.actor else ""


@extend_schema_field(OpenApiTypes.INT)
class ManagedUserField(serializers.PrimaryKeyRelatedField):
    """A user of an organisation the caller coordinates; the view checks it is the drill's."""

    def get_queryset(self) -> Any:
        return users_managed_by(self.context["request"].user)


class RosterEntrySerializer(BaseModelSerializer):
    user = ManagedUserField()
    department = DepartmentField(required=False, allow_null=True, default=None)
    role = serializers.ChoiceField(choices=SeatRole.choices, required=False, default=SeatRole.PLAYER)
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = RosterEntry
        fields = ["id", "user", "username", "department", "role", "seat", "attended", "invitation", "created_at"]
        read_only_fields = ["attended", "invitation", "created_at"]


class AttendedSerializer(serializers.Serializer):
    attended = serializers.BooleanField()
