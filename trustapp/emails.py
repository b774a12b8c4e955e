"""Rendering and sending of TrustApp's own emails.

Each message has three templates, `emails/<name>-subject.txt`, `-body.txt` and `-body.html`. The
apps' email functions render them and run inside tasks, so that a slow or failing mail server never
holds up (or fails) the request that caused the message.
"""

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def send(name: str, *, to: list[str], context: dict[str, Any]) -> None:
    context = {"site_url": settings.SITE_URL, **context}
    subject = render_to_string(f"emails/{name}-subject.txt", context)
    # A subject must be one line: template newlines would break the header.
    subject = " ".join(subject.split())
    text = render_to_string(f"emails/{name}-body.txt", context)
    html = render_to_string(f"emails/{name}-body.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=to)
    message.attach_alternative(html, "text/html")
    message.send()
