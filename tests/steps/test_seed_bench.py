"""`manage.py seed_bench`: many couples with long histories for the benchmark, kept small here."""

import io
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from couples.models import Couple, Partnership
from steps.management.commands.seed_bench import (
    BENCH_PASSWORD,
    REFLECTION_TEXTS,
    bench_email,
    current_step,
    seeded_size,
)
from steps.models import CheckIn, CheckInRound, Reflection, SafetyCheck, StepCompletion
from steps.selectors import get_progress
from trustapp.accounts.models import User

pytestmark = pytest.mark.django_db

SMALL = ["--couples", "3", "--rounds", "4", "--reflections", "2"]


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_bench", *args, stdout=out)
    return out.getvalue()


def test_refused_without_debug_or_flag(settings):  # type: ignore[no-untyped-def]
    settings.DEBUG = False
    with pytest.raises(CommandError, match="i-know-this-is-not-production"):
        seed(*SMALL)
    assert not User.objects.exists()


def test_runs_with_debug(settings):  # type: ignore[no-untyped-def]
    settings.DEBUG = True
    seed(*SMALL)
    assert Couple.objects.count() == 3


def test_small_run_creates_the_expected_rows(settings):  # type: ignore[no-untyped-def]
    settings.DEBUG = False
    output = seed(*SMALL, "--i-know-this-is-not-production")
    assert "Seeded 3 couples" in output

    assert User.objects.count() == 6
    assert EmailAddress.objects.filter(verified=True, primary=True).count() == 6
    assert Couple.objects.count() == 3
    assert CheckInRound.objects.count() == 3 * 4
    assert not CheckInRound.objects.filter(revealed_at__isnull=True).exists()
    assert CheckIn.objects.count() == 3 * 4 * 2
    assert Reflection.objects.count() == 3 * 2
    assert SafetyCheck.objects.count() == 6
    assert not any(check.has_concern for check in SafetyCheck.objects.all())

    for i in range(3):
        a = User.objects.get(email=bench_email(i, "a"))
        b = User.objects.get(email=bench_email(i, "b"))
        couple = Partnership.objects.active().get(user=a).couple
        seats = {p.user_id: p.seat for p in couple.partnerships.active()}
        assert seats == {a.pk: 1, b.pk: 2}
        # Each couple is on its own step: the steps before it completed, by both being ready.
        progress = get_progress(couple)
        assert progress.current_step == current_step(i, 4)
        assert sorted(progress.completions) == list(range(1, current_step(i, 4)))
        for completion in StepCompletion.objects.filter(couple=couple):
            assert all(answer.ready for answer in completion.round.check_ins.all())
            assert completion.completed_at == completion.round.revealed_at
        # The history is backdated, and both partners answered every round.
        for check_in_round in CheckInRound.objects.filter(couple=couple):
            assert {c.author_id for c in check_in_round.check_ins.all()} == {a.pk, b.pk}
            assert couple.created_at < check_in_round.opened_at < check_in_round.revealed_at
            assert check_in_round.revealed_at < timezone.now() - timedelta(days=1)

    assert current_step(1, 4) == 2  # the couples are spread over the steps
    assert seeded_size() is not None


def test_reflections_are_encrypted_and_decrypt(settings):  # type: ignore[no-untyped-def]
    seed(*SMALL, "--i-know-this-is-not-production")
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM steps_reflection ORDER BY id")
        stored = [row[0] for row in cursor.fetchall()]
    texts = list(Reflection.objects.order_by("pk").values_list("text", flat=True))
    assert len(texts) == 3 * 2
    for raw, text in zip(stored, texts, strict=True):
        assert text in REFLECTION_TEXTS
        assert text not in raw
    assert len(set(stored)) == len(stored)  # one ciphertext per row, even for the same text


def test_partners_can_sign_in_with_the_shared_password(settings, client):  # type: ignore[no-untyped-def]
    seed("--couples", "1", "--rounds", "2", "--reflections", "0", "--i-know-this-is-not-production")
    user = User.objects.get(email=bench_email(0, "b"))
    assert user.check_password(BENCH_PASSWORD)
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": BENCH_PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_running_again_replaces_the_bench_data(settings, partner_a):  # type: ignore[no-untyped-def]
    seed(*SMALL, "--i-know-this-is-not-production")
    seed("--couples", "2", "--rounds", "3", "--reflections", "1", "--i-know-this-is-not-production")
    assert User.objects.filter(email__endswith="@bench.trustapp.local").count() == 4
    assert CheckInRound.objects.count() == 2 * 3
    # Other accounts are left alone.
    assert User.objects.filter(pk=partner_a.user.pk).exists()
    assert Partnership.objects.active().filter(user=partner_a.user).exists()


def test_if_needed_keeps_data_of_the_same_size_and_removes_open_rounds(settings):  # type: ignore[no-untyped-def]
    seed(*SMALL, "--i-know-this-is-not-production")
    couple = Partnership.objects.active().get(user__email=bench_email(0, "a")).couple
    user_ids = list(User.objects.order_by("pk").values_list("pk", flat=True))
    open_round = CheckInRound.objects.create(couple=couple, step=1, number=99)
    CheckIn.objects.create(round=open_round, author_id=user_ids[0], feeling=3, trust=5, ready=False)

    output = seed(*SMALL, "--i-know-this-is-not-production", "--if-needed")
    assert "already seeded" in output
    assert list(User.objects.order_by("pk").values_list("pk", flat=True)) == user_ids
    assert not CheckInRound.objects.filter(pk=open_round.pk).exists()

    seed(
        "--couples",
        "4",
        "--rounds",
        "4",
        "--reflections",
        "2",
        "--i-know-this-is-not-production",
        "--if-needed",
    )
    assert Couple.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_each_run_starts_from_a_vacuumed_database(settings):  # type: ignore[no-untyped-def]
    # Outside a test's transaction, as `make bench` runs it: the rows seeding rewrote (every
    # reflection's updated_at) leave no dead versions behind for the run to step over.
    if connection.vendor != "postgresql":
        pytest.skip("VACUUM is PostgreSQL's")
    seed(*SMALL, "--i-know-this-is-not-production")
    output = seed(*SMALL, "--i-know-this-is-not-production", "--if-needed")
    assert "vacuumed the database" in output
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT last_vacuum IS NOT NULL, last_analyze IS NOT NULL FROM pg_stat_user_tables"
            " WHERE relname = %s",
            [Reflection._meta.db_table],
        )
        assert cursor.fetchone() == (True, True)


def test_the_baseline_page_is_not_routed_without_the_bench_settings(client):  # type: ignore[no-untyped-def]
    with pytest.raises(NoReverseMatch):
        reverse("bench_baseline")
    assert client.get("/bench/baseline/").status_code == 404
