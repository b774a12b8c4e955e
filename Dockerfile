# TrustApp: a multi-stage build on slim Python 3.13, run as a non-root user.
# Static files are collected at build time and served by whitenoise (compressed, hashed names,
# long cache headers); gunicorn's workers and threads come from the environment.

FROM python:3.13-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY trustapp trustapp
COPY couples couples
COPY steps steps
RUN python -m venv /venv && /venv/bin/pip install .

FROM python:3.13-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH="/venv/bin:$PATH" \
    DJANGO_SETTINGS_MODULE=trustapp.settings PORT=8000 \
    GUNICORN_WORKERS=2 GUNICORN_THREADS=4 GUNICORN_TIMEOUT=30
RUN useradd --create-home --uid 10001 trustapp
WORKDIR /app
COPY --from=build /venv /venv
COPY --chown=trustapp:trustapp manage.py ./
COPY --chown=trustapp:trustapp trustapp trustapp
COPY --chown=trustapp:trustapp couples couples
COPY --chown=trustapp:trustapp steps steps
COPY --chown=trustapp:trustapp templates templates
COPY --chown=trustapp:trustapp static static
# Build-time values only: collectstatic reads settings, and settings refuse to load without a key.
RUN DJANGO_SECRET_KEY=collectstatic-only FIELD_ENCRYPTION_KEYS=build-only \
    python manage.py collectstatic --no-input && chown -R trustapp:trustapp /app/staticfiles
USER trustapp
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"8000\")}/healthz', timeout=2)" || exit 1
CMD ["sh", "-c", "exec gunicorn trustapp.wsgi --bind 0.0.0.0:${PORT} --workers ${GUNICORN_WORKERS} --threads ${GUNICORN_THREADS} --timeout ${GUNICORN_TIMEOUT} --access-logfile - --forwarded-allow-ips '*'"]
