from django.urls import path

from drillops.timelines import views, views_actions

urlpatterns = [
    path("", views.home, name="home"),
    path("scenarios/<int:scenario_pk>/drills/new/", views_actions.drill_new, name="drill_new"),
    path("drills/<int:pk>/", views.drill_console, name="drill_console"),
    path("drills/<int:pk>/live/", views.drill_live, name="drill_live"),
    path("drills/<int:pk>/stream/", views.drill_stream, name="drill_stream"),
    path("drills/<int:pk>/stop/", views_actions.drill_control, {"action": "stop"}, name="drill_stop"),
    path(
        "drills/<int:pk>/control/<str:action>/",
        views_actions.drill_control,
        name="drill_control",
    ),
    path("drills/<int:pk>/injects/new/", views_actions.drill_adhoc, name="drill_adhoc"),
    path("drills/<int:pk>/trigger/", views_actions.drill_trigger, name="drill_trigger"),
    path("drills/<int:pk>/messages/new/", views_actions.drill_message, name="drill_message"),
    path("injects/<int:pk>/", views.inject_detail, name="inject_detail"),
    path("injects/<int:pk>/<str:op>/", views_actions.inject_respond, name="inject_respond"),
]
