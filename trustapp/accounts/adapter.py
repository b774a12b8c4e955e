from urllib.parse import quote, urlsplit

from allauth.account.adapter import DefaultAccountAdapter, get_adapter
from django import forms
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from trustapp.emails import absolute_url
from trustapp.tasks import send_rendered_email

PENDING_INVITATION_SESSION_KEY = "pending_invitation_path"
EMAIL_MAX_LENGTH = 254
# Where allauth's stash_verified_email keeps the address an emailed link proved.
VERIFIED_EMAIL_SESSION_KEY = "account_verified_email"


def remember_invitation(request: HttpRequest, *, path: str, email: str) -> None:
    """Someone opened an emailed invitation link while signed out: bring them back to it after
    they sign in, and, since the link reached them at `email`, let them sign up with that address
    already counted as verified (allauth's stash prefills the form and marks it verified)."""
    request.session[PENDING_INVITATION_SESSION_KEY] = path
    get_adapter(request).stash_verified_email(request, email)


def forget_invitation(request: HttpRequest) -> None:
    request.session.pop(PENDING_INVITATION_SESSION_KEY, None)
    request.session.pop(VERIFIED_EMAIL_SESSION_KEY, None)


class SiteFromSettings:
    """What allauth's email templates call `current_site`, named by us, not by the Host header."""

    name = "TrustApp"

    @property
    def domain(self) -> str:
        return urlsplit(settings.SITE_URL).netloc


class AccountAdapter(DefaultAccountAdapter):
    """Brings someone who opened a partner invitation straight back to it after they sign in,
    including after signing up and verifying their email in the same browser."""

    def _pending_invitation(self, request: HttpRequest) -> str | None:
        path = request.session.get(PENDING_INVITATION_SESSION_KEY)
        # Only our own invitation paths are ever stored, but never redirect anywhere else.
        if isinstance(path, str) and path.startswith(("/invitation/", "/counselor-invitation/")):
            return path
        return None

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        return self._pending_invitation(request) or super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        return self._pending_invitation(request) or super().get_signup_redirect_url(request)

    def get_email_verification_redirect_url(self, email_address) -> str:  # type: ignore[no-untyped-def]
        request = self.request
        return self._pending_invitation(request) or super().get_email_verification_redirect_url(
            email_address
        )

    def unstash_verified_email(self, request: HttpRequest) -> str | None:
        # allauth would add the stashed address to the new account even when the person typed
        # another one. The invited address counts as verified only if they sign up with it
        # (`is_email_verified` still reads the stash); it is never added behind their back.
        return None

    def clean_email(self, email: str) -> str:
        # allauth's form allows 320 characters but the column holds 254: refuse, never truncate
        # (a truncated address could be somebody else's).
        if len(email) > EMAIL_MAX_LENGTH:
            raise forms.ValidationError(
                f"An email address can be at most {EMAIL_MAX_LENGTH} characters long."
            )
        return super().clean_email(email)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # allauth names the site and builds some links from the request's Host header; ours come
        # from SITE_URL. (The reset-key email's own `password_reset_url` is the key link: keep it.)
        # `site_url` for our own email layout (emails/base.html), as trustapp.emails gives it.
        context = {"current_site": SiteFromSettings(), "site_url": settings.SITE_URL, **context}
        if template_prefix in {
            "account/email/account_already_exists",
            "account/email/unknown_account",
        }:
            context["signup_url"] = absolute_url(reverse("account_signup"))
            context["password_reset_url"] = absolute_url(reverse("account_reset_password"))
        request = self.request
        full_context = {"request": request, "email": email, **context}
        message = self.render_mail(template_prefix, email, full_context)
        html = next(
            (
                content
                for content, mimetype in getattr(message, "alternatives", [])
                if mimetype == "text/html"
            ),
            None,
        )
        # Through a task, like every email, so a failing mail server never fails a sign-up or a
        # password reset. (allauth's views commit as they go; with the database task backend
        # the task row is written in the same transaction, so it too runs only after commit.)
        send_rendered_email.enqueue(message.subject, message.body, html, message.to)

    # Links in emails are built from SITE_URL, never from the Host header of whoever triggered them.
    def get_email_confirmation_url(self, request: HttpRequest, emailconfirmation) -> str:  # type: ignore[no-untyped-def]
        return absolute_url(reverse("account_confirm_email", args=[emailconfirmation.key]))

    def get_reset_password_from_key_url(self, key: str) -> str:
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return absolute_url(path.replace("UID-KEY", quote(key)))
