from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from couples.models import Couple
from trustapp.crypto import EncryptedTextField

STEP_NUMBER_VALIDATORS = [MinValueValidator(1), MaxValueValidator(11)]
REFLECTION_MAX_LENGTH = 10_000
NOTE_MAX_LENGTH = 1_000


class Reflection(models.Model):
    """Private writing on a step. Readable by its author alone, encrypted at rest.

    It belongs to its author, not to the couple: leaving a couple or ending the process never
    takes it away. `couple` only records where it was written."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reflections"
    )
    couple = models.ForeignKey(
        Couple, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    step = models.PositiveSmallIntegerField(validators=STEP_NUMBER_VALIDATORS)
    prompt = models.CharField(max_length=300, blank=True)
    text = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["author", "step", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(step__gte=1) & Q(step__lte=11), name="reflection_step_1_to_11"
            ),
        ]

    def __str__(self) -> str:
        # Never the text: this shows up in the admin, in logs and in error reports.
        return f"Reflection {self.pk} on step {self.step}"

    @property
    def was_edited(self) -> bool:
        # To the second, as the page shows times: saving a new reflection sets both at once.
        return int(self.updated_at.timestamp()) != int(self.created_at.timestamp())

    def edit(self, *, text: str, prompt: str) -> None:
        self.text = text
        self.prompt = prompt
        self.save(update_fields=["text", "prompt", "updated_at"])


class CheckInRound(models.Model):
    """One mutual check-in on a step. Answers stay hidden until both partners have answered;
    then the round is revealed to both, and sealed."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="check_in_rounds")
    step = models.PositiveSmallIntegerField(validators=STEP_NUMBER_VALIDATORS)
    number = models.PositiveIntegerField()
    opened_at = models.DateTimeField(default=timezone.now)
    revealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["step", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["couple", "step", "number"], name="check_in_round_number_unique"
            ),
            models.UniqueConstraint(
                fields=["couple", "step"],
                condition=Q(revealed_at__isnull=True),
                name="check_in_one_open_round_per_step",
            ),
        ]
        indexes = [models.Index(fields=["couple", "revealed_at"])]

    def __str__(self) -> str:
        return f"Check-in {self.number} on step {self.step} of couple {self.couple_id}"

    @property
    def is_revealed(self) -> bool:
        return self.revealed_at is not None


class Feeling(models.IntegerChoices):
    STRUGGLING = 1, "Really struggling"
    UNEASY = 2, "Uneasy"
    UNSURE = 3, "Unsure, somewhere in between"
    HOPEFUL = 4, "Hopeful"
    AT_PEACE = 5, "At peace with it"


class CheckIn(models.Model):
    """One partner's answer in a round. Editable until the round is revealed."""

    round = models.ForeignKey(CheckInRound, on_delete=models.CASCADE, related_name="check_ins")
    # A deleted account's answers stay in the couple's shared history, as a former partner's.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="check_ins"
    )
    feeling = models.PositiveSmallIntegerField(choices=Feeling.choices)
    trust = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    ready = models.BooleanField()
    note = models.TextField(max_length=NOTE_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "author"], name="check_in_one_per_partner"),
            models.CheckConstraint(condition=Q(trust__lte=10), name="check_in_trust_0_to_10"),
            models.CheckConstraint(
                condition=Q(feeling__gte=1) & Q(feeling__lte=5), name="check_in_feeling_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"Check-in answer {self.pk} in round {self.round_id}"


class StepCompletion(models.Model):
    """A step both partners said they were ready to move on from, in the same revealed round."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="step_completions")
    step = models.PositiveSmallIntegerField(validators=STEP_NUMBER_VALIDATORS)
    # RESTRICT, not PROTECT: a round can't be deleted on its own while it completes a step, but
    # deleting the whole couple (which takes its rounds with it) must still work.
    round = models.OneToOneField(CheckInRound, on_delete=models.RESTRICT, related_name="+")
    completed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["step"]
        constraints = [
            models.UniqueConstraint(fields=["couple", "step"], name="step_completed_once"),
        ]

    def __str__(self) -> str:
        return f"Step {self.step} completed by couple {self.couple_id}"


class Journey(models.Model):
    """The couple's walk through the steps as a whole: complete once both chose to forgive.
    Whether it is paused is the couple's open pauses (Pause)."""

    couple = models.OneToOneField(
        Couple, on_delete=models.CASCADE, primary_key=True, related_name="journey"
    )
    completed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Journey of couple {self.couple_id}"


PAUSE_NOTE_MAX_LENGTH = 500


class Pause(models.Model):
    """One partner's pause of the shared process. It lasts until that partner ends it: the
    other partner may ask them, by a note, but cannot end it for them. With both partners'
    pauses open, both must end their own before anything shared starts again."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="pauses")
    partner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    note = models.TextField(max_length=PAUSE_NOTE_MAX_LENGTH, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    # The other partner's gentle note that they would like to carry on (the latest one).
    resume_note = models.TextField(max_length=PAUSE_NOTE_MAX_LENGTH, blank=True)
    resume_asked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["couple", "partner"],
                condition=Q(ended_at__isnull=True),
                name="pause_one_open_per_partner",
            )
        ]

    def __str__(self) -> str:
        return f"Pause {self.pk} of couple {self.couple_id}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

    def end(self) -> None:
        self.ended_at = timezone.now()
        self.save(update_fields=["ended_at"])

    def ask_to_resume(self, note: str) -> None:
        self.resume_note = note
        self.resume_asked_at = timezone.now()
        self.save(update_fields=["resume_note", "resume_asked_at"])


class SafetyCheck(models.Model):
    """A partner's private answers before the shared work begins. Never shown to the partner:
    a concern changes only what this person is offered."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="safety_checks"
    )
    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    afraid = models.BooleanField("I feel afraid of my partner")
    pressured = models.BooleanField("I feel pressured or forced to take part")
    harmed = models.BooleanField("My partner has hurt, threatened or controlled me")
    # Asked of the person alone, about themselves: it brings crisis lines first, and sets
    # nothing aside by itself.
    self_harm = models.BooleanField("I have thoughts of harming myself", default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user", "couple", "-created_at"])]

    def __str__(self) -> str:
        return f"Safety check {self.pk}"

    @property
    def has_concern(self) -> bool:
        """A concern about the partner: the shared exercises are set aside for this person."""
        return self.afraid or self.pressured or self.harmed


# Step 6: a ledger of questions and answers.


class QuestionStatus(models.TextChoices):
    OPEN = "open", "Waiting for an answer"
    ANSWERED = "answered", "Answered"
    NEEDS_TIME = "needs_time", "Needs time to answer"
    ASKED_AGAIN = "asked_again", "Asked again / needs follow-up"


class Question(models.Model):
    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="questions")
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField(max_length=2000)
    status = models.CharField(
        max_length=20, choices=QuestionStatus.choices, default=QuestionStatus.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Not a question but something told that had not come out before ("trickle truth"):
    # `asked_by` told it, and the other partner's answer is their response to it.
    told_later = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["couple", "status"])]

    def __str__(self) -> str:
        return f"Question {self.pk} of couple {self.couple_id}"

    @property
    def is_unanswered(self) -> bool:
        return self.status != QuestionStatus.ANSWERED

    @property
    def current_answer(self) -> "QuestionEntry | None":
        """The latest answer; earlier ones stay visible as earlier versions (uses prefetched
        entries)."""
        answers = [entry for entry in self.entries.all() if entry.kind == QuestionEntry.Kind.ANSWER]
        return answers[-1] if answers else None


class QuestionEntry(models.Model):
    """One event in a question's thread. Nothing is ever edited in place: a revised answer is a
    new entry, so both partners can see every earlier version."""

    class Kind(models.TextChoices):
        ANSWER = "answer", "Answer"
        NEEDS_TIME = "needs_time", "I need time to answer this"
        FOLLOW_UP = "follow_up", "Asked again"

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="entries")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.TextField(max_length=5000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on question {self.question_id}"


# Step 7: a genuine apology.


class Apology(models.Model):
    """An apology: a private draft (encrypted, seen by its author alone) until it is sent. A
    revised apology is a new row, so the history is kept."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="apologies")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["couple", "author"],
                condition=Q(sent_at__isnull=True),
                name="apology_one_draft_per_author",
            )
        ]

    def __str__(self) -> str:
        return f"Apology {self.pk} ({'sent' if self.sent_at else 'draft'})"


class ApologyResponse(models.Model):
    class Kind(models.TextChoices):
        ACCEPT = "accept", "I accept it"
        NOT_READY = "not_ready", "I'm not ready yet"
        WRITTEN = "written", "I'd like to answer in my own words"

    apology = models.ForeignKey(Apology, on_delete=models.CASCADE, related_name="responses")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.TextField(max_length=5000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Response {self.pk} to apology {self.apology_id}"


# Step 8: making each other feel understood.


class Understood(models.IntegerChoices):
    NOT_AT_ALL = 1, "Not understood yet"
    A_LITTLE = 2, "A little understood"
    PARTLY = 3, "Partly understood"
    MOSTLY = 4, "Mostly understood"
    FULLY = 5, "Really understood"


class Understanding(models.Model):
    """One partner's account, in their own words, of what they heard the other feel and need;
    the other says how understood they feel, and clarifies."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="understandings")
    listener = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField(max_length=5000)
    created_at = models.DateTimeField(default=timezone.now)
    understood = models.PositiveSmallIntegerField(choices=Understood.choices, null=True, blank=True)
    clarification = models.TextField(max_length=5000, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Understanding {self.pk}"


# Step 9: commitments, and the record of keeping them.


class Commitment(models.Model):
    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="commitments")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.CharField(max_length=300)
    review_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["closed_at", "created_at", "pk"]

    def __str__(self) -> str:
        return f"Commitment {self.pk}"

    @property
    def is_due_for_review(self) -> bool:
        return self.closed_at is None and timezone.localdate() >= self.review_on


class CommitmentCheck(models.Model):
    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="checks")
    on = models.DateField(default=timezone.localdate)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-on", "-pk"]

    def __str__(self) -> str:
        return f"Check-off {self.pk} of commitment {self.commitment_id}"


# Step 10: what we can improve.


class FocusArea(models.Model):
    class Kind(models.TextChoices):
        MONEY = "money", "Money"
        TIME = "time_together", "Time together"
        CONTROL = "control", "Control"
        DISTANCE = "distance", "Distance"
        COMMUNICATION = "communication", "Communication"
        OWN = "own", "Something of our own"

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        WORKING = "working", "Working on it"
        BETTER = "better", "Getting better"
        NEEDS_ATTENTION = "needs_attention", "Needs more attention"

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="focus_areas")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=80, blank=True)
    plan = models.TextField(max_length=3000, blank=True)
    next_action = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["couple", "kind"],
                condition=~Q(kind="own"),
                name="focus_area_one_per_kind",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.title if self.kind == self.Kind.OWN else self.get_kind_display()


class FocusAreaUpdate(models.Model):
    area = models.ForeignKey(FocusArea, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(max_length=20, choices=FocusArea.Status.choices)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Update {self.pk} of focus area {self.area_id}"


# Step 11: forgiving each other.


class ForgivenessDecision(models.Model):
    class Decision(models.TextChoices):
        FORGIVE = "forgive", "I choose to forgive"
        NOT_YET = "not_yet", "I'm not there yet"

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="forgiveness")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decision = models.CharField(max_length=20, choices=Decision.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Decision {self.pk}"


# In the hardest moments: "I'm triggered right now".

HARD_MOMENT_NOTE_MAX_LENGTH = 2_000


class HardMoment(models.Model):
    """A moment one partner was triggered. Its note is theirs alone, always, and encrypted at
    rest. If they asked their partner for reassurance or for space, the partner sees that ask
    (never the note) and may answer that they saw it."""

    class Need(models.TextChoices):
        NOTHING = "", "Keep this to myself"
        REASSURANCE = "reassurance", "I need reassurance"
        SPACE = "space", "I need some space"

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hard_moments"
    )
    # Where it happened: the partner of this couple is the only other person who may see the ask.
    couple = models.ForeignKey(
        Couple, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    need = models.CharField(max_length=20, choices=Need.choices, blank=True)
    note = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The partner's "I saw this": no words, so nothing in it can hurt.
    seen_by_partner_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["author", "-created_at"]),
            models.Index(
                fields=["couple", "-created_at"],
                condition=~Q(need=""),
                name="hard_moment_asks_by_couple",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(need__in=["", "reassurance", "space"]), name="hard_moment_need_valid"
            ),
            # An ask goes to a partner: there is none outside a couple.
            models.CheckConstraint(
                condition=Q(need="") | Q(couple__isnull=False), name="hard_moment_ask_in_couple"
            ),
        ]

    def __str__(self) -> str:
        # Never the note.
        return f"Hard moment {self.pk}"

    @property
    def is_ask(self) -> bool:
        return self.need != self.Need.NOTHING

    def mark_seen_by_partner(self) -> None:
        if self.seen_by_partner_at is None:
            self.seen_by_partner_at = timezone.now()
            self.save(update_fields=["seen_by_partner_at"])


# The daily question and the reconnection exercises: one answer per person per prompt.

PROMPT_ANSWER_MAX_LENGTH = 2_000


class PromptAnswer(models.Model):
    """An answer to a prompt both partners get: the day's two-minute question, or an exercise in
    rebuilding closeness. Encrypted at rest and private to its author unless they share it; a
    shared answer reaches the partner only once both have shared theirs to the same prompt, as
    check-ins do, and is then kept as it was."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="prompt_answers"
    )
    couple = models.ForeignKey(
        Couple, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Which prompt: "daily:2026-12-07" or "closeness:three-things".
    key = models.CharField(max_length=60)
    prompt = models.CharField(max_length=300)
    text = EncryptedTextField()
    shared = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["couple", "key"])]
        constraints = [
            # Once per prompt in each couple: a person who leaves and joins another couple
            # starts afresh, and what they shared with their former partner stays as it was.
            models.UniqueConstraint(
                fields=["author", "couple", "key"], name="prompt_answer_once_per_prompt"
            )
        ]

    def __str__(self) -> str:
        # Never the text.
        return f"Answer {self.pk} to {self.key}"
