"""Pages drawn once and kept, with slots for what every request must draw afresh.

A step page or a couple home is mostly what the couple shares and what the viewer may see of it,
and all of that is named by a key (the couple's revision, the viewer, the page...): drawn once,
it is the same page until the key changes. Private reflections, the CSRF token and the CSP nonce
are not: they are drawn for each request. `render_with_slots` draws such a page with marks
standing in for those parts, keeps that shell under the key in this process's memory (the
`page_shells` cache), and fills the marks in on every request. What a page draws in a slot is
never in its shell.

A shell is its viewer's page, under a key that names the viewer: it holds what they may see of
what they share, which includes their own check-in answer before their partner has answered and
whether their own safety check raised a concern (the `shared_reads` cache holds the same). Their
private writing (reflections, and on the step page an apology draft or a forgiveness decision)
is only ever drawn in a slot.

The marks hold a NUL character and a random value made when the process starts: no text a person
writes can hold either (Django's form fields refuse NUL), so no one's words can imitate a mark,
and a shell drawn by another process is never taken for one of this process's.
"""

import hashlib
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.middleware.csp import get_nonce
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

_PROCESS = secrets.token_hex(8)
_MARK = f"\x00{_PROCESS}:"
_CSRF_TOKEN = SafeString(f"{_MARK}csrf\x00")
_CSP_NONCE = SafeString(f"{_MARK}nonce\x00")


def _slot_mark(name: str) -> SafeString:
    return SafeString(f"{_MARK}slot:{name}\x00")


@dataclass(frozen=True)
class Slot:
    """A part of a kept page drawn afresh for each request: a template (or partial) and the
    function that reads its context."""

    template_name: str
    context: Callable[[], dict[str, Any]]


class UnfilledMark(RuntimeError):
    """A template changed a mark (a filter on the CSRF token, say), so the page cannot be filled
    in; failing loudly beats sending a form without its token."""


def render_with_slots(
    request: HttpRequest,
    template_name: str,
    *,
    context: Callable[[], dict[str, Any]],
    slots: Mapping[str, Slot],
    key: str | None,
) -> HttpResponse:
    """Renders `template_name`, whose context gets `slots` (name -> mark) to place each slot with
    `{{ slots.<name> }}`. With a key, the page is kept and later requests with the same key skip
    `context()`, the reads behind it and the drawing. Without one (or while a message waits to be
    shown, since a message is shown once), it is drawn for this request alone."""
    if not settings.KEPT_PAGES:  # switched off (KEPT_PAGES=0): every page drawn for its request
        key = None
    keep = key is not None and not get_messages(request)
    shells = caches["page_shells"]
    cache_key = f"page:{_PROCESS}:{hashlib.sha256(str(key).encode()).hexdigest()}"
    shell = shells.get(cache_key) if keep else None
    if shell is None:
        marks: dict[str, Any] = {"slots": {name: _slot_mark(name) for name in slots}}
        if keep:
            marks["messages"] = ()
        shell = _draw(request, template_name, {**context(), **marks})
        if keep:
            shells.set(cache_key, shell)
    return HttpResponse(_filled(request, shell, slots))


def _draw(request: HttpRequest, template_name: str, context: dict[str, Any]) -> str:
    # The page's own values are marks too, filled in once for the page and its slots: one CSRF
    # token per page, as Django's template context gives.
    drawn = render_to_string(
        template_name, {**context, "csrf_token": _CSRF_TOKEN, "csp_nonce": _CSP_NONCE}, request
    )
    # Every NUL drawn belongs to a whole mark (two each): a filter that changed a mark (`|upper`
    # on the token, say) leaves NULs that no longer do.
    if drawn.count("\x00") != 2 * drawn.count(_MARK):
        raise UnfilledMark(f"{template_name} changed a mark, so it cannot be filled in")
    return drawn


def _filled(request: HttpRequest, shell: str, slots: Mapping[str, Slot]) -> str:
    page = shell
    for name, slot in slots.items():
        mark = _slot_mark(name)
        if mark in page:
            page = page.replace(mark, _draw(request, slot.template_name, slot.context()))
    # Each value is asked for only where the page uses it, as the template would: asking for the
    # token sets the CSRF cookie, and asking for the nonce puts it in the CSP header.
    if _CSRF_TOKEN in page:
        page = page.replace(_CSRF_TOKEN, get_token(request))
    if _CSP_NONCE in page:
        page = page.replace(_CSP_NONCE, str(get_nonce(request)))
    if _MARK in page:
        # Named by the mark alone: the page around it may hold private writing, and this
        # message goes to the logs.
        start = page.index(_MARK)
        mark = page[start : page.find("\x00", start + 1) + 1]
        raise UnfilledMark(f"A mark was left unfilled: {mark!r}")
    return page
