"""Celery application: workers carry out side effects after commit; the clock lives in Postgres."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "drillops.settings")

app = Celery("drillops")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
