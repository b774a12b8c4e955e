# TrustApp: slim Python, a non-root user, static files collected at build, gunicorn serving.
FROM python:3.13-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY trustapp trustapp
COPY couples couples
COPY steps steps
RUN python -m venv /venv && /venv/bin/pip install .

FROM python:3.13-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH="/venv/bin:$PATH" \
    DJANGO_SETTINGS_MODULE=trustapp.settings PORT=8000 \
    GUNICORN_WORKERS=2 GUNICORN_THREADS=4
RUN useradd --create-home --uid 10001 trustapp
WORKDIR /app
COPY --from=build /venv /venv
COPY --chown=trustapp:trustapp . .
RUN DJANGO_SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input
USER trustapp
EXPOSE 8000
CMD ["sh", "-c", "exec gunicorn trustapp.wsgi --bind 0.0.0.0:${PORT} --workers ${GUNICORN_WORKERS} --threads ${GUNICORN_THREADS} --access-logfile -"]
