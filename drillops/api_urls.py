"""API v1 routes. One router, declared in one place, so the role matrix test sees every route."""

from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from drillops.core.api.notfound import NotFoundView
from drillops.departments.api.views import DepartmentViewSet, TokenView, UserViewSet
from drillops.reports.api.cases import CaseViewSet
from drillops.reports.api.findings import FindingViewSet
from drillops.reports.api.plan import ImprovementItemViewSet
from drillops.reports.api.proposals import ProposalViewSet
from drillops.reports.api.publishing import ReportVersionViewSet
from drillops.reports.api.questionnaires import DrillSurveyViewSet, TemplateViewSet
from drillops.reports.api.report import ReportViewSet
from drillops.reports.api.scores import ScoreViewSet
from drillops.reports.api.trends import TrendViewSet
from drillops.reports.api.views import ObservationViewSet
from drillops.scenarios.api.views import ObjectiveViewSet, ScenarioEventViewSet, ScenarioViewSet
from drillops.timelines.api.views import DrillViewSet, InjectViewSet

router = SimpleRouter()
router.register("departments", DepartmentViewSet, basename="department")
router.register("users", UserViewSet, basename="user")
router.register("scenarios", ScenarioViewSet, basename="scenario")
router.register(r"scenarios/(?P<scenario_pk>\d+)/events", ScenarioEventViewSet, basename="scenario-event")
router.register(r"scenarios/(?P<scenario_pk>\d+)/objectives", ObjectiveViewSet, basename="scenario-objective")
router.register("drills", DrillViewSet, basename="drill")
router.register(r"drills/(?P<drill_pk>\d+)/observations", ObservationViewSet, basename="drill-observation")
router.register(r"drills/(?P<drill_pk>\d+)/scores", ScoreViewSet, basename="drill-score")
router.register(r"drills/(?P<drill_pk>\d+)/findings", FindingViewSet, basename="drill-finding")
router.register(r"drills/(?P<drill_pk>\d+)/proposals", ProposalViewSet, basename="drill-proposal")
router.register(r"drills/(?P<drill_pk>\d+)/questionnaires", DrillSurveyViewSet, basename="drill-questionnaire")
router.register(r"drills/(?P<drill_pk>\d+)/report/versions", ReportVersionViewSet, basename="drill-report-version")
router.register(r"drills/(?P<drill_pk>\d+)/report", ReportViewSet, basename="drill-report")
router.register("injects", InjectViewSet, basename="inject")
router.register("improvement-items", ImprovementItemViewSet, basename="improvement-item")
router.register("questionnaire-templates", TemplateViewSet, basename="questionnaire-template")
router.register("cases", CaseViewSet, basename="case")
router.register("trends", TrendViewSet, basename="trend")

app_name = "api"
urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    path(
        "drills/<int:drill_pk>/report/publish/",
        ReportVersionViewSet.as_view({"post": "publish"}),
        name="drill-report-publish",
    ),
    path("", include(router.urls)),
    # Last: any other path under /api/v1/ ending in a slash is a JSON 404 (core.api.notfound);
    # one without the slash is still redirected to it first (APPEND_SLASH).
    re_path(r"^(?P<rest>.+)/$", NotFoundView.as_view(), name="not-found"),
]
