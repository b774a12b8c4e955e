from django import forms

from steps.content import Step
from steps.models import NOTE_MAX_LENGTH, REFLECTION_MAX_LENGTH, Feeling, Reflection


class ReflectionForm(forms.ModelForm):
    prompt = forms.ChoiceField(label="Answering a prompt? (optional)", required=False)
    text = forms.CharField(
        label="Your reflection",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=REFLECTION_MAX_LENGTH,
        strip=False,
        help_text="Only you will ever see this. Up to 10,000 characters.",
        error_messages={
            "required": "Write something first. Even one sentence is enough.",
            "max_length": "This is longer than the 10,000 characters a reflection can hold "
            "(it has %(show_value)d). Nothing is lost: shorten it, or split it in two.",
        },
    )

    class Meta:
        model = Reflection
        fields = ["prompt", "text"]

    def __init__(self, *args, step: Step, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        choices = [("", "No particular prompt"), *((p, p) for p in step.prompts)]
        # An edited reflection may answer a prompt that the writers have since reworded.
        if self.instance.pk and self.instance.prompt and self.instance.prompt not in step.prompts:
            choices.append((self.instance.prompt, self.instance.prompt))
        self.fields["prompt"].choices = choices
        self.fields["text"].widget.attrs["maxlength"] = REFLECTION_MAX_LENGTH

    def clean_text(self) -> str:
        text = self.cleaned_data["text"]
        if not text.strip():
            raise forms.ValidationError("Write something first. Even one sentence is enough.")
        return text


class CheckInForm(forms.Form):
    feeling = forms.TypedChoiceField(
        label="How do you feel about this step right now?",
        choices=Feeling.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the words closest to how you feel."},
    )
    trust = forms.TypedChoiceField(
        label="How much do you trust your partner right now?",
        help_text="0 is not at all, 10 is completely. There is no right answer.",
        choices=[(n, str(n)) for n in range(11)],
        coerce=int,
        widget=forms.RadioSelect(attrs={"class": "scale"}),
        error_messages={"required": "Choose a number from 0 to 10."},
    )
    ready = forms.TypedChoiceField(
        label="Are you ready to move on to the next step?",
        choices=[("yes", "Yes, I'm ready"), ("no", "Not yet, and that's fine")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether you are ready, or not yet."},
    )
    note = forms.CharField(
        label="A note for your partner (optional)",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": NOTE_MAX_LENGTH}),
        help_text="Your partner sees it when both of you have answered. Up to 1,000 characters.",
        error_messages={
            "max_length": "Please keep the note to 1,000 characters (it has %(show_value)d now)."
        },
    )
