"""Request ids, health endpoints and structured logs: what an operator needs, and nothing a
person wrote."""

import contextvars
import logging
import re
import uuid
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every log record, so one request's lines can be found together."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class RequestIdMiddleware:
    """Takes a load balancer's X-Request-ID (when it looks like one) or makes one, and returns
    it in the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        token = request_id.set(rid)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response["X-Request-ID"] = rid
        return response


_migrations_applied = False


def _migrations_are_applied() -> bool:
    """Checked until true, then remembered: migrations don't un-apply themselves at run time."""
    global _migrations_applied
    if not _migrations_applied:
        connection = connections[DEFAULT_DB_ALIAS]
        executor = MigrationExecutor(connection)
        _migrations_applied = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    return _migrations_applied


class HealthCheckMiddleware:
    """`/healthz`: the process answers. `/readyz`: the database answers and every migration is
    applied. Answered first, before host checks and HTTPS redirects, so an orchestrator can ask
    over plain HTTP by IP; the answers say nothing else about the system."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/healthz":
            return JsonResponse({"status": "ok"})
        if request.path == "/readyz":
            try:
                with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
                    cursor.execute("SELECT 1")
                ready = _migrations_are_applied()
            except Exception:
                logging.getLogger("trustapp.health").exception("readiness check failed")
                ready = False
            return JsonResponse(
                {"status": "ready" if ready else "not ready"}, status=200 if ready else 503
            )
        return self.get_response(request)
