"""TrustApp installs as an app: a manifest with icons, a service worker that keeps only an
offline page and its files, and that offline page, drawn for nobody in particular."""

import json
import struct

from django.contrib.staticfiles import finders
from django.urls import reverse


def _png_size(static_url: str) -> tuple[int, int]:
    path = finders.find(static_url.removeprefix("/static/"))
    assert path, static_url
    with open(path, "rb") as png:
        header = png.read(24)
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def test_the_manifest_makes_an_installable_app(client) -> None:
    response = client.get(reverse("web_manifest"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["start_url"] == "/space/"
    assert manifest["display"] == "standalone"
    assert manifest["name"] == manifest["short_name"] == "TrustApp"
    sizes = {
        icon["sizes"]: _png_size(icon["src"])
        for icon in manifest["icons"]
        if icon["type"] == "image/png" and "purpose" not in icon
    }
    assert sizes == {"192x192": (192, 192), "512x512": (512, 512)}
    (maskable,) = [icon for icon in manifest["icons"] if icon.get("purpose") == "maskable"]
    assert _png_size(maskable["src"]) == (512, 512)


def test_every_page_links_the_manifest_and_an_icon_for_the_home_screen(client, partner_a) -> None:
    for who in (client, partner_a.client):
        page = who.get(reverse("help")).content.decode()
        assert '<link rel="manifest" href="/manifest.webmanifest">' in page
        assert 'rel="apple-touch-icon"' in page


def test_the_service_worker_keeps_only_the_offline_page_and_its_files(client) -> None:
    response = client.get(reverse("service_worker"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    script = response.content.decode()
    assert 'const OFFLINE_URL = "/offline/";' in script
    assert 'const KEPT = ["/offline/", "/static/css/app.css", "/static/img/icon.svg"];' in script
    # It never stores a response it fetched: only the list above, once, at install.
    assert "cache.put" not in script and ".put(" not in script
    assert 'request.mode === "navigate"' in script


def test_a_new_offline_page_makes_a_new_cache(client, monkeypatch) -> None:
    from trustapp import views

    before = client.get(reverse("service_worker")).content.decode()
    monkeypatch.setattr(views, "_offline_html", lambda: "<!doctype html><title>changed</title>")
    after = client.get(reverse("service_worker")).content.decode()
    name = [line for line in before.splitlines() if line.startswith("const CACHE")]
    assert name and name[0] not in after
    assert "const CACHE" in after


def test_the_offline_page_is_the_same_for_everyone_and_holds_nothing_of_theirs(
    client, partner_a
) -> None:
    anonymous = client.get(reverse("offline"))
    signed_in = partner_a.client.get(reverse("offline"))
    assert anonymous.status_code == signed_in.status_code == 200
    assert anonymous.content == signed_in.content
    page = signed_in.content.decode()
    assert "No connection right now" in page
    assert "Alex" not in page and "csrf" not in page.lower()
    assert "116 123" in page  # help is there offline too
