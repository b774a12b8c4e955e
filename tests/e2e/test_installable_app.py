"""The installable app in a real browser: the service worker installs, keeps only the offline
page and its files, and never a private page, even after Alex has read and written private
things; offline, every page shows the offline page and nothing of Alex's."""

import json

from playwright.sync_api import expect

from steps.services import write_reflection
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in

PRIVATE = "ALEX-PRIVATE-REFLECTION-never-on-the-device"

EVERYTHING_KEPT = """async () => {
  const found = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      found.push({cache: name, url: request.url, body: await response.text()});
    }
  }
  return found;
}"""


def test_the_service_worker_keeps_an_offline_page_and_never_a_private_one(
    site, person, partner_a, partner_b
):
    write_reflection(partnership=partner_a.user.partnerships.get(), step=1, text=PRIVATE)
    alex = person("alex")
    log_in(alex, site, email="alex@example.com", password=PASSWORD)
    page = alex.page
    page.goto(f"{site}/space/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    manifest = json.loads(page.evaluate("fetch('/manifest.webmanifest').then(r => r.text())"))
    assert manifest["display"] == "standalone"

    # Read and write private things with the worker in charge of the page.
    page.reload()
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    page.goto(f"{site}/space/steps/1/")
    expect(page.get_by_text(PRIVATE)).to_be_visible()
    page.get_by_label("Your reflection").fill("ALEX-SECOND-PRIVATE written with the worker on")
    page.get_by_role("button", name="Save my reflection").click()
    expect(page.get_by_text("ALEX-SECOND-PRIVATE")).to_be_visible()
    page.goto(f"{site}/space/hard-moment/")

    kept = page.evaluate(EVERYTHING_KEPT)
    paths = sorted(item["url"].removeprefix(site) for item in kept)
    assert paths == ["/offline/", "/static/css/app.css", "/static/img/icon.svg"]
    for item in kept:
        assert "ALEX" not in item["body"] and "Alex" not in item["body"], item["url"]

    # Offline: the offline page, for a private page too, with nothing of Alex's in it.
    alex.context.set_offline(True)
    page.goto(f"{site}/space/steps/1/")
    expect(page.get_by_role("heading", name="No connection right now")).to_be_visible()
    assert "ALEX" not in page.content()
    alex.screenshot("offline")
    alex.context.set_offline(False)
    page.goto(f"{site}/space/steps/1/")
    expect(page.get_by_text(PRIVATE)).to_be_visible()
