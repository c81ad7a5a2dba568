from django.urls import path

from drillops.reports import views, views_questionnaire

urlpatterns = [
    path("drills/<int:pk>/observations/new/", views.observation_create, name="observation_create"),
    path("drills/<int:pk>/questionnaire/", views_questionnaire.questionnaire_answer, name="questionnaire_answer"),
]
