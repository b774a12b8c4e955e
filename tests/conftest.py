"""Shared personas: partner A and partner B of one couple, a partner of another couple, and an
outsider (a verified account in no couple), and counselors with and without both consents."""

import os
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache, caches
from django.test import Client
from hypothesis import settings as hypothesis_settings

from couples.models import CounselorAccess, CounselorProfile, Partnership, Role
from couples.services import invite_counselor, record_consent, start_couple
from steps.models import SafetyCheck
from trustapp.accounts.models import User

# A local push service and VAPID keys for the push tests: fixtures `push_receiver` and `vapid`.
pytest_plugins = ["tests.push_receiver"]

PASSWORD = "a calm walk by the river 42"

# Property-based tests draw the same examples on every run, so CI is repeatable and a failure can
# be replayed; HYPOTHESIS_PROFILE=explore draws new ones each time, for hunting.
hypothesis_settings.register_profile("repeatable", derandomize=True)
hypothesis_settings.register_profile("explore", derandomize=False)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


@pytest.fixture(autouse=True)
def _test_settings(settings):  # type: ignore[no-untyped-def]
    settings.SITE_URL = "https://trustapp.test"
    settings.SECURE_SSL_REDIRECT = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # A fresh in-memory cache per test: allauth's rate limits count in the cache, and a count
    # left by one test (say, a confirmation email to the same address) must not leak into the
    # next. Production uses the shared database cache. Sessions stay in their database cache as
    # in production, so that query counts are production's; a session's entry is keyed by its
    # own random key, so no test finds another's.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "sessions": settings.CACHES["sessions"],
        "fragments": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "test-fragments",
        },
    }
    cache.clear()
    caches["fragments"].clear()


@pytest.fixture
def make_user(db) -> Callable[..., User]:  # type: ignore[no-untyped-def]
    def make(email: str, name: str, *, verified: bool = True) -> User:
        user = User.objects.create_user(email=email, password=PASSWORD, display_name=name)
        EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
        return user

    return make


@dataclass
class Persona:
    user: User
    client: Client


def _answer_safety_check(user: User) -> None:
    """Personas have answered the private safety check with no concern, as most people will;
    tests of the check itself build users without it."""
    partnership = user.partnerships.get(left_at__isnull=True)
    SafetyCheck.objects.create(
        user=user, couple=partnership.couple, afraid=False, pressured=False, harmed=False
    )


def _persona(user: User) -> Persona:
    client = Client()
    client.force_login(user)
    return Persona(user=user, client=client)


@pytest.fixture
def partner_a(make_user) -> Persona:  # type: ignore[no-untyped-def]
    user = make_user("alex@example.com", "Alex")
    start_couple(user=user, role=Role.HURT)
    _answer_safety_check(user)
    return _persona(user)


@pytest.fixture
def partner_b(make_user, partner_a) -> Persona:  # type: ignore[no-untyped-def]
    """Linked to partner A in the same couple (built directly: invitations have tests of their own)."""
    user = make_user("blake@example.com", "Blake")
    couple = partner_a.user.partnerships.get().couple
    Partnership.objects.create(couple=couple, user=user, seat=2, role=Role.BROKE_TRUST)
    _answer_safety_check(user)
    return _persona(user)


@pytest.fixture
def other_partner(make_user) -> Persona:  # type: ignore[no-untyped-def]
    """A partner in another couple."""
    user = make_user("casey@example.com", "Casey")
    start_couple(user=user, role=Role.MUTUAL)
    _answer_safety_check(user)
    return _persona(user)


@pytest.fixture
def outsider(make_user) -> Persona:  # type: ignore[no-untyped-def]
    """A verified account that belongs to no couple."""
    return _persona(make_user("drew@example.com", "Drew"))


@pytest.fixture
def anonymous() -> Persona:
    return Persona(user=None, client=Client())  # type: ignore[arg-type]


@pytest.fixture
def htmx_headers() -> dict[str, str]:
    return {"HTTP_HX_REQUEST": "true"}


ALL_SCOPE = ["progress", "check_in_notes", "questions", "apology", "commitments", "plans"]


def _counselor_account(make_user, email: str, name: str) -> User:  # type: ignore[no-untyped-def]
    user = make_user(email, name)
    CounselorProfile.objects.create(
        user=user, professional_name=f"Dr. {name}", practice="Riverside Couples Practice"
    )
    return user


def _invite_and_accept(partner: Persona, counselor: User) -> CounselorAccess:
    access = invite_counselor(
        partnership=partner.user.partnerships.get(left_at__isnull=True),
        email=counselor.email,
        scope=ALL_SCOPE,
        ends_on=None,
    )
    access.counselor = counselor
    access.accepted_at = access.created_at
    access.save(update_fields=["counselor", "accepted_at"])
    return access


@pytest.fixture
def counselor(make_user, partner_a, partner_b) -> Persona:  # type: ignore[no-untyped-def]
    """A counselor whom both partners A and B consented to, for everything."""
    user = _counselor_account(make_user, "morgan@clinic.example", "Morgan")
    access = _invite_and_accept(partner_a, user)
    record_consent(
        partnership=partner_b.user.partnerships.get(),
        access=access,
        action="grant",
        scope=ALL_SCOPE,
    )
    persona = _persona(user)
    persona.access = access  # type: ignore[attr-defined]
    return persona


@pytest.fixture
def counselor_without_consent(make_user, partner_a, partner_b) -> Persona:  # type: ignore[no-untyped-def]
    """A counselor A invited and who accepted, but whom B has not consented to."""
    user = _counselor_account(make_user, "quinn@clinic.example", "Quinn")
    access = _invite_and_accept(partner_a, user)
    persona = _persona(user)
    persona.access = access  # type: ignore[attr-defined]
    return persona
