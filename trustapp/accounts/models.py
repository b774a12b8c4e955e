from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """An account. The email is the login; the display name is what a partner sees."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField("email address", unique=True)
    display_name = models.CharField(
        "name your partner sees",
        max_length=60,
        help_text="A first name or nickname. Your partner sees it; nobody else does.",
    )

    email_partner_updates = models.BooleanField(
        "email me about check-ins",
        default=True,
        help_text="When your partner checks in, and when your answers are revealed. "
        "The emails never contain anything either of you wrote.",
    )

    daily_practice = models.BooleanField(
        "a two-minute question each day",
        default=False,
        help_text="One short question a day from the step you are on, to answer privately or "
        "share. Skipping a day is fine; nothing counts the days.",
    )

    # Notifications on the devices this person turned them on for (PushSubscription). Each is
    # a fixed sentence: never a name, never anything anyone wrote.
    push_partner_checked_in = models.BooleanField(
        "notify me when my partner checks in", default=True
    )
    push_check_in_revealed = models.BooleanField(
        "notify me when our answers are revealed", default=True
    )
    push_question_answered = models.BooleanField(
        "notify me when my partner answers my question", default=True
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["display_name"]

    objects = UserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.email

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name

    @property
    def is_counselor(self) -> bool:
        # The signed-in user is loaded with their profile (trustapp.accounts.backends), so this
        # costs no query then; any other user object reads it once. Asked as a property, not
        # as `user.counselor_profile`, which in a template raises and is caught for everyone
        # else on every page.
        return hasattr(self, "counselor_profile")


class PushSubscription(models.Model):
    """One device where this person turned notifications on: the push service's address for it
    and the keys that encrypt what is sent there (RFC 8291). Removed when the person turns it
    off, or when the push service answers that it is gone (404 or 410)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="push_subscriptions")
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    # What the person calls this device on the preferences page ("Chrome on Android").
    device = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Push subscription {self.pk} of user {self.user_id}"
