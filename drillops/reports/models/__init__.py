"""After-action records: observer ratings and their agreement, questionnaires, findings and the
improvement plan, published report versions, and the case library."""

from drillops.reports.models.cases import SATISFACTION_RANGE, TAG_MAX_LENGTH, Case, CaseKind, CaseStep, SatisfactionKind
from drillops.reports.models.exports import ExportFormat, ExportState, ReportExport
from drillops.reports.models.observations import RATING_ORDER, AgreedRating, Observation, ObservationFlag, Rating
from drillops.reports.models.plan import (
    OPEN_ITEM_STATUSES,
    PROGRESS_STATUSES,
    REMINDED_STATUSES,
    Finding,
    FindingKind,
    ImprovementItem,
    ImprovementStatus,
)
from drillops.reports.models.proposals import FindingProposal, ProposalRule, ProposalState
from drillops.reports.models.publishing import ReportVersion
from drillops.reports.models.questionnaires import (
    LIKERT_MAX,
    LIKERT_MIN,
    MIN_ANSWERS_SHOWN,
    Answer,
    AnswerSet,
    Invitation,
    Question,
    QuestionKind,
    QuestionnaireTemplate,
    Survey,
    SurveyPhase,
    TemplateKind,
)
from drillops.reports.models.verification import ItemVerification, VerificationReason

__all__ = [
    "LIKERT_MAX",
    "LIKERT_MIN",
    "MIN_ANSWERS_SHOWN",
    "OPEN_ITEM_STATUSES",
    "PROGRESS_STATUSES",
    "RATING_ORDER",
    "REMINDED_STATUSES",
    "SATISFACTION_RANGE",
    "TAG_MAX_LENGTH",
    "AgreedRating",
    "Answer",
    "AnswerSet",
    "Case",
    "CaseKind",
    "CaseStep",
    "ExportFormat",
    "ExportState",
    "Finding",
    "FindingKind",
    "FindingProposal",
    "ImprovementItem",
    "ImprovementStatus",
    "Invitation",
    "ItemVerification",
    "Observation",
    "ObservationFlag",
    "ProposalRule",
    "ProposalState",
    "Question",
    "QuestionKind",
    "QuestionnaireTemplate",
    "Rating",
    "ReportExport",
    "ReportVersion",
    "SatisfactionKind",
    "Survey",
    "SurveyPhase",
    "TemplateKind",
    "VerificationReason",
]
