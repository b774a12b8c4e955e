"""Page latency as the data grows (docs/benchmarks.md, "Latest scale run"). bench/run.py parses
the options and calls main() for `--scale`; this file runs only under it.

Each data set (couples x rounds of history, by default the issue's 100 to 10,000 couples at 30
rounds and 10 to 300 rounds at 1,000 couples; each couple with as many reflections as rounds) lives in a database of its own beside the bench's
(`trustapp_bench_<couples>c_<rounds>r`), seeded once with `seed_bench` and kept, so a later run
only measures. On each, bench/queries.py asks for every page in-process, one request at a time
with no load, from partners spread over the whole range of couples: the figures say how a page's
own work grows with the data, apart from the server and the load.
"""

import argparse
import time
import urllib.parse
from datetime import UTC, datetime

import mix  # bench/mix.py
import run as base  # bench/run.py

ROOT = base.ROOT
SCALE_START = (
    "<!-- bench:scale:start (written by bench/scale.py --scale; edits here are replaced) -->"
)
SCALE_END = "<!-- bench:scale:end -->"
PAGES = [
    "couple home",
    "step page",
    "submit check-in",
    "poll check-in state",
    "poll ledger status",
    "baseline",
]
PROFILED_PARTNERS = 8  # spread evenly over the couples, first to last

log = base.log


def database_url(url: str, couples: int, rounds: int) -> str:
    parts = urllib.parse.urlparse(url)
    return parts._replace(path=f"/trustapp_bench_{couples}c_{rounds}r").geturl()


def database_size(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]


def measure(args: argparse.Namespace, env: dict[str, str], couples: int, rounds: int) -> dict:
    url = database_url(args.database_url, couples, rounds)
    data_env = {**env, "DATABASE_URL": url}
    base.ensure_database(url)
    base.manage(data_env, "migrate", "--no-input")
    base.manage(data_env, "createcachetable")
    log(f"{couples:,} couples x {rounds} rounds: seeding if needed ({url.rsplit('/', 1)[1]})")
    log(f"bench/mixdata.py reset: {base.bench_script(data_env, 'reset').strip()}")
    started = time.monotonic()
    seeded = base.manage(
        data_env,
        "seed_bench",
        "--i-know-this-is-not-production",
        "--couples",
        str(couples),
        "--rounds",
        str(rounds),
        "--reflections",
        str(rounds),
        "--if-needed",
        timeout=7200,
    )
    seconds = time.monotonic() - started
    spread = sorted(
        {round(i * (couples - 1) / (PROFILED_PARTNERS - 1)) for i in range(PROFILED_PARTNERS)}
    )
    log(f"{couples:,} couples x {rounds} rounds: profiling pages for couples {spread}")
    pages = base.profile_pages(
        {
            **data_env,
            "BENCH_ROUNDS": str(rounds),
            "BENCH_PROFILE_COUPLES": ",".join(map(str, spread)),
            "BENCH_PROFILE_REPEATS": str(args.scale_repeats),
        },
        timeout=1800,
    )
    return {
        "couples": couples,
        "rounds": rounds,
        "seeding": seeded.strip().splitlines()[-1] if seeded.strip() else "",
        "seed_seconds": seconds,
        "size": database_size(url),
        "pages": pages,
    }


def report(results: list[dict]) -> list[str]:
    header = "| data | database | " + " | ".join(PAGES) + " |"
    lines = [
        "Each page's own time, in-process with no load (median / p95 in ms, and queries):",
        "",
        header,
        "| --- | ---: | " + " | ".join("---:" for _ in PAGES) + " |",
    ]
    for result in results:
        cells = []
        for name in PAGES:
            page = result["pages"][name]
            cells.append(f"{page['median_ms']:.1f} / {page['p95_ms']:.1f} ({page['queries']:.0f})")
        lines.append(
            f"| {result['couples']:,} couples x {result['rounds']} rounds "
            f"| {result['size'] / 2**20:,.0f} MB | " + " | ".join(cells) + " |"
        )
    lines += ["", "Seeding, each data set (kept between runs; seeded once):", ""]
    lines += [
        f"- {r['couples']:,} x {r['rounds']}: {r['seeding']} ({r['seed_seconds']:.0f} s this run)"
        for r in results
    ]
    return lines


def main(args: argparse.Namespace, env: dict[str, str], started: float) -> None:
    stamp = f"Run on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `{mix.command_line()}`."
    log("collecting static files")
    base.manage(env, "collectstatic", "--no-input", "--verbosity", "0")
    results = [measure(args, env, couples, rounds) for couples, rounds in args.scale_sets]
    load = (
        f"none: bench/queries.py in-process (Django's test client, the bench settings), "
        f"{args.scale_repeats} requests of each page for each of {PROFILED_PARTNERS} partners "
        "spread over the couples, after one to warm up"
    )
    lines = [stamp, "", *report(results), "", "Machine:", ""]
    lines += [
        line
        for line in base.machine(args)
        if not line.startswith(("- Load:", "- Data:", "- Server:"))
    ]
    lines.insert(-1, f"- Load: {load}")
    print()
    print("\n".join(lines))
    if not args.no_write:
        mix.write_block(SCALE_START, SCALE_END, "Latest scale run", lines)
        log(f"wrote {base.DOCS.relative_to(ROOT)}")
    log(f"done in {time.monotonic() - started:.0f} s")
