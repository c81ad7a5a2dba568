"""API v1 routes (owned by the API work)."""

from django.urls import path

urlpatterns: list = []
_ = path
