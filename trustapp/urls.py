from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from trustapp import views
from trustapp.accounts import views as account_views

urlpatterns = [
    path("", views.landing, name="landing"),
    path("help/", views.help_now, name="help"),
    path("help/when-the-steps-dont-help/", views.help_counselor, name="help_counselor"),
    path("manifest.webmanifest", views.web_manifest, name="web_manifest"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("offline/", views.offline, name="offline"),
    path("accounts/preferences/", account_views.preferences, name="preferences"),
    path("accounts/push/subscribe/", account_views.push_subscribe, name="push_subscribe"),
    path(
        "accounts/push/<int:subscription_id>/remove/",
        account_views.push_remove,
        name="push_remove",
    ),
    path(
        "email/unsubscribe/<str:token>/",
        account_views.email_unsubscribe,
        name="email_unsubscribe",
    ),
    path("accounts/", include("allauth.urls")),
    path("", include("couples.urls")),
    path("", include("steps.urls")),
    path("admin/", admin.site.urls),
]

# The benchmark's yardstick page (bench/settings.py turns it on); never routed otherwise.
if getattr(settings, "BENCHMARK_BASELINE", False):
    urlpatterns.append(path("bench/baseline/", views.bench_baseline, name="bench_baseline"))

handler400 = "trustapp.views.bad_request"
handler403 = "trustapp.views.permission_denied"
handler404 = "trustapp.views.page_not_found"
handler500 = "trustapp.views.server_error"
