"""No page contradicts the state it is drawn in. Every page, for every role and state (the crawl of
`tests/page_crawl.py`), is read against a table of rules: each row names the pages it reads and
the words none of them may say, in the text a person sees (tags, scripts and styles aside)."""

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import reverse

from tests.page_crawl import (
    ALEX,
    BLAKE,
    CASEY,
    CONCERN,
    ENDED,
    JORDAN,
    PAUSED,
    PRIVATE_REFLECTION,
    Page,
    crawl_every_page,
)

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Rule:
    says: str  # the rule, as a failure states it
    reads: Callable[[Page], bool]  # the pages it holds for
    forbidden: str  # a regular expression (case-insensitive) none of those pages' text may match


HELP_PAGES = {reverse("help"), reverse("help_counselor")}
PROMPTS_TO_CHECK_IN = r"add yours|your turn|check in now|check in on step"

RULES = [
    Rule(
        "Only the partner who invited reads that the other joined their space",
        lambda page: page.viewer == BLAKE,
        r"joined your space",
    ),
    Rule(
        "The partner who invited never reads that they joined the other's space",
        lambda page: page.viewer == ALEX,
        r"you joined \w+'s space",
    ),
    Rule(
        "An ended space never invites them to take their time or to keep going",
        lambda page: page.state == ENDED,
        rf"take the time you need|continue (with )?step|{PROMPTS_TO_CHECK_IN}"
        r"|unanswered question|check-in opens|steps stay open",
    ),
    Rule(
        "The help pages never say counselors are coming soon: they are here",
        lambda page: page.url in HELP_PAGES,
        r"\bsoon\b",
    ),
    Rule(
        "A paused couple's home never offers to continue a step or to check in",
        lambda page: page.state == PAUSED and page.what == "home",
        rf"continue (with )?step|{PROMPTS_TO_CHECK_IN}",
    ),
    Rule(
        "A partner whose safety check raised a concern is never prompted to check in",
        lambda page: page.state == CONCERN and page.viewer == BLAKE,
        rf"{PROMPTS_TO_CHECK_IN}|check in together|has checked in|waiting for you",
    ),
    Rule(
        "Alone in a space, nobody reads of a partner's answers as if there were one",
        lambda page: page.viewer in (CASEY, JORDAN),
        r"your partner (has )?(answered|checked in|asked|replied)|has checked in|add yours"
        r"|your turn",
    ),
    Rule(
        "A private reflection shows on no page but its author's: never a counselor's",
        lambda page: page.viewer != ALEX,
        re.escape(PRIVATE_REFLECTION),
    ),
]


@pytest.fixture(scope="module")
def crawled() -> list[Page]:
    """Filled by the first test of the module: the crawl takes seconds, and its pages are plain
    text that the later tests only read."""
    return []


@pytest.fixture
def pages(request, crawled) -> list[Page]:  # type: ignore[no-untyped-def]
    if not crawled:
        crawled.extend(crawl_every_page(request))
    return crawled


@pytest.mark.parametrize("rule", RULES, ids=[rule.says for rule in RULES])
def test_no_page_contradicts_its_state(pages, rule):
    read = [page for page in pages if rule.reads(page)]
    # A rule that reads no page would pass whatever the pages said.
    assert read, f"No crawled page is one this rule reads: {rule.says}"
    forbidden = re.compile(rule.forbidden, re.IGNORECASE)
    broken = [
        f"{page.name} ({page.url}): “{found.group(0)}” in “…{_around(page.text, found)}…”"
        for page in read
        for found in forbidden.finditer(page.text)
    ]
    assert not broken, f"{rule.says}, but:\n" + "\n".join(broken)


def _around(text: str, found: re.Match[str]) -> str:
    return text[max(found.start() - 80, 0) : found.end() + 80]
