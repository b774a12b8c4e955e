"""Where a page's time goes, without load: bench/run.py runs this after the load runs.

For a few signed-in bench partners, each page is requested in-process (Django's test client,
the bench settings, the bench database) several times, and every SQL query is timed with a
connection execute wrapper. Prints JSON: per page, the median request time, the median number
of queries and time spent in them, and the queries that take the most time, grouped by shape.
"""

import json
import os
import re
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from couples.selectors import get_partnership  # noqa: E402
from steps.management.commands.seed_bench import bench_email, current_step  # noqa: E402
from steps.models import CheckInRound  # noqa: E402
from steps.selectors import get_ledger_status  # noqa: E402
from trustapp.accounts.models import User  # noqa: E402

NUMBERS = re.compile(r"\b\d+\b")
STRINGS = re.compile(r"'[^']*'")


def shape(sql: str) -> str:
    return NUMBERS.sub("?", STRINGS.sub("'?'", sql))


class QueryTimer:
    def __init__(self) -> None:
        self.queries: list[tuple[str, float]] = []

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((sql, time.perf_counter() - started))


def page_requests(client: Client, step: int, user: User) -> dict:
    poll_url: list[str] = []
    ledger_url: list[str] = []

    def poll_check_in_state():  # type: ignore[no-untyped-def]
        if not poll_url:  # on the first, untimed call: the round the check-in above opened
            waiting_on = CheckInRound.objects.get(
                couple__partnerships__user=user, step=1, revealed_at__isnull=True
            ).pk
            poll_url.append(f"/space/steps/1/check-in/state/?waiting_on={waiting_on}")
        return client.get(poll_url[0], HTTP_HX_REQUEST="true")

    def poll_ledger_status():  # type: ignore[no-untyped-def]
        if not ledger_url:  # on the first, untimed call: `seen` as the step 6 page sends it
            seen = get_ledger_status(get_partnership(user).couple).fingerprint
            ledger_url.append(f"/space/questions/status/?seen={seen}")
        return client.get(ledger_url[0], HTTP_HX_REQUEST="true")

    return {
        "baseline": lambda: client.get("/bench/baseline/"),
        "couple home": lambda: client.get("/space/"),
        "step page": lambda: client.get(f"/space/steps/{step}/"),
        "submit check-in": lambda: client.post(
            "/space/steps/1/check-in/",
            {"feeling": "3", "trust": "5", "ready": "no", "note": ""},
            HTTP_HX_REQUEST="true",
        ),
        # The step page's polls (every 4 s while it is open), answered "nothing changed".
        "poll check-in state": poll_check_in_state,
        "poll ledger status": poll_ledger_status,
    }


EXPECTED_STATUS = {"poll check-in state": 204, "poll ledger status": 204}


def profile(couples: list[int], rounds: int, repeats: int) -> dict:
    pages: dict[str, dict] = {}
    samples: dict[str, list[tuple[float, list[tuple[str, float]]]]] = defaultdict(list)
    for couple in couples:
        user = User.objects.get(email=bench_email(couple, "a"))
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        requests = page_requests(client, current_step(couple, rounds), user)
        for name, request in requests.items():
            request()  # warm: templates, content, connection
            for _ in range(repeats):
                timer = QueryTimer()
                with connection.execute_wrapper(timer):
                    started = time.perf_counter()
                    response = request()
                    elapsed = time.perf_counter() - started
                if response.status_code != EXPECTED_STATUS.get(name, 200):
                    raise SystemExit(f"{name} answered {response.status_code} for {user.email}")
                samples[name].append((elapsed, timer.queries))

    for name, runs in samples.items():
        by_shape: dict[str, list[float]] = defaultdict(list)
        for _, queries in runs:
            for sql, seconds in queries:
                by_shape[shape(sql)].append(seconds)
        top = sorted(by_shape.items(), key=lambda item: -sum(item[1]))[:5]
        pages[name] = {
            "requests": len(runs),
            "median_ms": 1000 * statistics.median(elapsed for elapsed, _ in runs),
            "p95_ms": 1000 * statistics.quantiles([e for e, _ in runs], n=20)[-1],
            "queries": statistics.median(len(queries) for _, queries in runs),
            "sql_ms": 1000 * statistics.median(sum(s for _, s in queries) for _, queries in runs),
            "top": [
                {
                    "sql": sql,
                    "per_request": len(times) / len(runs),
                    "ms_per_request": 1000 * sum(times) / len(runs),
                }
                for sql, times in top
            ],
        }
    return pages


if __name__ == "__main__":
    couples = [int(n) for n in os.environ.get("BENCH_PROFILE_COUPLES", "0,1,5,10").split(",")]
    rounds = int(os.environ.get("BENCH_ROUNDS", "30"))
    repeats = int(os.environ.get("BENCH_PROFILE_REPEATS", "10"))
    print(json.dumps(profile(couples, rounds, repeats=repeats)))
