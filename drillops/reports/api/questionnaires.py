"""Questionnaires in the API.

/api/v1/questionnaire-templates/ (coordinators): the organisation's templates with their questions.
/api/v1/drills/{id}/questionnaires/: the surveys sent to the caller in this drill (coordinators:
every survey); .../results/ (coordinators): response rates, scores, pre/post deltas; .../send/
(coordinators): send before the start (phase "pre") or again after the end ("post");
.../{survey}/answer/ (whoever it was sent to): answer once."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from drillops.core.api.fields import FreeTextField
from drillops.core.api.serializers import BaseModelSerializer
from drillops.departments.api.access import OrganisationScopedMixin
from drillops.departments.models import Role
from drillops.departments.selectors import organisation_ids_of
from drillops.reports import services
from drillops.reports.api.common import COORDINATORS, DRILL_MEMBERS, DRILL_PARAMETER, CoordinatedField, DrillChildMixin
from drillops.reports.models import (
    Invitation,
    Question,
    QuestionKind,
    QuestionnaireTemplate,
    Survey,
    SurveyPhase,
    TemplateKind,
)
from drillops.reports.selectors import drill_questionnaire_results, surveys_for, surveys_of


class QuestionSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=QuestionKind.choices)

    class Meta:
        model = Question
        fields = ["id", "kind", "text", "text_zh"]
        read_only_fields = ["id"]


class TemplateSerializer(BaseModelSerializer):
    kind = serializers.ChoiceField(choices=TemplateKind.choices)
    questions = QuestionSerializer(many=True)
    intro = FreeTextField()
    intro_zh = FreeTextField()

    class Meta:
        model = QuestionnaireTemplate
        fields = [
            "id", "organisation", "kind", "title", "title_zh", "intro", "intro_zh", "is_anonymous", "is_default",
            "questions", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["organisation", "created_at", "updated_at"]

    def validate_questions(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [dict(question) for question in value]


class TemplateViewSet(OrganisationScopedMixin, viewsets.ModelViewSet):
    serializer_class = TemplateSerializer
    action_roles = {"*": COORDINATORS}
    filterset_fields = ["kind"]

    def get_queryset(self) -> Any:
        templates = QuestionnaireTemplate.objects.prefetch_related("questions").order_by("organisation", "kind", "id")
        if getattr(self.request.user, "is_superuser", False):
            return templates
        return templates.filter(organisation_id__in=organisation_ids_of(self.request.user, Role.COORDINATOR))

    def perform_create(self, serializer: Any) -> None:
        organisation = self.acting_organisation(self.request)
        serializer.instance = services.template_create(
            organisation=organisation, by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.template_update(
            template=serializer.instance, by=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance: QuestionnaireTemplate) -> None:
        services.template_delete(template=instance, by=self.request.user)


class SurveySerializer(serializers.ModelSerializer):
    kind = serializers.CharField(source="template.kind")
    title = serializers.CharField(source="template.title")
    title_zh = serializers.CharField(source="template.title_zh")
    intro = serializers.CharField(source="template.intro")
    intro_zh = serializers.CharField(source="template.intro_zh")
    questions = QuestionSerializer(source="template.questions", many=True)
    is_open = serializers.BooleanField()
    answered_on = serializers.SerializerMethodField()

    class Meta:
        model = Survey
        fields = [
            "id", "drill", "template", "phase", "kind", "title", "title_zh", "intro", "intro_zh", "is_anonymous",
            "is_open", "questions", "answered_on",
        ]  # fmt: skip

    def get_answered_on(self, survey: Survey) -> str | None:
        """The day the caller answered (null: not yet, or not sent to the caller)."""
        answered = self.context.get("answered", {}).get(survey.pk)
        return answered.isoformat() if answered else None


class TemplateOfDrillField(CoordinatedField):
    model = QuestionnaireTemplate


class SendSerializer(serializers.Serializer):
    phase = serializers.ChoiceField(choices=SurveyPhase.choices)
    templates = TemplateOfDrillField(many=True, required=False)


class AnswerSerializer(serializers.Serializer):
    answers = serializers.DictField(help_text="Question id -> a score from 1 to 5, or a text.")


class ResultQuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    text = serializers.CharField()
    text_zh = serializers.CharField()
    answers = serializers.IntegerField(allow_null=True)
    suppressed = serializers.BooleanField()
    mean = serializers.FloatField(allow_null=True, required=False)
    distribution = serializers.DictField(child=serializers.IntegerField(), allow_null=True, required=False)
    texts = serializers.ListField(child=serializers.CharField(), allow_null=True, required=False)


class SurveyResultSerializer(serializers.Serializer):
    survey = serializers.IntegerField()
    template = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    title_zh = serializers.CharField()
    phase = serializers.CharField()
    anonymous = serializers.BooleanField()
    invited = serializers.IntegerField()
    answered = serializers.IntegerField()
    response_rate = serializers.FloatField(allow_null=True)
    suppressed = serializers.BooleanField(help_text="Fewer than 3 answers: only the response rate is shown.")
    questions = ResultQuestionSerializer(many=True)


class DeltaSerializer(serializers.Serializer):
    template = serializers.IntegerField()
    question = serializers.IntegerField()
    text = serializers.CharField()
    text_zh = serializers.CharField()
    pre = serializers.FloatField()
    post = serializers.FloatField()
    delta = serializers.FloatField()


class ResultsSerializer(serializers.Serializer):
    surveys = SurveyResultSerializer(many=True)
    pre_post = DeltaSerializer(many=True)


@DRILL_PARAMETER
class DrillSurveyViewSet(DrillChildMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = SurveySerializer
    action_roles = {"list": DRILL_MEMBERS, "answer": DRILL_MEMBERS, "*": COORDINATORS}

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Survey.objects.none()
        drill = self.get_drill()
        surveys = surveys_of(drill) if self.drill_role() == "coordinator" else surveys_for(self.request.user, drill)
        return surveys.prefetch_related("template__questions")

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False) and self.request.user.is_authenticated:
            mine = Invitation.objects.filter(user_id=self.request.user.pk, survey__drill_id=self.get_drill().pk)
            context["answered"] = dict(mine.values_list("survey_id", "answered_on"))
        return context

    @extend_schema(responses={200: ResultsSerializer})
    @action(detail=False, methods=["get"], serializer_class=ResultsSerializer, pagination_class=None)
    def results(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Response rate, and per question the mean and distribution (nothing for fewer than 3 answers)."""
        return Response(ResultsSerializer(drill_questionnaire_results(self.get_drill())).data)

    @extend_schema(request=SendSerializer, responses={201: SurveySerializer(many=True)})
    @action(detail=False, methods=["post"], serializer_class=SendSerializer, pagination_class=None)
    def send(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Send questionnaires to the roster: "pre" before the drill starts, "post" once it has
        ended (sent by itself then; sending again adds only templates not yet sent)."""
        drill = self.get_drill()
        given = SendSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        templates = given.validated_data.get("templates")
        sent = services.questionnaires_send(
            drill=drill, phase=given.validated_data["phase"], by=request.user, templates=templates or None
        )
        surveys = surveys_of(drill).filter(pk__in=[s.pk for s in sent]).prefetch_related("template__questions")
        data = SurveySerializer(surveys, many=True, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AnswerSerializer, responses={201: SurveySerializer})
    @action(detail=True, methods=["post"], serializer_class=AnswerSerializer)
    def answer(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Answer a questionnaire sent to the caller, once."""
        survey = self.get_object()
        given = AnswerSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        services.questionnaire_answer(survey=survey, user=request.user, answers=given.validated_data["answers"])
        data = SurveySerializer(survey, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)
