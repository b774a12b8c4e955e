"""Who may see what: every lookup of couple data for a person goes through here."""

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.http import Http404

from couples.models import Couple, Invitation, Partnership
from trustapp.accounts.models import User


def get_partnership(user: User) -> Partnership | None:
    """The user's place in their couple (which may have ended and be read-only), or None."""
    if not user.is_authenticated:
        return None
    return Partnership.objects.active().select_related("couple", "user").filter(user=user).first()


def get_partnership_or_404(user: User) -> Partnership:
    partnership = get_partnership(user)
    if partnership is None:
        raise Http404("You are not in a couple space.")
    return partnership


def get_live_partnership(user: User) -> Partnership | None:
    """The user's place in a couple that has not ended."""
    partnership = get_partnership(user)
    if partnership is None or partnership.couple.ended_at is not None:
        return None
    return partnership


def get_invitation_for(user: User, invitation_id: int) -> Invitation:
    """An invitation of the user's own active couple; anyone else's is a 404."""
    partnership = get_partnership_or_404(user)
    try:
        return Invitation.objects.select_related("couple").get(
            pk=invitation_id, couple=partnership.couple
        )
    except Invitation.DoesNotExist:
        raise Http404("No such invitation.") from None


def has_verified_email(user: User, email: str) -> bool:
    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


@dataclass(frozen=True)
class CouplePanel:
    me: Partnership
    partner: Partnership | None
    invitation: Invitation | None  # the latest invitation still marked pending, expired or not

    @property
    def is_linked(self) -> bool:
        return self.partner is not None

    @property
    def is_waiting_for_partner(self) -> bool:
        return self.partner is None and self.invitation is not None and self.invitation.is_open

    @property
    def has_ended(self) -> bool:
        return self.me.couple.ended_at is not None


def get_couple_panel(partnership: Partnership) -> CouplePanel:
    couple: Couple = partnership.couple
    partner = (
        Partnership.objects.active()
        .select_related("user")
        .filter(couple=couple)
        .exclude(pk=partnership.pk)
        .first()
    )
    invitation = None
    if partner is None and couple.ended_at is None:
        invitation = (
            couple.invitations.filter(status=Invitation.Status.PENDING)
            .order_by("-created_at")
            .first()
        )
    return CouplePanel(me=partnership, partner=partner, invitation=invitation)
