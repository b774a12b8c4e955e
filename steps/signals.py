"""Every change to what a couple shares in the steps gives the couple a new revision, so that
what the couple's pages remember under the old one is never shown again (CoupleReads).

Connected for every model of this app but reflections, which are never remembered. A safety
check is private too, but whether a partner's latest check raised a concern decides what their
pages offer, so a new check must show at once. A write that bypasses save() and delete() (a
queryset's update()) must touch the couple itself, as the check-in reveal does."""

from django.conf import settings
from django.db.models import Model
from django.db.models.signals import post_delete, post_save, pre_delete

from couples.models import Couple
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
    Journey,
    Pause,
    Question,
    QuestionEntry,
    SafetyCheck,
    StepCompletion,
    Understanding,
)

# A row that holds its couple directly.
OF_A_COUPLE: tuple[type[Model], ...] = (
    Apology,
    CheckInRound,
    Commitment,
    FocusArea,
    ForgivenessDecision,
    Journey,
    Pause,
    Question,
    SafetyCheck,
    StepCompletion,
    Understanding,
)
# A row that belongs to one of those: its foreign key, and the couple's lookup back to it.
THROUGH_PARENT: dict[type[Model], tuple[str, str]] = {
    ApologyResponse: ("apology_id", "apologies"),
    CheckIn: ("round_id", "check_in_rounds"),
    CommitmentCheck: ("commitment_id", "commitments"),
    FocusAreaUpdate: ("area_id", "focus_areas"),
    QuestionEntry: ("question_id", "questions"),
}


def touch_couple(sender: type[Model], instance: Model, **kwargs: object) -> None:
    if isinstance(kwargs.get("origin"), Couple):
        return  # the couple itself is being deleted: nothing of it will be shown again
    if sender in THROUGH_PARENT:
        parent_id, lookup = THROUGH_PARENT[sender]
        Couple.objects.filter(**{lookup: getattr(instance, parent_id)}).touch()
    else:
        Couple.objects.filter(pk=instance.couple_id).touch()  # type: ignore[attr-defined]


def touch_couples_of_deleted_user(sender: type[Model], instance: Model, **kwargs: object) -> None:
    """A deleted account's answers and entries lose their author by update(), which sends no
    signal: every couple the person was ever in gets a new revision. Locked first, before
    Django's delete touches any of their rows, in the order the services lock: couple, then
    rows (the other partner may be writing to the same couple)."""
    couples = Couple.objects.filter(partnerships__user=instance).order_by("pk")
    couple_ids = list(couples.select_for_update(of=("self",)).values_list("pk", flat=True))
    Couple.objects.filter(pk__in=couple_ids).touch()


def connect() -> None:
    pre_delete.connect(
        touch_couples_of_deleted_user,
        sender=settings.AUTH_USER_MODEL,
        dispatch_uid="touch-couples-of-deleted-user",
    )
    for model in (*OF_A_COUPLE, *THROUGH_PARENT):
        post_save.connect(touch_couple, sender=model, dispatch_uid=f"touch-couple-{model.__name__}")
        post_delete.connect(
            touch_couple, sender=model, dispatch_uid=f"touch-couple-deleted-{model.__name__}"
        )
