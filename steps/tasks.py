from couples.models import Partnership
from steps import emails
from steps.models import CheckInRound, HardMoment, Pause
from steps.selectors import is_set_aside
from trustapp.accounts.models import User
from trustapp.tasks import email_task


def _quiet(check_in_round: CheckInRound) -> bool:
    """No emails while either partner has paused the process, or after the space ended."""
    couple = check_in_round.couple
    return (
        couple.ended_at is not None
        or Pause.objects.filter(couple=couple, ended_at__isnull=True).exists()
    )


def _may_prompt(partnership: Partnership) -> bool:
    return partnership.user.email_partner_updates and not is_set_aside(partnership)


@email_task
def send_partner_checked_in(round_id: int, author_id: int) -> None:
    check_in_round = CheckInRound.objects.select_related("couple").get(pk=round_id)
    if check_in_round.is_revealed or _quiet(check_in_round):
        return  # the partner answered meanwhile (the reveal email says it all), or all is paused
    author = User.objects.get(pk=author_id)
    for partnership in check_in_round.couple.partnerships.active().select_related("user"):
        if partnership.user_id != author_id and _may_prompt(partnership):
            emails.partner_checked_in(to=partnership.user, partner=author, step=check_in_round.step)


@email_task
def send_check_in_revealed(round_id: int, revealed_by_id: int | None = None) -> None:
    """To the partner who did not just see the answers open on their own screen."""
    check_in_round = CheckInRound.objects.select_related("couple").get(pk=round_id)
    if _quiet(check_in_round):
        return
    for partnership in check_in_round.couple.partnerships.active().select_related("user"):
        if partnership.user_id != revealed_by_id and _may_prompt(partnership):
            emails.check_in_revealed(to=partnership.user, step=check_in_round.step)


@email_task
def send_partner_deleted_account(to_user_id: int, former_partner_name: str) -> None:
    recipient = User.objects.filter(pk=to_user_id).first()
    if recipient is not None:
        emails.partner_deleted_account(to=recipient, former_partner_name=former_partner_name)


@email_task
def send_hard_moment_ask(moment_id: int) -> None:
    """To the partner a hard moment's ask is for. It is the asker's own choice, so it goes out
    during a pause too; never after the space ended, and never the asker's note."""
    moment = HardMoment.objects.defer("note").select_related("author", "couple").get(pk=moment_id)
    couple = moment.couple
    if couple is None or couple.ended_at is not None:
        return
    for partnership in couple.partnerships.active().select_related("user"):
        if partnership.user_id != moment.author_id and _may_prompt(partnership):
            emails.hard_moment_ask(to=partnership.user, partner=moment.author, need=moment.need)
