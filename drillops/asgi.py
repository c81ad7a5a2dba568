"""The web tier's entry point (gunicorn with uvicorn's worker, see gunicorn.conf.py): pages and
the API as WSGI in a thread pool, and the live stream held open on the event loop."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "drillops.settings")
_wsgi = get_wsgi_application()

from drillops.timelines.live.asgi import LiveApplication  # noqa: E402 - needs Django set up

application = LiveApplication(_wsgi)
