"""Many couples with long histories, fast, for the benchmark (`make bench`, see docs/benchmarks.md).

Every row is written with bulk_create: the users share one password hash computed once, and each
couple gets verified email addresses, both seats, a private safety check per partner with no
concern (so the shared parts of the pages show), a backdated history of revealed check-in rounds
with both answers, the step completions those rounds earned, and private reflections (encrypted
row by row, as the field does: Fernet's random IV means no two ciphertexts can be shared). Then
the database is vacuumed and ANALYZEd, here and before every later run that keeps the data, so
PostgreSQL plans with statistics and without dead rows, as autovacuum keeps it in production.

Couple i has moved on from `i % 11` steps (capped by --rounds and at 10), so the couples are
spread over steps 1 to 11. Its rounds are spread over the steps it has reached: the last round on
a completed step is the one where both said they were ready; rounds on the current step are "not
yet". Every round is revealed, so no partner is waiting on the other.

Accounts are bench-partner-{i}-{a|b}@bench.trustapp.local with the password BENCH_PASSWORD.
They have a known password, so the command refuses to run unless DEBUG is on or
--i-know-this-is-not-production is given. Earlier bench accounts (and their couples) are deleted
first, so running it again replaces the data instead of adding to it.
"""

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from couples.models import Couple, Partnership, Role
from steps.content import STEP_COUNT, get_step_or_404
from steps.models import (
    CheckIn,
    CheckInRound,
    Journey,
    Reflection,
    SafetyCheck,
    StepCompletion,
)
from trustapp.accounts.models import User

BENCH_PASSWORD = "bench-trust-2026"  # noqa: S105 (benchmark accounts; refused in production)
BENCH_DOMAIN = "bench.trustapp.local"
BATCH_SIZE = 2000
DAYS_PER_ROUND = 4

REFLECTION_TEXTS = [
    "Some days I want to walk away, and some days I can't imagine it.",
    "I listened to my gut this week, and it was right more often than I expected. I'd like to "
    "keep listening to it without needing anyone else to agree with me first.",
    "A hard evening. We both went quiet, and for once we noticed it and said so.",
    "I keep replaying it. I can hold myself responsible without hating myself; those are not the "
    "same thing, and I'm slowly learning the difference between them. " * 3,
    "Morning walks, my sister, and the Thursday group keep me steady, whatever happens here.",
    "One evening that is just mine this week: no phone, a book, an early night.",
]
NOTES = ["", "", "", "Steadier than last week.", "A hard week, but I'm still here."]


def bench_email(index: int, seat: str) -> str:
    return f"bench-partner-{index}-{seat}@{BENCH_DOMAIN}"


def bench_users():  # type: ignore[no-untyped-def]
    return User.objects.filter(email__endswith=f"@{BENCH_DOMAIN}")


def completed_steps(index: int, rounds: int) -> int:
    """How many steps couple `index` has moved on from; its current step is the next one."""
    return min(index % STEP_COUNT, rounds, STEP_COUNT - 1)


def current_step(index: int, rounds: int) -> int:
    return completed_steps(index, rounds) + 1


@dataclass(frozen=True)
class Size:
    couples: int
    rounds: int
    reflections: int


def seeded_size() -> Size | None:
    """The size of the bench data already in the database, when it is whole and uniform."""
    couple_ids = list(
        Partnership.objects.active()
        .filter(user__email__endswith=f"@{BENCH_DOMAIN}", seat=1)
        .values_list("couple_id", flat=True)
    )
    if not couple_ids:
        return None
    couples = len(couple_ids)
    partners = Partnership.objects.active().filter(couple_id__in=couple_ids).count()
    # Only revealed rounds: the benchmark's check-ins open new rounds, which reset_drift removes.
    rounds = CheckInRound.objects.filter(
        couple_id__in=couple_ids, revealed_at__isnull=False
    ).count()
    reflections = Reflection.objects.filter(couple_id__in=couple_ids).count()
    if partners != 2 * couples or rounds % couples or reflections % couples:
        return None
    return Size(couples, rounds // couples, reflections // couples)


def reset_drift() -> int:
    """Remove what earlier benchmark runs added (check-ins open new rounds on step 1), so every
    run starts from the seeded state. Returns the number of rounds removed."""
    open_rounds = CheckInRound.objects.filter(
        couple__partnerships__user__email__endswith=f"@{BENCH_DOMAIN}", revealed_at__isnull=True
    )
    round_ids = list(open_rounds.values_list("pk", flat=True).distinct())
    CheckIn.objects.filter(round_id__in=round_ids).delete()
    CheckInRound.objects.filter(pk__in=round_ids).delete()
    return len(round_ids)


class Command(BaseCommand):
    help = (
        "Create many couples with long histories for the benchmark, fast. Deletes earlier bench "
        "accounts first. Accounts have a known password: refused unless DEBUG is on or "
        "--i-know-this-is-not-production is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--couples", type=int, default=1000)
        parser.add_argument("--rounds", type=int, default=30, help="check-in rounds per couple")
        parser.add_argument("--reflections", type=int, default=30, help="reflections per couple")
        parser.add_argument(
            "--i-know-this-is-not-production",
            action="store_true",
            dest="not_production",
            help="run without DEBUG (the benchmark runs with production settings)",
        )
        parser.add_argument(
            "--if-needed",
            action="store_true",
            help="keep bench data of exactly this size when it is there (removing only the open "
            "rounds earlier benchmark runs left)",
        )

    def handle(self, *args: object, **options: object) -> None:
        if not (settings.DEBUG or options["not_production"]):
            raise CommandError(
                "seed_bench makes accounts with a known password; it only runs with "
                "DJANGO_DEBUG=1 or --i-know-this-is-not-production"
            )
        size = Size(
            couples=int(options["couples"]),  # type: ignore[call-overload]
            rounds=int(options["rounds"]),  # type: ignore[call-overload]
            reflections=int(options["reflections"]),  # type: ignore[call-overload]
        )
        if size.couples < 1 or size.rounds < 0 or size.reflections < 0:
            raise CommandError("--couples must be at least 1; --rounds and --reflections >= 0")
        if options["if_needed"] and seeded_size() == size:
            with transaction.atomic():
                reset = reset_drift()
            self._vacuum_analyze()
            self.stdout.write(
                f"Bench data already seeded: {size.couples} couples, {size.rounds} rounds and "
                f"{size.reflections} reflections each. Kept it; removed {reset} open rounds "
                "left by earlier runs, and vacuumed the database."
            )
            return

        started = time.monotonic()
        with transaction.atomic():
            removed = self._remove_previous()
            removed_at = time.monotonic()
            counts = self._seed(size)
        self._vacuum_analyze()
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"Removed {removed} earlier bench accounts in {removed_at - started:.1f} s."
        )
        for name, count in counts.items():
            self.stdout.write(f"  {name:<16} {count:>9,}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {size.couples} couples ({size.rounds} rounds, {size.reflections} "
                f"reflections each) in {elapsed:.1f} s. Password for every bench account: "
                f"{BENCH_PASSWORD}"
            )
        )

    def _vacuum_analyze(self) -> None:
        """Every table of the bench database vacuumed, with fresh planner statistics, before
        each run. Without statistics PostgreSQL plans for the empty tables it last saw (a
        couple's check-ins by a parallel sequential scan of all of them, not by index). Without
        the vacuum, the rows that seeding and earlier runs rewrote (every reflection once, the
        check-in answers again and again) stay behind as dead versions that each index lookup
        steps over, so each run would be slower than the last wherever autovacuum is off or
        behind (it is off on some machines), and the benchmark would measure that."""
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            # VACUUM cannot run in a transaction (a test's); the statistics still can.
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")

    def _remove_previous(self) -> int:
        users = bench_users()
        user_ids = list(users.values_list("pk", flat=True))
        if not user_ids:
            return 0
        couple_ids = list(
            Partnership.objects.filter(user_id__in=user_ids).values_list("couple_id", flat=True)
        )
        # Leaves first, so that each delete is a plain DELETE rather than a cascade collected
        # in Python; StepCompletion's RESTRICT on its round needs it gone before the rounds.
        StepCompletion.objects.filter(couple_id__in=couple_ids).delete()
        CheckIn.objects.filter(round__couple_id__in=couple_ids).delete()
        CheckInRound.objects.filter(couple_id__in=couple_ids).delete()
        Reflection.objects.filter(author_id__in=user_ids).delete()
        Couple.objects.filter(pk__in=couple_ids).delete()
        users.delete()
        return len(user_ids)

    def _seed(self, size: Size) -> dict[str, int]:
        now = timezone.now()
        span = timedelta(days=DAYS_PER_ROUND * (size.rounds + 2))
        start = now - span
        password = make_password(BENCH_PASSWORD)  # hashed once: PBKDF2 costs ~1 s a time

        users = []
        for i in range(size.couples):
            for seat, name in (("a", "Alex"), ("b", "Blake")):
                users.append(
                    User(
                        email=bench_email(i, seat),
                        display_name=f"{name} {i}",
                        password=password,
                        date_joined=start,
                    )
                )
        User.objects.bulk_create(users, batch_size=BATCH_SIZE)
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users],
            batch_size=BATCH_SIZE,
        )

        couples = Couple.objects.bulk_create(
            [Couple(created_at=start) for _ in range(size.couples)], batch_size=BATCH_SIZE
        )
        partnerships = []
        safety_checks = []
        for i, couple in enumerate(couples):
            a, b = users[2 * i], users[2 * i + 1]
            roles = (Role.HURT, Role.BROKE_TRUST) if i % 5 else (Role.MUTUAL, Role.MUTUAL)
            for seat, (user, role) in enumerate(((a, roles[0]), (b, roles[1])), start=1):
                partnerships.append(
                    Partnership(couple=couple, user=user, seat=seat, role=role, joined_at=start)
                )
                safety_checks.append(
                    SafetyCheck(
                        user=user,
                        couple=couple,
                        afraid=False,
                        pressured=False,
                        harmed=False,
                        created_at=start + timedelta(hours=1),
                    )
                )
        Partnership.objects.bulk_create(partnerships, batch_size=BATCH_SIZE)
        SafetyCheck.objects.bulk_create(safety_checks, batch_size=BATCH_SIZE)
        Journey.objects.bulk_create([Journey(couple=c) for c in couples], batch_size=BATCH_SIZE)

        rounds, plan = self._rounds(couples, size, start)
        CheckInRound.objects.bulk_create(rounds, batch_size=BATCH_SIZE)
        check_ins = []
        completions = []
        for check_in_round, (i, ready, opened, revealed) in zip(rounds, plan, strict=True):
            a, b = users[2 * i], users[2 * i + 1]
            n = check_in_round.number + i
            for offset, (user, answered) in enumerate(((a, opened), (b, revealed))):
                check_ins.append(
                    CheckIn(
                        round=check_in_round,
                        author=user,
                        feeling=1 + (n + offset + check_in_round.step) % 5,
                        trust=min(10, 2 + check_in_round.step // 2 + (n + 3 * offset) % 4),
                        ready=ready,
                        note=NOTES[(n + offset) % len(NOTES)],
                        created_at=answered,
                    )
                )
            if ready:
                completions.append(
                    StepCompletion(
                        couple_id=check_in_round.couple_id,
                        step=check_in_round.step,
                        round=check_in_round,
                        completed_at=revealed,
                    )
                )
        CheckIn.objects.bulk_create(check_ins, batch_size=BATCH_SIZE)
        StepCompletion.objects.bulk_create(completions, batch_size=BATCH_SIZE)
        # auto_now stamped them today; the history is backdated.
        CheckIn.objects.filter(round__couple__in=couples).update(updated_at=F("created_at"))

        reflections = self._reflections(couples, users, size, start)
        Reflection.objects.bulk_create(reflections, batch_size=BATCH_SIZE)
        Reflection.objects.filter(couple__in=couples).update(updated_at=F("created_at"))

        return {
            "users": len(users),
            "email addresses": len(users),
            "couples": len(couples),
            "partnerships": len(partnerships),
            "safety checks": len(safety_checks),
            "check-in rounds": len(rounds),
            "check-ins": len(check_ins),
            "completions": len(completions),
            "reflections": len(reflections),
        }

    def _rounds(
        self, couples: list[Couple], size: Size, start: datetime
    ) -> tuple[list[CheckInRound], list[tuple[int, bool, datetime, datetime]]]:
        rounds = []
        plan = []
        for i, couple in enumerate(couples):
            done = completed_steps(i, size.rounds)
            reached = min(done + 1, size.rounds)  # steps that get at least one round
            steps = [1 + j * reached // size.rounds for j in range(size.rounds)]
            numbers: dict[int, int] = {}
            for j, step in enumerate(steps):
                numbers[step] = numbers.get(step, 0) + 1
                last_on_step = j + 1 == len(steps) or steps[j + 1] != step
                opened = start + timedelta(days=DAYS_PER_ROUND * j + 1, hours=20)
                revealed = opened + timedelta(days=1, minutes=i % 600)
                rounds.append(
                    CheckInRound(
                        couple=couple,
                        step=step,
                        number=numbers[step],
                        opened_at=opened,
                        revealed_at=revealed,
                    )
                )
                plan.append((i, step <= done and last_on_step, opened, revealed))
        return rounds, plan

    def _reflections(
        self, couples: list[Couple], users: list[User], size: Size, start: datetime
    ) -> list[Reflection]:
        reflections = []
        days = DAYS_PER_ROUND * (size.rounds + 1)
        prompts = {n: get_step_or_404(n).prompts for n in range(1, STEP_COUNT + 1)}
        for i, couple in enumerate(couples):
            reached = current_step(i, size.rounds)
            for j in range(size.reflections):
                step = 1 + j * reached // size.reflections
                step_prompts = prompts[step]
                k = i + j
                reflections.append(
                    Reflection(
                        author=users[2 * i + j % 2],
                        couple=couple,
                        step=step,
                        prompt="" if k % 3 == 0 else step_prompts[k % len(step_prompts)],
                        text=REFLECTION_TEXTS[k % len(REFLECTION_TEXTS)],
                        created_at=start
                        + timedelta(days=1 + j * days // size.reflections, hours=22),
                    )
                )
        return reflections
