from django import forms

from couples.models import Invitation, Role


class RoleForm(forms.Form):
    role = forms.ChoiceField(
        label="Which is closest to where you stand?",
        choices=Role.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the description that fits you best."},
        help_text="It shapes the guidance you see. You can change it at any time.",
    )


class InviteForm(forms.ModelForm):
    class Meta:
        model = Invitation
        fields = ["email", "message"]
        widgets = {
            "email": forms.EmailInput(attrs={"autocomplete": "off"}),
            "message": forms.Textarea(attrs={"rows": 4, "maxlength": 1000}),
        }
        help_texts = {
            "message": "Shown to your partner in the email and on the invitation page. "
            "Up to 1,000 characters.",
        }
        error_messages = {
            "message": {
                "max_length": "Please keep the note to 1,000 characters "
                "(it has %(show_value)d now)."
            },
        }
