"""Security events, logged to `trustapp.security`: who and when, never any private content.
Email addresses are logged only as a short hash, enough to see a burst against one account."""

import hashlib
import logging
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.cache import cache
from django.dispatch import receiver
from django.http import HttpRequest

log = logging.getLogger("trustapp.security")

FAILED_BURST = 5
FAILED_WINDOW_SECONDS = 15 * 60


def _fingerprint(identifier: str) -> str:
    return hashlib.sha256(identifier.strip().lower().encode()).hexdigest()[:12]


def _ip(request: HttpRequest | None) -> str:
    return request.META.get("REMOTE_ADDR", "-") if request is not None else "-"


@receiver(user_logged_in)
def signed_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    log.info("sign-in: user=%s ip=%s", user.pk, _ip(request))


@receiver(user_logged_out)
def signed_out(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        log.info("sign-out: user=%s", user.pk)


@receiver(user_login_failed)
def sign_in_failed(
    sender: Any, credentials: dict, request: HttpRequest | None = None, **kwargs: Any
) -> None:
    identifier = str(credentials.get("email") or credentials.get("username") or "")
    account = _fingerprint(identifier)
    log.warning("failed sign-in: account=%s ip=%s", account, _ip(request))
    key = f"security:failed-sign-in:{account}"
    cache.add(key, 0, FAILED_WINDOW_SECONDS)
    try:
        failures = cache.incr(key)
    except ValueError:
        return
    if failures == FAILED_BURST:
        log.error(
            "failed sign-in burst: account=%s failures=%d within %d min ip=%s",
            account,
            failures,
            FAILED_WINDOW_SECONDS // 60,
            _ip(request),
        )
