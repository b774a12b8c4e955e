"""Email tasks that retry. Sending happens after the request's transaction commits, in a task:
with the database backend a `db_worker` process sends it, so a slow or failing mail server
never fails (or slows) the person's request; on failure the task tries again later."""

import functools
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.tasks import Task, task
from django.utils import timezone

logger = logging.getLogger("trustapp.email")


def email_task(func: Callable[..., None]) -> Task:
    """`@task()` for a function that sends email, retried up to EMAIL_ATTEMPTS times with a
    growing delay (immediately, on backends that cannot defer)."""

    @functools.wraps(func)
    def run(*args: Any, attempt: int = 1, **kwargs: Any) -> None:
        try:
            func(*args, **kwargs)
        except Exception:
            if attempt >= settings.EMAIL_ATTEMPTS:
                logger.exception(
                    "Email task %s failed for good after %d attempts", func.__name__, attempt
                )
                raise
            logger.warning(
                "Email task %s failed (attempt %d); trying again", func.__name__, attempt
            )
            retry = wrapped
            if wrapped.get_backend().supports_defer:
                retry = wrapped.using(run_after=timezone.now() + timedelta(minutes=2**attempt))
            retry.enqueue(*args, attempt=attempt + 1, **kwargs)

    wrapped = task()(run)
    return wrapped


@email_task
def send_rendered_email(subject: str, body: str, html: str | None, to: list[str]) -> None:
    """An email rendered in the request (allauth's own messages)."""
    message = EmailMultiAlternatives(subject=subject, body=body, to=to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
