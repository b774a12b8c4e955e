"""Who may see what: every lookup of couple data for a person goes through here."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from allauth.account.models import EmailAddress
from django.db.models import QuerySet
from django.http import Http404

from couples.models import (
    AccessLogEntry,
    ConsentEvent,
    CounselorAccess,
    Couple,
    Invitation,
    Partnership,
    normalize_scope,
)
from trustapp.accounts.models import User
from trustapp.prepared import PreparedQuery


def seats_of_couple_of(user: int) -> QuerySet[Partnership]:
    """Both seats of the couple `user` is in now, with the couple and the users: nearly every
    page that asks for the user's place also shows their partner (get_couple_panel), and would
    ask again. steps/ reads the couple's own state alongside (steps.selectors.CoupleReads)."""
    return (
        Partnership.objects.active()
        .select_related("couple", "user")
        .filter(couple__partnerships__user=user, couple__partnerships__left_at__isnull=True)
        .order_by("seat")
    )


# Every couple page runs it, so its SQL is compiled once per process (trustapp/prepared.py).
_seats_of_couple_of = PreparedQuery(Partnership, seats_of_couple_of, "user")


def get_partnership(user: User) -> Partnership | None:
    """The user's place in their couple (which may have ended and be read-only), or None."""
    if not user.is_authenticated:
        return None
    return seat_among(user, _seats_of_couple_of(user=user.pk))


def seat_among(user: User, seats: list[Partnership]) -> Partnership | None:
    """The user's own seat among the seats `seats_of_couple_of` read, with the partner's seat
    kept on it for get_couple_panel."""
    mine = next((seat for seat in seats if seat.user_id == user.pk), None)
    if mine is None:
        return None
    partner = next((seat for seat in seats if seat.pk != mine.pk), None)
    if partner is not None:
        partner.couple = mine.couple
    mine._active_partner = partner  # read by get_couple_panel, within this request only
    return mine


_active_seats = PreparedQuery(
    Partnership,
    lambda couple: Partnership.objects.active().filter(couple_id=couple).order_by("seat"),
    "couple",
)


def get_active_seats(couple: Couple) -> list[Partnership]:
    """Who is in the couple now: one seat, or two."""
    return _active_seats(couple=couple.pk)


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


def get_partner_seat(partnership: Partnership) -> Partnership | None:
    """The other partner's seat in the couple now, if there is one: no query when the
    partnership came from get_partnership, which loads both seats."""
    if hasattr(partnership, "_active_partner"):
        return partnership._active_partner
    return (
        Partnership.objects.active()
        .select_related("user")
        .filter(couple=partnership.couple)
        .exclude(pk=partnership.pk)
        .first()
    )


def get_couple_panel(partnership: Partnership) -> CouplePanel:
    couple: Couple = partnership.couple
    partner = get_partner_seat(partnership)
    invitation = None
    if partner is None and couple.ended_at is None:
        invitation = (
            couple.invitations.filter(status=Invitation.Status.PENDING)
            .order_by("-created_at")
            .first()
        )
    return CouplePanel(me=partnership, partner=partner, invitation=invitation)


# Whether a partner is kept from every prompt to take part in something shared. The rule lives
# in steps (their private safety check), which couples never imports: steps registers it.
_set_aside_rules: list[Callable[[Partnership], bool]] = []


def register_set_aside_rule(rule: Callable[[Partnership], bool]) -> None:
    if rule not in _set_aside_rules:
        _set_aside_rules.append(rule)


def is_set_aside(partnership: Partnership) -> bool:
    return any(rule(partnership) for rule in _set_aside_rules)


def is_counselor(user: User) -> bool:
    return user.is_authenticated and user.is_counselor


@dataclass(frozen=True)
class ConsentState:
    """Where one counselor access stands, read fresh on every request (never cached: a
    revocation must apply to the very next one)."""

    access: CounselorAccess
    partners: list[Partnership]
    latest: dict[int | None, ConsentEvent]  # partner user id (None: a former partner's)
    events: list[ConsentEvent]

    def consent_of(self, user_id: int) -> ConsentEvent | None:
        return self.latest.get(user_id)

    @property
    def consenting(self) -> list[Partnership]:
        return [p for p in self.partners if (e := self.latest.get(p.user_id)) and e.allows]

    @property
    def both_consent(self) -> bool:
        return len(self.partners) == 2 and len(self.consenting) == 2

    @property
    def effective_scope(self) -> list[str] | None:
        """What both partners agreed to share, or None while access is closed."""
        if not self.both_consent:
            return None
        shared = set.intersection(*(set(self.latest[p.user_id].scope) for p in self.partners))
        return normalize_scope(shared)

    @property
    def is_live(self) -> bool:
        return (
            self.access.counselor_id is not None
            and self.access.cancelled_at is None
            and self.access.couple.ended_at is None
            and self.effective_scope is not None
        )

    @property
    def live_scope(self) -> list[str] | None:
        return self.effective_scope if self.is_live else None


def get_consent_state(access: CounselorAccess) -> ConsentState:
    return _consent_states([access])[0]


def _consent_states(accesses: list[CounselorAccess]) -> list[ConsentState]:
    """Each access's consent state, in two queries however many accesses there are."""
    partners: dict[int, list[Partnership]] = {access.couple_id: [] for access in accesses}
    for seat in (
        Partnership.objects.active()
        .select_related("user")
        .filter(couple_id__in=partners)
        .order_by("seat")
    ):
        partners[seat.couple_id].append(seat)
    events: dict[int, list[ConsentEvent]] = {access.pk: [] for access in accesses}
    for event in (
        ConsentEvent.objects.filter(access__in=accesses)
        .select_related("partner")
        .order_by("created_at", "pk")
    ):
        events[event.access_id].append(event)
    states = []
    for access in accesses:
        latest = {event.partner_id: event for event in events[access.pk]}
        states.append(
            ConsentState(
                access=access,
                partners=partners[access.couple_id],
                latest=latest,
                events=events[access.pk],
            )
        )
    return states


def get_couple_counselors(couple: Couple) -> list[ConsentState]:
    accesses = CounselorAccess.objects.filter(
        couple=couple, cancelled_at__isnull=True
    ).select_related("couple", "counselor__counselor_profile", "invited_by")
    return _consent_states(list(accesses.order_by("created_at")))


def get_counselor_access_for_partner(user: User, access_id: int) -> CounselorAccess:
    """A counselor access of the user's own couple; anyone else's is a 404."""
    partnership = get_partnership_or_404(user)
    try:
        return CounselorAccess.objects.select_related("couple", "counselor").get(
            pk=access_id, couple=partnership.couple, cancelled_at__isnull=True
        )
    except CounselorAccess.DoesNotExist:
        raise Http404("No such counselor.") from None


def get_access_for_counselor(user: User, access_id: int) -> CounselorAccess:
    """An access the user holds as the counselor; anyone else's is a 404. Whether it is live
    right now is a separate question (see ConsentState.is_live)."""
    try:
        return CounselorAccess.objects.select_related("couple").get(
            pk=access_id, counselor=user, cancelled_at__isnull=True
        )
    except CounselorAccess.DoesNotExist:
        raise Http404("No such couple.") from None


def get_counselor_accesses(user: User) -> list[ConsentState]:
    accesses = CounselorAccess.objects.filter(
        counselor=user, cancelled_at__isnull=True
    ).select_related("couple", "invited_by")
    return _consent_states(list(accesses.order_by("-accepted_at")))


def get_access_log(couple: Couple) -> list[AccessLogEntry]:
    return list(AccessLogEntry.objects.filter(access__couple=couple)[:200])


def get_previous_brief(
    access: CounselorAccess, *, brief_path: str, before: datetime
) -> AccessLogEntry | None:
    """The counselor's last allowed brief of this couple opened before `before`: the summary
    opened on the way to the brief, or the brief opened again in the same sitting, does not
    move where "what changed" starts."""
    return (
        access.log.filter(allowed=True, path=brief_path, viewed_at__lt=before)
        .order_by("-viewed_at", "-pk")
        .first()
    )
