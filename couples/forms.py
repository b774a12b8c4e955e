from datetime import date

from django import forms
from django.utils import timezone

from couples.models import CounselorProfile, Invitation, Role, Scope
from trustapp.forms import BlankFormCache, MultilineField, RadioSelect


class RoleForm(BlankFormCache, forms.Form):
    initial_values_are_choices = True  # the couple home shows it with the partner's role

    role = forms.ChoiceField(
        label="Which is closest to where you stand?",
        choices=Role.choices,
        widget=RadioSelect,
        error_messages={"required": "Choose the description that fits you best."},
        help_text="It shapes the guidance you see. You can change it at any time.",
    )


class InviteForm(BlankFormCache, forms.ModelForm):
    message = MultilineField(
        label="A personal note (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 1000}),
        help_text="Shown to your partner in the email and on the invitation page. "
        "Up to 1,000 characters.",
        error_messages={
            "max_length": "Please keep the note to 1,000 characters (it has %(show_value)d now)."
        },
    )

    class Meta:
        model = Invitation
        fields = ["email", "message"]
        widgets = {"email": forms.EmailInput(attrs={"autocomplete": "off"})}


def _scope_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label="What may they see?",
        choices=[(s.value, s.label) for s in Scope if s != Scope.PROGRESS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Progress and check-in ratings are always included. Private reflections and "
        "unsent drafts are never shared with anyone.",
    )


def _ends_on_field() -> forms.DateField:
    return forms.DateField(
        label="Until (optional)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="After this date your consent lapses by itself.",
    )


class ConsentForm(BlankFormCache, forms.Form):
    scope = _scope_field()
    ends_on = _ends_on_field()

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("auto_id", f"consent_{kwargs.pop('access_id', 'new')}_%s")
        super().__init__(*args, **kwargs)

    def clean_ends_on(self) -> date | None:
        ends_on = self.cleaned_data["ends_on"]
        if ends_on is not None and ends_on < timezone.localdate():
            raise forms.ValidationError("Choose today or a later date.")
        return ends_on


class CounselorInviteForm(ConsentForm):
    email = forms.EmailField(label="Your counselor's email address", max_length=254)

    field_order = ["email", "scope", "ends_on"]


class CounselorProfileForm(BlankFormCache, forms.ModelForm):
    class Meta:
        model = CounselorProfile
        fields = ["professional_name", "practice", "credentials"]
