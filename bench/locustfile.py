"""Load for `make bench`: each locust user is one partner of a different seeded couple.

Run one user class per locust run (bench/run.py does): BaselineUser, HomeUser, StepUser or
CheckInUser. Every user logs in through allauth's login form first, like a person would, then
all users wait for each other, send a few warm-up requests, and the statistics are reset, so the
numbers cover only the steady state: no PBKDF2 logins and no cold template caches. After
BENCH_DURATION seconds of measuring, the run stops itself.

Each user is a closed loop (no think time): it sends its next request as soon as the last one
is answered, so the number of users is the number of requests in flight.

Environment (set by bench/run.py):
  BENCH_USERS            the -u given to locust (the warm-up barrier waits for this many)
  BENCH_COUPLES          how many couples were seeded
  BENCH_COUPLE_OFFSET    the first couple this run uses (runs use different couples)
  BENCH_DURATION         seconds to measure after the warm-up
  BENCH_RESULT_FILE      a JSON file to write the run's own facts to (logins, measured window)
"""

import itertools
import json
import os
import re
import sys
import time

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
        # Distinct couples while users <= couples; partners a and b alternate.
        self.couple = (OFFSET + number) % COUPLES
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


@events.init.add_listener
def _on_init(environment, **_kwargs) -> None:  # type: ignore[no-untyped-def]
    def measure_then_stop() -> None:
        _warmed_up.wait()
        environment.runner.stats.reset_all()
        _facts["measure_started"] = time.time()
        result_file = os.environ.get("BENCH_RESULT_FILE")
        if result_file:  # tells bench/run.py to start counting CPU time
            with open(f"{result_file}.measuring", "w") as marker:
                marker.write(str(_facts["measure_started"]))
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
