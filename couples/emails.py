from django.urls import reverse

from couples.models import CounselorAccess, Invitation, Partnership
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


def counselor_invitation(access: CounselorAccess, *, token: str) -> None:
    emails.send(
        "counselor-invitation",
        to=[access.email],
        context={
            "inviter": access.invited_by,
            "expires_at": access.expires_at,
            "invitation_email": access.email,
            "url": emails.absolute_url(reverse("counselor_invitation", args=[token])),
        },
    )


def consent_request(*, to: User, access: CounselorAccess) -> None:
    emails.send(
        "consent-request",
        to=[to.email],
        context={
            "user": to,
            "inviter": access.invited_by,
            "url": emails.absolute_url(reverse("sharing")),
        },
    )


def counselor_access_changed(*, to: User, access: CounselorAccess, change: str) -> None:
    emails.send(
        "counselor-access",
        to=[to.email],
        context={
            "user": to,
            "change": change,
            "url": emails.absolute_url(reverse("counselor_dashboard")),
        },
    )
