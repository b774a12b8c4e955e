"""The bench data side of the mixed run (bench/mix.py), run with the bench's environment:

python bench/mixdata.py plan USERS --couples 1000 --rounds 30 --pairs 0.25 [--step6 0.1] OUT
    Chooses which partner of which couple each simulated user plays, signs each one in
    (a session made directly, as Django's test client's force_login does: 1,600 PBKDF2 logins
    would take half an hour of CPU), and writes the plan as JSON to OUT.
python bench/mixdata.py mark
    Remembers (in the bench database's cache table) the newest row of every table the mix
    writes, so that `reset` can take the database back to this state.
python bench/mixdata.py reset
    Deletes what mixed runs wrote since the mark (reflections, check-in rounds and answers,
    questions), and vacuums those tables: each mixed run starts from the same data, and the
    seeded data stays whole for the single-page runs.
"""

import argparse
import json
import os
import random
import sys
from importlib import import_module
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import login  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.test import RequestFactory  # noqa: E402

from steps.management.commands.seed_bench import (  # noqa: E402
    bench_email,
    bench_users,
    current_step,
)
from steps.models import (  # noqa: E402
    CheckIn,
    CheckInRound,
    Question,
    QuestionEntry,
    Reflection,
    StepCompletion,
)

MARK_KEY = "bench:mix-mark"
SESSIONS_KEY = "bench:mix-sessions"
TOUCHED_TABLES = [
    "steps_reflection",
    "steps_checkin",
    "steps_checkinround",
    "steps_question",
    "steps_questionentry",
    "django_session",
    "trustapp_session_cache",
]


def choose(
    users: int, couples: int, rounds: int, pairs: float, step6: float | None, seed: int = 16
) -> list[dict]:
    """Who each simulated user is: a partner of its own couple, or (for a share `pairs` of the
    users) both partners of one couple, so that one's check-in changes what the other's page
    polls. With more users than couples allow alone, more of them come in pairs. `step6`: the
    share of couples on step 6 (the question ledger's poll); by default as seeded, 1 in 11."""
    wanted_pairs = round(users * pairs / 2)
    n_pairs = min(users // 2, max(wanted_pairs, users - couples))
    n_couples = users - n_pairs
    if n_couples > couples:
        raise SystemExit(f"{users} users need more than the {couples} couples seeded")
    by_step: dict[int, list[int]] = {}
    for index in range(couples):
        by_step.setdefault(current_step(index, rounds), []).append(index)
    if step6 is None:
        chosen = list(range(n_couples))
    else:
        on_six = by_step.get(6, [])[: round(n_couples * step6)]
        others = [i for i in range(couples) if current_step(i, rounds) != 6]
        chosen = on_six + others[: n_couples - len(on_six)]
    shuffle = random.Random(seed)  # noqa: S311 (the same plan on every run)
    shuffle.shuffle(chosen)
    plan = []
    for n, couple in enumerate(chosen):
        seats = "ab" if n < n_pairs else "ab"[n % 2]
        for seat in seats:
            plan.append(
                {
                    "couple": couple,
                    "email": bench_email(couple, seat),
                    "step": current_step(couple, rounds),
                    "paired": len(seats) == 2,
                }
            )
    shuffle.shuffle(plan)  # pairs and steps spread over the spawn order
    return plan


def sign_in(plan: list[dict]) -> None:
    """A session for each user, made as a sign-in makes it (Django's login()), without the
    password check. The sessions the last plan made are removed."""
    users = {
        user.email: user for user in bench_users().filter(email__in=[p["email"] for p in plan])
    }
    backend = settings.AUTHENTICATION_BACKENDS[0]
    engine = import_module(settings.SESSION_ENGINE)
    # Through the engine, which removes each session's cached copy as well as its row.
    ended = engine.SessionStore()
    for session_key in cache.get(SESSIONS_KEY, []):
        ended.delete(session_key)
    factory = RequestFactory(REMOTE_ADDR="127.0.0.1", HTTP_USER_AGENT="locust (bench mix)")
    for item in plan:
        user = users.get(item["email"])
        if user is None:
            raise SystemExit(f"{item['email']} is not in the bench data: seed it again")
        request = factory.get("/")
        request.session = engine.SessionStore()
        login(request, user, backend=backend)
        request.session.save()
        item["session"] = request.session.session_key
    cache.set(SESSIONS_KEY, [item["session"] for item in plan], None)


def newest() -> dict[str, int]:
    def top(model) -> int:  # type: ignore[no-untyped-def]
        return model.objects.aggregate(top=Max("pk"))["top"] or 0

    first_user = bench_users().order_by("pk").values_list("pk", flat=True).first()
    return {
        "first_user": first_user or 0,
        "reflection": top(Reflection),
        "round": top(CheckInRound),
        "check_in": top(CheckIn),
        "question": top(Question),
        "entry": top(QuestionEntry),
    }


def mark() -> dict[str, int]:
    found = newest()
    cache.set(MARK_KEY, found, None)
    return found


def reset() -> str:
    found = cache.get(MARK_KEY)
    if not found:
        return "no mark: nothing to undo"
    if found["first_user"] != newest()["first_user"]:  # seeded again since: a stale mark
        cache.delete(MARK_KEY)
        return "the mark was older than the bench data: nothing undone"
    with transaction.atomic():
        entries = QuestionEntry.objects.filter(pk__gt=found["entry"]).delete()[0]
        entries += QuestionEntry.objects.filter(question_id__gt=found["question"]).delete()[0]
        questions = Question.objects.filter(pk__gt=found["question"]).delete()[0]
        StepCompletion.objects.filter(round_id__gt=found["round"]).delete()
        answers = CheckIn.objects.filter(pk__gt=found["check_in"]).delete()[0]
        answers += CheckIn.objects.filter(round_id__gt=found["round"]).delete()[0]
        rounds = CheckInRound.objects.filter(pk__gt=found["round"]).delete()[0]
        reflections = Reflection.objects.filter(pk__gt=found["reflection"]).delete()[0]
    if not connection.in_atomic_block:
        with connection.cursor() as cursor:
            for table in TOUCHED_TABLES:
                cursor.execute(f'VACUUM (ANALYZE) "{table}"')
    return (
        f"undid {reflections} reflections, {rounds} check-in rounds with {answers} answers, "
        f"{questions} questions with {entries} entries; vacuumed {len(TOUCHED_TABLES)} tables"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("plan")
    make.add_argument("users", type=int)
    make.add_argument("out", type=Path)
    make.add_argument("--couples", type=int, default=1000)
    make.add_argument("--rounds", type=int, default=30)
    make.add_argument("--pairs", type=float, default=0.25)
    make.add_argument("--step6", type=float, default=None)
    commands.add_parser("mark")
    commands.add_parser("reset")
    args = parser.parse_args()
    if args.command == "plan":
        plan = choose(args.users, args.couples, args.rounds, args.pairs, args.step6)
        sign_in(plan)
        args.out.write_text(json.dumps(plan))
        couples = len({item["couple"] for item in plan})
        paired = sum(item["paired"] for item in plan)
        on_six = sum(item["step"] == 6 for item in plan)
        print(
            json.dumps(
                {"users": len(plan), "couples": couples, "paired": paired, "on_step_6": on_six}
            )
        )
    elif args.command == "mark":
        print(json.dumps(mark()))
    else:
        print(reset())


if __name__ == "__main__":
    main()
