"""Two versions of the app, side by side, on the cheapest requests: one gunicorn worker each.

    python bench/ab_wrk.py --rounds 4 --duration 15 TREE_A TREE_B

Each tree is a checkout with its own `.venv` (a `git worktree` with a link to this one's); the
bench database must be seeded (any `bench/run.py` run does it), and both trees run with the
environment `bench/run.py` gives its server, each with its own static files. Round by round,
in the order A B, B A, A B, ..., each tree's server runs alone: one gunicorn worker with 4
threads, one bench partner signed in, a check-in opened so that the check-in poll answers
"nothing changed", and `wrk` (Debian's package) with 4 connections on the bare view, both
polls' 204, and the partner's step page and couple home (drawn afresh on every request).

Why one worker: with two, wrk's kept-alive connections go to whichever worker accepts them, and
throughput swung between about 300 and 750 requests a second from one run to the next, as if
one worker sometimes held them all while the other idled. One worker on one core measures what
a request costs.
"""

import argparse
import os
import re
import signal
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import requests
from run import DEFAULT_DATABASE_URL, bench_env  # bench/run.py, beside this file

PORT = 8123
BASE = f"http://127.0.0.1:{PORT}"
FIRST_COUPLE = 900  # each round signs in a different partner, away from the mix's couples

# Run by the tree's own interpreter: the bench partner's address and password, as seeded.
ACCOUNT = """
import os, django
django.setup()
from steps.management.commands.seed_bench import BENCH_PASSWORD, bench_email
print(bench_email(int(os.environ["AB_COUPLE"]), "a"), BENCH_PASSWORD)
"""

POLL_URLS = """
import os, django
django.setup()
from couples.selectors import get_partnership
from steps.management.commands.seed_bench import current_step
from steps.models import CheckInRound
from steps.selectors import get_ledger_status
from trustapp.accounts.models import User
user = User.objects.get(email=os.environ["AB_EMAIL"])
waiting_on = CheckInRound.objects.get(
    couple__partnerships__user=user, step=1, revealed_at__isnull=True
).pk
seen = get_ledger_status(get_partnership(user).couple).fingerprint
print(f"/space/steps/1/check-in/state/?waiting_on={waiting_on}")
print(f"/space/questions/status/?seen={seen}")
print(f"/space/steps/{current_step(int(os.environ['AB_COUPLE']), 30)}/")
"""


def python(tree: Path, env: dict[str, str], *argv: str) -> str:
    return subprocess.run(  # noqa: S603 (the tree's own interpreter and scripts)
        [str(tree / ".venv/bin/python"), *argv],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def start_server(tree: Path, env: dict[str, str]) -> subprocess.Popen:
    command = [str(tree / ".venv/bin/gunicorn"), "trustapp.wsgi", "--workers", "1"]
    command += ["--threads", "4", "--bind", f"127.0.0.1:{PORT}", "--log-level", "warning"]
    server = subprocess.Popen(  # noqa: S603 (the tree's own gunicorn)
        command, cwd=tree, env=env, start_new_session=True, stderr=subprocess.DEVNULL
    )
    for _ in range(100):
        try:
            requests.get(f"{BASE}/accounts/login/", timeout=1)
            return server
        except requests.ConnectionError:
            time.sleep(0.2)
    raise SystemExit(f"{tree}: the server did not start")


def sign_in_and_check_in(email: str, password: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{BASE}/accounts/login/")
    headers = {"X-CSRFToken": session.cookies["csrftoken"], "Referer": f"{BASE}/"}
    signed_in = session.post(
        f"{BASE}/accounts/login/",
        data={"login": email, "password": password},
        headers=headers,
        allow_redirects=False,
    )
    if signed_in.status_code != 302:
        raise SystemExit(f"{email} could not sign in: {signed_in.status_code}")
    checked_in = session.post(
        f"{BASE}/space/steps/1/check-in/",
        data={"feeling": "3", "trust": "5", "ready": "no", "note": ""},
        # Signing in gave the session a new CSRF token.
        headers={**headers, "X-CSRFToken": session.cookies["csrftoken"], "HX-Request": "true"},
    )
    if checked_in.status_code != 200:
        raise SystemExit(f"{email} could not check in: {checked_in.status_code}")
    return session


def wrk(url: str, cookie: str, seconds: int, *, htmx: bool) -> float:
    command = ["wrk", "-t2", "-c4", f"-d{seconds}s", "-H", f"Cookie: {cookie}"]
    if htmx:  # as the polls send it; the pages are asked for as a browser opens them
        command += ["-H", "HX-Request: true"]
    output = subprocess.run(  # noqa: S603 (wrk on our own server)
        [*command, url], capture_output=True, text=True, check=True
    ).stdout
    if "Non-2xx" in output:
        raise SystemExit(f"{url} answered errors:\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def measure(tree: Path, env: dict[str, str], couple: int, seconds: int) -> dict[str, float]:
    server = start_server(tree, env)
    try:
        email, password = python(tree, {**env, "AB_COUPLE": str(couple)}, "-c", ACCOUNT).split()
        session = sign_in_and_check_in(email, password)
        poll, ledger, step = python(
            tree, {**env, "AB_EMAIL": email, "AB_COUPLE": str(couple)}, "-c", POLL_URLS
        ).split()
        cookie = "; ".join(f"{name}={value}" for name, value in session.cookies.items())
        results = {}
        for name, path, htmx in (
            ("bare view", "/bench/baseline/", False),
            ("check-in poll", poll, True),
            ("ledger poll", ledger, True),
            ("step page", step, False),
            ("couple home", "/space/", False),
        ):
            wrk(BASE + path, cookie, 3, htmx=htmx)  # warm
            results[name] = wrk(BASE + path, cookie, seconds, htmx=htmx)
        return results
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()
        # The opened check-in goes, so that the bench data stays as seeded.
        python(tree, env, "bench/mixdata.py", "reset")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trees", nargs=2, type=Path)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--duration", type=int, default=15, help="seconds per URL and tree")
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="trustapp-ab-") as static:
        envs = {}
        for number, tree in enumerate(args.trees):
            settings = argparse.Namespace(database_url=args.database_url, env=[])
            envs[tree] = bench_env(settings, PORT, Path(static) / str(number))
            python(tree, envs[tree], "manage.py", "collectstatic", "--noinput")
        compare(args, envs)


def compare(args: argparse.Namespace, envs: dict[Path, dict[str, str]]) -> None:
    env = envs[args.trees[0]]
    # What an earlier run left goes first; then the data as it is now is what each round ends on.
    for command in ("reset", "mark"):
        python(args.trees[0], env, "bench/mixdata.py", command)
    rates: dict[tuple[str, str], list[float]] = {}
    for round_number in range(args.rounds):
        trees = args.trees if round_number % 2 == 0 else args.trees[::-1]
        for tree in trees:
            results = measure(tree, envs[tree], FIRST_COUPLE + round_number, args.duration)
            for name, rate in results.items():
                rates.setdefault((str(tree), name), []).append(rate)
            print(round_number + 1, tree, {name: round(rate) for name, rate in results.items()})
    for (tree, name), values in rates.items():
        low, middle, high = min(values), statistics.median(values), max(values)
        print(f"{tree} {name}: {low:.0f} / {middle:.0f} / {high:.0f} req/s (min / median / max)")


if __name__ == "__main__":
    main()
