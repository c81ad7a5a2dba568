"""Questionnaires: templates of questions, surveys sent to a drill's roster, and the answers.

Anonymous surveys keep who answered apart from what was answered: an Invitation says that a person
was asked and on which day they answered; an AnswerSet holds the answers with a random id, the
day only (no time) and no key to the person. Nothing joins the two: no column, no shared
timestamp, no ordering (random ids)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from drillops.core.models import TimeStampedModel
from drillops.departments.models import Organisation
from drillops.timelines.models import Drill, DrillState

LIKERT_MIN, LIKERT_MAX = 1, 5
# No breakdown is shown for fewer answers than this: a few answers could be told apart.
MIN_ANSWERS_SHOWN = 3


def _in_language(english: str, chinese: str) -> str:
    return chinese if chinese and (get_language() or "").lower().startswith("zh") else english


class TemplateKind(models.TextChoices):
    PARTICIPANT = "participant", _("Participants")
    OBSERVER = "observer", _("Observers")


class QuestionKind(models.TextChoices):
    LIKERT = "likert", _("Scale of 1 to 5")
    TEXT = "text", _("Free text")


class QuestionnaireTemplate(TimeStampedModel):
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="questionnaire_templates",
    )
    kind = models.CharField(_("for"), max_length=16, choices=TemplateKind.choices)
    title = models.CharField(_("title"), max_length=200)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200, blank=True)
    intro = models.TextField(_("introduction"), blank=True)
    intro_zh = models.TextField(_("introduction (Chinese)"), blank=True)
    is_anonymous = models.BooleanField(_("anonymous"), default=True)
    # The template sent when a drill ends; one per organisation and kind.
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        verbose_name = _("questionnaire template")
        verbose_name_plural = _("questionnaire templates")
        ordering = ["organisation", "kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind"], condition=models.Q(is_default=True), name="questionnaire_one_default"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in TemplateKind]), name="questionnaire_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        return _in_language(self.title, self.title_zh)

    @property
    def display_intro(self) -> str:
        return _in_language(self.intro, self.intro_zh)


class Question(models.Model):
    template = models.ForeignKey(
        QuestionnaireTemplate, verbose_name=_("template"), on_delete=models.CASCADE, related_name="questions"
    )
    sequence = models.PositiveIntegerField(_("sequence"))
    kind = models.CharField(_("kind"), max_length=16, choices=QuestionKind.choices)
    text = models.CharField(_("question"), max_length=300)
    text_zh = models.CharField(_("question (Chinese)"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["template", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["template", "sequence"], name="question_sequence_unique"),
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in QuestionKind]), name="question_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.display_text

    @property
    def display_text(self) -> str:
        return _in_language(self.text, self.text_zh)


class SurveyPhase(models.TextChoices):
    PRE = "pre", _("Before the drill")
    POST = "post", _("After the drill")


class Survey(TimeStampedModel):
    """One template sent to one drill's roster, before it starts or when it ends."""

    drill = models.ForeignKey(Drill, verbose_name=_("drill"), on_delete=models.CASCADE, related_name="surveys")
    template = models.ForeignKey(
        QuestionnaireTemplate, verbose_name=_("template"), on_delete=models.PROTECT, related_name="surveys"
    )
    phase = models.CharField(_("phase"), max_length=8, choices=SurveyPhase.choices)
    # Copied when sent: a template edited later does not unmask earlier answers.
    is_anonymous = models.BooleanField(_("anonymous"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["drill", "phase", "template"]
        constraints = [
            models.UniqueConstraint(fields=["drill", "template", "phase"], name="survey_once_per_phase"),
            models.CheckConstraint(
                condition=models.Q(phase__in=[p.value for p in SurveyPhase]), name="survey_phase_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.drill} · {self.template} · {self.phase}"

    @property
    def is_open(self) -> bool:
        """A survey before the drill closes when it starts; the one after stays open."""
        return self.phase == SurveyPhase.POST or self.drill.state == DrillState.SCHEDULED


class Invitation(models.Model):
    """That someone was asked, and the day they answered: never what they answered."""

    survey = models.ForeignKey(Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    invited_at = models.DateTimeField(_("invited at"), auto_now_add=True)
    answered_on = models.DateField(_("answered on"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["survey", "user"]
        constraints = [models.UniqueConstraint(fields=["survey", "user"], name="invitation_once")]

    def __str__(self) -> str:
        return f"{self.survey} · {self.user}"


class AnswerSet(models.Model):
    """One person's answers to one survey. Anonymous: a random id, the day, and no person."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="answer_sets")
    anonymous = models.BooleanField(_("anonymous"))
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("respondent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_on = models.DateField(_("created on"))

    class Meta:
        verbose_name = _("answer set")
        verbose_name_plural = _("answer sets")
        ordering = ["survey", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(anonymous=False) | models.Q(respondent__isnull=True),
                name="answer_set_anonymous_has_no_respondent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey} · {self.created_on}"


class Answer(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    answer_set = models.ForeignKey(
        AnswerSet, verbose_name=_("answer set"), on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(Question, verbose_name=_("question"), on_delete=models.PROTECT, related_name="+")
    likert = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    text = models.TextField(_("text"), blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["answer_set", "id"]
        constraints = [
            models.UniqueConstraint(fields=["answer_set", "question"], name="answer_once_per_question"),
            models.CheckConstraint(
                condition=models.Q(likert__isnull=True) | models.Q(likert__gte=LIKERT_MIN, likert__lte=LIKERT_MAX),
                name="answer_likert_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question} · {self.likert or self.text[:40]}"
