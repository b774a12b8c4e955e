from django.urls import reverse

from couples.models import Invitation, Partnership
from trustapp import emails
from trustapp.accounts.models import User


def partner_invitation(invitation: Invitation, *, token: str) -> None:
    emails.send(
        "partner-invitation",
        to=[invitation.email],
        context={
            "inviter": invitation.invited_by,
            "message": invitation.message,
            "expires_at": invitation.expires_at,
            "invitation_email": invitation.email,
            "url": emails.absolute_url(reverse("invitation", args=[token])),
        },
    )


def partner_joined(*, to: User, joined: Partnership) -> None:
    emails.send(
        "partner-joined",
        to=[to.email],
        context={"user": to, "partner": joined.user, "url": emails.absolute_url(reverse("home"))},
    )


def space_ended(*, to: User, ended_by: User) -> None:
    emails.send(
        "space-ended",
        to=[to.email],
        context={"user": to, "partner": ended_by, "url": emails.absolute_url(reverse("home"))},
    )
