from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
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
