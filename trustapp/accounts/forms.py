from django import forms
from django.http import HttpRequest

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
        fields = ["display_name", "email_partner_updates"]
