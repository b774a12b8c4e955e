"""Production settings plus the benchmark's yardstick page: `make bench` runs gunicorn with
DJANGO_SETTINGS_MODULE=bench.settings, so the app itself never routes /bench/baseline/."""

import os
from pathlib import Path

from trustapp.settings import *  # noqa: F403
from trustapp.settings import STATIC_ROOT

BENCHMARK_BASELINE = True

# bench/run.py collects the static files into a temporary folder, not the project's own.
STATIC_ROOT = Path(os.environ.get("BENCH_STATIC_ROOT", STATIC_ROOT))

# Every locust user signs in from 127.0.0.1, and each page's run signs in its own users: allauth's
# 30 logins a minute per IP would refuse the fourth run. Only the login limit is raised.
ACCOUNT_RATE_LIMITS = {"login": "600/m/ip"}
