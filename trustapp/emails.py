"""Rendering and sending of TrustApp's own emails.

Each message has three templates, `emails/<name>-subject.txt`, `-body.txt` and `-body.html`. The
apps' email functions render them and run inside tasks, so that a slow or failing mail server never
holds up (or fails) the request that caused the message.

An email someone gets only because they chose to (the check-in emails, `email_partner_updates`)
is sent with an `unsubscribe_url`: it carries the one-click unsubscribe headers of RFC 8058, which
mail providers show as their own "Unsubscribe" button, and the templates show the same link in the
footer. Emails about the account or the space itself (invitations, verification, the space
ending) have none: there is nothing to unsubscribe from.
"""

import email.message
import email.policy
from email.headerregistry import HeaderRegistry, UnstructuredHeader
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


class _OneLineHeader(UnstructuredHeader):
    """A header written on one line as it is. Python folds a line longer than 78 characters, and
    a URL has no space to fold at, so it would go out as RFC 2047 encoded-words, which mail
    providers do not decode in `List-Unsubscribe`: their unsubscribe button would not appear.
    RFC 5322 allows header lines up to 998 characters; ours stay far below."""

    def fold(self, *, policy: email.policy.Policy) -> str:
        return f"{self.name}: {self}{policy.linesep}"


_HEADERS = HeaderRegistry()
_HEADERS.map_to_type("list-unsubscribe", _OneLineHeader)


class _Email(EmailMultiAlternatives):
    def message(
        self, *, policy: email.policy.Policy = email.policy.default
    ) -> email.message.EmailMessage:
        # Whatever policy the mail backend asks for (the SMTP one, say), with our header class.
        return super().message(policy=policy.clone(header_factory=_HEADERS))


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def send(
    name: str, *, to: list[str], context: dict[str, Any], unsubscribe_url: str | None = None
) -> None:
    context = {"site_url": settings.SITE_URL, **context}
    headers = {}
    if unsubscribe_url is not None:
        context["unsubscribe_url"] = unsubscribe_url
        headers = {
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    subject = render_to_string(f"emails/{name}-subject.txt", context)
    # A subject must be one line: template newlines would break the header.
    subject = " ".join(subject.split())
    text = render_to_string(f"emails/{name}-body.txt", context)
    html = render_to_string(f"emails/{name}-body.html", context)
    message = _Email(subject=subject, body=text, to=to, headers=headers)
    message.attach_alternative(html, "text/html")
    message.send()
