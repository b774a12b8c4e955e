"""Workflows on the steps: private reflections, and mutual check-ins with their reveal."""

import logging
from dataclasses import dataclass
from datetime import date
from functools import partial

from django.db import transaction
from django.db.models import Exists, Max, OuterRef, QuerySet
from django.utils import timezone

from couples.models import CounselorAccess, Couple, Partnership, Role
from steps import tasks
from steps.models import (
    Apology,
    ApologyResponse,
    CheckIn,
    CheckInRound,
    Commitment,
    CommitmentCheck,
    FocusArea,
    FocusAreaUpdate,
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
from steps.selectors import (
    completed_steps_of,
    first_step_not_done,
    get_journey_state,
    get_open_round_with_answers,
    is_set_aside,
    is_step_open,
    numbers_in,
    numbers_of,
    safety_concern_of,
)
from trustapp.accounts.models import User
from trustapp.prepared import PreparedQuery

security_log = logging.getLogger("trustapp.security")


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
        couple = _lock_open_couple(partnership, read=_couple_for_check_in)
        if couple.has_open_pause:
            raise StepError("The process is paused, so check-ins wait until it is resumed.")
        partner_ids = numbers_in(couple.partner_ids)
        current_step = first_step_not_done(numbers_in(couple.completed_steps))
        # Solo: with nobody else in the space, nothing waits on anyone, so every step is open.
        if len(partner_ids) == 2 and not is_step_open(step, current_step):
            raise StepError(
                "This step opens once the two of you have moved on from the ones before it."
            )
        check_in_round, answers = get_open_round_with_answers(couple, step)
        if check_in_round is None:
            check_in_round = _new_round(couple, step)
        # Not update_or_create: the couple lock already serialises this partner's answers, so
        # its savepoint and row lock would only add two round trips to every answer.
        fields = {
            "feeling": answer.feeling,
            "trust": answer.trust,
            "ready": answer.ready,
            "note": answer.note,
        }
        check_in = next((a for a in answers if a.author_id == partnership.user_id), None)
        created = check_in is None
        if check_in is None:
            check_in = CheckIn.objects.create(
                round=check_in_round, author=partnership.user, **fields
            )
        else:
            for name, value in fields.items():
                setattr(check_in, name, value)
            check_in.save(update_fields=[*fields, "updated_at"])
        # The answers read above, with this one: the couple lock keeps anyone else from adding
        # one meanwhile.
        if created:
            answers.append(check_in)
        answered = {a.author_id for a in answers}
        if len(partner_ids) == 2 and partner_ids <= answered:
            _reveal(check_in_round, answers, revealed_by=partnership)
        elif created:
            for notice in (tasks.send_partner_checked_in, tasks.push_partner_checked_in):
                transaction.on_commit(
                    partial(notice.enqueue, check_in_round.pk, partnership.user_id)
                )
    return check_in


def _new_round(couple: Couple, step: int) -> CheckInRound:
    last = (
        CheckInRound.objects.filter(couple=couple, step=step).aggregate(Max("number"))[
            "number__max"
        ]
        or 0
    )
    return CheckInRound.objects.create(couple=couple, step=step, number=last + 1)


def _reveal(
    check_in_round: CheckInRound, answers: list[CheckIn], *, revealed_by: Partnership
) -> None:
    revealed = CheckInRound.objects.filter(pk=check_in_round.pk, revealed_at__isnull=True).update(
        revealed_at=timezone.now()
    )
    if not revealed:
        return  # someone else revealed it: they send the emails
    if answers and all(answer.ready for answer in answers):
        StepCompletion.objects.get_or_create(
            couple_id=check_in_round.couple_id,
            step=check_in_round.step,
            defaults={"round": check_in_round},
        )
    for notice in (tasks.send_check_in_revealed, tasks.push_check_in_revealed):
        transaction.on_commit(partial(notice.enqueue, check_in_round.pk, revealed_by.user_id))


def delete_reflection(*, reflection: Reflection) -> None:
    reflection.delete()


# Every shared change takes this lock.
_lock_couple = PreparedQuery(
    Couple, lambda couple: Couple.objects.select_for_update().filter(pk=couple).only("pk"), "couple"
)


# The couple as the change must see it: whether a pause is open and the changing partner's
# latest safety answer, in one read. Read in a statement after the lock's, never in the lock's own: under
# PostgreSQL's READ COMMITTED a statement sees the data as of its start, so a lock statement that
# waited would bring a pause or a safety answer from before the change it waited for.
def _couple_state(couple: int, user: int) -> QuerySet[Couple]:
    return Couple.objects.filter(pk=couple).annotate(
        has_open_pause=Exists(
            Pause.objects.filter(couple_id=OuterRef("pk"), ended_at__isnull=True)
        ),
        safety_concern=safety_concern_of(user, OuterRef("pk")),
    )


_couple_under_lock = PreparedQuery(Couple, _couple_state, "couple", "user")


# A check-in also needs who is in the couple now and which steps are done, read alongside.
_couple_for_check_in = PreparedQuery(
    Couple,
    lambda couple, user: _couple_state(couple, user).annotate(
        partner_ids=numbers_of(
            Partnership.objects.active().filter(couple_id=OuterRef("pk")), "couple_id", "user_id"
        ),
        completed_steps=completed_steps_of(OuterRef("pk")),
    ),
    "couple",
    "user",
)


def _lock_open_couple(
    partnership: Partnership,
    *,
    exercise: bool = True,
    read: PreparedQuery[Couple] = _couple_under_lock,
) -> Couple:
    """Lock the couple for a shared change, then `read` it as the change must see it. An ended
    space is read-only for both partners, and a partner who told us they may not be safe is
    never drawn into the shared exercises."""
    _lock_couple(couple=partnership.couple_id)
    couple = read(couple=partnership.couple_id, user=partnership.user_id)[0]
    if couple.ended_at is not None:
        raise StepError("This space has ended. What you shared is still here to read.")
    if exercise and couple.safety_concern:
        raise StepError(
            "The shared exercises are set aside for you, because your safety comes first. "
            "You can change your private answers at any time."
        )
    return couple


def _partner_of(couple: Couple, user_id: int) -> Partnership | None:
    return couple.partnerships.active().select_related("user").exclude(user_id=user_id).first()


# The hard roads: pausing, and the private safety check.


def get_journey(couple: Couple) -> Journey:
    journey, _ = Journey.objects.get_or_create(couple=couple)
    return journey


def _open_pauses(couple: Couple) -> list[Pause]:
    return list(Pause.objects.select_for_update().filter(couple=couple, ended_at__isnull=True))


def pause_journey(*, partnership: Partnership, note: str = "") -> Pause:
    """Pause the shared process for both partners, until this partner ends their pause."""
    with transaction.atomic():
        couple = _lock_open_couple(partnership, exercise=False)
        mine = next((p for p in _open_pauses(couple) if p.partner_id == partnership.user_id), None)
        if mine is not None:
            return mine
        return Pause.objects.create(couple=couple, partner=partnership.user, note=note)


def resume_journey(*, partnership: Partnership) -> Pause | None:
    """End this partner's own pause. A pause the other partner asked for is theirs to end."""
    with transaction.atomic():
        couple = _lock_open_couple(partnership, exercise=False)
        pauses = _open_pauses(couple)
        if not pauses:
            return None
        mine = next((p for p in pauses if p.partner_id == partnership.user_id), None)
        if mine is None:
            raise StepError(
                "This pause is your partner's, so it lasts until they end it. "
                "You can let them know, gently, that you are ready when they are."
            )
        mine.end()
    return mine


def ask_to_resume(*, partnership: Partnership, note: str) -> Pause:
    """Leave a note on the other partner's pause: a request, never a resume."""
    with transaction.atomic():
        couple = _lock_open_couple(partnership, exercise=False)
        theirs = next(
            (p for p in _open_pauses(couple) if p.partner_id != partnership.user_id), None
        )
        if theirs is None:
            raise StepError("Your partner has not paused the process, so there is nothing to ask.")
        theirs.ask_to_resume(note)
    return theirs


def record_safety_check(
    *, partnership: Partnership, afraid: bool, pressured: bool, harmed: bool, self_harm: bool
) -> SafetyCheck:
    # With the couple locked, as every shared write is: a check-in in flight lands before the
    # check or sees it, so a concern sets the shared parts aside at once.
    with transaction.atomic():
        Couple.objects.select_for_update().get(pk=partnership.couple_id)
        return SafetyCheck.objects.create(
            user=partnership.user,
            couple=partnership.couple,
            afraid=afraid,
            pressured=pressured,
            harmed=harmed,
            self_harm=self_harm,
        )


# Step 6: the question ledger.


def ask_question(*, partnership: Partnership, text: str) -> Question:
    with transaction.atomic():
        couple = _lock_open_couple(partnership)
        return Question.objects.create(couple=couple, asked_by=partnership.user, text=text)


def tell_later(*, partnership: Partnership, text: str) -> Question:
    """Put on the table something that had not come out before. It joins the ledger at once,
    marked as told later, and waits for the other partner's response like a question does."""
    with transaction.atomic():
        couple = _lock_open_couple(partnership)
        return Question.objects.create(
            couple=couple, asked_by=partnership.user, text=text, told_later=True
        )


def add_question_entry(
    *, partnership: Partnership, question: Question, kind: str, text: str = ""
) -> QuestionEntry:
    """Answer (or revise an answer), ask for time, or ask again. The partner who asked may only
    ask again; the other partner may only answer or ask for time."""
    with transaction.atomic():
        _lock_open_couple(partnership)
        question = Question.objects.select_for_update().get(pk=question.pk)
        is_asker = question.asked_by_id == partnership.user_id
        if kind == QuestionEntry.Kind.FOLLOW_UP and not is_asker:
            raise StepError("Only the partner who asked can ask again.")
        if kind != QuestionEntry.Kind.FOLLOW_UP and is_asker:
            raise StepError("This is your own question: your partner answers it.")
        if kind == QuestionEntry.Kind.ANSWER and not text.strip():
            raise StepError("Write your answer first.")
        entry = QuestionEntry.objects.create(
            question=question, author=partnership.user, kind=kind, text=text
        )
        question.status = {
            QuestionEntry.Kind.ANSWER: QuestionStatus.ANSWERED,
            QuestionEntry.Kind.NEEDS_TIME: QuestionStatus.NEEDS_TIME,
            QuestionEntry.Kind.FOLLOW_UP: QuestionStatus.ASKED_AGAIN,
        }[QuestionEntry.Kind(kind)]
        question.updated_at = entry.created_at
        question.save(update_fields=["status", "updated_at"])
        if kind == QuestionEntry.Kind.ANSWER:
            transaction.on_commit(
                partial(tasks.push_question_answered.enqueue, question.pk, partnership.user_id)
            )
    return entry


# Step 7: the apology.


def may_apologize(partnership: Partnership) -> bool:
    """The partner who broke the trust apologizes; with mutual roles, both may."""
    return partnership.role != Role.HURT


def save_apology_draft(*, partnership: Partnership, text: str) -> Apology:
    if not may_apologize(partnership):
        raise StepError("In this step the apology comes from the partner who broke the trust.")
    with transaction.atomic():
        couple = _lock_open_couple(partnership)
        draft = Apology.objects.filter(couple=couple, author=partnership.user, sent_at=None).first()
        if draft is None:
            return Apology.objects.create(couple=couple, author=partnership.user, text=text)
        draft.text = text
        draft.save(update_fields=["text", "updated_at"])
        return draft


def send_apology(*, partnership: Partnership) -> Apology:
    with transaction.atomic():
        couple = _lock_open_couple(partnership)
        draft = (
            Apology.objects.select_for_update()
            .filter(couple=couple, author=partnership.user, sent_at=None)
            .first()
        )
        if draft is None:
            raise StepError("Write your apology first; it stays private until you send it.")
        draft.sent_at = timezone.now()
        draft.save(update_fields=["sent_at"])
    return draft


def respond_to_apology(
    *, partnership: Partnership, apology: Apology, kind: str, text: str = ""
) -> ApologyResponse:
    with transaction.atomic():
        _lock_open_couple(partnership)
        if apology.sent_at is None or apology.author_id == partnership.user_id:
            raise StepError("You can answer only an apology your partner sent you.")
        if kind == ApologyResponse.Kind.WRITTEN and not text.strip():
            raise StepError("Write your response first.")
        return ApologyResponse.objects.create(
            apology=apology, author=partnership.user, kind=kind, text=text
        )


# Step 8: feeling understood.


def write_understanding(*, partnership: Partnership, text: str) -> Understanding:
    with transaction.atomic():
        couple = _lock_open_couple(partnership)
        if _partner_of(couple, partnership.user_id) is None:
            raise StepError("This exercise needs your partner in the space.")
        return Understanding.objects.create(couple=couple, listener=partnership.user, text=text)


def respond_to_understanding(
    *, partnership: Partnership, understanding: Understanding, understood: int, clarification: str
) -> Understanding:
    with transaction.atomic():
        _lock_open_couple(partnership)
        understanding = Understanding.objects.select_for_update().get(pk=understanding.pk)
        if understanding.listener_id == partnership.user_id:
            raise StepError("Your partner says how understood they feel.")
        understanding.understood = understood
        understanding.clarification = clarification
        understanding.responded_at = timezone.now()
        understanding.save(update_fields=["understood", "clarification", "responded_at"])
    return understanding


# Step 9: commitments.


def add_commitment(*, partnership: Partnership, text: str, review_on: date) -> Commitment:
    if not may_apologize(partnership):
        raise StepError("Commitments here come from the partner who broke the trust.")
    with transaction.atomic():
        couple = _lock_open_couple(partnership)
        return Commitment.objects.create(
            couple=couple, owner=partnership.user, text=text, review_on=review_on
        )


def check_off_commitment(
    *, partnership: Partnership, commitment: Commitment, on: date, note: str = ""
) -> CommitmentCheck:
    with transaction.atomic():
        _lock_open_couple(partnership)
        if commitment.owner_id != partnership.user_id:
            raise StepError("Only the partner who made a commitment checks it off.")
        if commitment.closed_at is not None:
            raise StepError("This commitment was closed after your review together.")
        return CommitmentCheck.objects.create(commitment=commitment, on=on, note=note)


def acknowledge_check(*, partnership: Partnership, check: CommitmentCheck) -> CommitmentCheck:
    with transaction.atomic():
        _lock_open_couple(partnership)
        check = (
            CommitmentCheck.objects.select_related("commitment")
            .select_for_update(of=("self",))
            .get(pk=check.pk)
        )
        if check.commitment.owner_id == partnership.user_id:
            raise StepError("Your partner acknowledges your check-offs.")
        if check.acknowledged_at is None:
            check.acknowledged_at = timezone.now()
            check.save(update_fields=["acknowledged_at"])
    return check


def review_commitment(
    *, partnership: Partnership, commitment: Commitment, review_on: date | None
) -> Commitment:
    """After reviewing it together: renew for another period, or close it (review_on=None)."""
    with transaction.atomic():
        _lock_open_couple(partnership)
        commitment = Commitment.objects.select_for_update().get(pk=commitment.pk)
        if review_on is None:
            commitment.closed_at = timezone.now()
        else:
            commitment.review_on = review_on
        commitment.save(update_fields=["closed_at", "review_on"])
    return commitment


# Step 10: focus areas.


def add_focus_area(
    *, partnership: Partnership, kind: str, title: str, plan: str, next_action: str
) -> FocusArea:
    with transaction.atomic():
        couple = _lock_open_couple(partnership)
        if kind != FocusArea.Kind.OWN and couple.focus_areas.filter(kind=kind).exists():
            raise StepError("You already have this area; update it below.")
        if kind == FocusArea.Kind.OWN and not title.strip():
            raise StepError("Give your own area a name.")
        return FocusArea.objects.create(
            couple=couple, kind=kind, title=title, plan=plan, next_action=next_action
        )


def update_focus_area(
    *,
    partnership: Partnership,
    area: FocusArea,
    plan: str,
    next_action: str,
    status: str,
    note: str,
) -> FocusArea:
    with transaction.atomic():
        _lock_open_couple(partnership)
        area = FocusArea.objects.select_for_update().get(pk=area.pk)
        area.plan = plan
        area.next_action = next_action
        area.status = status
        area.updated_at = timezone.now()
        area.save(update_fields=["plan", "next_action", "status", "updated_at"])
        FocusAreaUpdate.objects.create(area=area, author=partnership.user, status=status, note=note)
    return area


# Step 11: forgiving each other.


def decide_forgiveness(
    *, partnership: Partnership, decision: str, reflection: str = ""
) -> ForgivenessDecision:
    """Record a conscious decision. When both partners' latest decision is to forgive, the
    journey is complete; the couple lock makes two simultaneous decisions see each other."""
    with transaction.atomic():
        couple = _lock_open_couple(partnership)
        made = ForgivenessDecision.objects.create(
            couple=couple, author=partnership.user, decision=decision
        )
        if reflection.strip():
            write_reflection(partnership=partnership, step=11, text=reflection)
        latest = {}
        for choice in ForgivenessDecision.objects.filter(couple=couple).order_by(
            "created_at", "pk"
        ):
            latest[choice.author_id] = choice.decision
        partner_ids = set(couple.partnerships.active().values_list("user_id", flat=True))
        journey = get_journey(couple)
        both_forgive = len(partner_ids) == 2 and all(
            latest.get(user_id) == ForgivenessDecision.Decision.FORGIVE for user_id in partner_ids
        )
        if both_forgive and journey.completed_at is None:
            journey.completed_at = timezone.now()
            journey.save(update_fields=["completed_at"])
    return made


# The person's own data: taking it away, and deleting the account.


def delete_account(*, user: User) -> None:
    """Delete a person and their private data for good. Their part of what a couple shared stays
    for the partner, shown as a former partner's; the partner is told by email."""
    name = user.display_name
    with transaction.atomic():
        partnership = (
            Partnership.objects.active().select_related("couple").filter(user=user).first()
        )
        if partnership is not None:
            couple = Couple.objects.select_for_update().get(pk=partnership.couple_id)
            if couple.ended_at is None:
                couple.ended_at = timezone.now()
                couple.save(update_fields=["ended_at"])
                couple.invitations.filter(status="pending").update(
                    status="cancelled", closed_at=couple.ended_at
                )
                for other in couple.partnerships.active().exclude(user=user):
                    transaction.on_commit(
                        partial(tasks.send_partner_deleted_account.enqueue, other.user_id, name)
                    )
        # Private writing goes; sent apologies stay in the shared history, drafts do not.
        Reflection.objects.filter(author=user).delete()
        Apology.objects.filter(author=user, sent_at__isnull=True).delete()
        CounselorAccess.objects.filter(counselor=user, cancelled_at__isnull=True).update(
            cancelled_at=timezone.now()
        )
        security_log.info("account deleted: user=%s", user.pk)
        user.delete()


# In the hardest moments: "I'm triggered right now".


def may_ask_partner(partnership: Partnership | None) -> bool:
    """Whether a hard moment may carry an ask to a partner: there is one, the space is open,
    and this person's private safety check raised no concern (then nothing shared is asked of
    them, and nothing of theirs is sent to the partner they may not be safe with)."""
    if partnership is None:
        return False
    partner = getattr(partnership, "_active_partner", None)
    if partner is None:
        partner = _partner_of(partnership.couple, partnership.user_id)
    return (
        partner is not None
        and partnership.couple.ended_at is None
        and not is_set_aside(partnership)
    )


def record_hard_moment(
    *, user: User, partnership: Partnership | None, need: str, note: str
) -> HardMoment:
    """Keep the moment for its author (in a couple or not), and pass an ask for reassurance or
    space to the partner (by email, after commit, if they want such emails and are not set
    aside)."""
    if need and not may_ask_partner(partnership):
        raise StepError(
            "Right now this can't go to a partner. It is saved for you alone, if you save it "
            "without choosing what to tell them."
        )
    moment = HardMoment.objects.create(
        author=user, couple=partnership.couple if partnership else None, need=need, note=note
    )
    if moment.is_ask:
        transaction.on_commit(partial(tasks.send_hard_moment_ask.enqueue, moment.pk))
    return moment


# The daily question and the exercises in rebuilding closeness.


def may_share_answers(partnership: Partnership | None) -> bool:
    """Whether an answer to a daily question or an exercise may be shared: with a partner there,
    the space open, the process not paused, and this person not set aside for their safety."""
    return (
        may_ask_partner(partnership)
        and partnership is not None
        and not get_journey_state(partnership.couple).is_paused
    )


def answer_prompt(
    *, user: User, partnership: Partnership | None, key: str, prompt: str, text: str, share: bool
) -> PromptAnswer:
    """Keep (or change) this person's answer to a prompt. Once both partners have shared theirs,
    both answers are kept as they were, as revealed check-ins are."""
    if share and not may_share_answers(partnership):
        raise StepError(
            "This can't be shared right now. Save it for yourself, and share another time."
        )
    couple = partnership.couple if partnership else None
    with transaction.atomic():
        if couple is not None:
            # Both partners may share at the same moment: one waits, then sees the other's.
            Couple.objects.select_for_update().get(pk=couple.pk)
        mine = PromptAnswer.objects.filter(author=user, couple=couple, key=key).first()
        if mine is not None and mine.shared:
            both = PromptAnswer.objects.filter(couple=couple, key=key, shared=True)
            if both.exclude(author=user).exists():
                raise StepError("You have both shared your answers, so they stay as they are.")
        if mine is None:
            mine = PromptAnswer(author=user, couple=couple, key=key, prompt=prompt)
        mine.text, mine.shared = text, share
        mine.save()
    return mine
