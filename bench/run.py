"""`make bench`: seed PostgreSQL, serve with gunicorn and production settings, load it with locust.

  .venv/bin/python bench/run.py [--couples 1000] [--rounds 30] [--reflections 30] [--reseed]
                                [--users 8] [--duration 45] [--workers 2] [--threads 4]
                                [--quiet-wait 120] [--noisy-retries 1] [--no-write]
                                [--env KEY=VALUE ...]
                                [--mix [--mix-levels 50,100,...] | --cold-paths [--repeat 3]
                                 | --scale [--scale-repeats 25]]

Steps: create the database `trustapp_bench` if it is missing (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/trustapp_bench; a DATABASE_URL of yours is ignored on
purpose, so the bench never seeds a development database), migrate, seed (skipped when bench data
of the same size is already there), collect static files into a temporary folder, start gunicorn
on a free port of 127.0.0.1, and run locust headless once per page (the baseline first and
last), each run with the whole server to itself. Then profile each page's queries in-process, stop gunicorn, print the table,
and write it into docs/benchmarks.md. Everything stays on 127.0.0.1 and every wait is bounded.

`--mix` runs the mixed workload instead, and `--cold-paths` the polls' "nothing changed"
answers, the pages and the check-in answer as ratios to the baseline (bench/mix.py). `--scale`
measures each page's own time in-process on 100 to 10,000 couples and 10 to 300 rounds of
history, each data set in a database of its own (bench/scale.py).
"""

import argparse
import csv
import json
import os
import platform
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/trustapp_bench"
# Fixed, and for bench data only: the seeded reflections are encrypted with the field key, and
# sessions stored by earlier runs (which allauth reads at sign-in) are signed with the secret key.
BENCH_FIELD_KEY = "x0Ezt3rT6oVZ5Y2L8hCqkq4n4y0yq7cQ3n6F1dJ0mJ4="
BENCH_SECRET_KEY = "bench-only-secret-key-never-used-anywhere-else-8f2c1d9e4b7a"  # noqa: S105
DOCS = ROOT / "docs" / "benchmarks.md"
START_MARK = "<!-- bench:results:start (written by bench/run.py; edits here are replaced) -->"
END_MARK = "<!-- bench:results:end -->"
P95_TARGET_MS = 50.0
RATIO_TARGET = 0.5
NOISE_CORES = 0.25  # other processes using more than this make a run's numbers unreliable


@dataclass
class Scenario:
    name: str
    user_class: str
    ratio_target: float | None  # of the baseline's requests per second
    p95_target_ms: float | None
    stat_name: str = ""  # the request's name in locust's statistics; the scenario's by default
    result: dict = field(default_factory=dict)

    @property
    def is_baseline(self) -> bool:
        return self.user_class == "BaselineUser"


# The baseline is measured first and last: if the machine's speed changes during the run (a
# virtual machine's neighbours), the two differ, and the ratios use their mean.
SCENARIOS = [
    Scenario("baseline", "BaselineUser", None, None),
    Scenario("couple home", "HomeUser", RATIO_TARGET, P95_TARGET_MS),
    Scenario("step page", "StepUser", RATIO_TARGET, P95_TARGET_MS),
    Scenario("submit check-in", "CheckInUser", None, P95_TARGET_MS),
    Scenario("baseline, again", "BaselineUser", None, None, stat_name="baseline"),
]
SPEED_DRIFT = 0.15  # baseline runs or CPU probes further apart than this: the machine's speed moved


def baseline_rps(scenarios: list[Scenario]) -> float:
    runs = [s.result["rps"] for s in scenarios if s.is_baseline and s.result]
    return sum(runs) / len(runs)


def cpu_probe() -> float:
    """Milliseconds for a fixed piece of pure Python on one core: the machine's speed just
    before a page is measured, comparable between pages and runs of the same machine."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for i in range(300_000):
            total += i * i % 7
        best = min(best, time.perf_counter() - started)
    return best * 1000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--couples", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--reflections", type=int, default=30)
    parser.add_argument("--reseed", action="store_true", help="seed even if already seeded")
    parser.add_argument("--users", type=int, default=8, help="concurrent locust users")
    parser.add_argument("--duration", type=int, default=45, help="seconds measured per page")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=120,
        help="seconds to wait, before each page, for other processes to leave the cores alone",
    )
    parser.add_argument(
        "--noisy-retries",
        type=int,
        default=1,
        help="measure a page again (up to this many times) when other processes used the cores",
    )
    parser.add_argument("--no-write", action="store_true", help="don't touch docs/benchmarks.md")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for the server, e.g. DATABASE_POOL=1 (recorded in the docs)",
    )
    mix = parser.add_argument_group(
        "the mixed run and the cold paths (bench/mix.py, docs/benchmarks.md)"
    )
    mix.add_argument(
        "--mix",
        action="store_true",
        help="the realistic mix, stepped up until an endpoint's p95 passes --mix-p95",
    )
    mix.add_argument(
        "--cold-paths",
        action="store_true",
        help="each poll's nothing-changed answer, the step page, the couple home and the "
        "check-in answer, closed loop at 8 clients, as ratios to the baseline",
    )
    mix.add_argument(
        "--mix-levels",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[50, 100, 200, 400, 800, 1600],
        help="open partner pages (locust users) to step through, comma-separated",
    )
    mix.add_argument("--mix-duration", type=int, default=60, help="seconds measured per mix run")
    mix.add_argument(
        "--mix-warmup", type=int, default=30, help="seconds after the last user arrives"
    )
    mix.add_argument("--mix-p95", type=float, default=100.0, help="ms: a level holds below it")
    mix.add_argument(
        "--mix-pairs",
        type=float,
        default=0.25,
        help="share of users whose partner is simulated too (the rest: partner away)",
    )
    mix.add_argument(
        "--mix-step6",
        type=float,
        default=None,
        help="share of couples on step 6 (the question ledger's poll); as seeded (1 in 11) "
        "by default",
    )
    mix.add_argument(
        "--mix-away",
        default="20,120",
        help="MIN,MAX seconds a step page stays open (polling) after checking in",
    )
    mix.add_argument(
        "--repeat", type=int, default=3, help="--cold-paths: rounds (min / median / max)"
    )
    parser.add_argument(
        "--scale",
        action="store_true",
        help="each page's own time on 100 to 10,000 couples and 10 to 300 rounds (bench/scale.py)"
        ", each data set in its own database, seeded once and kept",
    )
    parser.add_argument(
        "--scale-repeats", type=int, default=25, help="--scale: requests of each page per partner"
    )
    parser.add_argument(
        "--scale-sets",
        type=lambda text: [tuple(int(n) for n in item.split("x")) for item in text.split(",")],
        default=[(100, 30), (1_000, 30), (10_000, 30), (1_000, 10), (1_000, 300)],
        help="--scale: the data sets, COUPLESxROUNDS comma-separated",
    )
    args = parser.parse_args()
    if sum([args.mix, args.cold_paths, args.scale]) > 1:
        parser.error("--mix, --cold-paths and --scale are separate runs: choose one")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.users > args.couples:
        parser.error("--users must not exceed --couples: each user is a partner of its own couple")
    return args


def log(message: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", flush=True)


# The database.


def ensure_database(url: str) -> None:
    import psycopg

    parts = urllib.parse.urlparse(url)
    name = parts.path.lstrip("/")
    if parts.hostname not in {"127.0.0.1", "localhost", "::1"}:
        raise SystemExit(f"The bench database must be on this machine, not {parts.hostname}.")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            log(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


def server_version(url: str) -> str:
    import psycopg

    with psycopg.connect(url) as conn:
        return str(conn.execute("SHOW server_version").fetchone()[0])


def profile_pages(env: dict[str, str], *, timeout: int) -> dict:
    """bench/queries.py in a process of its own: each page's queries and time, without load."""
    profiled = _run_python(env, [str(ROOT / "bench" / "queries.py")], "bench/queries.py", timeout)
    return json.loads(profiled.strip().splitlines()[-1])


# The environment every Django process of the bench gets: production settings over plain HTTP.


def bench_env(args: argparse.Namespace, port: int, static_root: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "SENTRY_", "EMAIL_", "LOG_", "BENCH_"))
        and key not in {"FIELD_ENCRYPTION_KEYS", "TASKS_BACKEND", "SITE_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DJANGO_SECRET_KEY=BENCH_SECRET_KEY,
        DJANGO_DEBUG="0",
        DJANGO_SECURE="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_STATIC_FROM_SOURCE="0",
        SITE_URL=f"http://127.0.0.1:{port}",
        DATABASE_URL=args.database_url,
        FIELD_ENCRYPTION_KEYS=BENCH_FIELD_KEY,
        TASKS_BACKEND="django.tasks.backends.dummy.DummyBackend",
        BENCH_STATIC_ROOT=str(static_root),
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    for item in args.env:
        key, _, value = item.partition("=")
        env[key] = value
    return env


def locust_command(
    *, users: int, spawn_rate: int, run_time: float, port: int, prefix: Path, user_class: str
) -> list[str]:
    """Headless locust on bench/locustfile.py; `run_time` is a hard stop only."""
    return [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(spawn_rate),
        "--run-time",
        f"{run_time:.0f}s",
        "--stop-timeout",
        "5",
        "--host",
        f"http://127.0.0.1:{port}",
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        user_class,
    ]


def _run_python(env: dict[str, str], argv: list[str], label: str, timeout: float) -> str:
    result = subprocess.run(  # noqa: S603 (our own interpreter and scripts)
        [sys.executable, *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"{label} failed")
    return result.stdout


def manage(env: dict[str, str], *command: str, timeout: float = 600) -> str:
    return _run_python(env, ["manage.py", *command], f"manage.py {command[0]}", timeout)


def bench_script(env: dict[str, str], *command: str, timeout: float = 900) -> str:
    """bench/mixdata.py (Django, the bench settings and database) with `command`."""
    script = str(ROOT / "bench" / "mixdata.py")
    return _run_python(env, [script, *command], f"bench/mixdata.py {command[0]}", timeout)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# The server.


def start_gunicorn(args: argparse.Namespace, env: dict[str, str], port: int, logfile: Path):  # type: ignore[no-untyped-def]
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "trustapp.wsgi",
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
    ]
    log(" ".join(command[2:]))
    out = logfile.open("w")
    server = subprocess.Popen(  # noqa: S603
        command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 60
    url = f"http://127.0.0.1:{port}/bench/baseline/"
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited early:\n{logfile.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    stop(server)
    raise SystemExit(f"gunicorn was not ready within 60 s:\n{logfile.read_text()[-3000:]}")


def stop(process: subprocess.Popen | None, grace: float = 20) -> None:
    """Stop a process this script started, and its own process group (gunicorn's workers)."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


# CPU accounting, to see who used the two cores during a run.


def cpu_of(process: psutil.Process) -> float:
    try:
        times = process.cpu_times()
    except psutil.Error:
        return 0.0
    return times.user + times.system


def system_busy_seconds() -> float:
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def postgres_seconds() -> float:
    """CPU time of the PostgreSQL server: the postmaster, its live backends, and the backends
    that have ended (counted in the postmaster's children times once reaped: gunicorn's
    connections are replaced every CONN_MAX_AGE seconds, mid-run)."""
    total = 0.0
    for process in psutil.process_iter(["name", "ppid"]):
        if process.info["name"] not in {"postgres", "postmaster"}:
            continue
        try:
            times = process.cpu_times()
            parent = psutil.Process(process.info["ppid"]).name()
        except psutil.Error:
            continue
        total += times.user + times.system
        if parent not in {"postgres", "postmaster"}:  # the postmaster itself
            total += times.children_user + times.children_system
    return total


def cpu_snapshot(server: subprocess.Popen, locust: psutil.Process) -> dict:
    gunicorn = psutil.Process(server.pid)
    processes = {gunicorn: "gunicorn", locust: "locust"}
    for worker in gunicorn.children(recursive=True):
        processes[worker] = f"worker {worker.pid}"
    cpu = {p.pid: (group, cpu_of(p)) for p, group in processes.items()}
    cpu[-1] = ("postgres", postgres_seconds())
    return {
        "cpu": cpu,
        "busy": system_busy_seconds(),
        "wall": time.monotonic(),
    }


def cpu_share(before: dict | None, after: dict | None) -> dict:
    """Cores used by each process group during the measured window, and by everything else."""
    if before is None or after is None:
        return {}
    wall = after["wall"] - before["wall"]
    used: dict[str, float] = {}
    for pid, (group, seconds) in after["cpu"].items():
        # A process that started during the window (a new PostgreSQL backend) counts whole.
        earlier = before["cpu"].get(pid, (group, 0.0))[1]
        used[group] = used.get(group, 0.0) + (seconds - earlier) / wall
    workers = sorted((v for k, v in used.items() if k.startswith("worker")), reverse=True)
    ours = sum(used.values())
    busy = (after["busy"] - before["busy"]) / wall
    return {
        "gunicorn": used.get("gunicorn", 0.0) + sum(workers),
        "workers": workers,
        "postgres": used.get("postgres", 0.0),
        "locust": used.get("locust", 0.0),
        "other": max(0.0, busy - ours),
        "idle": max(0.0, len(os.sched_getaffinity(0)) - busy),
    }


def wait_for_quiet(limit: float) -> float:
    """Wait (up to `limit` seconds) until other processes leave the cores alone: the bench's
    numbers mean little while something else is using them. Returns the cores others used."""
    cores = len(os.sched_getaffinity(0))
    deadline = time.monotonic() + limit
    while True:
        busy = psutil.cpu_percent(interval=2) / 100 * cores
        if busy < NOISE_CORES or time.monotonic() >= deadline:
            if busy >= NOISE_CORES:
                log(f"the machine is still busy ({busy:.2f} cores in use by other processes)")
            return busy
        log(f"waiting for a quiet machine: {busy:.2f} cores in use by other processes")
        time.sleep(5)


# One locust run per page.


def run_locust(
    args: argparse.Namespace,
    scenario: Scenario,
    index: int,
    server: subprocess.Popen,
    port: int,
    workdir: Path,
) -> None:
    prefix = workdir / scenario.user_class
    facts_file = workdir / f"{scenario.user_class}.json"
    # A page measured again must not read the last attempt's files.
    for stale in workdir.glob(f"{scenario.user_class}*"):
        stale.unlink()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_"))
    }
    env.update(
        BENCH_USERS=str(args.users),
        BENCH_COUPLES=str(args.couples),
        # Each run signs in as partners of other couples than the run before.
        BENCH_COUPLE_OFFSET=str((index * 97) % args.couples),
        BENCH_DURATION=str(args.duration),
        BENCH_RESULT_FILE=str(facts_file),
    )
    # A hard stop only: the locustfile stops the run itself after the measured window.
    command = locust_command(
        users=args.users,
        spawn_rate=args.users,
        run_time=args.duration + 120,
        port=port,
        prefix=prefix,
        user_class=scenario.user_class,
    )
    busy_before = wait_for_quiet(args.quiet_wait)
    probe = cpu_probe()
    log(f"{scenario.name}: {args.users} users for {args.duration} s (after sign-in and warm-up)")
    before, after = watch_locust(
        command,
        env,
        workdir / f"{scenario.user_class}.log",
        facts_file,
        server,
        limit=args.duration + 180,
    )
    facts = json.loads(facts_file.read_text()) if facts_file.exists() else {}
    scenario.result = read_stats(prefix, scenario.stat_name or scenario.name)
    scenario.result["facts"] = facts
    scenario.result["busy_before"] = busy_before
    scenario.result["probe_ms"] = probe
    scenario.result["cpu"] = cpu_share(before, after)
    if facts.get("login_failures"):
        raise SystemExit(f"{scenario.name}: logins failed: {facts['login_failures']}")


def watch_locust(
    command: list[str],
    env: dict[str, str],
    logfile: Path,
    facts_file: Path,
    server: subprocess.Popen,
    limit: float,
) -> tuple[dict | None, dict | None]:
    """Runs locust to its end (at most `limit` seconds), taking a CPU snapshot when the
    locustfile says it starts measuring and another when it stops."""
    with logfile.open("w") as out:
        locust = subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            process = psutil.Process(locust.pid)
            deadline = time.monotonic() + limit
            before = after = None
            started_file = Path(f"{facts_file}.measuring")
            stopped_file = Path(f"{facts_file}.stopped")
            while locust.poll() is None and time.monotonic() < deadline:
                if before is None and started_file.exists():
                    before = cpu_snapshot(server, process)
                if before is not None and after is None and stopped_file.exists():
                    after = cpu_snapshot(server, process)
                time.sleep(0.05)
            if locust.poll() is None:
                raise SystemExit(f"locust did not stop within {limit:.0f} s")
            if locust.returncode not in (0, 1):  # 1: some requests failed, reported below
                sys.stderr.write(logfile.read_text()[-3000:])
                raise SystemExit(f"locust exited with {locust.returncode}")
        finally:
            stop(locust, grace=10)
    return before, after


def read_stats(prefix: Path, name: str) -> dict:
    with Path(f"{prefix}_stats.csv").open() as stats:
        for row in csv.DictReader(stats):
            if row["Name"] == name:
                return {
                    "requests": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "rps": float(row["Requests/s"]),
                    "p50": float(row["50%"]),
                    "p95": float(row["95%"]),
                    "p99": float(row["99%"]),
                    "avg": float(row["Average Response Time"]),
                }
    raise SystemExit(f"no '{name}' row in {prefix}_stats.csv")


# The report.


def verdicts(scenario: Scenario, baseline: float) -> list[str]:
    result = scenario.result
    marks = []
    if scenario.ratio_target is not None:
        ok = result["rps"] / baseline >= scenario.ratio_target
        marks.append(f"{'PASS' if ok else 'MISS'} ratio >= {scenario.ratio_target:.0%}")
    if scenario.p95_target_ms is not None:
        ok = result["p95"] < scenario.p95_target_ms
        marks.append(f"{'PASS' if ok else 'MISS'} p95 < {scenario.p95_target_ms:.0f} ms")
    if result["failures"]:
        marks.append(f"MISS {result['failures']} failed requests")
    return marks


def results_table(scenarios: list[Scenario]) -> list[str]:
    baseline = baseline_rps(scenarios)
    rows = [
        "| page | req/s | ratio to baseline | p50 (ms) | p95 (ms) | p99 (ms) | requests | targets |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for scenario in scenarios:
        r = scenario.result
        marks = verdicts(scenario, baseline)
        rows.append(
            f"| {scenario.name} | {r['rps']:.1f} | {r['rps'] / baseline:.0%} | {r['p50']:.0f} "
            f"| {r['p95']:.0f} | {r['p99']:.0f} | {r['requests']:,} "
            f"| {', '.join(marks) if marks else 'the yardstick'} |"
        )
    return rows


def cpu_table(scenarios: list[Scenario]) -> list[str]:
    rows = [
        "| page | gunicorn (per worker) | PostgreSQL | locust | other processes | idle "
        "| CPU probe before (ms) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for scenario in scenarios:
        cpu = scenario.result.get("cpu")
        if not cpu:
            continue
        workers = " + ".join(f"{w:.2f}" for w in cpu["workers"])
        rows.append(
            f"| {scenario.name} | {cpu['gunicorn']:.2f} ({workers}) | {cpu['postgres']:.2f} "
            f"| {cpu['locust']:.2f} | {cpu['other']:.2f} | {cpu['idle']:.2f} "
            f"| {scenario.result['probe_ms']:.0f} |"
        )
    return rows


def profile_table(profile: dict) -> list[str]:
    rows = [
        "| page | queries per request | time in SQL (ms) | request in-process (ms) | rest: Python, templates (ms) |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, page in profile.items():
        rows.append(
            f"| {name} | {page['queries']:.0f} | {page['sql_ms']:.1f} | {page['median_ms']:.1f} "
            f"| {page['median_ms'] - page['sql_ms']:.1f} |"
        )
    rows.append("")
    rows.append("The queries that take the most time, per request (grouped by shape):")
    rows.append("")
    for name, page in profile.items():
        if name == "baseline":
            continue
        rows.append(f"- **{name}**:")
        for query in page["top"][:3]:
            # The column list says little; what is read, and how, is in FROM and WHERE.
            sql = re.sub(r"^SELECT .*? FROM ", "SELECT ... FROM ", query["sql"], count=1)
            sql = sql if len(sql) <= 240 else sql[:237] + "..."
            rows.append(
                f"  - {query['per_request']:.0f}x, {query['ms_per_request']:.2f} ms: `{sql}`"
            )
    return rows


def step_page_steps() -> list[int]:
    for scenario in SCENARIOS:
        if scenario.user_class == "StepUser" and scenario.result:
            return [login["current_step"] for login in scenario.result["facts"].get("logins", [])]
    return []


def code_version() -> str:
    def git(*command: str) -> str:
        result = subprocess.run(  # noqa: S603
            ["git", *command],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        return result.stdout.strip() if result.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return "not a git checkout"
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return f"commit {commit}" + (" with uncommitted changes" if dirty else "")


def machine(args: argparse.Namespace) -> list[str]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next(
        (line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line),
        platform.processor() or "unknown",
    )
    meminfo = Path("/proc/meminfo").read_text()
    mem_kb = int(next(line.split()[1] for line in meminfo.splitlines() if "MemTotal" in line))
    import django

    extra = f"; extra server environment: `{' '.join(args.env)}`" if args.env else ""
    return [
        f"- CPU: {model}; {os.cpu_count()} logical cores (nproc {len(os.sched_getaffinity(0))})",
        f"- Memory: {mem_kb / 1024 / 1024:.1f} GiB; kernel {platform.release()}",
        f"- Python {platform.python_version()}, Django {django.__version__}, "
        f"PostgreSQL {server_version(args.database_url)} (on the same machine), "
        f"gunicorn {version('gunicorn')}, locust {version('locust')}",
        f"- Server: gunicorn, {args.workers} workers x {args.threads} threads (gthread), "
        f"production settings (DEBUG off, JSON logs at WARNING, static files from the manifest), "
        f"plain HTTP on 127.0.0.1{extra}",
        f"- Load: locust headless on the same machine, {args.users} users (closed loop, no "
        f"think time), {args.duration} s measured per page after sign-in and warm-up",
        f"- Data: {args.couples:,} couples, {args.rounds} check-in rounds and "
        f"{args.reflections} reflections each; the step page run's partners were on steps "
        f"{', '.join(str(step) for step in step_page_steps())}",
        f"- Code: {code_version()}",
    ]


def noise_warnings(scenarios: list[Scenario]) -> list[str]:
    warnings = []
    for scenario in scenarios:
        other = scenario.result.get("cpu", {}).get("other", 0.0)
        if other > NOISE_CORES:
            warnings.append(
                f"**Noisy run:** other processes on this machine used {other:.2f} cores while "
                f"{scenario.name} was measured; its numbers are lower than a quiet machine's."
            )
    baselines = [s.result["rps"] for s in scenarios if s.is_baseline and s.result]
    if len(baselines) > 1 and max(baselines) > (1 + SPEED_DRIFT) * min(baselines):
        warnings.append(
            "**The machine's speed changed during the run:** the baseline gave "
            + " and ".join(f"{rps:.0f}" for rps in baselines)
            + " requests per second, first and last; the ratios use the mean. Compare with care."
        )
    for scenario in scenarios:
        if scenario.user_class == "StepUser" and scenario.result:
            steps = [login["current_step"] for login in scenario.result["facts"].get("logins", [])]
            if len(steps) > 2 and set(steps) == {1}:
                warnings.append(
                    "**The step page run found no current step** on the couple home (every "
                    "user fell back to step 1): has the home page's wording changed? See "
                    "CURRENT_STEP in bench/locustfile.py."
                )
    probes = [s.result["probe_ms"] for s in scenarios if "probe_ms" in s.result]
    if probes and max(probes) > (1 + 2 * SPEED_DRIFT) * min(probes):  # the probe is short
        warnings.append(
            f"**The CPU probe varied** from {min(probes):.0f} to {max(probes):.0f} ms between "
            "pages: the cores were not equally fast for every page."
        )
    return warnings


def report(args: argparse.Namespace, seed_output: str, profile: dict) -> str:
    command = "make bench" + (
        f' BENCH_ARGS="{" ".join(sys.argv[1:])}"' if len(sys.argv) > 1 else ""
    )
    baseline = baseline_rps(SCENARIOS)
    lines = [
        START_MARK,
        f"Run on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `{command}`.",
        "",
        *results_table(SCENARIOS),
        "",
        f"Baseline: {baseline:.1f} requests per second (the mean of its two runs). Targets: "
        f"couple home and step page "
        f"at >= {RATIO_TARGET:.0%} of it; p95 under {P95_TARGET_MS:.0f} ms for the app's pages.",
        "",
        *[f"{warning}\n" for warning in noise_warnings(SCENARIOS)],
        "Machine:",
        "",
        *machine(args),
        "",
        "Cores used during each measured window (1.00 = one core busy the whole time):",
        "",
        *cpu_table(SCENARIOS),
        "",
        "Each page once at a time, in-process, with no load (bench/queries.py, median of "
        f"{next(iter(profile.values()))['requests']} requests over a few couples):",
        "",
        *profile_table(profile),
        "",
        "Seeding (`manage.py seed_bench`):",
        "",
        "```",
        seed_output.strip(),
        "```",
        END_MARK,
    ]
    return "\n".join(lines) + "\n"


def write_docs(block: str) -> None:
    text = DOCS.read_text() if DOCS.exists() else "# Benchmarks\n\n"
    if START_MARK in text and END_MARK in text:
        head, rest = text.split(START_MARK, 1)
        _, tail = rest.split(END_MARK, 1)
        text = head + block.rstrip("\n") + tail
    else:
        text = text.rstrip("\n") + "\n\n## Latest results\n\n" + block
    DOCS.write_text(text)


def main() -> None:
    args = parse_args()
    started = time.monotonic()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="trustapp-bench-") as tmp:
        workdir = Path(tmp)
        env = bench_env(args, port, workdir / "static")
        if args.scale:
            import scale  # bench/scale.py, beside this file

            scale.main(args, env, started)
            return
        ensure_database(args.database_url)
        log("migrating")
        manage(env, "migrate", "--no-input")
        manage(env, "createcachetable")
        seed = ["seed_bench", "--i-know-this-is-not-production"]
        seed += ["--couples", str(args.couples), "--rounds", str(args.rounds)]
        seed += ["--reflections", str(args.reflections)]
        if not args.reseed:
            seed.append("--if-needed")
        # What a mixed run wrote (if one was stopped before it could clean up) goes first, so
        # the seeded data is found whole.
        log(f"bench/mixdata.py reset: {bench_script(env, 'reset').strip()}")
        log(" ".join(seed))
        seed_output = manage(env, *seed, timeout=3600)
        print(seed_output, end="", flush=True)
        log("collecting static files")
        manage(env, "collectstatic", "--no-input", "--verbosity", "0")
        if args.mix or args.cold_paths:
            import mix  # bench/mix.py, beside this file

            mix.main(args, env, workdir, seed_output, started)
            return

        server = start_gunicorn(args, env, port, workdir / "gunicorn.log")
        try:
            for index, scenario in enumerate(SCENARIOS):
                for attempt in range(1 + args.noisy_retries):
                    run_locust(args, scenario, index, server, port, workdir)
                    other = scenario.result["cpu"].get("other", 0.0)
                    if other <= NOISE_CORES or attempt == args.noisy_retries:
                        break
                    log(f"{scenario.name}: other processes used {other:.2f} cores; again")
            wait_for_quiet(args.quiet_wait)
            log("profiling each page's queries in-process")
            profile = profile_pages({**env, "BENCH_ROUNDS": str(args.rounds)}, timeout=600)
        finally:
            stop(server)
        # The security log's sign-ins (each run's users) are INFO, whatever LOG_LEVEL says.
        errors = [
            line
            for line in (workdir / "gunicorn.log").read_text().splitlines()
            if line and '"level": "INFO"' not in line
        ]

    print()
    print("\n".join(results_table(SCENARIOS)))
    print()
    print("\n".join(cpu_table(SCENARIOS)))
    for warning in noise_warnings(SCENARIOS):
        print(warning.replace("**", ""))
    print()
    print("\n".join(profile_table(profile)))
    if errors:
        print(f"\ngunicorn logged {len(errors)} lines; the last ones:")
        print("\n".join(errors[-10:]))
    if not args.no_write:
        write_docs(report(args, seed_output, profile))
        log(f"wrote {DOCS.relative_to(ROOT)}")
    log(f"done in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
