from datetime import date

from django import forms
from django.utils import timezone

from steps.content import Step
from steps.models import (
    HARD_MOMENT_NOTE_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    PROMPT_ANSWER_MAX_LENGTH,
    REFLECTION_MAX_LENGTH,
    ApologyResponse,
    Feeling,
    FocusArea,
    ForgivenessDecision,
    HardMoment,
    QuestionEntry,
    Reflection,
    Understood,
)
from trustapp.forms import BlankFormCache, MultilineField, RadioSelect


class ReflectionForm(BlankFormCache, forms.ModelForm):
    prompt = forms.ChoiceField(label="Answering a prompt? (optional)", required=False)
    text = MultilineField(
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

    def __init__(self, *args, step: Step, role: str = "", **kwargs) -> None:  # type: ignore[no-untyped-def]
        # The add form and any edit form swapped in beside it need ids of their own.
        instance = kwargs.get("instance")
        kwargs.setdefault(
            "auto_id",
            f"reflection_{instance.pk}_%s" if instance and instance.pk else "reflection_%s",
        )
        super().__init__(*args, **kwargs)
        # The prompts for the writer's role (hurt, broke trust, mutual) come after everyone's.
        prompts = step.prompts_for(role)
        choices = [("", "No particular prompt"), *((p, p) for p in prompts)]
        # An edited reflection may answer a prompt that the writers have since reworded, or one
        # written for a role the writer has since changed.
        if self.instance.pk and self.instance.prompt and self.instance.prompt not in prompts:
            choices.append((self.instance.prompt, self.instance.prompt))
        self.fields["prompt"].choices = choices
        self.fields["text"].widget.attrs["maxlength"] = REFLECTION_MAX_LENGTH

    def clean_text(self) -> str:
        text = self.cleaned_data["text"]
        if not text.strip():
            raise forms.ValidationError("Write something first. Even one sentence is enough.")
        return text


class CheckInForm(BlankFormCache, forms.Form):
    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("auto_id", "check_in_%s")
        super().__init__(*args, **kwargs)

    feeling = forms.TypedChoiceField(
        label="How do you feel about this step right now?",
        choices=Feeling.choices,
        coerce=int,
        widget=RadioSelect,
        error_messages={"required": "Choose the words closest to how you feel."},
    )
    trust = forms.TypedChoiceField(
        label="How much do you trust your partner right now?",
        help_text="0 is not at all, 10 is completely. There is no right answer.",
        choices=[(n, str(n)) for n in range(11)],
        coerce=int,
        widget=RadioSelect(attrs={"class": "scale"}),
        error_messages={"required": "Choose a number from 0 to 10."},
    )
    ready = forms.TypedChoiceField(
        label="Are you ready to move on to the next step?",
        choices=[("yes", "Yes, I'm ready"), ("no", "Not yet, and that's fine")],
        coerce=lambda value: value == "yes",
        widget=RadioSelect,
        error_messages={"required": "Say whether you are ready, or not yet."},
    )
    note = MultilineField(
        label="A note for your partner (optional)",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": NOTE_MAX_LENGTH}),
        help_text="Your partner sees it when both of you have answered. Up to 1,000 characters.",
        error_messages={
            "max_length": "Please keep the note to 1,000 characters (it has %(show_value)d now)."
        },
    )


class ToolForm(BlankFormCache, forms.Form):
    """Several forms share a page: give each its own element ids (`<id_prefix>_<field>`), so
    every label points at its own field."""

    id_prefix = "tool"

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


def _limit_message(limit: int) -> str:
    return f"Please keep this to {limit:,} characters (it has %(show_value)d now). Nothing you typed is lost."


def _text(
    label: str, limit: int, *, required: bool = True, rows: int = 4, help_text: str = ""
) -> forms.CharField:
    return MultilineField(
        label=label,
        required=required,
        max_length=limit,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows, "maxlength": limit}),
        error_messages={
            "required": "Write something first.",
            "max_length": _limit_message(limit),
        },
    )


class PauseForm(ToolForm):
    id_prefix = "pause"

    note = _text(
        "A note for your partner (optional)",
        500,
        required=False,
        rows=2,
        help_text="Why you need a pause, or for how long, if you want to say.",
    )


class ResumeRequestForm(ToolForm):
    id_prefix = "resume_request"

    note = _text(
        "A gentle note (optional)",
        500,
        required=False,
        rows=2,
        help_text="They will see it on their page. There are no emails while the process is paused.",
    )


class SafetyCheckForm(ToolForm):
    id_prefix = "safety"

    YES_NO = [("no", "No"), ("yes", "Yes")]

    afraid = forms.TypedChoiceField(
        label="Do you feel afraid of your partner?",
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=RadioSelect,
    )
    pressured = forms.TypedChoiceField(
        label="Do you feel pressured or forced to take part in this?",
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=RadioSelect,
    )
    harmed = forms.TypedChoiceField(
        label="Has your partner ever hurt, threatened or controlled you?",
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=RadioSelect,
    )
    self_harm = forms.TypedChoiceField(
        label="Are you having thoughts of harming yourself?",
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=RadioSelect,
    )


class QuestionForm(ToolForm):
    id_prefix = "question"

    text = _text("Your question", 2000, rows=3, help_text="Up to 2,000 characters.")


class ToldLaterForm(ToolForm):
    id_prefix = "told_later"

    text = _text(
        "What has not come out before",
        4000,
        rows=4,
        help_text="Your partner sees it as soon as you save it, marked as told later.",
    )


class QuestionEntryForm(ToolForm):
    id_prefix = "entry"

    kind = forms.ChoiceField(choices=QuestionEntry.Kind.choices, widget=forms.HiddenInput)
    text = _text("Your answer", 5000, required=False, rows=4)


class ApologyForm(ToolForm):
    id_prefix = "apology"

    text = _text(
        "Your apology",
        10_000,
        rows=8,
        help_text="Private until you send it: your partner sees nothing of a draft.",
    )


class ApologyResponseForm(ToolForm):
    id_prefix = "apology_response"

    kind = forms.ChoiceField(
        label="How do you receive it?",
        choices=ApologyResponse.Kind.choices,
        widget=RadioSelect,
        error_messages={"required": "Choose how you receive it."},
    )
    text = _text("In your own words (optional)", 5000, required=False, rows=4)


class UnderstandingForm(ToolForm):
    id_prefix = "understanding"

    text = _text(
        "What I heard you feel and need",
        5000,
        rows=5,
        help_text="In your own words, without judging or answering it.",
    )


class UnderstandingResponseForm(ToolForm):
    id_prefix = "understanding_response"

    understood = forms.TypedChoiceField(
        label="How understood do you feel?",
        choices=Understood.choices,
        coerce=int,
        widget=RadioSelect,
        error_messages={"required": "Choose how understood you feel."},
    )
    clarification = _text("What you would add or correct (optional)", 5000, required=False)


class CommitmentForm(ToolForm):
    id_prefix = "commitment"

    text = forms.CharField(
        label="A concrete commitment",
        max_length=300,
        help_text='Something you can do and check off, like "I tell you when plans change".',
        error_messages={
            "max_length": _limit_message(300),
            "required": "Write the commitment first.",
        },
    )
    review_on = forms.DateField(
        label="Review it together on",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Agree a period together; when it ends, you decide whether to keep it.",
    )

    def clean_review_on(self) -> date:
        review_on = self.cleaned_data["review_on"]
        if review_on <= timezone.localdate():
            raise forms.ValidationError("Choose a date after today.")
        return review_on


class CommitmentCheckForm(ToolForm):
    id_prefix = "commitment_check"

    on = forms.DateField(
        label="Date", widget=forms.DateInput(attrs={"type": "date"}), initial=timezone.localdate
    )
    note = forms.CharField(
        label="Note (optional)",
        max_length=500,
        required=False,
        error_messages={"max_length": _limit_message(500)},
    )

    def clean_on(self) -> date:
        on = self.cleaned_data["on"]
        if on > timezone.localdate():
            raise forms.ValidationError("A check-off can't be in the future.")
        return on


class CommitmentReviewForm(ToolForm):
    id_prefix = "commitment_review"

    review_on = forms.DateField(
        label="Keep it until", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    close = forms.BooleanField(required=False)

    def clean_review_on(self) -> date | None:
        review_on = self.cleaned_data["review_on"]
        if review_on is not None and review_on <= timezone.localdate():
            raise forms.ValidationError("Choose a date after today.")
        return review_on


class FocusAreaForm(ToolForm):
    id_prefix = "focus_area"

    kind = forms.ChoiceField(label="Area", choices=FocusArea.Kind.choices)
    title = forms.CharField(label="Name (for an area of your own)", max_length=80, required=False)
    plan = _text("Our plan", 3000, required=False, rows=3)
    next_action = forms.CharField(label="Next action", max_length=300, required=False)

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("kind") == FocusArea.Kind.OWN and not cleaned.get("title", "").strip():
            self.add_error("title", "Give your own area a name.")
        return cleaned


class FocusAreaUpdateForm(ToolForm):
    id_prefix = "focus_area_update"

    plan = _text("Our plan", 3000, required=False, rows=3)
    next_action = forms.CharField(label="Next action", max_length=300, required=False)
    status = forms.ChoiceField(label="Where it stands", choices=FocusArea.Status.choices)
    note = forms.CharField(label="What changed (optional)", max_length=500, required=False)


class ForgivenessForm(ToolForm):
    id_prefix = "forgiveness"

    decision = forms.ChoiceField(
        label="Where are you with forgiving?",
        choices=ForgivenessDecision.Decision.choices,
        widget=RadioSelect,
        error_messages={"required": "Choose where you are; either answer is all right."},
    )
    reflection = _text(
        "A private reflection beside it (optional)",
        REFLECTION_MAX_LENGTH,
        required=False,
        rows=4,
        help_text="Only you will ever see this.",
    )


class HardMomentForm(ToolForm):
    """What the person in a hard moment may keep: a private note, and whether to tell their
    partner what they need. Both are optional; the page's guidance is the point."""

    id_prefix = "hard_moment"

    need = forms.ChoiceField(
        label="Let your partner know? (optional)",
        choices=HardMoment.Need.choices,
        required=False,
        widget=RadioSelect,
        help_text="They see only what you choose here and when, never your note.",
    )
    note = _text(
        "A note for yourself (optional)",
        HARD_MOMENT_NOTE_MAX_LENGTH,
        required=False,
        rows=3,
        help_text="What set this off, what helped. Only you will ever see it.",
    )

    def __init__(self, *args, may_ask: bool = True, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if not may_ask:
            # Alone in the space, or set aside for their safety: nothing goes to a partner.
            del self.fields["need"]


class PromptAnswerForm(ToolForm):
    """An answer to the daily question or an exercise: private unless the writer shares it."""

    id_prefix = "answer"

    text = _text("Your answer", PROMPT_ANSWER_MAX_LENGTH, rows=4)
    share = forms.BooleanField(
        label="Share it with your partner",
        required=False,
        help_text="They see it once they have shared theirs too, and you see theirs.",
    )

    def __init__(self, *args, may_share: bool = True, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if not may_share:
            del self.fields["share"]
