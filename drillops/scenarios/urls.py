from django.urls import path

from drillops.scenarios import views, views_events, views_import, views_objectives, views_versions

ONE = "scenarios/<int:pk>/"
EVENT = ONE + "events/<int:event_pk>/"
OBJECTIVE = ONE + "objectives/<int:objective_pk>/"

urlpatterns = [
    path("scenarios/", views.scenario_list, name="scenario_list"),
    path("scenarios/new/", views.scenario_new, name="scenario_new"),
    path("scenarios/import/", views_import.scenario_import, name="scenario_import"),
    path("scenarios/import/template.xlsx", views_import.scenario_import_template, name="scenario_import_template"),
    path(ONE, views.scenario_detail, name="scenario_detail"),
    path(ONE + "details/", views.scenario_details, name="scenario_details"),
    path(ONE + "timeline/", views.scenario_timeline, name="scenario_timeline"),
    path(ONE + "diff/", views_versions.scenario_diff, name="scenario_diff"),
    path(ONE + "clone/", views_versions.scenario_clone, name="scenario_clone"),
    path(ONE + "versions/<str:move>/", views_versions.version_move, name="scenario_version_move"),
    path(ONE + "events/", views_events.events_body, name="scenario_events"),
    path(ONE + "events/new/", views_events.event_new, name="scenario_event_new"),
    path(ONE + "events/reorder/", views_events.events_reorder, name="scenario_events_reorder"),
    path(EVENT, views_events.event_row, name="scenario_event_row"),
    path(EVENT + "edit/", views_events.event_edit, name="scenario_event_edit"),
    path(EVENT + "duplicate/", views_events.event_duplicate, name="scenario_event_duplicate"),
    path(EVENT + "move/", views_events.event_move, name="scenario_event_move"),
    path(EVENT + "delete/", views_events.event_delete, name="scenario_event_delete"),
    path(ONE + "objectives/", views_objectives.objectives_section, name="scenario_objectives"),
    path(ONE + "objectives/new/", views_objectives.objective_new, name="scenario_objective_new"),
    path(OBJECTIVE + "edit/", views_objectives.objective_edit, name="scenario_objective_edit"),
    path(OBJECTIVE + "delete/", views_objectives.objective_delete, name="scenario_objective_delete"),
]
