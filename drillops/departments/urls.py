from django.contrib.auth import views as auth_views
from django.urls import path

from drillops.departments import views

urlpatterns = [
    path("people/", views.people, name="people"),
    path("people/<int:pk>/<str:op>/", views.person_action, name="person_action"),
    path("accounts/set-password/<uidb64>/<token>/", views.SetPasswordView.as_view(), name="set_password"),
    path(
        "accounts/set-password/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="registration/set_password_done.html"),
        name="set_password_done",
    ),
    path("accounts/password/", views.OwnPasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="registration/own_password_change_done.html"),
        name="password_change_done",
    ),
]
