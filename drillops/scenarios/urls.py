from django.urls import path

from drillops.scenarios import views

urlpatterns = [
    path("scenarios/<int:pk>/", views.scenario_detail, name="scenario_detail"),
]
