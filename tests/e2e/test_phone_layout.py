"""On a 390 px phone: the header is one row with "Leave quickly" always in view and the rest in a
menu (that opens by mouse, by keyboard and without JavaScript); the 0-10 trust scale is one row;
the trust chart's labels are readable, whole and apart. Nothing scrolls sideways."""

from datetime import timedelta
from itertools import pairwise

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from steps.models import CheckInRound
from steps.services import CheckInAnswer, submit_check_in
from tests.e2e.conftest import ARTIFACTS, sign_in

PHONE = 390
ONE_ROW = 72  # px: a 44 px target plus the header's padding, with room to spare but not two rows


def menu(page: Page):  # type: ignore[no-untyped-def]
    return page.locator(".site-menu")


def assert_no_sideways_scrolling(page: Page) -> None:
    scroll_width, client_width = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll_width <= client_width, (scroll_width, client_width)


def header_height(page: Page) -> float:
    box = page.locator(".site-header").bounding_box()
    assert box is not None
    return box["height"]


def assert_leave_quickly_in_the_row(page: Page) -> None:
    leave = page.get_by_role("link", name="Leave quickly")
    expect(leave).to_be_visible()
    box, header = leave.bounding_box(), page.locator(".site-header").bounding_box()
    assert box and header
    assert header["y"] <= box["y"] and box["y"] + box["height"] <= header["y"] + header["height"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE


# The header


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "partner"])
def test_the_phone_header_is_one_row_with_leave_quickly_always_in_view(
    site, person, partner_a, signed_in
):
    alex = person("phone-header")
    if signed_in:
        sign_in(alex.context, partner_a.user)
    page = alex.page
    for path in ["/", "/help/", "/accounts/login/"] + (
        ["/space/", "/space/steps/1/", "/accounts/email/"] if signed_in else []
    ):
        page.goto(f"{site}{path}")
        assert header_height(page) < ONE_ROW, path
        assert_leave_quickly_in_the_row(page)
        assert_no_sideways_scrolling(page)
        # The other links wait in the closed menu.
        expect(menu(page).get_by_role("link", name="Need help now?")).to_be_hidden()
        expect(page.get_by_text("Menu", exact=True)).to_be_visible()
    assert alex.errors == []


def test_the_phone_menu_opens_with_a_click_and_keeps_leave_quickly_in_view(site, person, partner_a):
    alex = person("phone-menu-mouse")
    sign_in(alex.context, partner_a.user)
    page = alex.page
    page.goto(f"{site}/space/steps/1/")

    page.get_by_text("Menu", exact=True).click()
    for name in ["Our space", "Who can see it", "Account", "Need help now?"]:
        expect(menu(page).get_by_role("link", name=name)).to_be_visible()
    expect(menu(page).get_by_role("button", name="Log out")).to_be_visible()
    assert_leave_quickly_in_the_row(page)
    assert header_height(page) < ONE_ROW  # the open menu lies over the page, under the row
    assert_no_sideways_scrolling(page)

    # One click from the open menu to help.
    menu(page).get_by_role("link", name="Need help now?").click()
    page.wait_for_url(f"{site}/help/")
    expect(page.get_by_role("heading", name="Need help now?", level=1)).to_be_visible()

    # A click anywhere else closes it.
    page.get_by_text("Menu", exact=True).click()
    expect(menu(page).get_by_role("link", name="Our space")).to_be_visible()
    page.mouse.click(4, 700)  # in the page's margin, under the open menu
    expect(menu(page).get_by_role("link", name="Our space")).to_be_hidden()
    assert alex.errors == []


def test_the_phone_menu_works_with_the_keyboard_alone(site, person, partner_a):
    alex = person("phone-menu-keyboard")
    sign_in(alex.context, partner_a.user)
    page = alex.page
    page.goto(f"{site}/space/")

    page.locator(".brand").focus()
    page.keyboard.press("Tab")
    toggle = page.locator(".site-menu > summary")
    expect(toggle).to_be_focused()
    page.keyboard.press("Enter")
    expect(menu(page).get_by_role("link", name="Our space")).to_be_visible()
    # Escape closes it again, back on "Menu".
    page.keyboard.press("Escape")
    expect(menu(page).get_by_role("link", name="Our space")).to_be_hidden()
    expect(toggle).to_be_focused()

    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # past "Our space" to "Who can see it"
    expect(menu(page).get_by_role("link", name="Who can see it")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{site}/space/sharing/")
    assert alex.errors == []


def test_the_phone_menu_opens_without_javascript(site, browser, partner_a):
    context = browser.new_context(
        viewport={"width": PHONE, "height": 844}, java_script_enabled=False
    )
    try:
        sign_in(context, partner_a.user)
        page = context.new_page()
        page.goto(f"{site}/space/")
        assert header_height(page) < ONE_ROW
        assert_leave_quickly_in_the_row(page)
        expect(menu(page).get_by_role("link", name="Who can see it")).to_be_hidden()
        page.get_by_text("Menu", exact=True).click()
        menu(page).get_by_role("link", name="Who can see it").click()
        page.wait_for_url(f"{site}/space/sharing/")
    finally:
        context.close()


def test_on_a_desktop_the_links_sit_in_the_header_row(site, person, partner_a):
    alex = person("desktop-header", width=1280, height=900)
    sign_in(alex.context, partner_a.user)
    page = alex.page
    page.goto(f"{site}/space/")
    expect(page.get_by_text("Menu", exact=True)).to_be_hidden()
    for name in ["Our space", "Who can see it", "Account", "Need help now?", "Leave quickly"]:
        expect(page.get_by_role("link", name=name)).to_be_visible()
    assert header_height(page) < ONE_ROW
    assert alex.errors == []


# The trust scale


def option_boxes(page: Page) -> list[dict[str, float]]:
    options = page.locator('#check-in label:has(> input[name="trust"])')
    expect(options).to_have_count(11)
    boxes = [options.nth(i).bounding_box() for i in range(11)]
    assert all(boxes)
    return boxes  # type: ignore[return-value]


def assert_one_row(boxes: list[dict[str, float]], *, right_edge: float) -> None:
    tops = {round(box["y"]) for box in boxes}
    assert len(tops) == 1, f"the scale wraps: rows at {sorted(tops)}"
    for left, right in pairwise(boxes):
        assert left["x"] + left["width"] <= right["x"] + 0.5, "options overlap"
    assert boxes[0]["x"] >= 0 and boxes[-1]["x"] + boxes[-1]["width"] <= right_edge
    assert min(box["width"] for box in boxes) >= 24  # WCAG 2.2's smallest target


def test_the_trust_scale_is_one_row_on_a_phone(site, person, partner_a, partner_b):
    alex = person("phone-scale")
    sign_in(alex.context, partner_a.user)
    page = alex.page
    page.goto(f"{site}/space/steps/1/")

    form = page.locator("#check-in form")
    form_box = form.bounding_box()
    assert form_box
    assert_one_row(option_boxes(page), right_edge=form_box["x"] + form_box["width"])
    # Each number sits whole inside its option, on one line.
    for value in ("0", "10"):
        label = page.locator(f'#check-in label:has(> input[name="trust"][value="{value}"])')
        assert label.evaluate("l => l.scrollWidth <= l.clientWidth")
    assert_no_sideways_scrolling(page)

    # The same once answered, in "Change my answer".
    submit_check_in(
        partnership=partner_a.user.partnerships.get(),
        step=1,
        answer=CheckInAnswer(3, 7, False, ""),
    )
    page.goto(f"{site}/space/steps/1/")
    page.get_by_text("Change my answer").click()
    form_box = page.locator("#check-in form").bounding_box()
    assert form_box
    assert_one_row(option_boxes(page), right_edge=form_box["x"] + form_box["width"])
    assert_no_sideways_scrolling(page)
    assert alex.errors == []


# The trust chart


def reveal_rounds(partner_a, partner_b, count: int) -> None:
    alex = partner_a.user.partnerships.get()
    blake = partner_b.user.partnerships.get()
    for n in range(count):
        submit_check_in(partnership=alex, step=1, answer=CheckInAnswer(3, n % 11, False, ""))
        submit_check_in(partnership=blake, step=1, answer=CheckInAnswer(4, 10 - n % 11, False, ""))
    # Spread the rounds over the weeks, as a couple's would be, so each has its own date.
    for age, round_ in enumerate(CheckInRound.objects.order_by("-revealed_at")):
        round_.revealed_at = timezone.now() - timedelta(days=7 * age)
        round_.save(update_fields=["revealed_at"])


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


@pytest.mark.parametrize("rounds", [1, 2, 12])
def test_the_trust_chart_labels_are_readable_on_a_phone(site, person, partner_a, partner_b, rounds):
    reveal_rounds(partner_a, partner_b, rounds)
    alex = person(f"phone-chart-{rounds}")
    sign_in(alex.context, partner_a.user)
    page = alex.page
    page.goto(f"{site}/space/")

    labels = page.locator(".chart .chart__label")
    count = labels.count()
    assert count >= 3 + 1  # three gridlines and at least one date
    figure = page.locator(".chart").bounding_box()
    assert figure
    boxes = []
    for i in range(count):
        label = labels.nth(i)
        size = float(label.evaluate("t => getComputedStyle(t).fontSize").removesuffix("px"))
        # The rendered size: a scaled drawing would shrink the text with it.
        rendered = label.evaluate("t => t.getBoundingClientRect().height")
        assert size >= 12 and rendered >= 12, (label.text_content(), size, rendered)
        box = label.bounding_box()
        assert box, label.text_content()
        # Whole, inside the chart's own box and the screen: nothing clipped.
        assert figure["x"] <= box["x"] and box["x"] + box["width"] <= figure["x"] + figure["width"]
        assert (
            figure["y"] <= box["y"] and box["y"] + box["height"] <= figure["y"] + figure["height"]
        )
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE
        boxes.append((label.text_content(), box))
    for i, (text_a, a) in enumerate(boxes):
        for text_b, b in boxes[i + 1 :]:
            assert not overlaps(a, b), f"{text_a!r} overlaps {text_b!r}"
    assert_no_sideways_scrolling(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator(".chart").screenshot(path=str(ARTIFACTS / f"phone-chart-{rounds}.png"))
    assert alex.errors == []
