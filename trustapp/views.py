import hashlib

from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_GET


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    return render(request, "landing.html")


@require_GET
def help_now(request: HttpRequest) -> HttpResponse:
    return render(request, "help.html")


@require_GET
def help_counselor(request: HttpRequest) -> HttpResponse:
    return render(request, "help_counselor.html")


# The installable app: a manifest, a service worker, and the page it shows offline. The worker
# keeps only the offline page and the files it needs; pages, polls and forms always go to the
# network and are never stored on the device (signed-in pages are no-store as well).


@require_GET
def web_manifest(request: HttpRequest) -> JsonResponse:
    icons = [
        {"src": static("img/icon-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": static("img/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        {
            "src": static("img/icon-maskable-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
        {"src": static("img/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
    ]
    manifest = {
        "id": "/",
        "name": "TrustApp",
        "short_name": "TrustApp",
        "description": "A calm, private place for two partners rebuilding trust.",
        "start_url": reverse("home"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#faf8f5",
        "theme_color": "#faf8f5",
        "icons": icons,
    }
    return JsonResponse(manifest, content_type="application/manifest+json")


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    kept = [reverse("offline"), static("css/app.css"), static("img/icon.svg")]
    # A new offline page or new files make a new cache, and the old one is deleted.
    version = hashlib.sha256("|".join([_offline_html(), *kept]).encode()).hexdigest()[:16]
    response = render(
        request,
        "sw.js",
        {
            "offline_url": reverse("offline"),
            "kept": kept,
            "version": version,
            "icon": static("img/icon-192.png"),
        },
        content_type="text/javascript",
    )
    # A browser checks for a new worker on every visit; never let it keep an old one.
    response["Cache-Control"] = "no-cache"
    return response


def _offline_html() -> str:
    # Kept by the service worker, so it is drawn for nobody: no names, no session, no token.
    return loader.render_to_string("offline.html")


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_offline_html())


BENCH_BASELINE_HTML = (
    "<!doctype html><html lang=en><head><meta charset=utf-8><title>Baseline</title></head>"
    "<body><p>Benchmark baseline.</p></body></html>"
)


@require_GET
def bench_baseline(request: HttpRequest) -> HttpResponse:
    """A fixed small page through the same middleware and server as the app's pages: the
    benchmark's yardstick. Routed only when settings.BENCHMARK_BASELINE is on (bench/settings.py)."""
    return HttpResponse(BENCH_BASELINE_HTML)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without the request context: the failure may lie in a context processor or the
    # database, and this page must still appear.
    return HttpResponseServerError(loader.get_template("500.html").render())
