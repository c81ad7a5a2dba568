"""Gunicorn settings, from the environment so that `make run` and compose share one file."""

import os

_port = os.environ.get("PORT", "8000")
bind = os.environ.get("GUNICORN_BIND") or f"{os.environ.get('HOST', '127.0.0.1')}:{_port}"
# Threads: most of a request's time is spent waiting on PostgreSQL, and threads share one
# connection pool per process (CONN_MAX_AGE keeps one connection per thread).
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
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
