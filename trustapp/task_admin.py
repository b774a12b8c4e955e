"""The task queue's admin: imported once every app's admin is registered (trustapp.apps), since
django-tasks-db registers its own on the admin site while that site is being set up."""

from django.http import HttpRequest
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult


class TaskResultAdmin(DBTaskResultAdmin):
    """django-tasks-db's queue view without the tasks' arguments: a queued email carries its whole
    body, and allauth's emails hold sign-in and password-reset links that staff must not read."""

    def get_readonly_fields(
        self, request: HttpRequest, obj: DBTaskResult | None = None
    ) -> list[str]:
        hidden = {"args_kwargs", "return_value"}
        return [name for name in super().get_readonly_fields(request, obj) if name not in hidden]
