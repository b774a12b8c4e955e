"""Shared personas: partner A and partner B of one couple, a partner of another couple, and an
outsider (a verified account in no couple). Counselors arrive with counselor consent."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from couples.models import Partnership, Role
from couples.services import start_couple
from steps.models import SafetyCheck
from trustapp.accounts.models import User

PASSWORD = "a calm walk by the river 42"


@pytest.fixture(autouse=True)
def _test_settings(settings):  # type: ignore[no-untyped-def]
    settings.SITE_URL = "https://trustapp.test"
    settings.SECURE_SSL_REDIRECT = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
