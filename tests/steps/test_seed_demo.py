"""`manage.py seed_demo`: a demo couple part-way through the steps, for development only."""

import io
from itertools import pairwise

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from couples.models import Couple, Partnership, Role
from steps.management.commands.seed_demo import DEMO_PASSWORD, ROBIN_EMAIL, SAM_EMAIL
from steps.models import CheckInRound, Reflection, StepCompletion
from steps.selectors import (
    get_latest_safety_check,
    get_progress,
    get_trust_history,
    get_waiting,
)
from trustapp.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def seed(settings, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Run the command with DEBUG on, and run what it leaves for after the commit (the email
    tasks included), as a real run would."""
    settings.DEBUG = True

    def run() -> list:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            call_command("seed_demo", stdout=io.StringIO())
        return callbacks

    return run


def demo_couple() -> Couple:
    return Partnership.objects.active().get(user__email=SAM_EMAIL).couple


def test_refused_without_debug(settings):  # type: ignore[no-untyped-def]
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG=1"):
        call_command("seed_demo")
    assert not User.objects.exists()
    assert not Couple.objects.exists()


def test_creates_two_verified_partners_in_one_active_couple(seed):  # type: ignore[no-untyped-def]
    seed()
    sam = User.objects.get(email=SAM_EMAIL)
    robin = User.objects.get(email=ROBIN_EMAIL)
    assert (sam.display_name, robin.display_name) == ("Sam", "Robin")
    for user in (sam, robin):
        assert EmailAddress.objects.filter(
            user=user, email=user.email, verified=True, primary=True
        ).exists()
        assert user.check_password(DEMO_PASSWORD)
        assert user.email_partner_updates  # switched back on once seeding is done
    couple = demo_couple()
    assert couple.is_active
    seats = {p.user: (p.seat, p.role) for p in couple.partnerships.active()}
    assert seats == {sam: (1, Role.HURT), robin: (2, Role.BROKE_TRUST)}


def test_couple_is_part_way_through_with_history(seed):  # type: ignore[no-untyped-def]
    seed()
    couple = demo_couple()
    sam = User.objects.get(email=SAM_EMAIL)
    robin = User.objects.get(email=ROBIN_EMAIL)

    assert sorted(StepCompletion.objects.filter(couple=couple).values_list("step", flat=True)) == [
        1,
        2,
        3,
        4,
    ]
    assert get_progress(couple).current_step == 5

    revealed = CheckInRound.objects.filter(couple=couple, revealed_at__isnull=False)
    assert revealed.count() >= 10
    for step in range(1, 5):
        # Some "not yet" rounds before the one that moved them on.
        assert revealed.filter(step=step).count() >= 2

    (open_round,) = CheckInRound.objects.filter(couple=couple, revealed_at__isnull=True)
    assert open_round.step == 5
    assert [answer.author for answer in open_round.check_ins.all()] == [sam]
    robin_seat = robin.partnerships.active().get()
    assert get_waiting(robin_seat).for_me == [5]

    # The history spans months, and the dates are in order.
    assert couple.created_at < revealed.order_by("revealed_at").first().revealed_at
    history = get_trust_history(couple)
    assert (history[-1].revealed_at - history[0].revealed_at).days >= 90
    sam_trust = [point.trust_by_user[sam.pk] for point in history]
    assert sam_trust[-1] > sam_trust[0]
    assert any(later < earlier for earlier, later in pairwise(sam_trust))
    for completion in StepCompletion.objects.filter(couple=couple):
        assert completion.completed_at == completion.round.revealed_at

    for user in (sam, robin):
        reflections = Reflection.objects.filter(author=user)
        assert reflections.exists()
        assert reflections.exclude(prompt="").exists()
    assert set(Reflection.objects.values_list("step", flat=True)) == {1, 2, 3, 4, 5}


def test_running_twice_leaves_one_demo_couple(seed):  # type: ignore[no-untyped-def]
    seed()
    seed()
    assert User.objects.filter(email__in=[SAM_EMAIL, ROBIN_EMAIL]).count() == 2
    assert Couple.objects.count() == 1
    assert demo_couple().is_active
    assert StepCompletion.objects.count() == 4
    assert CheckInRound.objects.filter(revealed_at__isnull=True).count() == 1


def test_sends_no_email(seed, mailoutbox):  # type: ignore[no-untyped-def]
    callbacks = seed()
    assert callbacks  # the check-in email tasks were enqueued on commit, and ran
    assert mailoutbox == []


@pytest.mark.parametrize("email", [SAM_EMAIL, ROBIN_EMAIL])
def test_demo_users_can_log_in(seed, client, email):  # type: ignore[no-untyped-def]
    seed()
    response = client.post(reverse("account_login"), {"login": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.session["_auth_user_id"] == str(User.objects.get(email=email).pk)


def test_both_partners_answered_the_safety_check_without_concern(seed):  # type: ignore[no-untyped-def]
    seed()
    for email in (SAM_EMAIL, ROBIN_EMAIL):
        seat = Partnership.objects.active().get(user__email=email)
        latest = get_latest_safety_check(seat)
        assert latest is not None
        assert not latest.has_concern
        assert not latest.self_harm
        # Answered at the start, before the first check-in, as a real couple would.
        assert latest.created_at < CheckInRound.objects.order_by("opened_at").first().opened_at


@pytest.mark.parametrize(
    ("email", "leads_with"),
    [
        (ROBIN_EMAIL, "Sam has checked in on step 5"),
        (SAM_EMAIL, "Waiting for Robin"),
    ],
)
def test_a_newcomer_signing_in_lands_on_the_open_check_in(seed, client, email, leads_with):  # type: ignore[no-untyped-def]
    seed()
    client.post(reverse("account_login"), {"login": email, "password": DEMO_PASSWORD})
    page = client.get(reverse("home")).content.decode()
    assert leads_with in page
    assert "Answer the private check" not in page
