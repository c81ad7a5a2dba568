from django.urls import path

from drillops.scenarios import views, views_import

urlpatterns = [
    path("scenarios/import/", views_import.scenario_import, name="scenario_import"),
    path("scenarios/import/template.xlsx", views_import.scenario_import_template, name="scenario_import_template"),
    path("scenarios/<int:pk>/", views.scenario_detail, name="scenario_detail"),
]
