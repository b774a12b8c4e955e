from django.tasks import task
from django.urls import reverse

from couples.models import Couple, Partnership
from steps import emails
from steps.models import CheckInRound, HardMoment, Pause, Question
from steps.selectors import is_set_aside
from trustapp.accounts import push
from trustapp.accounts.models import User
from trustapp.tasks import email_task


def _quiet(couple: Couple) -> bool:
    """No emails or notifications while either partner has paused the process, or after the
    space ended."""
    return (
        couple.ended_at is not None
        or Pause.objects.filter(couple=couple, ended_at__isnull=True).exists()
    )


def _may_prompt(partnership: Partnership) -> bool:
    return partnership.user.email_partner_updates and not is_set_aside(partnership)


def _to_tell(couple: Couple, *, but: int | None) -> list[Partnership]:
    """Who hears of something a partner did: the couple's other active partners, never one whose
    safety check raised a concern, and nobody while the couple is quiet."""
    if _quiet(couple):
        return []
    return [
        partnership
        for partnership in couple.partnerships.active().select_related("user")
        if partnership.user_id != but and not is_set_aside(partnership)
    ]


@email_task
def send_partner_checked_in(round_id: int, author_id: int) -> None:
    check_in_round = CheckInRound.objects.select_related("couple").get(pk=round_id)
    if check_in_round.is_revealed:
        return  # the partner answered meanwhile: the reveal email says it all
    author = User.objects.get(pk=author_id)
    for partnership in _to_tell(check_in_round.couple, but=author_id):
        if partnership.user.email_partner_updates:
            emails.partner_checked_in(to=partnership.user, partner=author, step=check_in_round.step)


@email_task
def send_check_in_revealed(round_id: int, revealed_by_id: int | None = None) -> None:
    """To the partner who did not just see the answers open on their own screen."""
    check_in_round = CheckInRound.objects.select_related("couple").get(pk=round_id)
    for partnership in _to_tell(check_in_round.couple, but=revealed_by_id):
        if partnership.user.email_partner_updates:
            emails.check_in_revealed(to=partnership.user, step=check_in_round.step)


@email_task
def send_partner_deleted_account(to_user_id: int, former_partner_name: str) -> None:
    recipient = User.objects.filter(pk=to_user_id).first()
    if recipient is not None:
        emails.partner_deleted_account(to=recipient, former_partner_name=former_partner_name)


@email_task
def send_hard_moment_ask(moment_id: int) -> None:
    """To the partner a hard moment's ask is for, never with the asker's note. Not while the
    process is paused (a pause promises no emails: the ask waits on their page), nor after the
    space ended."""
    moment = HardMoment.objects.defer("note").select_related("author", "couple").get(pk=moment_id)
    couple = moment.couple
    if couple is None or _quiet(couple):
        return
    for partnership in couple.partnerships.active().select_related("user"):
        if partnership.user_id != moment.author_id and _may_prompt(partnership):
            emails.hard_moment_ask(to=partnership.user, partner=moment.author, need=moment.need)


# Notifications on the partners' devices (trustapp/accounts/push.py): the same moments as the
# emails, each its own task so a slow push service never holds up or repeats an email.


def _push(
    couple: Couple, *, but: int, notification: push.Notification, only: int | None = None
) -> None:
    """To the partners `_to_tell` names (or just `only`, if they are among them)."""
    for partnership in _to_tell(couple, but=but):
        if only is None or partnership.user_id == only:
            push.notify(partnership.user, notification)


def _check_in_notification(kind: str, body: str, step: int) -> push.Notification:
    return push.Notification(
        kind=kind, body=body, url=reverse("step_detail", args=[step]) + "#check-in"
    )


@task()
def push_partner_checked_in(round_id: int, author_id: int) -> None:
    check_in_round = CheckInRound.objects.select_related("couple").get(pk=round_id)
    if check_in_round.is_revealed:
        return
    step = check_in_round.step
    _push(
        check_in_round.couple,
        but=author_id,
        notification=_check_in_notification(
            "push_partner_checked_in", f"Your partner checked in on step {step}.", step
        ),
    )


@task()
def push_check_in_revealed(round_id: int, revealed_by_id: int) -> None:
    check_in_round = CheckInRound.objects.select_related("couple").get(pk=round_id)
    step = check_in_round.step
    _push(
        check_in_round.couple,
        but=revealed_by_id,
        notification=_check_in_notification(
            "push_check_in_revealed", f"Your answers on step {step} are revealed.", step
        ),
    )


@task()
def push_question_answered(question_id: int, answered_by_id: int) -> None:
    question = Question.objects.select_related("couple").get(pk=question_id)
    _push(
        question.couple,
        but=answered_by_id,
        only=question.asked_by_id,
        notification=push.Notification(
            kind="push_question_answered",
            body=(
                "Your partner responded to what you told them."
                if question.told_later
                else "Your partner answered one of your questions."
            ),
            url=reverse("step_detail", args=[6]) + f"#question-{question.pk}",
        ),
    )
