"""Workflows that change couples: starting one, inviting and accepting a partner, leaving.

Each runs in one transaction and locks the couple row it changes, so two people acting at the same
moment are served one after the other; the unique constraints on Partnership are the last line of
defence. Emails go out through tasks once the transaction has committed.
"""

import enum
import logging
from datetime import date, timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from couples import tasks
from couples.models import (
    AccessLogEntry,
    ConsentEvent,
    CounselorAccess,
    CounselorProfile,
    Couple,
    Invitation,
    Partnership,
    Role,
    Scope,
    hash_token,
    normalize_scope,
)
from couples.selectors import get_partnership, has_verified_email
from trustapp.accounts.models import User

security_log = logging.getLogger("trustapp.security")


class CoupleError(Exception):
    """A rule stopped the action; the message is written for the person who tried it."""


class AlreadyInCouple(CoupleError):
    pass


def _move_on_from_ended_space(user: User) -> None:
    """Starting or joining a new space closes the user's place in an ended one. Their private
    reflections stay with them; the ended space's shared items stay in the database."""
    Partnership.objects.active().filter(user=user, couple__ended_at__isnull=False).update(
        left_at=timezone.now()
    )


def start_couple(*, user: User, role: Role | str) -> Partnership:
    try:
        with transaction.atomic():
            if CounselorProfile.objects.filter(user=user).exists():
                raise CoupleError("A counselor account cannot be a partner in a shared space.")
            _move_on_from_ended_space(user)
            if get_partnership(user) is not None:
                raise AlreadyInCouple("You already have a shared space.")
            couple = Couple.objects.create()
            return Partnership.objects.create(couple=couple, user=user, seat=1, role=Role(role))
    except IntegrityError:
        raise AlreadyInCouple("You already have a shared space.") from None


def _lock_active_couple(partnership: Partnership) -> Couple:
    couple = Couple.objects.select_for_update().get(pk=partnership.couple_id)
    if couple.ended_at is not None:
        raise CoupleError("This space has ended.")
    return couple


def _check_invitation_rate(user: User) -> None:
    """Invitations send email to addresses people type in: a few an hour is plenty for anyone
    inviting a partner or a counselor, and stops the app being used to flood an inbox."""
    since = timezone.now() - timedelta(hours=1)
    sent = (
        Invitation.objects.filter(invited_by=user, created_at__gte=since).count()
        + CounselorAccess.objects.filter(invited_by=user, created_at__gte=since).count()
    )
    if sent >= settings.INVITATIONS_PER_HOUR:
        raise CoupleError(
            f"You have sent {sent} invitations in the last hour, which is the most we allow. "
            "Please wait a little before sending another."
        )


def invite_partner(*, partnership: Partnership, email: str, message: str = "") -> Invitation:
    inviter = partnership.user
    with transaction.atomic():
        couple = _lock_active_couple(partnership)
        _check_invitation_rate(inviter)
        if couple.partnerships.active().count() >= 2:
            raise CoupleError("Your partner has already joined your space.")
        if has_verified_email(inviter, email) or inviter.email.lower() == email.lower():
            raise CoupleError("That is your own address. Enter your partner's email address.")
        # One link at a time: inviting (perhaps a corrected address) retires earlier links.
        for earlier in couple.invitations.select_for_update().filter(
            status=Invitation.Status.PENDING
        ):
            earlier.close(Invitation.Status.CANCELLED)
        invitation = Invitation.objects.create(
            couple=couple, invited_by=inviter, email=email, message=message
        )
        transaction.on_commit(partial(tasks.send_partner_invitation.enqueue, invitation.pk))
    return invitation


def resend_invitation(*, invitation: Invitation) -> Invitation:
    """Send a new link (with a fresh seven days); the old link stops working at once."""
    _check_invitation_rate(invitation.invited_by)
    with transaction.atomic():
        couple = Couple.objects.select_for_update().get(pk=invitation.couple_id)
        old = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if old.status != Invitation.Status.PENDING:
            raise CoupleError("This invitation is no longer waiting, so it cannot be sent again.")
        if couple.ended_at is not None or couple.partnerships.active().count() >= 2:
            raise CoupleError("Your partner has already joined, so no new link is needed.")
        old.close(Invitation.Status.REPLACED)
        new = Invitation.objects.create(
            couple_id=old.couple_id, invited_by=old.invited_by, email=old.email, message=old.message
        )
        transaction.on_commit(partial(tasks.send_partner_invitation.enqueue, new.pk))
    return new


def cancel_invitation(*, invitation: Invitation) -> None:
    with transaction.atomic():
        Couple.objects.select_for_update().get(pk=invitation.couple_id)
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.status != Invitation.Status.PENDING:
            raise CoupleError("This invitation is no longer waiting.")
        locked.close(Invitation.Status.CANCELLED)


class InvitationProblem(enum.StrEnum):
    """Why an invitation link cannot be accepted by this person right now."""

    NOT_FOUND = "not_found"
    EXPIRED = "expired"
    USED = "used"
    CANCELLED = "cancelled"
    REPLACED = "replaced"
    SPACE_ENDED = "space_ended"
    SPACE_FULL = "space_full"
    OWN = "own"
    ALREADY_JOINED = "already_joined"
    IN_ANOTHER_COUPLE = "in_another_couple"
    WRONG_ACCOUNT = "wrong_account"
    COUNSELOR_ACCOUNT = "counselor_account"


class InvitationRefused(CoupleError):
    def __init__(self, problem: InvitationProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def find_invitation(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("couple", "invited_by")
        .filter(token_hash=hash_token(token))
        .first()
    )


def invitation_problem(invitation: Invitation | None, user: User) -> InvitationProblem | None:
    """The first reason, if any, that `user` cannot accept `invitation`. Anonymous visitors are
    only checked against the invitation itself."""
    if invitation is None:
        return InvitationProblem.NOT_FOUND
    if invitation.status == Invitation.Status.ACCEPTED:
        if user.is_authenticated and invitation.accepted_by_id == user.pk:
            return InvitationProblem.ALREADY_JOINED
        return InvitationProblem.USED
    if invitation.status == Invitation.Status.CANCELLED:
        return InvitationProblem.CANCELLED
    if invitation.status == Invitation.Status.REPLACED:
        return InvitationProblem.REPLACED
    if invitation.couple.ended_at is not None:
        return InvitationProblem.SPACE_ENDED
    if invitation.is_expired:
        return InvitationProblem.EXPIRED
    if not user.is_authenticated:
        return None
    partnership = get_partnership(user)
    if partnership is not None:
        if partnership.couple_id == invitation.couple_id:
            return InvitationProblem.OWN
        if partnership.couple.ended_at is None:
            return InvitationProblem.IN_ANOTHER_COUPLE
    if not has_verified_email(user, invitation.email):
        return InvitationProblem.WRONG_ACCOUNT
    if CounselorProfile.objects.filter(user=user).exists():
        return InvitationProblem.COUNSELOR_ACCOUNT
    return None


def accept_invitation(*, token: str, user: User, role: Role | str) -> Partnership:
    found = find_invitation(token)
    if found is None:
        raise InvitationRefused(InvitationProblem.NOT_FOUND)
    try:
        with transaction.atomic():
            # Always the couple first, then its invitations: every workflow takes the locks in
            # this order, so two of them can wait for each other but never deadlock.
            couple = Couple.objects.select_for_update().get(pk=found.couple_id)
            invitation = Invitation.objects.select_for_update().get(pk=found.pk)
            invitation.couple = couple
            problem = invitation_problem(invitation, user)
            if problem is not None:
                raise InvitationRefused(problem)
            _move_on_from_ended_space(user)
            taken = set(couple.partnerships.active().values_list("seat", flat=True))
            free = [seat for seat in (1, 2) if seat not in taken]
            if not free:
                raise InvitationRefused(InvitationProblem.SPACE_FULL)
            partnership = Partnership.objects.create(
                couple=couple, user=user, seat=free[0], role=Role(role)
            )
            invitation.status = Invitation.Status.ACCEPTED
            invitation.accepted_by = user
            invitation.closed_at = timezone.now()
            invitation.save(update_fields=["status", "accepted_by", "closed_at"])
            for other in couple.invitations.select_for_update().filter(
                status=Invitation.Status.PENDING
            ):
                other.close(Invitation.Status.CANCELLED)
            transaction.on_commit(partial(tasks.send_partner_joined.enqueue, partnership.pk))
            return partnership
    except IntegrityError:
        # The constraints caught a race the locks did not: this user joined another couple, or
        # the couple filled up, in a concurrent request.
        if get_partnership(user) is not None:
            raise InvitationRefused(InvitationProblem.IN_ANOTHER_COUPLE) from None
        raise InvitationRefused(InvitationProblem.SPACE_FULL) from None


def end_couple(*, partnership: Partnership) -> None:
    """End the shared space for both partners. What they shared becomes read-only for both;
    what each wrote privately stays theirs; nothing is deleted."""
    with transaction.atomic():
        couple = _lock_active_couple(partnership)
        couple.ended_at = timezone.now()
        couple.ended_by = partnership.user
        couple.save(update_fields=["ended_at", "ended_by"])
        for invitation in couple.invitations.filter(status=Invitation.Status.PENDING):
            invitation.close(Invitation.Status.CANCELLED)
        transaction.on_commit(
            partial(tasks.send_space_ended.enqueue, couple.pk, partnership.user_id)
        )


# Counselors: invited by a partner, seen only while both partners consent.

CONSENT_WORDING = (
    "I agree that {counselor} may see a summary of our shared space: {items}. "
    "They will never see my private reflections or unsent drafts. "
    "I can narrow or withdraw this at any time, and it ends by itself on {ends_on}."
)


def consent_wording(*, counselor: str, scope: list[str], ends_on: date | None) -> str:
    items = "; ".join(Scope(item).label for item in normalize_scope(scope))
    return CONSENT_WORDING.format(
        counselor=counselor, items=items, ends_on=ends_on.isoformat() if ends_on else "no set date"
    )


def create_counselor_profile(
    *, user: User, professional_name: str, practice: str, credentials: str = ""
) -> CounselorProfile:
    with transaction.atomic():
        partnership = get_partnership(user)
        if partnership is not None and partnership.couple.ended_at is None:
            raise CoupleError(
                "This account is a partner in a shared space. A counselor needs an account of "
                "their own."
            )
        profile, _ = CounselorProfile.objects.update_or_create(
            user=user,
            defaults={
                "professional_name": professional_name,
                "practice": practice,
                "credentials": credentials,
            },
        )
    return profile


def invite_counselor(
    *, partnership: Partnership, email: str, scope: list[str], ends_on: date | None
) -> CounselorAccess:
    """The inviting partner consents as they invite; the other partner is asked for theirs."""
    with transaction.atomic():
        couple = _lock_active_couple(partnership)
        _check_invitation_rate(partnership.user)
        partner_emails = {
            p.user.email.lower() for p in couple.partnerships.active().select_related("user")
        }
        if email.lower() in partner_emails:
            raise CoupleError("That is a partner's address. Enter your counselor's email address.")
        access = CounselorAccess.objects.create(
            couple=couple, invited_by=partnership.user, email=email
        )
        scope = normalize_scope(scope)
        ConsentEvent.objects.create(
            access=access,
            partner=partnership.user,
            action=ConsentEvent.Action.GRANT,
            scope=scope,
            ends_on=ends_on,
            wording=consent_wording(counselor=email, scope=scope, ends_on=ends_on),
        )
        # Nothing about the couple reaches the counselor until the other partner consents too
        # (record_consent sends the invitation then); until then it is a request between them.
        security_log.info(
            "consent grant (invite): user=%s counselor_access=%s scope=%s",
            partnership.user_id,
            access.pk,
            ",".join(scope),
        )
        transaction.on_commit(
            partial(tasks.send_consent_request.enqueue, access.pk, partnership.user_id)
        )
    return access


def _invite_counselor_once_both_consent(access: CounselorAccess) -> None:
    """Send the counselor their link the first time both partners' consent allows it (inside
    the caller's transaction, with the access row locked). The link's days start then."""
    from couples.selectors import get_consent_state

    if access.counselor_id is not None or access.sent_at is not None:
        return
    if access.cancelled_at is not None or not get_consent_state(access).both_consent:
        return
    access.sent_at = timezone.now()
    access.expires_at = access.sent_at + timedelta(days=settings.COUPLE_INVITATION_DAYS)
    access.save(update_fields=["sent_at", "expires_at"])
    transaction.on_commit(partial(tasks.send_counselor_invitation.enqueue, access.pk))


def find_counselor_invitation(token: str) -> CounselorAccess | None:
    return (
        CounselorAccess.objects.select_related("couple", "invited_by")
        .filter(token_hash=hash_token(token))
        .first()
    )


class CounselorInvitationProblem(enum.StrEnum):
    """Why a counselor's link cannot be accepted by this person right now."""

    NOT_FOUND = "not_found"
    CLOSED = "closed"
    USED = "used"
    ALREADY_JOINED = "already_joined"
    EXPIRED = "expired"
    PARTNER_ACCOUNT = "partner_account"
    WRONG_ACCOUNT = "wrong_account"
    NO_PROFILE = "no_profile"


class CounselorInvitationRefused(CoupleError):
    def __init__(self, problem: CounselorInvitationProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def counselor_invitation_problem(
    access: CounselorAccess | None, user: User
) -> CounselorInvitationProblem | None:
    Problem = CounselorInvitationProblem
    if access is None:
        return Problem.NOT_FOUND
    if access.cancelled_at is not None or access.couple.ended_at is not None:
        return Problem.CLOSED
    if access.counselor_id is not None:
        joined = user.is_authenticated and access.counselor_id == user.pk
        return Problem.ALREADY_JOINED if joined else Problem.USED
    if access.is_expired:
        return Problem.EXPIRED
    if not user.is_authenticated:
        return None
    partnership = get_partnership(user)
    if partnership is not None and partnership.couple.ended_at is None:
        return Problem.PARTNER_ACCOUNT
    if not has_verified_email(user, access.email):
        return Problem.WRONG_ACCOUNT
    return None


def accept_counselor_invitation(*, token: str, user: User) -> CounselorAccess:
    found = find_counselor_invitation(token)
    if found is None:
        raise CounselorInvitationRefused(CounselorInvitationProblem.NOT_FOUND)
    with transaction.atomic():
        Couple.objects.select_for_update().get(pk=found.couple_id)
        access = (
            CounselorAccess.objects.select_for_update(of=("self",))
            .select_related("couple")
            .get(pk=found.pk)
        )
        problem = counselor_invitation_problem(access, user)
        if problem is not None:
            raise CounselorInvitationRefused(problem)
        if not CounselorProfile.objects.filter(user=user).exists():
            raise CounselorInvitationRefused(CounselorInvitationProblem.NO_PROFILE)
        if CounselorAccess.objects.filter(
            couple_id=access.couple_id, counselor=user, cancelled_at__isnull=True
        ).exists():
            raise CounselorInvitationRefused(CounselorInvitationProblem.ALREADY_JOINED)
        access.counselor = user
        access.accepted_at = timezone.now()
        access.save(update_fields=["counselor", "accepted_at"])
        _sync_counselor_notice(access)
    return access


def record_consent(
    *,
    partnership: Partnership,
    access: CounselorAccess,
    action: str,
    scope: list[str] | None = None,
    ends_on: date | None = None,
) -> ConsentEvent:
    """Append a partner's consent decision; the counselor's access follows on their next
    request. Both partners' decisions about one counselor are serialised on the couple row."""
    with transaction.atomic():
        Couple.objects.select_for_update().get(pk=partnership.couple_id)
        access = (
            CounselorAccess.objects.select_for_update(of=("self",))
            .select_related("couple", "counselor__counselor_profile")
            .get(pk=access.pk)
        )
        if access.couple.ended_at is not None and action in (
            ConsentEvent.Action.GRANT,
            ConsentEvent.Action.CHANGE,
        ):
            raise CoupleError("This space has ended, so nobody new can be let in.")
        action = ConsentEvent.Action(action)
        scope = (
            normalize_scope(scope or [])
            if action
            in (
                ConsentEvent.Action.GRANT,
                ConsentEvent.Action.CHANGE,
            )
            else []
        )
        counselor_name = (
            access.counselor.counselor_profile.professional_name
            if access.counselor_id and hasattr(access.counselor, "counselor_profile")
            else access.email
        )
        event = ConsentEvent.objects.create(
            access=access,
            partner=partnership.user,
            action=action,
            scope=scope,
            ends_on=ends_on if scope else None,
            wording=consent_wording(counselor=counselor_name, scope=scope, ends_on=ends_on)
            if scope
            else "",
        )
        _invite_counselor_once_both_consent(access)
        _sync_counselor_notice(access)
    security_log.info(
        "consent %s: user=%s counselor_access=%s scope=%s ends_on=%s",
        action,
        partnership.user_id,
        access.pk,
        ",".join(scope),
        ends_on,
    )
    return event


def _sync_counselor_notice(access: CounselorAccess) -> None:
    """Tell the counselor when their access opens, narrows, widens or ends (inside the caller's
    transaction, with the access row locked)."""
    if access.counselor_id is None:
        return
    from couples.selectors import get_consent_state

    now_scope = get_consent_state(access).live_scope
    before = access.notified_scope
    if now_scope == before:
        return
    if before is None:
        change = "opened"
    elif now_scope is None:
        change = "ended"
    elif set(now_scope) < set(before):
        change = "narrowed"
    else:
        change = "changed"
    access.notified_scope = now_scope
    access.save(update_fields=["notified_scope"])
    transaction.on_commit(partial(tasks.send_counselor_access_changed.enqueue, access.pk, change))


def log_counselor_view(
    *, access: CounselorAccess, counselor: User, path: str, scope: list[str] | None
) -> AccessLogEntry:
    profile = CounselorProfile.objects.filter(user=counselor).first()
    return AccessLogEntry.objects.create(
        access=access,
        counselor=counselor,
        counselor_name=profile.professional_name if profile else counselor.display_name,
        path=path[:300],
        allowed=scope is not None,
        scope=scope or [],
    )
