import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Role(models.TextChoices):
    HURT = "hurt", "I was hurt"
    BROKE_TRUST = "broke_trust", "I broke the trust"
    MUTUAL = "mutual", "It's mutual / complicated"


class Couple(models.Model):
    """The shared space of two partners.

    Either partner can end it. An ended space is frozen: both partners can still read what they
    shared, nobody can add to it, and it is never reused, so a later partner can never see what
    an earlier one shared. A partner moves on from it by starting or joining a new space."""

    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        indexes = [models.Index(fields=["ended_at"])]

    def __str__(self) -> str:
        return f"Couple {self.pk}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class PartnershipQuerySet(models.QuerySet["Partnership"]):
    def active(self) -> "PartnershipQuerySet":
        return self.filter(left_at__isnull=True)


class Partnership(models.Model):
    """A user's place in a couple. `seat` is 1 or 2 and unique among the active partners of a
    couple, so the database itself refuses a third partner. `left_at` is set when the user moves
    on from an ended space to a new one."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="partnerships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partnerships"
    )
    seat = models.PositiveSmallIntegerField()
    role = models.CharField(max_length=20, choices=Role.choices)
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)

    objects = PartnershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(seat__in=[1, 2]), name="partnership_seat_1_or_2"),
            models.CheckConstraint(
                condition=Q(role__in=[choice.value for choice in Role]),
                name="partnership_role_valid",
            ),
            models.UniqueConstraint(
                fields=["couple", "seat"],
                condition=Q(left_at__isnull=True),
                name="partnership_two_seats_per_couple",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(left_at__isnull=True),
                name="partnership_one_active_couple_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.couple} ({self.get_role_display()})"

    @property
    def is_active(self) -> bool:
        return self.left_at is None

    @property
    def role_seen_by_partner(self) -> str:
        """The role in the third person, as the other partner reads it."""
        return {
            Role.HURT: "was hurt",
            Role.BROKE_TRUST: "broke the trust",
            Role.MUTUAL: "sees it as mutual / complicated",
        }[Role(self.role)]

    def change_role(self, role: str) -> None:
        self.role = Role(role)
        self.save(update_fields=["role"])


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class EmailedLink(models.Model):
    """A link sent by email, valid for COUPLE_INVITATION_DAYS.

    Only the SHA-256 of its token is stored. The token is minted when the email is sent (see
    `issue_token`), so the plain link exists nowhere but in that email."""

    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        if self.expires_at is None:
            self.expires_at = self.created_at + timedelta(days=settings.COUPLE_INVITATION_DAYS)
        super().save(*args, **kwargs)

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    def issue_token(self, *, also_saving: tuple[str, ...] = ()) -> str:
        """Mint a fresh 32-byte token, keep only its hash, and return the token for the email."""
        token = secrets.token_urlsafe(32)
        self.token_hash = hash_token(token)
        self.save(update_fields=["token_hash", *also_saving])
        return token


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    ACCEPTED = "accepted", "Accepted"
    CANCELLED = "cancelled", "Cancelled"
    REPLACED = "replaced", "Replaced by a newer link"


class Invitation(EmailedLink):
    """An emailed link that lets one person join a couple as its second partner."""

    Status = InvitationStatus

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="invitations")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations_sent"
    )
    email = models.EmailField("partner's email address")
    message = models.TextField("a personal note (optional)", max_length=1000, blank=True)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=InvitationStatus.PENDING
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations_accepted",
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[choice.value for choice in InvitationStatus]),
                name="invitation_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="accepted") | Q(accepted_by__isnull=True),
                name="invitation_accepted_by_only_when_accepted",
            ),
        ]
        indexes = [models.Index(fields=["couple", "status"])]

    def __str__(self) -> str:
        return f"Invitation to couple {self.couple_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.PENDING and not self.is_expired

    def issue_token(self, *, also_saving: tuple[str, ...] = ()) -> str:
        # The base's signature, so that a link of either kind is issued the same way.
        self.sent_at = timezone.now()
        return super().issue_token(also_saving=("sent_at", *also_saving))

    def close(self, status: InvitationStatus) -> None:
        self.status = status
        self.closed_at = timezone.now()
        self.save(update_fields=["status", "closed_at"])


class CounselorProfile(models.Model):
    """Makes an account a counselor's. A counselor is never a partner in a couple."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="counselor_profile"
    )
    professional_name = models.CharField("professional name", max_length=120)
    practice = models.CharField("practice", max_length=200)
    credentials = models.CharField(
        "credentials (optional)",
        max_length=300,
        blank=True,
        help_text="For example a license or registration number, and where it is held.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.professional_name} ({self.practice})"


class Scope(models.TextChoices):
    """What a counselor may see. Progress and check-in ratings are the minimum of any consent."""

    PROGRESS = "progress", "Progress through the steps, and check-in ratings"
    CHECK_IN_NOTES = "check_in_notes", "Notes written to each other in check-ins"
    QUESTIONS = "questions", "Step 6: questions and answers"
    APOLOGY = "apology", "Step 7: apologies sent, and the responses to them"
    COMMITMENTS = "commitments", "Step 9: commitments and their check-offs"
    PLANS = "plans", "Step 10: plans for what you can improve"


def normalize_scope(items: "list[str] | set[str]") -> list[str]:
    """Known items only, always including the minimum, in a stable order."""
    wanted = set(items) | {Scope.PROGRESS.value}
    return [scope.value for scope in Scope if scope.value in wanted]


class CounselorAccess(EmailedLink):
    """A counselor invited into one couple's summary. It opens only while both partners'
    current consent allows it; the consent itself is the append-only trail of ConsentEvents."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="counselor_accesses")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    email = models.EmailField("counselor's email address")
    # When the counselor was emailed their link: only once both partners consented.
    sent_at = models.DateTimeField(null=True, blank=True)
    counselor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="counselor_accesses",
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The effective scope the counselor was last told about (None: they were told it is closed).
    notified_scope = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["couple", "counselor"],
                condition=Q(cancelled_at__isnull=True),
                name="counselor_access_once_per_couple",
            )
        ]

    def __str__(self) -> str:
        return f"Counselor access {self.pk} to couple {self.couple_id}"


class ConsentEvent(models.Model):
    """One partner's consent decision about one counselor, never edited or deleted: the latest
    event per partner is their current consent, and the whole trail is shown to both."""

    class Action(models.TextChoices):
        GRANT = "grant", "gave consent"
        CHANGE = "change", "changed what is shared"
        DECLINE = "decline", "declined"
        REVOKE = "revoke", "withdrew consent"

    access = models.ForeignKey(CounselorAccess, on_delete=models.CASCADE, related_name="events")
    # The trail outlives the partner's account: the other partner keeps seeing who decided
    # what. An event without a partner is a former partner's, and never counts as consent.
    partner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    scope = models.JSONField(default=list)
    ends_on = models.DateField(null=True, blank=True)
    # The wording the partner saw when deciding, so the consent can be proven later.
    wording = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Consent event {self.pk}: {self.action}"

    @property
    def allows(self) -> bool:
        if self.action not in (self.Action.GRANT, self.Action.CHANGE):
            return False
        return self.ends_on is None or timezone.localdate() <= self.ends_on

    @property
    def has_lapsed(self) -> bool:
        return (
            self.action in (self.Action.GRANT, self.Action.CHANGE)
            and self.ends_on is not None
            and timezone.localdate() > self.ends_on
        )


class AccessLogEntry(models.Model):
    """Every time a counselor asked for a couple's summary: when, which page, and whether it was
    allowed. Never what they saw."""

    access = models.ForeignKey(CounselorAccess, on_delete=models.CASCADE, related_name="log")
    # The log outlives the counselor's account: partners keep seeing who looked.
    counselor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    counselor_name = models.CharField(max_length=120, blank=True)
    path = models.CharField(max_length=300)
    allowed = models.BooleanField()
    scope = models.JSONField(default=list)
    viewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-viewed_at", "-pk"]

    def __str__(self) -> str:
        return f"Access log {self.pk}"
