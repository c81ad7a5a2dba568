"""API v1 routes. One router, declared in one place, so the role matrix test sees every route."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from drillops.departments.api.views import DepartmentViewSet, TokenView, UserViewSet
from drillops.reports.api.report import ReportViewSet
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
router.register(r"drills/(?P<drill_pk>\d+)/report", ReportViewSet, basename="drill-report")
router.register("injects", InjectViewSet, basename="inject")

app_name = "api"
urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    path("", include(router.urls)),
]
