"""The mixed run and the cold paths (docs/benchmarks.md, "How the mixed run works").
bench/run.py seeds, parses the options and calls main(); this file runs only under it.

  --mix          MixUser (bench/locustfile.py) at each of --mix-levels open partner pages, each
                 level on a fresh server, until a level's p95 of some endpoint passes --mix-p95
                 (or a request fails): the last level that held is what two cores hold.
  --cold-paths   closed loop at 8 clients, each path in turn on a fresh server, --repeat rounds:
                 the baseline, each poll's "nothing changed" answer (204), the check-in answer,
                 the step page and the couple home, and the baseline again; each as a ratio to
                 the mean of its round's two baselines.
"""

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import run as base  # bench/run.py

ROOT = base.ROOT
MIN_SAMPLES = 20  # an endpoint's p95 from fewer requests than this is not judged
STAGGER = 15  # seconds over which the mix's users arrive (bench/locustfile.py STAGGER)
MIX_START = "<!-- bench:mix:start (written by bench/mix.py --mix; edits here are replaced) -->"
MIX_END = "<!-- bench:mix:end -->"
COLD_START = (
    "<!-- bench:cold:start (written by bench/mix.py --cold-paths; edits here are replaced) -->"
)
COLD_END = "<!-- bench:cold:end -->"
COLD_CLIENTS = 8  # the targets are for 8 clients

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


def serve(args: argparse.Namespace, env: dict[str, str], workdir: Path, tag: str):  # type: ignore[no-untyped-def]
    """A fresh gunicorn on a free port."""
    port = base.free_port()
    server_env = {**env, "SITE_URL": f"http://127.0.0.1:{port}"}
    return base.start_gunicorn(args, server_env, port, workdir / f"gunicorn-{tag}.log"), port


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
    command = base.locust_command(
        users=users,
        spawn_rate=spawn_rate,
        run_time=limit,
        port=port,
        prefix=prefix,
        user_class="MixUser",
    )
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
        server, port = serve(args, env, workdir, f"mix{number}")
        try:
            result = run_mix(args, server, port, workdir, users, plan, f"mix{number}")
        finally:
            base.stop(server)
        result["plan"] = plan_facts
        results.append(result)
        if not result["held"]:
            break
    reset(env)
    return results


# The cold paths.


def cold_scenarios() -> list[base.Scenario]:
    """One round of the cold paths, with the issue's targets (ratio to the baseline, p95)."""
    scenario = base.Scenario
    return [
        scenario("baseline", "BaselineUser", None, None),
        scenario(
            "poll check-in state, nothing changed (204)",
            "CheckInPollUser",
            0.8,
            None,
            "poll check-in state",
        ),
        scenario(
            "poll ledger status, nothing changed (204)",
            "LedgerPollUser",
            0.8,
            None,
            "poll ledger status",
        ),
        scenario("submit check-in", "CheckInUser", 0.3, 50.0),
        scenario("step page, drawn fresh", "StepUser", 0.4, None, "step page"),
        scenario("couple home, drawn fresh", "HomeUser", 0.4, None, "couple home"),
        scenario("baseline, again", "BaselineUser", None, None, "baseline"),
    ]


def cold_paths(
    args: argparse.Namespace, env: dict[str, str], workdir: Path
) -> list[list[base.Scenario]]:
    """--repeat rounds of the cold paths, each on a fresh server and from the same data, each
    path measured as the single-page runs measure a page."""
    closed = argparse.Namespace(**{**vars(args), "users": COLD_CLIENTS})
    rounds = []
    for number in range(args.repeat):
        log(f"cold paths: round {number + 1} of {args.repeat}")
        reset(env)
        server, port = serve(args, env, workdir, f"cold{number}")
        scenarios = cold_scenarios()
        try:
            for index, scenario in enumerate(scenarios):
                for attempt in range(1 + args.noisy_retries):
                    base.run_locust(closed, scenario, index, server, port, workdir)
                    other = scenario.result["cpu"].get("other", 0.0)
                    if other <= base.NOISE_CORES or attempt == args.noisy_retries:
                        break
                    log(f"{scenario.name}: other processes used {other:.2f} cores; again")
        finally:
            base.stop(server)
        rounds.append(scenarios)
    reset(env)
    return rounds


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


def step_up_report(args: argparse.Namespace, results: list[dict]) -> list[str]:
    rows = [
        "| open pages | couples (users with their partner simulated) | pages polling (mean) "
        "| req/s | polls | p95 all (ms) | slowest endpoint p95 (ms) | failed "
        "| gunicorn CPU per request (ms) | cores: gunicorn / PostgreSQL / locust / other "
        "| held |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for r in results:
        judged = [e for e in r["endpoints"].values() if e["requests"] >= MIN_SAMPLES]
        slowest = max((e["p95"] for e in judged), default=float("nan"))
        rows.append(
            f"| {r['users']:,} | {r['plan']['couples']:,} ({r['plan']['paired']:,}) "
            f"| {r['polling_pages']:.0f} | {r['total']['rps']:.1f} | {r['poll_share']:.0%} "
            f"| {fmt(r['total']['p95'])} | {fmt(slowest)} | {r['total']['failures']} "
            f"| {fmt(r.get('cpu_ms', float('nan')), 2)} | {cores(r['cpu'])} "
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


def cold_report(rounds: list[list[base.Scenario]]) -> list[str]:
    """Each path over the rounds (min / median / max), its ratio to its own round's baseline,
    and the targets judged on the medians."""
    baselines = [base.baseline_rps(scenarios) for scenarios in rounds]
    rows = [
        "| path | req/s | ratio to baseline | p50 (ms, median) | p95 (ms) | p99 (ms, median) "
        "| requests | failed | target (medians) |",
        "| --- | --- | --- | ---: | --- | ---: | ---: | ---: | --- |",
    ]
    for index, first in enumerate(rounds[0]):
        results = [scenarios[index].result for scenarios in rounds]
        ratios = [r["rps"] / baseline for r, baseline in zip(results, baselines, strict=True)]
        p95 = statistics.median(r["p95"] for r in results)
        failed = sum(r["failures"] for r in results)
        marks = []
        if first.ratio_target is not None:
            ok = statistics.median(ratios) >= first.ratio_target
            marks.append(f"{'PASS' if ok else 'MISS'} ratio >= {first.ratio_target:.0%}")
        if first.p95_target_ms is not None:
            ok = p95 < first.p95_target_ms
            marks.append(f"{'PASS' if ok else 'MISS'} p95 < {first.p95_target_ms:.0f} ms")
        if failed:
            marks.append(f"MISS {failed} failed requests")
        rows.append(
            f"| {first.name} | {spread([r['rps'] for r in results], 1)} "
            f"| {' / '.join(f'{v:.0%}' for v in (min(ratios), statistics.median(ratios), max(ratios)))} "
            f"| {statistics.median(r['p50'] for r in results):.0f} "
            f"| {spread([r['p95'] for r in results])} "
            f"| {statistics.median(r['p99'] for r in results):.0f} "
            f"| {sum(r['requests'] for r in results):,} | {failed} "
            f"| {', '.join(marks) if marks else 'the yardstick'} |"
        )
    lines = [
        *rows,
        "",
        f"{len(rounds)} round(s); where three numbers are given: min / median / max. Baseline: "
        f"{spread(baselines, 1)} requests per second (each round's mean of its two runs). "
        "Targets (issue 16): each poll's nothing-changed answer >= 80% of it; the step page and "
        "the couple home drawn fresh >= 40%; the check-in answer >= 30% with p95 < 50 ms at "
        f"{COLD_CLIENTS} clients.",
        "",
    ]
    for number, scenarios in enumerate(rounds):
        runs = [s.result["rps"] for s in scenarios if s.is_baseline]
        if max(runs) > (1 + base.SPEED_DRIFT) * min(runs):
            lines += [
                f"**The machine's speed changed during round {number + 1}:** its baseline gave "
                + " and ".join(f"{rps:.0f}" for rps in runs)
                + " requests per second, first and last. Compare with care.",
                "",
            ]
    lines += noise_lines([s.result for scenarios in rounds for s in scenarios])
    lines += ["Cores during each run (gunicorn / PostgreSQL / locust / other), round by round:", ""]
    for index, first in enumerate(rounds[0]):
        cells = "; ".join(cores(scenarios[index].result.get("cpu", {})) for scenarios in rounds)
        lines.append(f"- {first.name}: {cells}")
    return lines


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


def cold_load(args: argparse.Namespace) -> str:
    return (
        f"{COLD_CLIENTS} users per path (closed loop, no think time), {args.duration} s measured "
        f"per path after sign-in and warm-up, {args.repeat} round(s), each on a fresh server "
        "and the same data"
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
        body = [*noise_lines(results), *step_up_report(args, results)]
        load = mix_load(args)
        start, end, heading = MIX_START, MIX_END, "Latest mixed run"
    else:
        rounds = cold_paths(args, env, workdir)
        body = [
            f"The cold paths, closed loop at {COLD_CLIENTS} clients (no think time):",
            "",
            *cold_report(rounds),
        ]
        load = cold_load(args)
        start, end, heading = COLD_START, COLD_END, "Latest cold paths"
    seeding = seed_output.strip().splitlines()[-1] if seed_output.strip() else ""
    lines = [
        stamp,
        "",
        *body,
        "",
        "Machine:",
        "",
        *machine_lines(args, load),
        "",
        f"Seeding: {seeding}",
    ]
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
