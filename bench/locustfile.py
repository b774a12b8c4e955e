"""Load for `make bench`: each locust user is one partner of a different seeded couple.

Run one user class per locust run (bench/run.py and bench/mix.py do).

The single-page runs: BaselineUser, HomeUser, StepUser, CheckInUser, and for the cold paths
CheckInPollUser and LedgerPollUser. Every user logs in through allauth's login form first, like
a person would, then all users wait for each other, send a few warm-up requests, and the
statistics are reset, so the numbers cover only the steady state: no PBKDF2 logins and no cold
template caches. After BENCH_DURATION seconds of measuring, the run stops itself. Each user is a
closed loop (no think time): it sends its next request as soon as the last one is answered, so
the number of users is the number of requests in flight.

The mixed run: MixUser, one open partner page each, with think time (see its docstring). Its
users come signed in (BENCH_MIX_PLAN, made by bench/mixdata.py); the statistics are reset
BENCH_WARMUP seconds after the last one is spawned.

Environment (set by bench/run.py):
  BENCH_USERS            the -u given to locust (the warm-up barrier waits for this many)
  BENCH_COUPLES          how many couples were seeded
  BENCH_COUPLE_OFFSET    the first couple this run uses (runs use different couples)
  BENCH_DURATION         seconds to measure after the warm-up
  BENCH_RESULT_FILE      a JSON file to write the run's own facts to (logins, measured window)
  BENCH_MIX_PLAN         the mixed run: who each user is (JSON from bench/mixdata.py plan)
  BENCH_WARMUP           the mixed run: seconds between the last user's spawn and the reset
  BENCH_MIX_AWAY         the mixed run: "MIN,MAX" seconds a page stays open after checking in
"""

import html
import itertools
import json
import os
import random
import re
import sys
import time
from dataclasses import dataclass
from http.cookiejar import Cookie
from pathlib import Path

import gevent
from gevent.event import Event
from locust import constant, events, task
from locust.contrib.fasthttp import FastHttpUser
from locust.exception import StopUser

PASSWORD = os.environ.get("BENCH_PASSWORD", "bench-trust-2026")
DOMAIN = "bench.trustapp.local"
USERS = int(os.environ.get("BENCH_USERS", "8"))
COUPLES = int(os.environ.get("BENCH_COUPLES", "1000"))
OFFSET = int(os.environ.get("BENCH_COUPLE_OFFSET", "0"))
DURATION = float(os.environ.get("BENCH_DURATION", "45"))
WARM_UP_REQUESTS = 5
# gunicorn's gthread workers keep a keep-alive connection for its whole life, so with a handful
# of clients that never pause, one worker can end up holding every connection while the other
# core idles (seen: 0.94 + 0.00 cores). Closing the connection every so often, as browsers' idle
# connections close, lets the connections spread over the workers again.
RECONNECT_EVERY = 20

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CURRENT_STEP = re.compile(r'You are on <a href="/space/steps/(\d+)/"')
# An element that polls, as htmx reads it: hx-get (or data-hx-get) with hx-trigger="every Ns".
TAG = re.compile(r"<[a-zA-Z][^>]*>")
HX_GET = re.compile(r'\s(?:data-)?hx-get="([^"]*)"')
HX_TRIGGER = re.compile(r'\s(?:data-)?hx-trigger="([^"]*)"')
ELEMENT_ID = re.compile(r'\sid="([^"]*)"')
EVERY = re.compile(r"^every\s+(\d+(?:\.\d+)?)(ms|s)$")

_numbers = itertools.count()
_arrived = {"logged_in": 0, "warmed_up": 0}
_logged_in = Event()
_warmed_up = Event()
_facts: dict = {"users": USERS, "logins": [], "login_failures": []}


def _arrive(stage: str, done: Event) -> None:
    _arrived[stage] += 1
    if _arrived[stage] >= USERS:
        done.set()
    done.wait()


class BenchUser(FastHttpUser):
    abstract = True
    wait_time = constant(0)

    def on_start(self) -> None:
        number = next(_numbers)
        self.couple = self.choose_couple(number)
        self.email = f"bench-partner-{self.couple}-{'ab'[number % 2]}@{DOMAIN}"
        self.current_step = 1
        ok = self._log_in()
        _arrive("logged_in", _logged_in)
        if not ok:
            _arrive("warmed_up", _warmed_up)
            raise StopUser
        for _ in range(WARM_UP_REQUESTS):
            self.measure()
        _arrive("warmed_up", _warmed_up)

    def _log_in(self) -> bool:
        page = self.client.get("/accounts/login/", name="login page")
        found = CSRF_INPUT.search(page.text or "")
        if page.status_code != 200 or found is None:
            _facts["login_failures"].append(f"{self.email}: login page {page.status_code}")
            return False
        with self.client.post(
            "/accounts/login/",
            data={"login": self.email, "password": PASSWORD, "csrfmiddlewaretoken": found[1]},
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302 or not response.headers.get("Location", "").endswith(
                "/space/"
            ):
                response.failure(f"login as {self.email}: {response.status_code}")
                _facts["login_failures"].append(f"{self.email}: {response.status_code}")
                return False
        home = self.client.get("/space/", name="home after login")
        step = CURRENT_STEP.search(home.text or "")
        self.current_step = int(step[1]) if step else 1
        _facts["logins"].append({"email": self.email, "current_step": self.current_step})
        self.on_logged_in()
        return True

    def choose_couple(self, number: int) -> int:
        # Distinct couples while users <= couples; partners a and b alternate.
        return (OFFSET + number) % COUPLES

    def on_logged_in(self) -> None:
        """Whatever a user class needs before its task (a CSRF token)."""

    def headers(self, **extra: str) -> dict[str, str]:
        self.sent = getattr(self, "sent", 0) + 1
        if self.sent % RECONNECT_EVERY == 0:
            extra["Connection"] = "close"
        return extra

    def get_page(self, path: str, name: str) -> None:
        with self.client.get(
            path, name=name, headers=self.headers(), allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"{path}: {response.status_code}")

    def measure(self) -> None:
        raise NotImplementedError


class BaselineUser(BenchUser):
    """Signed in like the others, so the session and user lookups are in the baseline too."""

    @task
    def measure(self) -> None:
        self.get_page("/bench/baseline/", "baseline")


class HomeUser(BenchUser):
    @task
    def measure(self) -> None:
        self.get_page("/space/", "couple home")


class StepUser(BenchUser):
    """The step the couple is on: the page a partner opens most."""

    @task
    def measure(self) -> None:
        self.get_page(f"/space/steps/{self.current_step}/", "step page")


class CheckInUser(BenchUser):
    """Answers (and, until the partner answers, changes the answer on) step 1's open round, as
    the page's htmx form does: the response is the check-in part of the page. Step 1 is always
    open, and the couple row lock serialises check-ins within a couple."""

    def on_logged_in(self) -> None:
        page = self.client.get("/space/steps/1/", name="step 1 for a token")
        found = CSRF_INPUT.search(page.text or "")
        self.csrf = found[1] if found else ""
        self.answers = itertools.count()

    @task
    def measure(self) -> None:
        n = next(self.answers)
        with self.client.post(
            "/space/steps/1/check-in/",
            data={
                "feeling": str(1 + n % 5),
                "trust": str(n % 11),
                "ready": "no",
                "note": "",
                "csrfmiddlewaretoken": self.csrf,
            },
            headers=self.headers(**{"HX-Request": "true", "HX-Target": "check-in"}),
            name="submit check-in",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 200 or 'id="check-in"' not in (response.text or ""):
                response.failure(f"check-in: {response.status_code}")


class CheckInPollUser(BenchUser):
    """The step page's poll while a partner waits for the other's check-in, answered "nothing
    changed" (204): each user checks in once on its couple's current step, whose other partner
    never answers, then polls as the page does."""

    def on_logged_in(self) -> None:
        page = self.client.get(f"/space/steps/{self.current_step}/", name="step page for a token")
        found = CSRF_INPUT.search(page.text or "")
        self.csrf = found[1] if found else ""
        answer = self.client.post(
            f"/space/steps/{self.current_step}/check-in/",
            data={"feeling": "3", "trust": "5", "ready": "no", "note": "", **self.token()},
            headers=htmx_headers(self.host, self.current_step, self.csrf, target="check-in"),
            name="check in to wait",
        )
        self.poll = polls_in(answer.text or "").get("check-in")
        if self.poll is None:
            _facts["login_failures"].append(f"{self.email}: no check-in poll after checking in")

    def token(self) -> dict[str, str]:
        return {"csrfmiddlewaretoken": self.csrf}

    @task
    def measure(self) -> None:
        if self.poll is None:
            raise StopUser
        headers = htmx_headers(self.host, self.current_step, self.csrf, target="check-in")
        headers["HX-Trigger"] = "check-in"
        with self.client.get(
            self.poll.url,
            name="poll check-in state",
            headers=self.headers(**headers),
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 204:
                response.failure(f"check-in poll: {response.status_code}, not 204")


class LedgerPollUser(BenchUser):
    """Step 6's question ledger poll (every 4 s while the step page is open), answered "nothing
    changed" (204): partners of couples on step 6, polling the URL the page gives, whose
    `?seen=` is the ledger's fingerprint as the page was drawn."""

    def choose_couple(self, number: int) -> int:
        # Couple i is on step i % 11 + 1 (bench data): 5, 16, 27... are on step 6.
        return 5 + 11 * ((OFFSET // 11 + number) % max(1, COUPLES // 11))

    def on_logged_in(self) -> None:
        page = self.client.get("/space/steps/6/", name="step 6 for its poll")
        found = CSRF_INPUT.search(page.text or "")
        self.csrf = found[1] if found else ""
        self.poll = polls_in(page.text or "").get("ledger-status")
        if self.poll is None or "seen=" not in self.poll.url:
            _facts["login_failures"].append(f"{self.email}: no ledger poll with seen= on step 6")
            self.poll = None

    @task
    def measure(self) -> None:
        if self.poll is None:
            raise StopUser
        headers = htmx_headers(self.host, 6, self.csrf, target="ledger-status")
        headers["HX-Trigger"] = "ledger-status"
        with self.client.get(
            self.poll.url,
            name="poll ledger status",
            headers=self.headers(**headers),
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 204:
                response.failure(f"ledger poll: {response.status_code}, not 204")


# The mixed run.


@dataclass(frozen=True)
class Poll:
    url: str
    every: float  # seconds
    element: str  # the polling element's id (htmx's HX-Trigger and HX-Target), or its URL


def polls_in(text: str) -> dict[str, Poll]:
    """Every element of a page (or of a part htmx swaps in) that polls, by element id."""
    found = {}
    for tag in TAG.findall(text):
        trigger = HX_TRIGGER.search(tag)
        url = HX_GET.search(tag)
        if trigger is None or url is None:
            continue
        every = EVERY.match(trigger[1].strip())
        if every is None:
            continue
        ident = ELEMENT_ID.search(tag)
        element = ident[1] if ident else url[1]
        seconds = float(every[1]) / (1000 if every[2] == "ms" else 1)
        found[element] = Poll(url=html.unescape(url[1]), every=seconds, element=element)
    return found


def htmx_headers(host: str, step: int, csrf: str, *, target: str) -> dict[str, str]:
    """What htmx 2 sends from the step page: its own headers, and the page's hx-headers (the
    CSRF token, on <body>)."""
    return {
        "HX-Request": "true",
        "HX-Target": target,
        "HX-Current-URL": f"{host}/space/steps/{step}/",
        "X-CSRFToken": csrf,
    }


POLL_NAMES = {"check-in": "poll check-in state", "ledger-status": "poll ledger status"}
MIX_PLAN = os.environ.get("BENCH_MIX_PLAN")
_plan: list[dict] = json.loads(Path(MIX_PLAN).read_text()) if MIX_PLAN else []
WARM_UP_SECONDS = float(os.environ.get("BENCH_WARMUP", "30"))
AWAY = tuple(float(n) for n in os.environ.get("BENCH_MIX_AWAY", "20,120").split(","))
chance = random.Random()  # noqa: S311 (timing and made-up answers, not secrets)
THINK = (3.0, 4.0)  # seconds between a person's actions: about one poll interval
STAGGER = min(15.0, WARM_UP_SECONDS / 2)  # users arrive over this many seconds, not at once
REFLECTION_SHARE = 1 / 3
QUESTION_SHARE = 1 / 3  # of visits to step 6
_pages: set["MixUser"] = set()
_mix: dict = {}


def _reset_mix_counts() -> None:
    _mix.clear()
    _mix.update(visits=0, check_ins=0, reveals_seen=0, reflections=0, questions=0, samples=[])


_reset_mix_counts()


class MixUser(FastHttpUser):
    """One partner with the app open, as in real use. Each visit opens the couple home, then
    the current step (two full pages), writes a private reflection on a third of visits (and, on
    step 6, asks a question on a third), checks in as the page's htmx form does, then keeps the
    step page open for BENCH_MIX_AWAY seconds while the partner is away, polling exactly as the
    page does: every element with hx-trigger="every Ns" found in the page and in what htmx
    swaps in, with htmx's headers. A poll answered with a new part (the partner answered: the
    round is revealed) is swapped in, so polling stops when the page's would. Then the next
    visit. Between actions a person takes 3-4 s, about one poll interval, so each user is one
    open page and sends about one request every 3-4 s.

    Some couples have both partners simulated (bench/mixdata.py): one's check-in reveals the
    round the other's page is polling for. Every request closes its connection, as gunicorn
    closes a connection idle for 2 s (its keep-alive) and every pause here is longer."""

    wait_time = constant(0)

    def on_start(self) -> None:
        self.me = _plan[next(_numbers) % len(_plan)]
        host = self.host.split("://", 1)[1].split(":")[0]
        self.client.cookiejar.set_cookie(session_cookie(self.me["session"], host))
        self.step = int(self.me["step"])
        self.csrf = ""
        self.polls: dict[str, Poll] = {}
        self.first_visit = True
        _pages.add(self)
        gevent.sleep(chance.uniform(0, STAGGER))

    def on_stop(self) -> None:
        _pages.discard(self)

    def think(self) -> None:
        gevent.sleep(chance.uniform(*THINK))

    def send(self, method: str, path: str, name: str, ok, **kwargs):  # type: ignore[no-untyped-def]
        """One request; `ok(response)` says whether it was answered as the page expects, and
        may rename it by what it answered."""
        headers = {"Connection": "close", **kwargs.pop("headers", {})}
        with self.client.request(
            method,
            path,
            name=name,
            headers=headers,
            allow_redirects=False,
            catch_response=True,
            **kwargs,
        ) as response:
            verdict = ok(response)
            if isinstance(verdict, str):
                response.request_meta["name"] = verdict
            elif not verdict:
                response.failure(f"{name}: {response.status_code}")
                return None
            return response

    @task
    def visit(self) -> None:
        _mix["visits"] += 1
        self.polls = {}
        home = self.send("GET", "/space/", "couple home", lambda r: r.status_code == 200)
        if home is not None and (found := CURRENT_STEP.search(home.text or "")):
            self.step = int(found[1])
        self.think()
        page = self.send(
            "GET", f"/space/steps/{self.step}/", "step page", lambda r: r.status_code == 200
        )
        if page is None:
            self.think()
            return
        text = page.text or ""
        found = CSRF_INPUT.search(text)
        self.csrf = found[1] if found else ""
        self.polls = polls_in(text)
        self.think()
        if chance.random() < REFLECTION_SHARE:
            self.write_reflection()
        if self.step == 6 and 'id="tool"' in text and chance.random() < QUESTION_SHARE:
            self.ask_question()
        if f'action="/space/steps/{self.step}/check-in/"' in text:
            self.check_in()
        low, high = AWAY
        away = chance.uniform(0 if self.first_visit else low, high)
        self.first_visit = False
        self.keep_open(time.monotonic() + away)

    def htmx(self, target: str) -> dict[str, str]:
        return htmx_headers(self.host, self.step, self.csrf, target=target)

    def write_reflection(self) -> None:
        sent = self.send(
            "POST",
            f"/space/steps/{self.step}/reflections/",
            "write a reflection",
            lambda r: r.status_code == 200 and 'id="reflections"' in (r.text or ""),
            data={
                "prompt": "",
                "text": "A quieter week. We talked on Sunday without it turning into a fight.",
                "csrfmiddlewaretoken": self.csrf,
            },
            headers=self.htmx("reflections"),
        )
        if sent is not None:
            _mix["reflections"] += 1
        self.think()

    def ask_question(self) -> None:
        sent = self.send(
            "POST",
            "/space/questions/",
            "ask a question (step 6)",
            lambda r: r.status_code == 200 and 'id="tool"' in (r.text or ""),
            data={"text": "What did you tell yourself then?", "csrfmiddlewaretoken": self.csrf},
            headers=self.htmx("tool"),
        )
        if sent is not None:
            _mix["questions"] += 1
            self.swap(sent.text or "", "ledger-status")
        self.think()

    def check_in(self) -> None:
        sent = self.send(
            "POST",
            f"/space/steps/{self.step}/check-in/",
            "check in",
            lambda r: r.status_code == 200 and 'id="check-in"' in (r.text or ""),
            data={
                "feeling": str(chance.randint(1, 5)),
                "trust": str(chance.randint(0, 10)),
                # Never ready: the couples stay on their steps, so the mix stays the same.
                "ready": "no",
                "note": "",
                "csrfmiddlewaretoken": self.csrf,
            },
            headers=self.htmx("check-in"),
        )
        if sent is not None:
            _mix["check_ins"] += 1
            self.swap(sent.text or "", "check-in")

    def swap(self, part: str, element: str) -> None:
        """htmx swapped `part` in for `element` (outerHTML): its polls are the page's now."""
        self.polls.pop(element, None)
        self.polls.update(polls_in(part))

    def keep_open(self, until: float) -> None:
        due = {element: time.monotonic() + poll.every for element, poll in self.polls.items()}
        while True:
            now = time.monotonic()
            # What htmx swapped in polls from now on; what it swapped out stops.
            due = {
                element: due.get(element, now + poll.every) for element, poll in self.polls.items()
            }
            next_at = min([*due.values(), until])
            if next_at >= until:
                gevent.sleep(max(0.0, until - now))
                return
            gevent.sleep(max(0.0, next_at - now))
            element = min(due, key=due.__getitem__)
            self.poll(self.polls[element])
            if element in self.polls:
                due[element] = time.monotonic() + self.polls[element].every

    def poll(self, poll: Poll) -> None:
        name = POLL_NAMES.get(poll.element, f"poll {poll.element}")

        def answered(response):  # type: ignore[no-untyped-def]
            if response.status_code == 204:
                return f"{name} (204, nothing changed)"
            if response.status_code != 200:
                return False
            text = response.text or ""
            if poll.element == "ledger-status" and "Something changed" not in text:
                return False  # a 200 from the ledger poll always offers to show the change
            return f"{name} (200, changed)"

        headers = {**self.htmx(poll.element), "HX-Trigger": poll.element}
        response = self.send("GET", poll.url, name, answered, headers=headers)
        # An error answer swaps nothing, and htmx keeps polling: so does this.
        if response is not None and response.status_code == 200:
            if poll.element == "check-in" and "check-in" not in polls_in(response.text or ""):
                _mix["reveals_seen"] += 1
            self.swap(response.text or "", poll.element)


def session_cookie(value: str, host: str) -> Cookie:
    return Cookie(
        version=0,
        name="sessionid",
        value=value,
        port=None,
        port_specified=False,
        domain=host,
        domain_specified=False,
        domain_initial_dot=False,
        path="/",
        path_specified=True,
        secure=False,
        expires=None,
        discard=True,
        comment=None,
        comment_url=None,
        rest={"HttpOnly": ""},
    )


@events.spawning_complete.add_listener
def _on_spawned(user_count: int, **_kwargs) -> None:  # type: ignore[no-untyped-def]
    _spawned.set()


_spawned = Event()


@events.init.add_listener
def _on_init(environment, **_kwargs) -> None:  # type: ignore[no-untyped-def]
    def measure_then_stop() -> None:
        if MIX_PLAN:
            _spawned.wait()
            gevent.sleep(WARM_UP_SECONDS)
            _reset_mix_counts()
            _facts["open_pages"] = len(_pages)
        else:
            _warmed_up.wait()
        environment.runner.stats.reset_all()
        _facts["measure_started"] = time.time()
        result_file = os.environ.get("BENCH_RESULT_FILE")
        if result_file:  # tells bench/run.py to start counting CPU time
            with open(f"{result_file}.measuring", "w") as marker:
                marker.write(str(_facts["measure_started"]))
        if MIX_PLAN:
            # How many open pages poll, once a second (a page polls while its partner is away).
            stop_at = time.monotonic() + DURATION
            while time.monotonic() < stop_at:
                _mix["samples"].append((len(_pages), sum(1 for page in _pages if page.polls)))
                gevent.sleep(1)
            _facts["mix"] = dict(_mix)
        else:
            gevent.sleep(DURATION)
        _facts["measure_stopped"] = time.time()
        if result_file:
            with open(f"{result_file}.stopped", "w") as marker:
                marker.write(str(_facts["measure_stopped"]))
        environment.runner.quit()

    if environment.runner is not None:
        gevent.spawn(measure_then_stop)


@events.quitting.add_listener
def _on_quitting(environment, **_kwargs) -> None:  # type: ignore[no-untyped-def]
    result_file = os.environ.get("BENCH_RESULT_FILE")
    if result_file:
        with open(result_file, "w") as out:
            json.dump(_facts, out, indent=2)
    for failure in _facts["login_failures"]:
        print(f"login failed: {failure}", file=sys.stderr)
