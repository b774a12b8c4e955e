import base64
import binascii

from cryptography.hazmat.primitives.asymmetric import ec
from django import forms
from django.http import HttpRequest

from trustapp.accounts import push
from trustapp.accounts.models import User


class SignupForm(forms.Form):
    """Extra fields for allauth's sign-up form (allauth calls `signup` after creating the user)."""

    display_name = forms.CharField(
        label="Your first name or nickname",
        max_length=60,
        help_text="This is how your partner will see you.",
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )

    def signup(self, request: HttpRequest, user: User) -> None:
        user.display_name = self.cleaned_data["display_name"].strip()
        user.save(update_fields=["display_name"])


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = User
        fields = [
            "display_name",
            "email_partner_updates",
            "daily_practice",
            "push_partner_checked_in",
            "push_check_in_revealed",
            "push_question_answered",
        ]


def _decoded(value: str, length: int, what: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != length:
        raise forms.ValidationError(f"This device's {what} is not one a browser makes.")
    return raw


class PushSubscriptionForm(forms.Form):
    """What a browser's PushSubscription.toJSON() gives, checked before the server ever posts
    to it: a known push service, and keys of the sizes RFC 8291 uses."""

    endpoint = forms.URLField(max_length=1000, assume_scheme="https")
    p256dh = forms.CharField(max_length=200)
    auth = forms.CharField(max_length=100)

    def clean_endpoint(self) -> str:
        endpoint = self.cleaned_data["endpoint"]
        if not push.is_push_service(endpoint):
            raise forms.ValidationError("This browser's push service is not one we send to.")
        return endpoint

    def clean_p256dh(self) -> str:
        value = self.cleaned_data["p256dh"]
        try:
            # A point on the curve, or nothing can ever be encrypted for this device.
            ec.EllipticCurvePublicKey.from_encoded_point(
                ec.SECP256R1(), _decoded(value, 65, "public key")
            )
        except ValueError:
            raise forms.ValidationError(
                "This device's public key is not one a browser makes."
            ) from None
        return value

    def clean_auth(self) -> str:
        _decoded(self.cleaned_data["auth"], 16, "secret")
        return self.cleaned_data["auth"]
