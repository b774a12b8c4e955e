from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode


class TrustAppAdminSite(admin.AdminSite):
    """The admin, for staff who have two-factor sign-in set up.

    Staff sign in through allauth's login (which asks for the second factor), never through the
    admin's own password-only form. Private writing is simply not registered here."""

    site_header = "TrustApp administration"
    site_title = "TrustApp admin"

    def has_permission(self, request: HttpRequest) -> bool:
        return (
            super().has_permission(request)
            and Authenticator.objects.filter(
                user=request.user, type=Authenticator.Type.TOTP
            ).exists()
        )

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        if request.user.is_authenticated and request.user.is_staff:
            # Signed in, but without a second factor: send them to set it up.
            return redirect("mfa_index")
        next_url = request.GET.get(REDIRECT_FIELD_NAME, reverse("admin:index"))
        return redirect(f"{reverse('account_login')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")
