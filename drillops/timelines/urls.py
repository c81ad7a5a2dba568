from django.urls import path

from drillops.timelines import views, views_actions, views_invite, views_setup

urlpatterns = [
    path("", views.home, name="home"),
    path("drills/new/", views_setup.drill_new, name="drill_new"),
    path("drills/new/preview/", views_setup.drill_preview, name="drill_preview"),
    path("drills/<int:pk>/setup/", views_setup.drill_setup, name="drill_setup"),
    path("drills/<int:pk>/roster/add/", views_setup.drill_roster_add, name="drill_roster_add"),
    path(
        "drills/<int:pk>/roster/<int:entry_pk>/<str:op>/",
        views_setup.drill_roster_entry,
        name="drill_roster_entry",
    ),
    path("drills/<int:pk>/invitations/new/", views_setup.drill_invitation_new, name="drill_invitation_new"),
    path(
        "drills/<int:pk>/invitations/<int:invitation_pk>/revoke/",
        views_setup.drill_invitation_revoke,
        name="drill_invitation_revoke",
    ),
    path("invite/confirm/<str:token>/", views_invite.invite_confirm, name="invite_confirm"),
    path("invite/<str:token>/", views_invite.invite, name="invite"),
    path("drills/<int:pk>/", views.drill_console, name="drill_console"),
    path("drills/<int:pk>/live/", views.drill_live, name="drill_live"),
    path("drills/<int:pk>/stop/", views_actions.drill_control, {"action": "stop"}, name="drill_stop"),
    path(
        "drills/<int:pk>/control/<str:action>/",
        views_actions.drill_control,
        name="drill_control",
    ),
    path("drills/<int:pk>/injects/new/", views_actions.drill_adhoc, name="drill_adhoc"),
    path("drills/<int:pk>/scenario/", views_actions.drill_to_scenario, name="drill_to_scenario"),
    path("drills/<int:pk>/trigger/", views_actions.drill_trigger, name="drill_trigger"),
    path("drills/<int:pk>/messages/new/", views_actions.drill_message, name="drill_message"),
    path("injects/<int:pk>/", views.inject_detail, name="inject_detail"),
    path("injects/<int:pk>/<str:op>/", views_actions.inject_respond, name="inject_respond"),
]
