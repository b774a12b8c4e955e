"""Every page says in one sentence what it is, for search engines and link previews: exactly one
non-empty `<meta name="description">`, and its own one where a page has a purpose of its own."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


class MetaDescriptions(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "meta" and values.get("name") == "description":
            self.found.append(values.get("content") or "")


def meta_descriptions(client, url: str) -> list[str]:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200, url
    parser = MetaDescriptions()
    parser.feed(response.content.decode())
    return parser.found


def the_description(client, url: str) -> str:  # type: ignore[no-untyped-def]
    found = meta_descriptions(client, url)
    assert len(found) == 1, (url, found)
    (description,) = found
    assert description.strip(), url
    assert "{" not in description and "<" not in description, description
    return description


@pytest.mark.parametrize(
    "url_name", ["landing", "account_login", "account_signup", "help", "account_reset_password"]
)
def test_every_public_page_has_exactly_one_description(anonymous, url_name):
    the_description(anonymous.client, reverse(url_name))


def test_the_couple_home_has_exactly_one_description(partner_a):
    the_description(partner_a.client, reverse("home"))


def test_the_step_and_account_pages_have_exactly_one_description(partner_a):
    for url in [reverse("step_detail", args=[1]), reverse("account_email")]:
        the_description(partner_a.client, url)


def test_the_landing_and_help_pages_describe_themselves(anonymous):
    landing = the_description(anonymous.client, reverse("landing"))
    help_page = the_description(anonymous.client, reverse("help"))
    default = the_description(anonymous.client, reverse("account_reset_password"))

    assert len({landing, help_page, default}) == 3
    assert "trust" in landing.lower()
    assert "danger" in help_page.lower()
