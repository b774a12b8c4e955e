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
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="check_ins"
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
