"""A kept page (trustapp.shells) is drawn once per key, and each request fills in its own CSRF
token, CSP nonce and slots."""

import re
from collections import Counter

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.middleware.csrf import CSRF_SECRET_LENGTH, _unmask_cipher_token
from django.test import RequestFactory

from trustapp.shells import Slot, UnfilledMark, _slot_mark, render_with_slots

PAGE = (
    "<body data-token='{{ csrf_token }}'>"
    "<script nonce='{{ csp_nonce }}'></script>"
    "<h1>{{ title }}</h1>"
    "{% for message in messages %}<p class='message'>{{ message }}</p>{% endfor %}"
    "{% if slots %}{{ slots.mine }}{% endif %}"
    "</body>"
)
SLOT = "<form>{% csrf_token %}<p>{{ own }}</p></form>"


@pytest.fixture
def templates(settings, tmp_path):  # type: ignore[no-untyped-def]
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / "page.html").write_text(PAGE)
    (tmp_path / "kept" / "slot.html").write_text(SLOT)
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [tmp_path, *engine["DIRS"]]}]
    return tmp_path


class Reads:
    """Counts how often the page's context and its slot are read."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def page(self) -> dict:
        self.counts["page"] += 1
        return {"title": f"drawn {self.counts['page']}"}

    def slot(self) -> dict:
        self.counts["slot"] += 1
        return {"own": f"own {self.counts['slot']}"}


def request(token_secret: str = "a" * CSRF_SECRET_LENGTH):  # type: ignore[no-untyped-def]
    made = RequestFactory().get("/")
    made.META["CSRF_COOKIE"] = token_secret
    return made


def render(reads: Reads, made=None, *, key: str | None = "page-1", template="kept/page.html"):  # type: ignore[no-untyped-def]
    return render_with_slots(
        made or request(),
        template,
        context=reads.page,
        slots={"mine": Slot("kept/slot.html", reads.slot)},
        key=key,
    ).content.decode()


def test_a_kept_page_is_drawn_once_and_its_slot_for_every_request(templates) -> None:
    reads = Reads()
    first, second = render(reads), render(reads)
    assert reads.counts == {"page": 1, "slot": 2}
    assert "<h1>drawn 1</h1>" in first and "<h1>drawn 1</h1>" in second
    assert "<p>own 1</p>" in first and "<p>own 2</p>" in second


def test_another_key_draws_the_page_again(templates) -> None:
    reads = Reads()
    render(reads, key="page-1")
    assert "<h1>drawn 2</h1>" in render(reads, key="page-2")


def test_without_a_key_nothing_is_kept(templates) -> None:
    reads = Reads()
    render(reads, key=None)
    assert "<h1>drawn 2</h1>" in render(reads, key=None)
    assert not caches["page_shells"]._cache  # type: ignore[attr-defined]


def test_the_kept_page_holds_no_slot_and_no_token(templates) -> None:
    reads = Reads()
    page = render(reads)
    token = re.search(r"data-token='([^']+)'", page)[1]  # type: ignore[index]
    (kept,) = caches["page_shells"]._cache.values()  # type: ignore[attr-defined]
    assert b"drawn 1" in kept
    assert b"own 1" not in kept
    assert token.encode() not in kept


def test_one_csrf_token_per_request_for_the_page_and_its_slots(templates) -> None:
    secret = "b" * CSRF_SECRET_LENGTH
    pages = [render(Reads(), request(secret)) for _ in range(2)]
    tokens = [
        set(re.findall(r"data-token='([^']+)'|name=\"csrfmiddlewaretoken\" value=\"([^\"]+)\"", p))
        for p in pages
    ]
    first = {t for pair in tokens[0] for t in pair if t}
    second = {t for pair in tokens[1] for t in pair if t}
    assert len(first) == 1 and len(second) == 1
    assert first != second  # masked afresh for each request
    assert {_unmask_cipher_token(t) for t in first | second} == {secret}


def test_the_nonce_is_the_requests_own(templates) -> None:
    made = request()
    made._csp_nonce = "nonce-of-this-request"  # what the CSP middleware sets
    assert "<script nonce='nonce-of-this-request'>" in render(Reads(), made)


def test_a_waiting_message_is_shown_and_the_page_not_kept(templates) -> None:
    made = request()
    made._messages = CookieStorage(made)
    made._messages.add(constants.SUCCESS, "Saved for you.")
    reads = Reads()
    assert "<p class='message'>Saved for you.</p>" in render(reads, made)
    assert not caches["page_shells"]._cache  # type: ignore[attr-defined]
    # The next request, with no message waiting, keeps a page without it.
    assert "Saved for you." not in render(reads)


def test_a_template_that_changes_a_mark_fails_loudly(templates) -> None:
    (templates / "kept" / "changed.html").write_text("<p>{{ csrf_token|upper }}</p>")
    with pytest.raises(UnfilledMark):
        render(Reads(), template="kept/changed.html")


def test_a_slot_that_changes_a_mark_fails_loudly(templates) -> None:
    (templates / "kept" / "slot.html").write_text("<p>{{ csrf_token|upper }}</p>")
    with pytest.raises(UnfilledMark):
        render(Reads())


def test_an_unfilled_mark_is_reported_without_the_words_around_it(templates) -> None:
    # The message goes to the logs, and the page around a mark may hold private writing.
    (templates / "kept" / "slot.html").write_text("{{ own }} private words after it")

    class Unfilled(Reads):
        def slot(self) -> dict:
            return {"own": _slot_mark("x")}

    with pytest.raises(UnfilledMark) as raised:
        render(Unfilled())
    assert "slot:x" in str(raised.value)
    assert "private words" not in str(raised.value)
