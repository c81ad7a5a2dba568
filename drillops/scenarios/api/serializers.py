"""Scenarios, versions, MSEL events and objectives as the API shows and takes them."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from drillops.core.api.fields import FreeTextField, format_utc
from drillops.core.api.serializers import BaseModelSerializer
from drillops.departments.api.serializers import DepartmentField, OrganisationField
from drillops.scenarios.models import (
    TITLE_MAX_LENGTH,
    Channel,
    Objective,
    Scenario,
    ScenarioEvent,
    ScenarioVersion,
)
from drillops.scenarios.selectors import scenarios_visible_to
from drillops.scenarios.targets import METRICS, OPERATORS
from drillops.scenarios.validation import condition_as_json

PG_INT_MAX = 2_147_483_647


class ScenarioVersionSerializer(BaseModelSerializer):
    class Meta:
        model = ScenarioVersion
        fields = [
            "id",
            "number",
            "status",
            "notes",
            "created_by",
            "submitted_by",
            "submitted_at",
            "approved_by",
            "approved_at",
            "created_at",
        ]
        read_only_fields = fields


class ScenarioSerializer(BaseModelSerializer):
    organisation = OrganisationField(required=False)
    description = FreeTextField()
    current_version = serializers.SerializerMethodField()

    class Meta:
        model = Scenario
        fields = ["id", "organisation", "title", "description", "current_version", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    @extend_schema_field(ScenarioVersionSerializer)
    def get_current_version(self, scenario: Scenario) -> dict[str, Any] | None:
        versions = list(scenario.versions.all())  # prefetched, newest first
        latest = max(versions, key=lambda v: v.number) if versions else None
        return ScenarioVersionSerializer(latest, context=self.context).data if latest else None

    def validate_organisation(self, value: Any) -> Any:
        if self.instance is not None and value.pk != self.instance.organisation_id:
            raise serializers.ValidationError(_("A scenario cannot move to another organisation."))
        return value


class CloneSerializer(serializers.Serializer):
    """What a clone copies: a version of the scenario by its number (default: the current one)."""

    version = serializers.IntegerField(min_value=1, max_value=PG_INT_MAX, required=False)
    title = serializers.CharField(max_length=TITLE_MAX_LENGTH, required=False)


class DiffQuerySerializer(serializers.Serializer):
    """?from=&to=: two version numbers of the scenario."""

    from_ = serializers.IntegerField(min_value=1, max_value=PG_INT_MAX)
    to = serializers.IntegerField(min_value=1, max_value=PG_INT_MAX)

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")  # a Python keyword, so renamed here
        return fields


@extend_schema_field(OpenApiTypes.INT)
class ObjectiveField(serializers.PrimaryKeyRelatedField):
    """An objective of a scenario the caller may see; the service checks it is of the version."""

    def get_queryset(self) -> Any:
        return Objective.objects.filter(version__scenario__in=scenarios_visible_to(self.context["request"].user))


class EscalationStepSerializer(serializers.Serializer):
    """One rung of the ladder (documented for the schema; the service validates the list)."""

    after_seconds = serializers.IntegerField(min_value=0)
    department = serializers.IntegerField(required=False)
    role = serializers.CharField(required=False)
    message = serializers.CharField(required=False)
    unless = serializers.ChoiceField(choices=["acknowledged", "resolved"], required=False)
    response_deadline_seconds = serializers.IntegerField(
        min_value=0, max_value=PG_INT_MAX, required=False, allow_null=True, help_text="The escalation's own deadline."
    )


class ConditionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["after_resolved", "if_not_acknowledged"])
    event = serializers.IntegerField()
    delay_seconds = serializers.IntegerField(min_value=0, required=False)


@extend_schema_field(EscalationStepSerializer(many=True))
class EscalationsField(serializers.JSONField):
    pass


@extend_schema_field(ConditionSerializer(allow_null=True))
class ConditionField(serializers.JSONField):
    pass


class ScenarioEventSerializer(BaseModelSerializer):
    offset_seconds = serializers.IntegerField(min_value=0, max_value=PG_INT_MAX)
    sequence = serializers.IntegerField(min_value=1, max_value=PG_INT_MAX, required=False)
    title = serializers.CharField(max_length=TITLE_MAX_LENGTH)
    body = FreeTextField(required=True, allow_blank=False, default=serializers.empty)
    departments = DepartmentField(many=True, allow_empty=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    expected_action = FreeTextField()
    objective = ObjectiveField(required=False, allow_null=True)
    response_deadline_seconds = serializers.IntegerField(
        min_value=0, max_value=PG_INT_MAX, required=False, allow_null=True
    )
    escalations = EscalationsField(required=False)
    condition = ConditionField(required=False, allow_null=True)

    class Meta:
        model = ScenarioEvent
        fields = [
            "id",
            "version",
            "sequence",
            "offset_seconds",
            "title",
            "body",
            "channel",
            "sender",
            "departments",
            "expected_action",
            "is_decision",
            "objective",
            "response_deadline_seconds",
            "escalations",
            "condition",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["version", "created_at", "updated_at"]

    def to_representation(self, instance: ScenarioEvent) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["condition"] = condition_as_json(instance)
        return data


# A structured target (scenarios.targets), for the schema; the service validates it.
TARGET_SCHEMA = {
    "type": "object",
    "nullable": True,
    "properties": {
        "metric": {"type": "string", "enum": list(METRICS)},
        "op": {"type": "string", "enum": list(OPERATORS)},
        "value": {"type": "number", "minimum": 0, "description": "Real seconds, or a share between 0 and 1."},
        "department": {"type": "integer", "description": "The department whose figure it is (else the drill's)."},
        "from": {"type": "integer", "description": "Hand-off metrics: the department that passes the event on."},
        "to": {"type": "integer", "description": "Hand-off metrics: the department that receives it."},
    },
    "required": ["metric", "op", "value"],
}


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "maxLength": TITLE_MAX_LENGTH},
            {
                "type": "object",
                "properties": {
                    "title": {"type": "string", "maxLength": TITLE_MAX_LENGTH},
                    "target": TARGET_SCHEMA,
                },
                "required": ["title"],
            },
        ]
    },
    component_name="CriticalTaskInput",
)
class CriticalTaskInputField(serializers.Field):
    """A critical task as a title (as before) or {"title", "target"}; the service checks the target."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str):
            if len(data) > TITLE_MAX_LENGTH:
                raise serializers.ValidationError(_("At most %(n)d characters.") % {"n": TITLE_MAX_LENGTH})
            return data
        if isinstance(data, dict):
            return data
        raise serializers.ValidationError(_("A critical task is a title or an object {title, target}."))

    def to_representation(self, value: Any) -> Any:
        return value


class ObjectiveSerializer(BaseModelSerializer):
    target = FreeTextField()
    critical_tasks = serializers.ListField(child=CriticalTaskInputField(), required=False, max_length=100)

    class Meta:
        model = Objective
        fields = ["id", "version", "sequence", "capability", "title", "target", "critical_tasks", "created_at"]
        read_only_fields = ["version", "created_at"]

    def to_representation(self, instance: Objective) -> dict[str, Any]:
        return {
            "id": instance.pk,
            "version": instance.version_id,
            "sequence": instance.sequence,
            "capability": instance.capability,
            "title": instance.title,
            "target": instance.target,
            "critical_tasks": [
                {"id": t.pk, "title": t.title, "target": t.target} for t in instance.critical_tasks.all()
            ],
            "created_at": format_utc(instance.created_at),
        }
