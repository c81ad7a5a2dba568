"""Reads of after-action material: observations and scores, a drill's metrics and who reads its
report, questionnaire results, findings and the plan, published report versions, the case library."""

from drillops.reports.metrics import comparable_with, drill_metrics, is_verifying
from drillops.reports.selectors.cases import cases_visible_to, drills_for_library, first_event_resolution, search_cases
from drillops.reports.selectors.observations import observations_of, observations_visible
from drillops.reports.selectors.plan import (
    findings_of,
    items_coordinated_by,
    items_visible_to,
    open_items_for_drill,
    verifications_of,
)
from drillops.reports.selectors.proposals import proposals_of, proposals_queryset
from drillops.reports.selectors.questionnaires import (
    answered_surveys,
    drill_questionnaire_results,
    open_invitations,
    survey_results,
    surveys_for,
    surveys_of,
)
from drillops.reports.selectors.report import can_read_report, is_published
from drillops.reports.selectors.scores import latest_ratings, ordinal_alpha, rating_agreement, score_summary
from drillops.reports.selectors.snapshot import SECTIONS, build_snapshot, snapshot_for, versions_of
from drillops.reports.selectors.trends import TREND_METRICS, TrendQuery, drill_summary, trends

__all__ = [
    "SECTIONS",
    "TREND_METRICS",
    "TrendQuery",
    "answered_surveys",
    "build_snapshot",
    "can_read_report",
    "cases_visible_to",
    "comparable_with",
    "drill_metrics",
    "drill_questionnaire_results",
    "drill_summary",
    "drills_for_library",
    "findings_of",
    "first_event_resolution",
    "is_published",
    "is_verifying",
    "items_coordinated_by",
    "items_visible_to",
    "latest_ratings",
    "observations_of",
    "observations_visible",
    "open_invitations",
    "open_items_for_drill",
    "ordinal_alpha",
    "proposals_of",
    "proposals_queryset",
    "rating_agreement",
    "score_summary",
    "search_cases",
    "snapshot_for",
    "survey_results",
    "surveys_for",
    "surveys_of",
    "trends",
    "verifications_of",
    "versions_of",
]
