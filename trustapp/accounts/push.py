"""Web Push: notifications on the devices a person turned them on for.

What is sent is one of a few fixed sentences and a link, encrypted for the device (RFC 8291) and
signed with the server's VAPID key (RFC 8292): never a name, never a word anyone wrote, so a
lock screen shows nothing private. A subscription the push service says is gone (404 or 410) is
deleted; any other failure is logged without the endpoint, which identifies a device."""

import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver
from django.http import HttpRequest
from pywebpush import WebPushException, webpush
from requests import RequestException

from trustapp.accounts.models import PushSubscription, User

log = logging.getLogger(__name__)

# How long a push service keeps trying to reach a device that is off: after a day the news is old.
TTL_SECONDS = 24 * 60 * 60
GONE = {404, 410}


@dataclass(frozen=True)
class Notification:
    kind: str  # the User field that turns it on or off
    body: str
    url: str
    title: str = "TrustApp"


def is_available() -> bool:
    return bool(settings.WEBPUSH_VAPID_PUBLIC_KEY and settings.WEBPUSH_VAPID_PRIVATE_KEY)


def notify(user: User, notification: Notification) -> int:
    """Send to each of the user's devices, if they want this kind; how many accepted it."""
    if not is_available() or not getattr(user, notification.kind):
        return 0
    payload = json.dumps(
        {"title": notification.title, "body": notification.body, "url": notification.url}
    )
    delivered = 0
    for subscription in PushSubscription.objects.filter(user=user):
        try:
            webpush(
                subscription_info={
                    "endpoint": subscription.endpoint,
                    "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
                },
                data=payload,
                vapid_private_key=settings.WEBPUSH_VAPID_PRIVATE_KEY,
                vapid_claims={"sub": settings.WEBPUSH_VAPID_SUBJECT},
                ttl=TTL_SECONDS,
                timeout=10,
            )
        except WebPushException as failure:
            status = failure.response.status_code if failure.response is not None else None
            if status in GONE:
                subscription.delete()
            else:
                log.warning("push failed: subscription=%s status=%s", subscription.pk, status)
        except (RequestException, ValueError, TypeError) as failure:
            # The push service is unreachable, or this one device's keys are unusable: the
            # person's other devices still get theirs, and the next notification tries again.
            log.warning("push failed: subscription=%s %s", subscription.pk, type(failure).__name__)
        else:
            delivered += 1
    return delivered


def is_push_service(endpoint: str) -> bool:
    """Whether an endpoint a browser gave us belongs to a known push service. The server posts
    to it, so anything else (an internal address, say) is refused."""
    url = urlsplit(endpoint)
    allowed_schemes = {"https", "http"} if settings.WEBPUSH_ALLOW_HTTP else {"https"}
    host = (url.hostname or "").lower()
    return url.scheme in allowed_schemes and any(
        host == allowed or (allowed.startswith(".") and host.endswith(allowed))
        for allowed in settings.WEBPUSH_SERVICE_HOSTS
    )


def device_name(user_agent: str) -> str:
    """ "Firefox on Android", from a User-Agent header, for the list of devices."""
    browsers = (
        ("Edg/", "Edge"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    )
    systems = (
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS", "a Mac"),
        ("Linux", "Linux"),
    )
    browser = next((name for mark, name in browsers if mark in user_agent), "A browser")
    system = next((name for mark, name in systems if mark in user_agent), "")
    return f"{browser} on {system}" if system else browser


# The subscription made in this browser session, so that logging out turns it off (see
# `forget_this_device`), whatever the browser's own script managed to do.
SESSION_KEY = "push_subscription_id"


@receiver(user_logged_out)
def forget_this_device(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """Whoever uses this browser next gets none of the notifications of the person who left."""
    subscription_id = request.session.get(SESSION_KEY) if request is not None else None
    if subscription_id is not None and user is not None:
        PushSubscription.objects.filter(pk=subscription_id, user=user).delete()
