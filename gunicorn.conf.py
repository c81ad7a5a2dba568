"""Gunicorn settings, from the environment so that `make run` and compose share one file."""

import os

_port = os.environ.get("PORT", "8000")
bind = os.environ.get("GUNICORN_BIND") or f"{os.environ.get('HOST', '127.0.0.1')}:{_port}"
# uvicorn's worker runs drillops.asgi: pages and the API as WSGI in a pool of GUNICORN_THREADS
# threads per process (most of a request's time is spent waiting on PostgreSQL; CONN_MAX_AGE
# keeps one connection per thread), and the live streams on the event loop. The old shape,
# without live streams (pages then poll), is GUNICORN_WORKER_CLASS=gthread GUNICORN_APP=drillops.wsgi.
wsgi_app = os.environ.get("GUNICORN_APP", "drillops.asgi:application")
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "uvicorn_worker.UvicornWorker")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# Live streams end on SIGTERM (the pages reconnect elsewhere), so a stop takes well under this.
graceful_timeout = 10
keepalive = 5
# Under Docker /tmp may be a slow overlay; the heartbeat file belongs in memory.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
accesslog = "-" if os.environ.get("GUNICORN_ACCESS_LOG", "1") not in {"0", "false", "no", "off"} else None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "drillops-web"
control_socket_disable = True  # its default path is shared by every gunicorn of the user
