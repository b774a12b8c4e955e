"""Reads for the step pages and the couple home. Each takes the asking partner, so that what a
person can see is decided here, in one place: a partner's check-in answer only once the round is
revealed, reflections only for their author."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Prefetch
from django.http import Http404

from couples.models import Couple, Partnership
from steps.content import STEP_COUNT, Step, get_steps
from steps.models import CheckIn, CheckInRound, Reflection, StepCompletion
from trustapp.accounts.models import User


def get_reflections(user: User, step: int) -> list[Reflection]:
    return list(Reflection.objects.filter(author=user, step=step))


def get_reflection_for(user: User, reflection_id: int) -> Reflection:
    """The user's own reflection; anyone else's, or one that does not exist, is a 404."""
    try:
        return Reflection.objects.get(pk=reflection_id, author=user)
    except Reflection.DoesNotExist:
        raise Http404("No such reflection.") from None


@dataclass(frozen=True)
class StepState:
    step: Step
    status: str  # "done", "current" or "ahead"
    completed_at: datetime | None = None

    @property
    def is_reachable(self) -> bool:
        return self.status != "ahead"


@dataclass(frozen=True)
class Progress:
    couple: Couple
    completions: dict[int, StepCompletion]

    @property
    def current_step(self) -> int | None:
        """The first step not yet completed; None once all eleven are done."""
        for number in range(1, STEP_COUNT + 1):
            if number not in self.completions:
                return number
        return None

    @property
    def states(self) -> list[StepState]:
        current = self.current_step
        states = []
        for step in get_steps():
            if step.number in self.completions:
                states.append(StepState(step, "done", self.completions[step.number].completed_at))
            elif step.number == current:
                states.append(StepState(step, "current"))
            else:
                states.append(StepState(step, "ahead"))
        return states

    def is_reachable(self, step: int) -> bool:
        current = self.current_step
        return current is None or step <= current


def get_progress(couple: Couple) -> Progress:
    completions = {c.step: c for c in StepCompletion.objects.filter(couple=couple)}
    return Progress(couple=couple, completions=completions)


@dataclass(frozen=True)
class RevealedRound:
    round: CheckInRound
    mine: CheckIn | None
    partners: CheckIn | None


@dataclass(frozen=True)
class CheckInState:
    """What the asking partner may see of the check-ins on one step."""

    step: int
    open_round: CheckInRound | None
    my_answer: CheckIn | None  # in the open round
    partner_has_answered: bool  # in the open round; never the answer itself
    revealed: list[RevealedRound] = field(default_factory=list)  # newest first

    @property
    def latest(self) -> RevealedRound | None:
        return self.revealed[0] if self.revealed else None

    @property
    def waiting_for_partner(self) -> bool:
        return self.my_answer is not None and not self.partner_has_answered

    @property
    def partner_waiting_for_me(self) -> bool:
        return self.my_answer is None and self.partner_has_answered


def get_check_in_state(partnership: Partnership, step: int) -> CheckInState:
    me = partnership.user_id
    rounds = list(
        CheckInRound.objects.filter(couple_id=partnership.couple_id, step=step)
        .prefetch_related(Prefetch("check_ins", queryset=CheckIn.objects.all()))
        .order_by("-number")
    )
    open_round = next((r for r in rounds if not r.is_revealed), None)
    my_answer = None
    partner_has_answered = False
    if open_round is not None:
        for answer in open_round.check_ins.all():
            if answer.author_id == me:
                my_answer = answer
            else:
                partner_has_answered = True
    revealed = []
    for check_in_round in rounds:
        if not check_in_round.is_revealed:
            continue
        answers = list(check_in_round.check_ins.all())
        revealed.append(
            RevealedRound(
                round=check_in_round,
                mine=next((a for a in answers if a.author_id == me), None),
                partners=next((a for a in answers if a.author_id != me), None),
            )
        )
    return CheckInState(
        step=step,
        open_round=open_round,
        my_answer=my_answer,
        partner_has_answered=partner_has_answered,
        revealed=revealed,
    )


def get_steps_waiting_for(partnership: Partnership) -> list[int]:
    """Steps with an open round the partner has answered and this partner has not."""
    open_rounds = CheckInRound.objects.filter(
        couple_id=partnership.couple_id, revealed_at__isnull=True
    ).prefetch_related("check_ins")
    waiting = []
    for check_in_round in open_rounds:
        authors = {answer.author_id for answer in check_in_round.check_ins.all()}
        if authors and partnership.user_id not in authors:
            waiting.append(check_in_round.step)
    return sorted(waiting)


@dataclass(frozen=True)
class TrustPoint:
    revealed_at: datetime
    step: int
    round_number: int
    trust_by_user: dict[int, int]


def get_trust_history(couple: Couple) -> list[TrustPoint]:
    """Each partner's trust level from every revealed round, oldest first."""
    answers = (
        CheckIn.objects.filter(round__couple=couple, round__revealed_at__isnull=False)
        .select_related("round")
        .order_by("round__revealed_at", "round_id")
        .values_list(
            "round_id", "round__revealed_at", "round__step", "round__number", "author_id", "trust"
        )
    )
    points: dict[int, TrustPoint] = {}
    for round_id, revealed_at, step, number, author_id, trust in answers:
        point = points.setdefault(round_id, TrustPoint(revealed_at, step, number, {}))
        point.trust_by_user[author_id] = trust
    return list(points.values())
