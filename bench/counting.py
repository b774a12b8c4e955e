"""A LocMemCache that counts what it is asked for and finds, for the mixed run's report
(bench/mix.py): how often a kept page (`page_shells`) and a remembered read (`shared_reads`) are
there to use in real use. bench/settings.py uses it only when BENCH_CACHE_COUNTS names a folder;
each process then writes its counts there (`<pid>.json`) when it exits."""

import atexit
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

from django.core.cache.backends.locmem import LocMemCache

_counts: Counter[str] = Counter()
_MISSING = object()


def _write() -> None:
    folder = os.environ.get("BENCH_CACHE_COUNTS")
    if folder and _counts:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / f"{os.getpid()}.json").write_text(json.dumps(_counts))


atexit.register(_write)


class CountingLocMemCache(LocMemCache):
    def __init__(self, name: str, params: dict[str, Any]) -> None:
        super().__init__(name, params)
        self._name = name  # the LOCATION

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        value = super().get(key, _MISSING, version)
        _counts[f"{self._name} {'miss' if value is _MISSING else 'hit'}"] += 1
        return default if value is _MISSING else value
