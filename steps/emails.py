"""Check-in emails. They say that something happened, never what anyone answered or wrote.

The two check-in emails and a partner's ask in a hard moment go only to someone with
`email_partner_updates` on (steps.tasks), so they carry its one-click unsubscribe link; the email
about a partner deleting their account does not.
"""

from django.urls import reverse

from steps.content import get_step_or_404
from trustapp import emails
from trustapp.accounts.models import User
from trustapp.accounts.services import unsubscribe_url


def _step_context(step: int) -> dict:
    return {
        "step": get_step_or_404(step),
        "url": emails.absolute_url(reverse("step_detail", args=[step]) + "#check-in"),
        "preferences_url": emails.absolute_url(reverse("preferences")),
    }


def partner_checked_in(*, to: User, partner: User, step: int) -> None:
    emails.send(
        "partner-checked-in",
        to=[to.email],
        context={"user": to, "partner": partner, **_step_context(step)},
        unsubscribe_url=unsubscribe_url(to),
    )


def check_in_revealed(*, to: User, step: int) -> None:
    emails.send(
        "check-in-revealed",
        to=[to.email],
        context={"user": to, **_step_context(step)},
        unsubscribe_url=unsubscribe_url(to),
    )


def hard_moment_ask(*, to: User, partner: User, need: str) -> None:
    emails.send(
        "hard-moment-ask",
        to=[to.email],
        context={
            "user": to,
            "partner": partner,
            "need": need,
            "url": emails.absolute_url(reverse("hard_moments")),
            "preferences_url": emails.absolute_url(reverse("preferences")),
        },
        unsubscribe_url=unsubscribe_url(to),
    )


def partner_deleted_account(*, to: User, former_partner_name: str) -> None:
    emails.send(
        "partner-deleted-account",
        to=[to.email],
        context={
            "user": to,
            "partner_name": former_partner_name,
            "url": emails.absolute_url(reverse("home")),
        },
    )
