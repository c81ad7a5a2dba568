from django.urls import path

from drillops.reports import (
    views,
    views_cases,
    views_proposals,
    views_questionnaire,
    views_report,
    views_trends,
)

PROPOSAL = "drills/<int:pk>/proposals/<int:proposal_pk>/"
EXPORT_JOB = "drills/<int:pk>/report/exports/<int:job_pk>/"

urlpatterns = [
    path("drills/<int:pk>/observations/new/", views.observation_create, name="observation_create"),
    path("drills/<int:pk>/questionnaire/", views_questionnaire.questionnaire_answer, name="questionnaire_answer"),
    path("drills/<int:pk>/proposals/", views_proposals.drill_proposals, name="drill_proposals"),
    path("drills/<int:pk>/proposals/refresh/", views_proposals.proposals_refresh, name="proposals_refresh"),
    path(PROPOSAL + "accept/", views_proposals.proposal_accept, name="proposal_accept"),
    path(PROPOSAL + "drop/", views_proposals.proposal_drop, name="proposal_drop"),
    path("drills/<int:pk>/report/", views_report.drill_report, name="drill_report"),
    path("drills/<int:pk>/report/export/<str:fmt>/", views_report.report_export, name="report_export"),
    path(EXPORT_JOB, views_report.report_export_status, name="report_export_status"),
    path(EXPORT_JOB + "file/", views_report.report_export_file, name="report_export_file"),
    path("trends/", views_trends.trends_page, name="trends"),
    path("cases/", views_cases.case_list, name="case_list"),
    path("cases/new/", views_cases.case_new, name="case_new"),
    path("cases/<int:pk>/", views_cases.case_detail, name="case_detail"),
    path("cases/<int:pk>/delete/", views_cases.case_delete, name="case_delete"),
    path("cases/<int:pk>/scenario/", views_cases.case_scenario, name="case_scenario"),
]
