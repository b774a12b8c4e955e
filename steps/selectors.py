"""Reads for the step pages and the couple home. Each takes the asking partner, so that what a
person can see is decided here, in one place: a partner's check-in answer only once the round is
revealed, reflections only for their author."""

from collections import defaultdict
from collections.abc import Callable, Container
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from django.db.models import (
    BooleanField,
    CharField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    StringAgg,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Now
from django.http import Http404
from django.utils import timezone

from couples.models import Couple, Partnership
from couples.selectors import (
    CouplePanel,
    get_partnership_or_404,
    seat_among,
    seats_of_couple_of,
)
from steps.content import STEP_COUNT, Step, get_steps
from steps.models import (
    Apology,
    CheckIn,
    CheckInRound,
    Commitment,
    Feeling,
    FocusArea,
    ForgivenessDecision,
    HardMoment,
    Journey,
    Pause,
    PromptAnswer,
    Question,
    QuestionEntry,
    QuestionStatus,
    Reflection,
    SafetyCheck,
    StepCompletion,
    Understanding,
)
from trustapp.accounts.models import User
from trustapp.prepared import PreparedQuery

# The step page shows a person's ten latest reflections on a step, and links to all of them:
# a step written about for years stays as quick to open as a new one.
REFLECTIONS_SHOWN = 10


@dataclass(frozen=True)
class StepReflections:
    shown: list[Reflection]  # newest first
    has_more: bool  # more than shown; `everything` shows them all


# Every step page reads these, so their SQL is compiled once per process (trustapp/prepared.py).
_all_reflections = PreparedQuery(
    Reflection,
    lambda author, step: Reflection.objects.filter(author=author, step=step),
    "author",
    "step",
)
# One more than shown says whether there are more, without counting them all.
_latest_reflections = PreparedQuery(
    Reflection,
    lambda author, step: Reflection.objects.filter(author=author, step=step)[
        : REFLECTIONS_SHOWN + 1
    ],
    "author",
    "step",
)


def get_reflections(user: User, step: int, *, everything: bool = False) -> StepReflections:
    if everything:
        return StepReflections(shown=_all_reflections(author=user.pk, step=step), has_more=False)
    latest = _latest_reflections(author=user.pk, step=step)
    return StepReflections(
        shown=latest[:REFLECTIONS_SHOWN], has_more=len(latest) > REFLECTIONS_SHOWN
    )


def is_among_latest(reflection: Reflection) -> bool:
    """Whether the step page, which shows the latest reflections, shows this one."""
    newer = Reflection.objects.filter(author_id=reflection.author_id, step=reflection.step).filter(
        Q(created_at__gt=reflection.created_at)
        | Q(created_at=reflection.created_at, pk__gt=reflection.pk)
    )
    return newer[:REFLECTIONS_SHOWN].count() < REFLECTIONS_SHOWN


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


def numbers_of(rows: QuerySet[Any], group: str, column: str) -> Subquery:
    """A subquery of `column` over `rows` (all of one `group`) as text, "1,2,3" (NULL for no
    rows): read alongside another row, and taken apart by `numbers_in`."""
    return Subquery(
        rows.values(group)
        .annotate(numbers=StringAgg(Cast(column, CharField()), Value(",")))
        .values("numbers")
    )


def completed_steps_of(couple: OuterRef) -> Subquery:
    """The steps a couple has completed (`numbers_of`)."""
    return numbers_of(StepCompletion.objects.filter(couple_id=couple), "couple_id", "step")


def numbers_in(text: str | None) -> frozenset[int]:
    """The numbers of a comma-separated list that a StringAgg subquery read (None for none)."""
    return frozenset(int(number) for number in (text or "").split(",") if number)


def first_step_not_done(done: Container[int]) -> int | None:
    """The current step: the first not yet completed; None once all eleven are done."""
    for number in range(1, STEP_COUNT + 1):
        if number not in done:
            return number
    return None


def is_step_open(step: int, current_step: int | None) -> bool:
    """Whether the couple may check in on `step`: any step up to the current one, and every
    step once all are done."""
    return current_step is None or step <= current_step


@dataclass(frozen=True)
class Progress:
    couple: Couple
    completions: dict[int, StepCompletion]

    @property
    def fingerprint(self) -> str:
        """Names everything the progress list shows: which steps are done, and when."""
        return ",".join(
            f"{number}@{completion.completed_at.timestamp()}"
            for number, completion in sorted(self.completions.items())
        )

    @property
    def current_step(self) -> int | None:
        return first_step_not_done(self.completions)

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
        return is_step_open(step, self.current_step)


_completions = PreparedQuery(
    StepCompletion, lambda couple: StepCompletion.objects.filter(couple_id=couple), "couple"
)


def get_progress(couple: Couple) -> Progress:
    completions = {c.step: c for c in _completions(couple=couple.pk)}
    return Progress(couple=couple, completions=completions)


@dataclass(frozen=True)
class RevealedRound:
    round: CheckInRound
    mine: CheckIn | None
    partners: CheckIn | None

    @property
    def answers(self) -> list[CheckIn]:
        return [answer for answer in (self.mine, self.partners) if answer is not None]

    @property
    def calls_for_care(self) -> bool:
        """Answers far apart, or someone in a hard place: the page offers a few words on how to
        talk about it (never a score or a verdict)."""
        answers = self.answers
        if any(a.trust <= 2 or a.feeling == Feeling.STRUGGLING for a in answers):
            return True
        return len(answers) == 2 and abs(answers[0].trust - answers[1].trust) >= 3


@dataclass(frozen=True)
class CheckInState:
    """What the asking partner may see of the check-ins on one step."""

    step: int
    open_round: CheckInRound | None
    my_answer: CheckIn | None  # in the open round
    partner_has_answered: bool  # in the open round; never the answer itself
    revealed: list[RevealedRound] = field(default_factory=list)  # newest first, the latest few
    revealed_count: int = 0  # all revealed rounds on the step, shown or not

    @property
    def earlier_count(self) -> int:
        return max(self.revealed_count - 1, 0)

    @property
    def has_unshown(self) -> bool:
        """More revealed rounds than the page shows (the export holds them all)."""
        return self.revealed_count > len(self.revealed)

    @property
    def earlier_fingerprint(self) -> str:
        """Names the earlier rounds the step page's table shows. Revealed rounds are sealed, so
        their answers never change under the same name."""
        return ",".join(str(revealed.round.pk) for revealed in self.revealed[1:])

    @property
    def latest(self) -> RevealedRound | None:
        return self.revealed[0] if self.revealed else None

    @property
    def waiting_for_partner(self) -> bool:
        return self.my_answer is not None and not self.partner_has_answered

    @property
    def partner_waiting_for_me(self) -> bool:
        return self.my_answer is None and self.partner_has_answered

    @property
    def partner_is_quiet(self) -> bool:
        """Waiting long enough that the page offers to carry on alone (and stops polling)."""
        return (
            self.waiting_for_partner
            and self.my_answer is not None
            and timezone.now() - self.my_answer.created_at >= PARTNER_QUIET_AFTER
        )


# The step page shows the latest revealed round and the ten before it; the rest are in the
# partners' export. Reading only these keeps a step page as fast after three years as on day one.
REVEALED_ROUNDS_SHOWN = 11

# A check-in's fields, read alongside its round: by name in the query, by column in the model.
_ANSWER_FIELDS = [(field.name, field.attname) for field in CheckIn._meta.concrete_fields]
_ANSWER_ATTNAMES = [attname for _, attname in _ANSWER_FIELDS]


def _with_answers(query: QuerySet[CheckInRound]) -> QuerySet[CheckInRound]:
    """Each round once per answer in it (once, with no answer, for a round that has none), the
    answer's fields alongside as `answer_<field>`: read apart by `_rounds_and_answers`."""
    return query.annotate(
        **{f"answer_{name}": F(f"check_ins__{name}") for name, _ in _ANSWER_FIELDS}
    ).order_by("-number", "check_ins__pk")


def _rounds_and_answers(
    rows: list[CheckInRound],
) -> tuple[list[CheckInRound], dict[int, list[CheckIn]]]:
    rounds: list[CheckInRound] = []
    answers_in: dict[int, list[CheckIn]] = defaultdict(list)
    for row in rows:
        # Taken off the round, which leaves here: an answer may be the partner's, not yet revealed.
        fields = {name: row.__dict__.pop(f"answer_{name}") for name, _ in _ANSWER_FIELDS}
        if not rounds or rounds[-1].pk != row.pk:
            rounds.append(row)
        if fields["id"] is not None:
            answer = CheckIn.from_db(row._state.db, _ANSWER_ATTNAMES, list(fields.values()))
            answer.round = rounds[-1]
            answers_in[row.pk].append(answer)
    return rounds, answers_in


def _latest_rounds_with_answers(couple: int, step: int) -> QuerySet[CheckInRound]:
    """The step's newest rounds with their answers. Rounds are numbered 1, 2, 3... per step, so
    the newest few are those above the newest number less their count."""
    newest = Subquery(
        CheckInRound.objects.filter(couple_id=couple, step=step)
        .order_by("-number")
        .values("number")[:1]
    )
    return _with_answers(
        CheckInRound.objects.filter(
            couple_id=couple, step=step, number__gt=newest - (REVEALED_ROUNDS_SHOWN + 1)
        )
    )


_latest_rounds = PreparedQuery(CheckInRound, _latest_rounds_with_answers, "couple", "step")


def get_check_in_state(partnership: Partnership, step: int) -> CheckInState:
    me = partnership.user_id
    # One query for the rounds and their answers: the open round, if any, is always the newest.
    rounds, answers_in = _rounds_and_answers(
        _latest_rounds(couple=partnership.couple_id, step=step)
    )
    open_round = next((r for r in rounds if not r.is_revealed), None)
    my_answer = None
    partner_has_answered = False
    if open_round is not None:
        # Only the asking partner's own answer leaves here: the other is not theirs to see yet.
        for answer in answers_in[open_round.pk]:
            if answer.author_id == me:
                my_answer = answer
            else:
                partner_has_answered = True
    revealed = []
    for check_in_round in rounds:
        if not check_in_round.is_revealed:
            continue
        answers = answers_in[check_in_round.pk]
        revealed.append(
            RevealedRound(
                round=check_in_round,
                mine=next((a for a in answers if a.author_id == me), None),
                partners=next((a for a in answers if a.author_id != me), None),
            )
        )
    newest = rounds[0].number if rounds else 0
    return CheckInState(
        step=step,
        open_round=open_round,
        my_answer=my_answer,
        partner_has_answered=partner_has_answered,
        revealed=revealed[:REVEALED_ROUNDS_SHOWN],
        revealed_count=newest - (1 if open_round else 0),
    )


# A waiting partner's poll, checked and read at once: the step's open round, in a couple the
# asking person is in now. Most of the app's requests are this poll.
_open_round_of = PreparedQuery(
    CheckInRound,
    lambda user, step, check_in_round: CheckInRound.objects.filter(
        pk=check_in_round,
        step=step,
        revealed_at__isnull=True,
        couple__partnerships__user=user,
        couple__partnerships__left_at__isnull=True,
    )[:1],
    "user",
    "step",
    "check_in_round",
)


def is_round_open_for(user: User, step: int, round_pk: str) -> bool:
    """Whether `round_pk`, as a poll sends it, is still the open round of this step in `user`'s
    own couple: all that the poll reads while nothing has changed. Anything else (another
    couple's round, a revealed one, a malformed value) is False, and the poll draws its part
    through the usual checks."""
    if not (round_pk.isascii() and round_pk.isdigit() and len(round_pk) < 19):
        return False
    return bool(_open_round_of(user=user.pk, step=step, check_in_round=int(round_pk)))


_open_round_with_answers = PreparedQuery(
    CheckInRound,
    lambda couple, step: _with_answers(
        CheckInRound.objects.filter(couple_id=couple, step=step, revealed_at__isnull=True)
    ),
    "couple",
    "step",
)


def get_open_round_with_answers(
    couple: Couple, step: int
) -> tuple[CheckInRound | None, list[CheckIn]]:
    """The step's open round (at most one, a database constraint) and the answers in it."""
    rounds, answers_in = _rounds_and_answers(_open_round_with_answers(couple=couple.pk, step=step))
    return (rounds[0], answers_in[rounds[0].pk]) if rounds else (None, [])


# How long a partner's answer waits before the page stops saying "waiting for them" and offers
# to carry on alone. The same for every reason a partner may not answer, so it says none.
PARTNER_QUIET_AFTER = timedelta(days=3)


@dataclass(frozen=True)
class Waiting:
    """The open check-ins between the partners, as one of them sees them."""

    for_me: list[int]  # steps the partner has answered and this partner has not
    for_partner: list[int]  # steps this partner has answered and the partner has not
    since: datetime | None  # this partner's oldest answer still waiting for the partner

    @property
    def partner_is_quiet(self) -> bool:
        return self.since is not None and timezone.now() - self.since >= PARTNER_QUIET_AFTER


# The answers in the couple's open rounds, on every visit to the home. A step has at most one
# open round (a database constraint), so a step names its round.
_answers_waiting = PreparedQuery(
    CheckIn,
    lambda couple: CheckIn.objects.filter(
        round__couple_id=couple, round__revealed_at__isnull=True
    ).values_list("round__step", "author_id", "created_at"),
    "couple",
)


def get_waiting(partnership: Partnership) -> Waiting:
    authors_by_step: dict[int, set[int | None]] = {}
    mine_at: dict[int, datetime] = {}
    for step, author_id, created_at in _answers_waiting(couple=partnership.couple_id):
        authors_by_step.setdefault(step, set()).add(author_id)
        if author_id == partnership.user_id:
            mine_at[step] = created_at
    for_partner = sorted(
        step for step, authors in authors_by_step.items() if authors == {partnership.user_id}
    )
    return Waiting(
        for_me=sorted(
            step for step, authors in authors_by_step.items() if partnership.user_id not in authors
        ),
        for_partner=for_partner,
        since=min((mine_at[step] for step in for_partner), default=None),
    )


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


def get_trust_history_stamp(couple: Couple) -> tuple[int, int]:
    """How many rounds are revealed, and the newest round's id: what names a couple's trust
    history. Revealed rounds are never changed or removed, so the count grows with every
    reveal, and a new history always has a new stamp."""
    found = _trust_history_stamp(couple=couple.pk)
    return (found[0].revealed_count, found[0].last_revealed or 0) if found else (0, 0)


# The couple home reads these two sums on every visit: compiled once per process, like the rest.
_trust_history_stamp = PreparedQuery(
    Couple,
    lambda couple: (
        Couple.objects.filter(pk=couple)
        .annotate(
            revealed_count=Count(
                "check_in_rounds", filter=Q(check_in_rounds__revealed_at__isnull=False)
            ),
            last_revealed=Max(
                "check_in_rounds", filter=Q(check_in_rounds__revealed_at__isnull=False)
            ),
        )
        .only("pk")
    ),
    "couple",
)


def get_shared_for(user: User, model: type[Model], pk: int, *, couple_field: str = "couple") -> Any:
    """A shared item of the user's own couple; another couple's item, or none, is a 404."""
    partnership = get_partnership_or_404(user)
    try:
        return model.objects.get(pk=pk, **{couple_field: partnership.couple_id})
    except model.DoesNotExist:
        raise Http404("Not found.") from None


@dataclass(frozen=True)
class JourneyState:
    """The couple's journey as one partner sees it: complete or not, and who paused it."""

    completed_at: datetime | None
    pauses: list[Pause]  # the open ones, oldest first: one per partner at most
    viewer_id: int | None = None

    @property
    def is_paused(self) -> bool:
        return bool(self.pauses)

    @property
    def my_pause(self) -> Pause | None:
        return next((p for p in self.pauses if p.partner_id == self.viewer_id), None)

    @property
    def partners_pause(self) -> Pause | None:
        return next((p for p in self.pauses if p.partner_id != self.viewer_id), None)

    def seen_by(self, user_id: int) -> "JourneyState":
        return replace(self, viewer_id=user_id)


_journey = PreparedQuery(Journey, lambda couple: Journey.objects.filter(couple_id=couple), "couple")
_open_pauses = PreparedQuery(
    Pause, lambda couple: Pause.objects.filter(couple_id=couple, ended_at__isnull=True), "couple"
)


def get_journey_state(couple: Couple) -> JourneyState:
    """The journey without creating it on a read. Who paused is not joined in: CoupleReads sets
    them from the partners it already has."""
    found = _journey(couple=couple.pk)
    return JourneyState(
        completed_at=found[0].completed_at if found else None,
        pauses=list(_open_pauses(couple=couple.pk)),
    )


_latest_safety_check = PreparedQuery(
    SafetyCheck,
    lambda user, couple: SafetyCheck.objects.filter(user_id=user, couple_id=couple).order_by(
        "-created_at", "-pk"
    )[:1],
    "user",
    "couple",
)


def get_latest_safety_check(partnership: Partnership) -> SafetyCheck | None:
    found = _latest_safety_check(user=partnership.user_id, couple=partnership.couple_id)
    return found[0] if found else None


def is_set_aside(partnership: Partnership) -> bool:
    """Whether this partner's private safety check raised a concern: they are never prompted to
    take part in anything shared, by email or on a page."""
    latest = get_latest_safety_check(partnership)
    return latest is not None and latest.has_concern


@dataclass(frozen=True)
class LedgerStatus:
    unanswered: int
    # Changes whenever anything in the ledger changes, so a poll can answer "nothing new".
    fingerprint: str


def _ledger_fingerprint(count: int, stamp: datetime | None) -> str:
    return f"{count}-{stamp.timestamp() if stamp else 0}"


def get_ledger_status(couple: Couple) -> LedgerStatus:
    """What the step 6 poll and the couple home show of the ledger, in one query."""
    found = _ledger_sums(couple=couple.pk)
    if not found:
        return LedgerStatus(unanswered=0, fingerprint=_ledger_fingerprint(0, None))
    return LedgerStatus(
        unanswered=found[0].ledger_unanswered,
        fingerprint=_ledger_fingerprint(found[0].ledger_count, found[0].ledger_stamp),
    )


# Question.is_unanswered, as the database can count it.
UNANSWERED_STATUSES = [status for status in QuestionStatus if status != QuestionStatus.ANSWERED]
_ledger_sums = PreparedQuery(
    Couple,
    lambda couple: (
        Couple.objects.filter(pk=couple)
        .annotate(
            ledger_stamp=Max("questions__updated_at"),
            ledger_count=Count("questions"),
            ledger_unanswered=Count(
                "questions",
                filter=Q(questions__status__in=UNANSWERED_STATUSES),
            ),
        )
        .only("pk")
    ),
    "couple",
)


def ledger_status_of(ledger: list[Question]) -> LedgerStatus:
    """The status of a ledger already read (the step 6 page shows both): the same fingerprint as
    `get_ledger_status` gives, without asking the database again."""
    return LedgerStatus(
        unanswered=sum(question.is_unanswered for question in ledger),
        fingerprint=_ledger_fingerprint(
            len(ledger), max((question.updated_at for question in ledger), default=None)
        ),
    )


# The user's own seat, with their couple's ledger summed up beside it: no row at all for someone
# who is not a partner, so the poll's access check and its read are one query.
_ledger_of_seat_of = PreparedQuery(
    Partnership,
    lambda user: (
        Partnership.objects.filter(user=user, left_at__isnull=True)
        .annotate(
            ledger_stamp=Max("couple__questions__updated_at"),
            ledger_count=Count("couple__questions"),
        )
        .only("pk")[:1]
    ),
    "user",
)


def is_ledger_unchanged_for(user: User, seen: str) -> bool:
    """Whether the ledger of `user`'s own couple is still what `seen` (the fingerprint a poll
    sends) says: all that the step 6 poll reads while nothing has changed. False for anyone who
    is not a partner, and the poll then goes through the usual checks."""
    if not seen:
        return False
    found = _ledger_of_seat_of(user=user.pk)
    return bool(found) and seen == _ledger_fingerprint(found[0].ledger_count, found[0].ledger_stamp)


def get_ledger(couple: Couple) -> list[Question]:
    return list(
        Question.objects.filter(couple=couple).prefetch_related(
            Prefetch("entries", queryset=QuestionEntry.objects.order_by("created_at", "pk"))
        )
    )


@dataclass(frozen=True)
class ApologyState:
    my_draft: Apology | None
    sent: list[Apology]  # newest first, both partners', with their responses


def get_apology_state(partnership: Partnership) -> ApologyState:
    apologies = list(
        Apology.objects.filter(couple_id=partnership.couple_id)
        .filter(Q(sent_at__isnull=False) | Q(author_id=partnership.user_id))
        .prefetch_related("responses")
    )
    draft = next((a for a in apologies if a.sent_at is None), None)
    return ApologyState(my_draft=draft, sent=[a for a in apologies if a.sent_at is not None])


def get_understandings(couple: Couple) -> list[Understanding]:
    return list(Understanding.objects.filter(couple=couple))


def get_commitments(couple: Couple) -> list[Commitment]:
    return list(Commitment.objects.filter(couple=couple).prefetch_related("checks"))


def get_focus_areas(couple: Couple) -> list[FocusArea]:
    return list(FocusArea.objects.filter(couple=couple).prefetch_related("updates"))


@dataclass(frozen=True)
class ForgivenessState:
    mine: ForgivenessDecision | None
    partners: ForgivenessDecision | None
    history: list[ForgivenessDecision]


def get_forgiveness_state(partnership: Partnership) -> ForgivenessState:
    history = list(ForgivenessDecision.objects.filter(couple_id=partnership.couple_id))
    return ForgivenessState(
        mine=next((d for d in history if d.author_id == partnership.user_id), None),
        partners=next((d for d in history if d.author_id != partnership.user_id), None),
        history=history,
    )


@dataclass(frozen=True)
class SummaryAnswer:
    name: str
    feeling: str
    trust: int
    ready: bool
    note: str | None  # None unless check-in notes are in scope


@dataclass(frozen=True)
class SummaryRound:
    step: int
    number: int
    revealed_at: datetime
    answers: list[SummaryAnswer]


@dataclass(frozen=True)
class CounselorSummary:
    """Everything a counselor may see of a couple, built from the scope both partners agreed
    to. What is out of scope is never fetched, so no template can leak it. Private reflections
    and unsent drafts are never part of it, whatever the scope."""

    couple: Couple
    partners: list[Partnership]
    scope: list[str]
    progress: Progress
    history: list[TrustPoint]
    rounds: list[SummaryRound]
    questions: list[Question] | None
    apologies: list[Apology] | None
    commitments: list[Commitment] | None
    focus_areas: list[FocusArea] | None


def get_counselor_summary(couple: Couple, scope: list[str]) -> CounselorSummary:
    partners = list(couple.partnerships.active().select_related("user").order_by("seat"))
    names = {p.user_id: p.user.display_name for p in partners}
    with_notes = "check_in_notes" in scope
    rounds = []
    revealed = (
        CheckInRound.objects.filter(couple=couple, revealed_at__isnull=False)
        .prefetch_related("check_ins")
        .order_by("-revealed_at")
    )
    for check_in_round in revealed:
        rounds.append(
            SummaryRound(
                step=check_in_round.step,
                number=check_in_round.number,
                revealed_at=check_in_round.revealed_at,
                answers=[
                    SummaryAnswer(
                        name=names.get(answer.author_id, "A former partner"),
                        feeling=answer.get_feeling_display(),
                        trust=answer.trust,
                        ready=answer.ready,
                        note=answer.note if with_notes else None,
                    )
                    for answer in check_in_round.check_ins.all()
                ],
            )
        )
    return CounselorSummary(
        couple=couple,
        partners=partners,
        scope=scope,
        progress=get_progress(couple),
        history=get_trust_history(couple),
        rounds=rounds,
        questions=get_ledger(couple) if "questions" in scope else None,
        apologies=(
            list(
                Apology.objects.filter(couple=couple, sent_at__isnull=False).prefetch_related(
                    "responses"
                )
            )
            if "apology" in scope
            else None
        ),
        commitments=get_commitments(couple) if "commitments" in scope else None,
        focus_areas=get_focus_areas(couple) if "plans" in scope else None,
    )


@dataclass(frozen=True)
class TrustChange:
    name: str
    before: int | None  # the last level revealed before `since`, if any
    now: int


@dataclass(frozen=True)
class CounselorBrief:
    """What changed in the consented scope since a counselor last looked (`since`; None at the
    first look, when everything is new): the summary's own parts, so nothing outside the scope
    is ever read, narrowed to what happened after `since`."""

    summary: CounselorSummary
    since: datetime | None
    completed: list[StepState]
    rounds: list[SummaryRound]
    trust: list[TrustChange]
    questions: list[Question] | None
    apologies: list[Apology] | None
    commitments: list[Commitment] | None
    focus_areas: list[FocusArea] | None

    @property
    def has_news(self) -> bool:
        return any(
            [
                self.completed,
                self.rounds,
                self.questions,
                self.apologies,
                self.commitments,
                self.focus_areas,
            ]
        )


def _trust_changes(summary: CounselorSummary, since: datetime | None) -> list[TrustChange]:
    changes = []
    for partner in summary.partners:
        levels = [
            (point.revealed_at, point.trust_by_user[partner.user_id])
            for point in summary.history
            if partner.user_id in point.trust_by_user
        ]
        before = [level for moment, level in levels if since is not None and moment <= since]
        after = [level for moment, level in levels if since is None or moment > since]
        if after:
            changes.append(
                TrustChange(partner.user.display_name, before[-1] if before else None, after[-1])
            )
    return changes


def get_counselor_brief(couple: Couple, scope: list[str], since: datetime | None) -> CounselorBrief:
    summary = get_counselor_summary(couple, scope)

    def new(moment: datetime | None) -> bool:
        return moment is not None and (since is None or moment > since)

    def narrowed(items: list[T] | None, changed: Callable[[T], bool]) -> list[T] | None:
        return None if items is None else [item for item in items if changed(item)]

    return CounselorBrief(
        summary=summary,
        since=since,
        completed=[state for state in summary.progress.states if new(state.completed_at)],
        rounds=[round_ for round_ in summary.rounds if new(round_.revealed_at)],
        trust=_trust_changes(summary, since),
        questions=narrowed(summary.questions, lambda q: new(q.updated_at)),
        apologies=narrowed(
            summary.apologies,
            lambda a: new(a.sent_at) or any(new(r.created_at) for r in a.responses.all()),
        ),
        commitments=narrowed(
            summary.commitments,
            lambda c: (
                new(c.created_at)
                or new(c.closed_at)
                or any(new(check.created_at) for check in c.checks.all())
            ),
        ),
        focus_areas=narrowed(summary.focus_areas, lambda a: new(a.updated_at)),
    )


@dataclass(frozen=True)
class CoupleAtAGlance:
    """What a counselor's dashboard shows of a couple whose consent is live."""

    current_step: int | None  # None once all eleven steps are done
    last_activity: datetime | None  # None before anything was shared


def get_couples_at_a_glance(couple_ids: list[int]) -> dict[int, CoupleAtAGlance]:
    """Each couple's current step and latest shared moment (a check-in answer, a question), in
    three queries however many couples a counselor has. Private writing does not count: its
    timing is private too."""
    done: dict[int, set[int]] = {pk: set() for pk in couple_ids}
    for couple_id, step in StepCompletion.objects.filter(couple_id__in=couple_ids).values_list(
        "couple_id", "step"
    ):
        done[couple_id].add(step)
    moments: dict[int, list[datetime]] = {pk: [] for pk in couple_ids}
    latest_per_couple = (
        CheckIn.objects.filter(round__couple_id__in=couple_ids).values_list("round__couple_id"),
        Question.objects.filter(couple_id__in=couple_ids).values_list("couple_id"),
    )
    for latest in latest_per_couple:
        for couple_id, moment in latest.annotate(Max("updated_at")):
            moments[couple_id].append(moment)
    return {
        pk: CoupleAtAGlance(
            current_step=first_step_not_done(done[pk]),
            last_activity=max(moments[pk], default=None),
        )
        for pk in couple_ids
    }


@dataclass(frozen=True)
class NextAction:
    """The one thing the couple home leads with, for the person looking."""

    kind: str
    step: int | None = None


def get_next_action(
    *,
    panel: CouplePanel,
    journey: "JourneyState",
    safety: "SafetyAnswer | None",
    waiting: Waiting,
    progress: Progress,
) -> NextAction:
    if panel.has_ended:
        return NextAction("ended")
    if safety is not None and safety.has_concern:
        # Never a prompt to take part in anything shared: their safety is the one thing shown.
        return NextAction("safety_first")
    if safety is None:
        # Before inviting anyone: whether it is safe to do this together comes first.
        return NextAction("safety_check")
    if panel.partner is None:
        return NextAction("waiting_to_join" if panel.is_waiting_for_partner else "invite")
    if journey.completed_at is not None:
        return NextAction("complete")
    if journey.my_pause is not None:
        return NextAction("my_pause")
    if journey.is_paused:
        return NextAction("partners_pause")
    if waiting.for_me:
        return NextAction("your_turn", waiting.for_me[0])
    if waiting.for_partner:
        kind = "partner_quiet" if waiting.partner_is_quiet else "waiting"
        return NextAction(kind, waiting.for_partner[0])
    if progress.current_step is None:
        return NextAction("all_steps_done", STEP_COUNT)
    return NextAction("continue", progress.current_step)


T = TypeVar("T")


@dataclass(frozen=True)
class SafetyAnswer:
    """All the pages need of a partner's latest safety check: whether it raised a concern."""

    has_concern: bool


def safety_concern_of(user: int | OuterRef, couple: int | OuterRef) -> Subquery:
    """Whether a partner's latest safety check in a couple raised a concern (SafetyCheck's
    has_concern), as a subquery: NULL before their first."""
    return Subquery(
        SafetyCheck.objects.filter(user_id=user, couple_id=couple)
        .order_by("-created_at", "-pk")
        .annotate(
            concern=ExpressionWrapper(
                Q(afraid=True) | Q(pressured=True) | Q(harmed=True), output_field=BooleanField()
            )
        )
        .values("concern")[:1]
    )


# The seats of get_partnership with what nearly every couple page asks next, in the same query:
# the journey's end, whether a pause is open (the pauses themselves are read only then), and
# each seat's latest safety answer (None before the first).
_seats_with_couple_state = PreparedQuery(
    Partnership,
    lambda user: seats_of_couple_of(user).annotate(
        journey_completed_at=Subquery(
            Journey.objects.filter(couple_id=OuterRef("couple_id")).values("completed_at")
        ),
        open_pauses=Exists(
            Pause.objects.filter(couple_id=OuterRef("couple_id"), ended_at__isnull=True)
        ),
        safety_concern=safety_concern_of(OuterRef("user_id"), OuterRef("couple_id")),
        # For the current step; the home reads the completions themselves, for their dates.
        completed_steps=completed_steps_of(OuterRef("couple_id")),
    ),
    "user",
)


def get_couple_reads(user: User) -> "CoupleReads | None":
    """The user's seat in their couple, as get_partnership finds it, with the couple's state that
    the home and the step pages read anyway: one query instead of four."""
    if not user.is_authenticated:
        return None
    partnership = seat_among(user, _seats_with_couple_state(user=user.pk))
    return None if partnership is None else CoupleReads(partnership)


def get_couple_reads_or_404(user: User) -> "CoupleReads":
    reads = get_couple_reads(user)
    if reads is None:
        raise Http404("You are not in a couple space.")
    return reads


class CoupleReads:
    """The shared reads of the couple home and the step page, each made at most once per
    request: the step page's check-in part and step 11's tool both show the journey, say."""

    def __init__(self, partnership: Partnership) -> None:
        self.partnership = partnership
        self._this_request: dict[tuple[object, ...], Any] = {}
        # Read alongside the seats (get_couple_reads_or_404): the journey, whether a pause is
        # open, and this partner's latest safety answer, so none of them is asked again.
        if hasattr(partnership, "open_pauses"):
            self._this_request[("safety", partnership.user_id)] = (
                None
                if partnership.safety_concern is None
                else SafetyAnswer(has_concern=partnership.safety_concern)
            )
            if not partnership.open_pauses:
                self._this_request[("journey",)] = JourneyState(
                    completed_at=partnership.journey_completed_at, pauses=[]
                )
            self._this_request[("completed-steps",)] = numbers_in(partnership.completed_steps)

    def _read(self, name: str, read: Callable[[], T], *parts: object) -> T:
        key = (name, *parts)
        if key not in self._this_request:
            self._this_request[key] = read()
        return self._this_request[key]

    def progress(self) -> Progress:
        couple = self.partnership.couple
        completions = self._read("completions", lambda: get_progress(couple).completions)
        return Progress(couple=couple, completions=completions)

    def current_step(self) -> int | None:
        """The first step the couple has not completed (Progress.current_step), without reading
        the completions themselves when the seats brought the completed steps along."""
        couple = self.partnership.couple
        done = self._read("completed-steps", lambda: frozenset(get_progress(couple).completions))
        return first_step_not_done(done)

    def journey(self) -> JourneyState:
        couple = self.partnership.couple
        journey = self._read("journey", lambda: get_journey_state(couple))
        # The partners who paused are the two already loaded, with their current names.
        for pause in journey.pauses:
            for seat in (self.partnership, getattr(self.partnership, "_active_partner", None)):
                if seat is not None and pause.partner_id == seat.user_id:
                    pause.partner = seat.user
        return journey.seen_by(self.partnership.user_id)

    def safety(self) -> SafetyAnswer | None:
        """The asking partner's latest safety check, or None if they have not answered one."""

        def read() -> SafetyAnswer | None:
            latest = get_latest_safety_check(self.partnership)
            return None if latest is None else SafetyAnswer(has_concern=latest.has_concern)

        return self._read("safety", read, self.partnership.user_id)

    def check_in_state(self, step: int) -> CheckInState:
        me = self.partnership.user_id
        return self._read("check-in", lambda: get_check_in_state(self.partnership, step), me, step)

    def ledger_status(self) -> LedgerStatus:
        return self._read("ledger-status", lambda: get_ledger_status(self.partnership.couple))

    def waiting(self) -> Waiting:
        me = self.partnership.user_id
        return self._read("waiting", lambda: get_waiting(self.partnership), me)

    # The step tools' shared lists. An apology draft and a forgiveness decision not yet made
    # by both are one partner's own, so those two tools read afresh.
    def ledger(self) -> list[Question]:
        return self._read("ledger", lambda: get_ledger(self.partnership.couple))

    def understandings(self) -> list[Understanding]:
        return self._read("understandings", lambda: get_understandings(self.partnership.couple))

    def commitments(self) -> list[Commitment]:
        return self._read("commitments", lambda: get_commitments(self.partnership.couple))

    def focus_areas(self) -> list[FocusArea]:
        return self._read("focus-areas", lambda: get_focus_areas(self.partnership.couple))

    def trust_history_stamp(self) -> tuple[int, int]:
        return self._read("trust-stamp", lambda: get_trust_history_stamp(self.partnership.couple))


# In the hardest moments.

HARD_MOMENTS_SHOWN = 50
# How long a partner's ask stays on the couple home if they have not said they saw it.
PARTNER_ASK_SHOWN_FOR = timedelta(days=2)


def get_own_hard_moments(user: User) -> list[HardMoment]:
    """The person's own hard moments, newest first, with their private notes."""
    return list(HardMoment.objects.filter(author=user)[:HARD_MOMENTS_SHOWN])


def _partner_asks(
    partnership: Partnership, *, set_aside: bool | None = None
) -> QuerySet[HardMoment]:
    """Asks for reassurance or space from the other partner of this couple, made since this
    partner joined it, without the asker's private note (never even read). None at all for a
    partner whose safety check raised a concern (`set_aside`, looked up unless the caller has
    it already): nothing shared is asked of them."""
    if is_set_aside(partnership) if set_aside is None else set_aside:
        return HardMoment.objects.none()
    return _asks_to(
        HardMoment.objects.filter(
            couple_id=partnership.couple_id, created_at__gte=partnership.joined_at
        ),
        partnership.user_id,
    )


def _asks_to(moments: QuerySet[HardMoment], user: int) -> QuerySet[HardMoment]:
    """Of these hard moments, the asks someone else made of `user`, without the private note."""
    return (
        moments.exclude(need=HardMoment.Need.NOTHING)
        .exclude(author_id=user)
        .defer("note")
        .select_related("author")
    )


def get_partner_asks(partnership: Partnership) -> list[HardMoment]:
    return list(_partner_asks(partnership)[:HARD_MOMENTS_SHOWN])


# The couple home asks on every visit, so _partner_asks is one prepared query here: the asking
# partner's seat joined in (for when they joined) instead of values of their own, and the
# database's clock for the two days (a prepared query takes only ids).
_recent_partner_asks = PreparedQuery(
    HardMoment,
    lambda couple, user: _asks_to(
        HardMoment.objects.filter(
            couple_id=couple,
            couple__partnerships__user=user,
            couple__partnerships__left_at__isnull=True,
            created_at__gte=F("couple__partnerships__joined_at"),
        ).filter(seen_by_partner_at__isnull=True, created_at__gte=Now() - PARTNER_ASK_SHOWN_FOR),
        user,
    ),
    "couple",
    "user",
)


def get_recent_partner_asks(partnership: Partnership, *, set_aside: bool) -> list[HardMoment]:
    """What the couple home leads with: the partner's asks of the last two days not yet seen.
    The same asks as _partner_asks gives (a test holds the two together)."""
    if set_aside:
        return []
    return _recent_partner_asks(couple=partnership.couple_id, user=partnership.user_id)


def get_partner_ask_for(user: User, moment_id: int) -> HardMoment:
    """A partner's ask that this user may see and answer; anything else is a 404."""
    partnership = get_partnership_or_404(user)
    try:
        return _partner_asks(partnership).get(pk=moment_id)
    except HardMoment.DoesNotExist:
        raise Http404("Not found.") from None


# The daily question and the exercises in rebuilding closeness.


@dataclass(frozen=True)
class PromptExchange:
    """One prompt as one partner sees it: their own answer, and their partner's only once both
    have shared (never a word of it, nor whether it exists, before)."""

    key: str
    prompt: str
    mine: PromptAnswer | None
    partners: PromptAnswer | None

    @property
    def is_revealed(self) -> bool:
        return self.partners is not None


def get_prompt_exchanges(
    user: User, partnership: Partnership | None, keys: dict[str, str]
) -> list[PromptExchange]:
    """For each key (-> its prompt), in two queries however many there are."""
    couple_id = partnership.couple_id if partnership else None
    mine = {
        a.key: a
        for a in PromptAnswer.objects.filter(author=user, couple_id=couple_id, key__in=list(keys))
    }
    theirs: dict[str, PromptAnswer] = {}
    shared_keys = [key for key, answer in mine.items() if answer.shared]
    if partnership is not None and shared_keys and not is_set_aside(partnership):
        theirs = {
            a.key: a
            for a in PromptAnswer.objects.filter(
                couple_id=partnership.couple_id,
                key__in=shared_keys,
                shared=True,
                # The partner there now: never a former partner's answer in the same space.
                author_id__in=Partnership.objects.active()
                .filter(couple_id=partnership.couple_id)
                .values("user_id"),
            )
            .exclude(author=user)
            .select_related("author")
        }
    return [
        PromptExchange(key=key, prompt=prompt, mine=mine.get(key), partners=theirs.get(key))
        for key, prompt in keys.items()
    ]


def daily_key(day: date) -> str:
    return f"daily:{day.isoformat()}"


def get_daily_question(partnership: Partnership | None, day: date) -> str:
    """The day's question: the same for both partners, from the step they are on (the last
    step's once all are done), changing every day. Once either has answered it, it stays that
    question for the day, even if the couple moves on a step meanwhile."""
    if partnership is not None:
        asked = (
            PromptAnswer.objects.filter(couple_id=partnership.couple_id, key=daily_key(day))
            .values_list("prompt", flat=True)
            .first()
        )
        if asked is not None:
            return asked
    if partnership is None:
        step = get_steps()[0]
        seed = 0
    else:
        current = get_progress(partnership.couple).current_step
        step = get_steps()[(current or STEP_COUNT) - 1]
        seed = partnership.couple_id
    return step.daily[(day.toordinal() + seed) % len(step.daily)]


def get_earlier_daily_answers(user: User, before: date, limit: int = 14) -> list[PromptAnswer]:
    """The person's own answers to earlier daily questions, newest first (no count, no gaps)."""
    return list(
        PromptAnswer.objects.filter(
            author=user, key__startswith="daily:", key__lt=daily_key(before)
        ).order_by("-key")[:limit]
    )


def closeness_key(slug: str) -> str:
    return f"closeness:{slug}"
