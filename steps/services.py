"""Workflows on the steps: private reflections, and mutual check-ins with their reveal."""

from dataclasses import dataclass
from functools import partial

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from couples.models import Couple, Partnership
from steps import tasks
from steps.models import CheckIn, CheckInRound, Reflection, StepCompletion
from steps.selectors import get_progress


class StepError(Exception):
    """A rule stopped the action; the message is written for the person who tried it."""


def write_reflection(
    *, partnership: Partnership, step: int, text: str, prompt: str = ""
) -> Reflection:
    return Reflection.objects.create(
        author=partnership.user, couple=partnership.couple, step=step, text=text, prompt=prompt
    )


@dataclass(frozen=True)
class CheckInAnswer:
    feeling: int
    trust: int
    ready: bool
    note: str = ""


def submit_check_in(*, partnership: Partnership, step: int, answer: CheckInAnswer) -> CheckIn:
    """Record (or, until the reveal, change) this partner's answer on the step's open round.

    The couple row is locked for the whole workflow, so when both partners answer at the same
    moment one waits for the other: the second sees the first's answer and reveals the round,
    exactly once. The reveal itself is a conditional update, and the unique constraints (one open
    round per step, one answer per partner per round) are the last line of defence."""
    with transaction.atomic():
        couple = Couple.objects.select_for_update().get(pk=partnership.couple_id)
        if couple.ended_at is not None:
            raise StepError("This space has ended, so its check-ins are closed.")
        if not get_progress(couple).is_reachable(step):
            raise StepError(
                "This step opens once the two of you have moved on from the ones before it."
            )
        check_in_round = CheckInRound.objects.filter(
            couple=couple, step=step, revealed_at__isnull=True
        ).first() or _open_round(couple, step)
        check_in, created = CheckIn.objects.update_or_create(
            round=check_in_round,
            author=partnership.user,
            defaults={
                "feeling": answer.feeling,
                "trust": answer.trust,
                "ready": answer.ready,
                "note": answer.note,
            },
        )
        partner_ids = set(couple.partnerships.active().values_list("user_id", flat=True))
        answered = set(check_in_round.check_ins.values_list("author_id", flat=True))
        if len(partner_ids) == 2 and partner_ids <= answered:
            _reveal(check_in_round)
        elif created:
            transaction.on_commit(
                partial(
                    tasks.send_partner_checked_in.enqueue, check_in_round.pk, partnership.user_id
                )
            )
    return check_in


def _open_round(couple: Couple, step: int) -> CheckInRound:
    last = (
        CheckInRound.objects.filter(couple=couple, step=step).aggregate(Max("number"))[
            "number__max"
        ]
        or 0
    )
    return CheckInRound.objects.create(couple=couple, step=step, number=last + 1)


def _reveal(check_in_round: CheckInRound) -> None:
    revealed = CheckInRound.objects.filter(pk=check_in_round.pk, revealed_at__isnull=True).update(
        revealed_at=timezone.now()
    )
    if not revealed:
        return  # someone else revealed it: they send the emails
    answers = list(check_in_round.check_ins.all())
    if answers and all(answer.ready for answer in answers):
        StepCompletion.objects.get_or_create(
            couple_id=check_in_round.couple_id,
            step=check_in_round.step,
            defaults={"round": check_in_round},
        )
    transaction.on_commit(partial(tasks.send_check_in_revealed.enqueue, check_in_round.pk))


def delete_reflection(*, reflection: Reflection) -> None:
    reflection.delete()
