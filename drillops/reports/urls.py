from django.urls import path

from drillops.reports import views

urlpatterns = [
    path("drills/<int:pk>/observations/new/", views.observation_create, name="observation_create"),
]
