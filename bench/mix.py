"""The mixed run and the on/off comparison of the speed mechanisms (docs/benchmarks.md, "How the
mixed run works"). bench/run.py seeds, parses the options and calls main(); this file runs only
under it.

  --mix                  MixUser (bench/locustfile.py) at each of --mix-levels open partner
                         pages, each level on a fresh server, until a level's p95 of some
                         endpoint passes --mix-p95 (or a request fails): the last level that
                         held is what two cores hold.
  --compare-mechanisms   the mix at --compare-users open pages with all three mechanisms on,
                         each off alone, and all off (KEPT_PAGES, SHARED_READS,
                         PREPARED_QUERIES), --repeat times each, interleaved; then the cold
                         paths, closed loop at 8 clients, as ratios to the bare baseline view.
"""

import argparse
import csv
import json
import math
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import run as base  # bench/run.py

ROOT = base.ROOT
SWITCHES = ("KEPT_PAGES", "SHARED_READS", "PREPARED_QUERIES")
ALL_ON = dict.fromkeys(SWITCHES, "1")  # explicit: a switch set in the shell must not leak in
CONFIGS: list[tuple[str, dict[str, str]]] = [
    ("all on", ALL_ON),
    ("kept pages off", {**ALL_ON, "KEPT_PAGES": "0"}),
    ("shared reads off", {**ALL_ON, "SHARED_READS": "0"}),
    ("prepared queries off", {**ALL_ON, "PREPARED_QUERIES": "0"}),
    ("all off", dict.fromkeys(SWITCHES, "0")),
]
# "Drawn fresh", as after any change to the couple: no kept page and no remembered read. The
# prepared queries stay on (their SQL does not depend on the data), and so do the fragments
# (the trust chart changes only with a reveal).
FRESH = {**ALL_ON, "KEPT_PAGES": "0", "SHARED_READS": "0"}
GAIN_TO_KEEP = 0.20  # the issue: a mechanism stays only if it gains at least this on the mix
MIN_SAMPLES = 20  # an endpoint's p95 from fewer requests than this is not judged
STAGGER = 15  # seconds over which the mix's users arrive (bench/locustfile.py STAGGER)
MIX_START = "<!-- bench:mix:start (written by bench/mix.py --mix; edits here are replaced) -->"
MIX_END = "<!-- bench:mix:end -->"
COMPARE_START = (
    "<!-- bench:compare:start (written by bench/mix.py --compare-mechanisms; edits here are "
    "replaced) -->"
)
COMPARE_END = "<!-- bench:compare:end -->"

log = base.log


# One mixed run.


def make_plan(args: argparse.Namespace, env: dict[str, str], users: int, workdir: Path):  # type: ignore[no-untyped-def]
    out = workdir / f"plan-{users}.json"
    command = ["plan", str(users), str(out), "--couples", str(args.couples)]
    command += ["--rounds", str(args.rounds), "--pairs", str(args.mix_pairs)]
    if args.mix_step6 is not None:
        command += ["--step6", str(args.mix_step6)]
    facts = json.loads(base.bench_script(env, *command).strip().splitlines()[-1])
    log(
        f"plan: {facts['users']} partners of {facts['couples']} couples signed in "
        f"({facts['paired']} with their partner simulated too, {facts['on_step_6']} on step 6)"
    )
    return out, facts


def serve(  # type: ignore[no-untyped-def]
    args: argparse.Namespace,
    env: dict[str, str],
    workdir: Path,
    switches: dict,
    tag: str,
    *,
    count: bool = False,
):
    """gunicorn with `switches` in its environment; with `count`, its kept pages and shared
    reads count what they find (bench/counting.py, read by `cache_counts(workdir, tag)`)."""
    port = base.free_port()
    server_env = {**env, "SITE_URL": f"http://127.0.0.1:{port}", **switches}
    if count:
        server_env["BENCH_CACHE_COUNTS"] = str(workdir / f"counts-{tag}")
    if off := switched_off(switches):
        log(f"server switches: {off}")
    return base.start_gunicorn(args, server_env, port, workdir / f"gunicorn-{tag}.log"), port


def switched_off(switches: dict[str, str]) -> str:
    return " ".join(f"{k}={v}" for k, v in switches.items() if v == "0")


def cache_counts(workdir: Path, tag: str) -> dict[str, float]:
    """How often each counted cache found what it was asked for, over the server's life (the
    warm-up included), summed over its workers: {"kept pages": share, ...}."""
    totals: dict[str, int] = {}
    for found in (workdir / f"counts-{tag}").glob("*.json"):
        for key, count in json.loads(found.read_text()).items():
            totals[key] = totals.get(key, 0) + count
    shares = {}
    for label, location in (
        ("kept pages", "trustapp-page-shells"),
        ("shared reads", "trustapp-shared-reads"),
    ):
        hits, misses = totals.get(f"{location} hit", 0), totals.get(f"{location} miss", 0)
        shares[label] = hits / (hits + misses) if hits + misses else float("nan")
        shares[f"{label} lookups"] = hits + misses
    return shares


def read_all_stats(prefix: Path) -> dict[str, dict]:
    def number(text: str) -> float:
        return float(text) if text not in ("", "N/A") else float("nan")

    rows = {}
    with Path(f"{prefix}_stats.csv").open() as stats:
        for row in csv.DictReader(stats):
            rows[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": number(row["Requests/s"]),
                "p50": number(row["50%"]),
                "p95": number(row["95%"]),
                "p99": number(row["99%"]),
            }
    return rows


def run_mix(
    args: argparse.Namespace,
    server: subprocess.Popen,
    port: int,
    workdir: Path,
    users: int,
    plan: Path,
    tag: str,
) -> dict:
    prefix = workdir / tag
    facts_file = workdir / f"{tag}.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        BENCH_USERS=str(users),
        BENCH_DURATION=str(args.mix_duration),
        BENCH_WARMUP=str(args.mix_warmup),
        BENCH_MIX_PLAN=str(plan),
        BENCH_MIX_AWAY=args.mix_away,
        BENCH_RESULT_FILE=str(facts_file),
    )
    spawn_rate = min(users, 100)  # locust warns above 100 a second
    limit = users / spawn_rate + STAGGER + args.mix_warmup + args.mix_duration + 180
    command = [
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
        "--run-time",  # a hard stop only: the locustfile stops the run itself
        f"{limit:.0f}s",
        "--stop-timeout",
        "5",
        "--host",
        f"http://127.0.0.1:{port}",
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        "MixUser",
    ]
    busy_before = base.wait_for_quiet(args.quiet_wait)
    probe = base.cpu_probe()
    log(f"mix: {users} open partner pages, {args.mix_duration} s after {args.mix_warmup} s warm-up")
    before, after = base.watch_locust(
        command, env, workdir / f"{tag}.log", facts_file, server, limit=limit + 60
    )
    facts = json.loads(facts_file.read_text()) if facts_file.exists() else {}
    rows = read_all_stats(prefix)
    total = rows.pop("Aggregated")
    problems = problems_in(prefix)
    for problem in problems:
        log(f"mix: {problem}")
    cpu = base.cpu_share(before, after)
    polls = sum(r["requests"] for name, r in rows.items() if name.startswith("poll "))
    samples = facts.get("mix", {}).get("samples", [])
    result = {
        "users": users,
        "endpoints": rows,
        "total": total,
        "poll_share": polls / total["requests"] if total["requests"] else 0.0,
        "polling_pages": statistics.mean(s[1] for s in samples) if samples else 0.0,
        "open_pages": statistics.mean(s[0] for s in samples) if samples else 0.0,
        "counts": {k: v for k, v in facts.get("mix", {}).items() if k != "samples"},
        "cpu": cpu,
        "probe_ms": probe,
        "busy_before": busy_before,
        "problems": problems,
    }
    if cpu and total["rps"]:
        result["cpu_ms"] = 1000 * cpu["gunicorn"] / total["rps"]
        result["pg_ms"] = 1000 * cpu["postgres"] / total["rps"]
    result["held"], result["why"] = holds(result, args.mix_p95)
    log(f"mix: {summary(result)}")
    return result


def problems_in(prefix: Path) -> list[str]:
    """What locust counted as failed requests, and the errors raised in the users' own code
    (which fail no request, so they are not in the statistics)."""
    found = []
    for kind, columns in (("failures", ("Name", "Error", "Occurrences")), ("exceptions", ())):
        path = Path(f"{prefix}_{kind}.csv")
        if not path.exists():
            continue
        with path.open() as rows:
            for row in csv.DictReader(rows):
                if kind == "failures":
                    name, error, count = (row[c] for c in columns)
                    found.append(f"failed {count}x: {name}: {error}")
                else:
                    found.append(f"raised {row['Count']}x in locust: {row['Message']}")
    return found


def holds(result: dict, p95_limit: float) -> tuple[bool, str]:
    if result["total"]["failures"]:
        return False, f"{result['total']['failures']} requests failed"
    if result["problems"]:
        return False, f"{len(result['problems'])} kinds of error in locust"
    slow = [
        f"{name} p95 {r['p95']:.0f} ms"
        for name, r in result["endpoints"].items()
        if r["requests"] >= MIN_SAMPLES and r["p95"] >= p95_limit
    ]
    if slow:
        return False, "; ".join(slow)
    return True, f"every endpoint's p95 < {p95_limit:.0f} ms"


def summary(result: dict) -> str:
    total = result["total"]
    return (
        f"{result['users']} pages: {total['rps']:.1f} req/s, p95 {total['p95']:.0f} ms, "
        f"{result['poll_share']:.0%} polls, {total['failures']} failed; "
        f"{'held' if result['held'] else 'did not hold'} ({result['why']})"
    )


# The step-up.


def reset(env: dict[str, str]) -> None:
    log(f"bench/mixdata.py reset: {base.bench_script(env, 'reset').strip()}")


def step_up(args: argparse.Namespace, env: dict[str, str], workdir: Path) -> list[dict]:
    results = []
    for number, users in enumerate(args.mix_levels):
        if users > 2 * args.couples:
            log(f"mix: {users} open pages need more than {args.couples} couples; stopping")
            break
        reset(env)
        plan, plan_facts = make_plan(args, env, users, workdir)
        server, port = serve(args, env, workdir, {}, f"mix{number}", count=True)
        try:
            result = run_mix(args, server, port, workdir, users, plan, f"mix{number}")
        finally:
            base.stop(server)
        result["plan"] = plan_facts
        result["found"] = cache_counts(workdir, f"mix{number}")
        results.append(result)
        if not result["held"]:
            break
    reset(env)
    return results


# The comparison.


def compare(args: argparse.Namespace, env: dict[str, str], workdir: Path) -> dict:
    users = args.compare_users
    plan, plan_facts = make_plan(args, env, users, workdir)
    runs: dict[str, list[dict]] = {name: [] for name, _ in CONFIGS}
    number = 0
    for repeat in range(args.repeat):
        # Interleaved, and each round starts one configuration later, so that a machine
        # getting slower or faster during the run moves every configuration alike.
        shift = repeat % len(CONFIGS)
        for name, switches in CONFIGS[shift:] + CONFIGS[:shift]:
            log(f"compare: {name}, run {repeat + 1} of {args.repeat}")
            reset(env)
            server, port = serve(args, env, workdir, switches, f"cmp{number}", count=True)
            try:
                result = run_mix(args, server, port, workdir, users, plan, f"cmp{number}")
            finally:
                base.stop(server)
            result["order"] = number
            result["found"] = cache_counts(workdir, f"cmp{number}")
            runs[name].append(result)
            number += 1
    reset(env)
    return {
        "users": users,
        "plan": plan_facts,
        "runs": runs,
        "cold": cold_paths(args, env, workdir),
    }


def cold_scenarios() -> list[tuple[dict[str, str], base.Scenario]]:
    scenario = base.Scenario
    return [
        (ALL_ON, scenario("baseline", "BaselineUser", None, None)),
        (
            ALL_ON,
            scenario(
                "poll check-in state, nothing changed (204)",
                "CheckInPollUser",
                0.8,
                None,
                "poll check-in state",
            ),
        ),
        (
            ALL_ON,
            scenario(
                "poll ledger status, nothing changed",
                "LedgerPollUser",
                0.8,
                None,
                "poll ledger status",
            ),
        ),
        (ALL_ON, scenario("submit check-in", "CheckInUser", 0.3, 50.0)),
        (
            FRESH,
            scenario(
                "poll check-in state, nothing changed (204), no shared reads",
                "CheckInPollUser",
                0.8,
                None,
                "poll check-in state",
            ),
        ),
        (FRESH, scenario("step page, drawn fresh", "StepUser", 0.4, None, "step page")),
        (FRESH, scenario("couple home, drawn fresh", "HomeUser", 0.4, None, "couple home")),
        (FRESH, scenario("baseline, again", "BaselineUser", None, None, "baseline")),
    ]


def cold_paths(args: argparse.Namespace, env: dict[str, str], workdir: Path) -> list:
    """Each cold path closed loop at 8 clients, as the single-page runs measure a page, on a
    server with every mechanism on and then on one drawing every page fresh (FRESH)."""
    closed = argparse.Namespace(**{**vars(args), "users": 8})
    done = []
    server = None
    switches_now: dict | None = None
    try:
        for index, (switches, scenario) in enumerate(cold_scenarios()):  # grouped by server
            if switches != switches_now:
                base.stop(server)
                server, port = serve(args, env, workdir, switches, f"cold{index}")
                switches_now = switches
            for attempt in range(1 + args.noisy_retries):
                base.run_locust(closed, scenario, index, server, port, workdir)
                other = scenario.result["cpu"].get("other", 0.0)
                if other <= base.NOISE_CORES or attempt == args.noisy_retries:
                    break
                log(f"{scenario.name}: other processes used {other:.2f} cores; again")
            done.append((switches, scenario))
    finally:
        base.stop(server)
    reset(env)
    return done


# The report.


def fmt(value: float, digits: int = 0) -> str:
    return "n/a" if value != value else f"{value:,.{digits}f}"  # NaN: no requests


def cores(cpu: dict) -> str:
    if not cpu:
        return "n/a"
    return (
        f"{cpu['gunicorn']:.2f} / {cpu['postgres']:.2f} / {cpu['locust']:.2f} / {cpu['other']:.2f}"
    )


def endpoint_table(result: dict) -> list[str]:
    total = result["total"]["requests"]
    rows = [
        "| endpoint | requests | share | req/s | p50 (ms) | p95 (ms) | p99 (ms) | failed |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    ordered = sorted(result["endpoints"].items(), key=lambda item: -item[1]["requests"])
    for name, r in [*ordered, ("all requests", result["total"])]:
        rows.append(
            f"| {name} | {r['requests']:,} | {r['requests'] / total:.0%} | {fmt(r['rps'], 1)} "
            f"| {fmt(r['p50'])} | {fmt(r['p95'])} | {fmt(r['p99'])} | {r['failures']} |"
        )
    return rows


def found(result: dict) -> str:
    shares = result.get("found", {})

    def share(label: str) -> str:
        value = shares.get(label, float("nan"))
        return "n/a" if value != value else f"{value:.0%}"

    return f"{share('kept pages')} / {share('shared reads')}"


def median_found(results: list[dict]) -> dict:
    """The median share found of each counted cache over several runs, as one result."""
    shares = {}
    for label in ("kept pages", "shared reads"):
        values = [r.get("found", {}).get(label, math.nan) for r in results]
        values = [v for v in values if not math.isnan(v)]
        shares[label] = statistics.median(values) if values else math.nan
    return {"found": shares}


def step_up_report(args: argparse.Namespace, results: list[dict]) -> list[str]:
    rows = [
        "| open pages | couples (users with their partner simulated) | pages polling (mean) "
        "| req/s | polls | p95 all (ms) | slowest endpoint p95 (ms) | failed "
        "| gunicorn CPU per request (ms) | cores: gunicorn / PostgreSQL / locust / other "
        "| found kept / remembered | held |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |",
    ]
    for r in results:
        judged = [e for e in r["endpoints"].values() if e["requests"] >= MIN_SAMPLES]
        slowest = max((e["p95"] for e in judged), default=float("nan"))
        rows.append(
            f"| {r['users']:,} | {r['plan']['couples']:,} ({r['plan']['paired']:,}) "
            f"| {r['polling_pages']:.0f} | {r['total']['rps']:.1f} | {r['poll_share']:.0%} "
            f"| {fmt(r['total']['p95'])} | {fmt(slowest)} | {r['total']['failures']} "
            f"| {fmt(r.get('cpu_ms', float('nan')), 2)} | {cores(r['cpu'])} | {found(r)} "
            f"| {'yes' if r['held'] else 'no: ' + r['why']} |"
        )
    held = [r for r in results if r["held"]]
    lines = [*rows, ""]
    if held:
        best = held[-1]
        more = "" if len(held) < len(results) else " (the largest level tried)"
        lines += [
            f"**Held: {best['users']:,} open partner pages{more}**, of which "
            f"{best['polling_pages']:.0f} were polling on average, at "
            f"**{best['total']['rps']:.1f} requests per second** with every endpoint's p95 "
            f"under {args.mix_p95:.0f} ms; {best['poll_share']:.0%} of the requests were polls.",
            "",
            counts_line(best),
            "",
            f"Each endpoint at {best['users']:,} open pages:",
            "",
            *endpoint_table(best),
        ]
    else:
        lines.append(f"**No level held** (p95 under {args.mix_p95:.0f} ms, no failures).")
    failed = [r for r in results if not r["held"]]
    if failed:
        lines += [
            "",
            f"Each endpoint at {failed[-1]['users']:,} open pages, which did not hold:",
            "",
        ]
        lines += endpoint_table(failed[-1])
    return lines


def counts_line(result: dict) -> str:
    counts = result["counts"]
    return (
        f"In the measured window: {counts.get('visits', 0):,} visits began, "
        f"{counts.get('check_ins', 0):,} check-ins, {counts.get('reveals_seen', 0):,} reveals "
        f"seen by a polling partner, {counts.get('reflections', 0):,} reflections and "
        f"{counts.get('questions', 0):,} questions written."
    )


def spread(values: list[float], digits: int = 0) -> str:
    if not values:
        return "n/a"
    return " / ".join(fmt(v, digits) for v in (min(values), statistics.median(values), max(values)))


def compare_report(args: argparse.Namespace, outcome: dict) -> list[str]:
    runs = outcome["runs"]

    def median(name: str, key) -> float:  # type: ignore[no-untyped-def]
        values = [key(r) for r in runs[name] if key(r) == key(r)]
        return statistics.median(values) if values else float("nan")

    def rps(r: dict) -> float:
        return r["total"]["rps"]

    def p95(r: dict) -> float:
        return r["total"]["p95"]

    def cpu_ms(r: dict) -> float:
        return r.get("cpu_ms", float("nan"))

    on = {key: median("all on", key) for key in (rps, p95, cpu_ms)}
    rows = [
        "| configuration | req/s (min / median / max) | p95 ms (min / median / max) "
        "| gunicorn CPU per request, ms (min / median / max) | req/s vs all on | p95 vs all on "
        "| CPU per request vs all on | found kept / remembered | failed |",
        "| --- | --- | --- | --- | ---: | ---: | ---: | --- | ---: |",
    ]
    for name, _ in CONFIGS:
        results = runs[name]
        rows.append(
            f"| {name} | {spread([rps(r) for r in results], 1)} "
            f"| {spread([p95(r) for r in results])} | {spread([cpu_ms(r) for r in results], 2)} "
            f"| {median(name, rps) / on[rps]:.2f} | {median(name, p95) / on[p95]:.2f} "
            f"| {median(name, cpu_ms) / on[cpu_ms]:.2f} | {found(median_found(results))} "
            f"| {sum(r['total']['failures'] + len(r['problems']) for r in results)} |"
        )
    lines = [*rows, ""]
    lines.append(
        "What each mechanism gains on the mix: the server CPU per request with it off, over "
        f"all on (medians). The issue keeps a mechanism only if it gains at least "
        f"{GAIN_TO_KEEP:.0%}."
    )
    lines.append("")
    for name, mechanism in (
        ("kept pages off", "kept pages (`trustapp/shells.py`)"),
        ("shared reads off", "shared reads (`CoupleReads`)"),
        ("prepared queries off", "prepared queries (`trustapp/prepared.py`)"),
        ("all off", "all three together"),
    ):
        gain = median(name, cpu_ms) / on[cpu_ms] - 1
        verdict = "gains enough to keep" if gain >= GAIN_TO_KEEP else "gains less than that"
        lines.append(
            f"- {mechanism}: {gain:+.0%} CPU per request without it; p95 "
            f"{median(name, p95):.0f} ms against {on[p95]:.0f} ms: {verdict}."
        )
    names = sorted(
        {n for results in runs.values() for r in results for n in r["endpoints"]},
        key=lambda n: -sum(r["endpoints"].get(n, {}).get("requests", 0) for r in runs["all on"]),
    )
    lines += [
        "",
        "p95 (ms) of each endpoint, median of the runs:",
        "",
        "| endpoint | " + " | ".join(name for name, _ in CONFIGS) + " |",
        "| --- |" + " ---: |" * len(CONFIGS),
    ]
    for endpoint in names:
        cells = []
        for name, _ in CONFIGS:
            values = [
                r["endpoints"][endpoint]["p95"]
                for r in runs[name]
                if endpoint in r["endpoints"] and r["endpoints"][endpoint]["requests"]
            ]
            cells.append(fmt(statistics.median(values)) if values else "n/a")
        lines.append(f"| {endpoint} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Cores during each run (gunicorn / PostgreSQL / locust / other), in run order:",
        "",
    ]
    order = sorted(
        ((r["order"], name, r) for name, results in runs.items() for r in results),
        key=lambda item: item[0],
    )
    lines += [f"{n + 1}. {name}: {cores(r['cpu'])}" for n, (_, name, r) in enumerate(order)]
    return lines


def cold_report(done: list) -> list[str]:
    scenarios = [scenario for _, scenario in done]
    baseline = base.baseline_rps(scenarios)
    rows = [
        "| path | server | req/s | ratio to baseline | p50 (ms) | p95 (ms) | p99 (ms) "
        "| requests | target |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for switches, scenario in done:
        r = scenario.result
        server = switched_off(switches) or "all on"
        marks = base.verdicts(scenario, baseline)
        rows.append(
            f"| {scenario.name} | {server} | {r['rps']:.1f} | {r['rps'] / baseline:.0%} "
            f"| {r['p50']:.0f} | {r['p95']:.0f} | {r['p99']:.0f} | {r['requests']:,} "
            f"| {', '.join(marks) if marks else 'the yardstick'} |"
        )
    return [
        *rows,
        "",
        f"Baseline: {baseline:.1f} requests per second (the mean of its two runs). Targets "
        "(issue 16): each poll's nothing-changed answer >= 80% of it; the step page and the "
        "couple home drawn fresh >= 40%; the check-in answer >= 30% with p95 < 50 ms at 8 clients.",
        "",
        "Cores during each (gunicorn / PostgreSQL / locust / other):",
        "",
        *[f"- {s.name}: {cores(s.result.get('cpu', {}))}" for s in scenarios],
    ]


def machine_lines(args: argparse.Namespace, load: str) -> list[str]:
    lines = base.machine(args)
    # The single-page runs' load line and step list do not describe this run.
    lines = [line for line in lines if not line.startswith(("- Load:", "- Data:"))]
    lines.insert(
        -1,
        f"- Load: {load}; locust headless on the same machine",
    )
    lines.insert(
        -1,
        f"- Data: {args.couples:,} couples, {args.rounds} check-in rounds and "
        f"{args.reflections} reflections each",
    )
    return lines


def mix_load(args: argparse.Namespace) -> str:
    return (
        f"MixUser (bench/locustfile.py): think time 3-4 s, step page open {args.mix_away} s "
        f"after checking in, {args.mix_pairs:.0%} of users with their partner simulated too, "
        f"{args.mix_warmup} s warm-up and {args.mix_duration} s measured per run, a fresh "
        "server and the same data for each run"
    )


def command_line() -> str:
    return "make bench" + (f' BENCH_ARGS="{" ".join(sys.argv[1:])}"' if len(sys.argv) > 1 else "")


def write_block(start: str, end: str, heading: str, block: list[str]) -> None:
    text = base.DOCS.read_text()
    body = "\n".join([start, *block, end])
    if start in text and end in text:
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        text = head + body + tail
    else:
        text = text.rstrip("\n") + f"\n\n## {heading}\n\n" + body + "\n"
    base.DOCS.write_text(text)


def noise_lines(results: list[dict]) -> list[str]:
    noisy = [r for r in results if r["cpu"] and r["cpu"]["other"] > base.NOISE_CORES]
    if not noisy:
        return []
    worst = max(r["cpu"]["other"] for r in noisy)
    return [
        f"**Noisy:** other processes used more than {base.NOISE_CORES} cores during "
        f"{len(noisy)} of {len(results)} runs (up to {worst:.2f}); those numbers are lower than "
        "a quiet machine's.",
        "",
    ]


def main(
    args: argparse.Namespace, env: dict[str, str], workdir: Path, seed_output: str, started: float
) -> None:
    log(f"bench/mixdata.py mark: {base.bench_script(env, 'mark').strip()}")
    stamp = f"Run on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `{command_line()}`."
    if args.mix:
        results = step_up(args, env, workdir)
        lines = [
            stamp,
            "",
            *noise_lines(results),
            *step_up_report(args, results),
            "",
            "Machine:",
            "",
            *machine_lines(args, mix_load(args)),
            "",
            f"Seeding: {seed_output.strip().splitlines()[-1] if seed_output.strip() else ''}",
        ]
        start, end, heading = MIX_START, MIX_END, "Latest mixed run"
    else:
        outcome = compare(args, env, workdir)
        all_runs = [r for results in outcome["runs"].values() for r in results]
        lines = [
            stamp,
            "",
            f"The mix at {outcome['users']:,} open partner pages "
            f"({outcome['plan']['couples']:,} couples), {args.repeat} runs of each "
            "configuration, interleaved:",
            "",
            *noise_lines(all_runs),
            *compare_report(args, outcome),
            "",
            "The cold paths, closed loop at 8 clients (no think time), as the single-page runs:",
            "",
            *cold_report(outcome["cold"]),
            "",
            "Machine:",
            "",
            *machine_lines(args, mix_load(args)),
            "",
            f"Seeding: {seed_output.strip().splitlines()[-1] if seed_output.strip() else ''}",
        ]
        start, end, heading = COMPARE_START, COMPARE_END, "Latest on/off comparison"
    # The security log's sign-ins (the cold paths' users) are INFO, whatever LOG_LEVEL says.
    errors = [
        line
        for log_file in sorted(workdir.glob("gunicorn-*.log"))
        for line in log_file.read_text().splitlines()
        if line and '"level": "INFO"' not in line
    ]
    print()
    print("\n".join(lines))
    if errors:
        print(f"\ngunicorn logged {len(errors)} lines; the last ones:")
        print("\n".join(errors[-10:]))
    if not args.no_write:
        write_block(start, end, heading, lines)
        log(f"wrote {base.DOCS.relative_to(ROOT)}")
    log(f"done in {time.monotonic() - started:.0f} s")
