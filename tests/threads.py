"""Acting at the same instant from several threads, each on its own database connection."""

import threading
from collections.abc import Callable

from django.db import connection


def run_together(*actions: Callable[[], object]) -> list[object]:
    """Start every action at the same instant; return each one's result or the exception it
    raised."""
    barrier = threading.Barrier(len(actions))
    results: list[object] = [None] * len(actions)

    def run(index: int, action: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[index] = action()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results
