import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from allauth.account.decorators import reauthentication_required
from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from couples.forms import RoleForm
from couples.models import Partnership, Scope
from couples.selectors import (
    get_access_for_counselor,
    get_consent_state,
    get_counselor_accesses,
    get_couple_panel,
    get_partnership,
    get_partnership_or_404,
    get_previous_brief,
    is_counselor,
)
from couples.services import log_counselor_view
from steps import services
from steps.charts import trust_chart, trust_chart_html
from steps.content import content, get_step_or_404
from steps.export import build_export
from steps.forms import (
    ApologyForm,
    ApologyResponseForm,
    CheckInForm,
    CommitmentCheckForm,
    CommitmentForm,
    CommitmentReviewForm,
    FocusAreaForm,
    FocusAreaUpdateForm,
    ForgivenessForm,
    HardMomentForm,
    PauseForm,
    PromptAnswerForm,
    QuestionEntryForm,
    QuestionForm,
    ReflectionForm,
    ResumeRequestForm,
    SafetyCheckForm,
    ToldLaterForm,
    UnderstandingForm,
    UnderstandingResponseForm,
)
from steps.models import (
    Apology,
    CheckIn,
    Commitment,
    CommitmentCheck,
    FocusArea,
    HardMoment,
    Question,
    Reflection,
    Understanding,
)
from steps.selectors import (
    CoupleReads,
    closeness_key,
    daily_key,
    get_apology_state,
    get_counselor_brief,
    get_counselor_summary,
    get_couple_reads,
    get_couple_reads_or_404,
    get_couples_at_a_glance,
    get_daily_question,
    get_earlier_daily_answers,
    get_forgiveness_state,
    get_journey_state,
    get_latest_safety_check,
    get_ledger_status,
    get_next_action,
    get_own_hard_moments,
    get_partner_ask_for,
    get_partner_asks,
    get_progress,
    get_prompt_exchanges,
    get_recent_partner_asks,
    get_reflection_for,
    get_reflections,
    get_shared_for,
    get_trust_history,
    is_among_latest,
    is_ledger_unchanged_for,
    is_round_open_for,
    is_step_open,
    ledger_status_of,
)
from trustapp.accounts.decorators import verified_email_required

security_log = logging.getLogger("trustapp.security")


def _redirect(request: HttpRequest, to: str) -> HttpResponse:
    if request.htmx:
        return HttpResponseClientRedirect(resolve_url(to))
    return redirect(to)


@require_GET
@verified_email_required
def home(request: HttpRequest) -> HttpResponse:
    """The couple home: both partners, the eleven steps, and the trust between them over time."""
    reads = get_couple_reads(request.user)
    if reads is None:
        return redirect("counselor_dashboard" if is_counselor(request.user) else "couple_start")
    return render(request, "steps/home.html", _home_context(reads))


def _time_together(partnership: Partnership) -> str:
    """How long the couple has been at it, as the home says it: from the first whole day."""
    started = partnership.couple.created_at
    return timesince(started) if (timezone.now() - started).days > 0 else ""


def _home_context(reads: CoupleReads, **overrides: Any) -> dict[str, Any]:
    partnership = reads.partnership
    panel = get_couple_panel(partnership)
    progress = reads.progress()
    partners = [partnership] + ([panel.partner] if panel.partner else [])
    journey = reads.journey()
    safety = reads.safety()
    waiting = reads.waiting()
    set_aside = safety is not None and safety.has_concern
    next_action = get_next_action(
        panel=panel, journey=journey, safety=safety, waiting=waiting, progress=progress
    )
    return {
        "panel": panel,
        "progress": progress,
        "journey": journey,
        "safety": safety,
        "next_action": next_action,
        "next_action_step": get_step_or_404(next_action.step) if next_action.step else None,
        # A partner whose safety comes first is never prompted to take part in anything shared.
        "unanswered": 0 if set_aside else reads.ledger_status().unanswered,
        "partner_asks": get_recent_partner_asks(partnership, set_aside=set_aside),
        "chart_html": trust_chart_html(partnership.couple, partners, reads.trust_history_stamp()),
        "time_together": _time_together(partnership),
        "role_form": RoleForm(initial={"role": partnership.role}),
        **overrides,
    }


@require_GET
@verified_email_required
def chapter(request: HttpRequest, slug: str) -> HttpResponse:
    get_partnership_or_404(request.user)
    found = content().chapter(slug)
    if found is None:
        raise Http404("No such chapter.")
    return render(request, "steps/chapter.html", {"chapter": found})


def _check_in_form(state) -> CheckInForm:  # type: ignore[no-untyped-def]
    answer: CheckIn | None = state.my_answer
    if answer is None:
        return CheckInForm()
    return CheckInForm(
        initial={
            "feeling": answer.feeling,
            "trust": answer.trust,
            "ready": "yes" if answer.ready else "no",
            "note": answer.note,
        }
    )


def _tool_context(reads: CoupleReads, number: int) -> dict[str, Any]:
    """What a step's tool shows, for the asking partner (never another partner's drafts)."""
    partnership = reads.partnership
    if number == 6:
        ledger = reads.ledger()
        return {
            "questions": ledger,
            "ledger_status": ledger_status_of(ledger),
            "question_form": QuestionForm(),
            "told_later_form": ToldLaterForm(),
            "entry_form": QuestionEntryForm(),
        }
    if number == 7:
        state = get_apology_state(partnership)
        return {
            "apology": state,
            "may_apologize": services.may_apologize(partnership),
            "apology_form": ApologyForm(
                initial={"text": state.my_draft.text if state.my_draft else ""}
            ),
            "response_form": ApologyResponseForm(),
        }
    if number == 8:
        return {
            "understandings": reads.understandings(),
            "understanding_form": UnderstandingForm(),
            "understanding_response_form": UnderstandingResponseForm(),
        }
    if number == 9:
        return {
            "commitments": reads.commitments(),
            "may_commit": services.may_apologize(partnership),
            "commitment_form": CommitmentForm(),
            "check_form": CommitmentCheckForm(),
        }
    if number == 10:
        return {
            "focus_areas": reads.focus_areas(),
            "focus_area_form": FocusAreaForm(),
        }
    if number == 11:
        return {
            "forgiveness": get_forgiveness_state(partnership),
            "forgiveness_form": ForgivenessForm(),
            "journey": reads.journey(),
        }
    return {}


def _check_in_context(reads: CoupleReads, number: int) -> dict[str, Any]:
    """What the step page's check-in part shows: all that an htmx check-in answer renders."""
    current_step = reads.current_step()
    state = reads.check_in_state(number)
    panel = get_couple_panel(reads.partnership)
    return {
        "step": get_step_or_404(number),
        "current_step": current_step,
        # Solo: with no partner in the space, nothing waits on anyone, so every step is open.
        "reachable": is_step_open(number, current_step) or panel.partner is None,
        "panel": panel,
        "journey": reads.journey(),
        "ended": panel.has_ended,
        "check_in": state,
        "check_in_form": _check_in_form(state),
        "next_step": number + 1 if number < len(content().steps) else None,
    }


def _step_context(request: HttpRequest, reads: CoupleReads, number: int, **extra) -> dict:  # type: ignore[no-untyped-def]
    """The whole step page in one context: what it shares and the viewer's own parts."""
    partnership = reads.partnership
    context = _check_in_context(reads, number)
    context.update(
        {
            "role_note": context["step"].note_for(reads.partnership.role),
            "safety": reads.safety(),
            "tool_template": (
                f"steps/tools/step-{number:02d}.html" if number in TOOL_STEPS else None
            ),
            **_tool_context(reads, number),
            "previous_step": number - 1 if number > 1 else None,
            **_reflections_context(request, number, partnership.role),
            **extra,
        }
    )
    return context


def _reflections_context(request: HttpRequest, number: int, role: str) -> dict:
    return {
        **_reflection_form_context(request, number, role),
        **_reflection_list_context(request, number),
    }


def _reflection_form_context(request: HttpRequest, number: int, role: str) -> dict:
    """The reflections section around the list: the prompts and the form."""
    step = get_step_or_404(number)
    return {
        "step": step,
        "role_prompts": step.role_prompts.get(role, []),
        # Writing from the full list keeps the full list (the query string rides along).
        "reflection_create_url": _with_all_reflections(
            reverse("reflection_create", args=[number]), _shows_all_reflections(request)
        ),
        "reflection_form": ReflectionForm(step=step, role=role),
    }


def _reflection_list_context(request: HttpRequest, number: int) -> dict:
    """The private part: the person's own reflections on the step."""
    everything = _shows_all_reflections(request)
    return {
        "step": get_step_or_404(number),
        "reflections": get_reflections(request.user, number, everything=everything),
    }


@require_GET
@verified_email_required
def step_detail(request: HttpRequest, number: int) -> HttpResponse:
    reads = get_couple_reads_or_404(request.user)
    get_step_or_404(number)
    return render(request, "steps/step.html", _step_context(request, reads, number))


@require_POST
@verified_email_required
def reflection_create(request: HttpRequest, number: int) -> HttpResponse:
    reads = get_couple_reads_or_404(request.user)
    partnership = reads.partnership
    step = get_step_or_404(number)
    form = ReflectionForm(request.POST, step=step, role=partnership.role)
    if form.is_valid():
        services.write_reflection(
            partnership=partnership,
            step=number,
            text=form.cleaned_data["text"],
            prompt=form.cleaned_data["prompt"],
        )
        if not request.htmx:
            # Back to the list as it was shown: the latest ten, or all of them.
            step_url = reverse("step_detail", args=[number])
            return redirect(
                _with_all_reflections(step_url, _shows_all_reflections(request)) + "#reflections"
            )
        # In place: the list with the new reflection on top, and an empty form again.
        form = ReflectionForm(step=step, role=partnership.role)
        saved = True
    else:
        saved = False
    context = _step_context(request, reads, number, reflection_form=form, reflection_saved=saved)
    template = "steps/step.html#reflections" if request.htmx else "steps/step.html"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@verified_email_required
def reflection_edit(request: HttpRequest, reflection_id: int) -> HttpResponse:
    # A reflection belongs to its author whether or not they are in a couple now.
    reflection = get_reflection_for(request.user, reflection_id)
    step = get_step_or_404(reflection.step)
    partnership = get_partnership(request.user)
    form = ReflectionForm(
        request.POST if request.method == "POST" else None,
        instance=reflection,
        step=step,
        role=partnership.role if partnership else "",
    )
    if request.method == "POST" and form.is_valid():
        reflection.edit(text=form.cleaned_data["text"], prompt=form.cleaned_data["prompt"])
        if request.htmx:
            return render(request, "steps/step.html#reflection", {"reflection": reflection})
        return redirect(f"{_step_page_showing(reflection)}#reflection-{reflection.pk}")
    context = {
        "reflection": reflection,
        "form": form,
        "step": step,
        "step_url": _step_page_showing(reflection),
    }
    if request.htmx:
        return render(request, "steps/reflection_edit.html#edit-form", context)
    return render(request, "steps/reflection_edit.html", context)


@require_http_methods(["GET", "POST"])
@verified_email_required
def reflection_delete(request: HttpRequest, reflection_id: int) -> HttpResponse:
    reflection = get_reflection_for(request.user, reflection_id)
    if request.method == "POST":
        # Back to the list it was on: the latest ones, or all of them for an older one.
        back_to = _step_page_showing(reflection)
        services.delete_reflection(reflection=reflection)
        if request.htmx:
            return HttpResponse("")
        return redirect(f"{back_to}#reflections")
    return render(
        request,
        "steps/reflection_delete.html",
        {"reflection": reflection, "step_url": _step_page_showing(reflection)},
    )


def _shows_all_reflections(request: HttpRequest) -> bool:
    return request.GET.get("reflections") == "all"


def _with_all_reflections(url: str, everything: bool) -> str:
    return f"{url}?reflections=all" if everything else url


def _step_page_showing(reflection: Reflection) -> str:
    """The step page with this reflection on it: the latest ones, or all for an older one."""
    url = reverse("step_detail", args=[reflection.step])
    return _with_all_reflections(url, not is_among_latest(reflection))


@require_POST
@verified_email_required
def check_in_submit(request: HttpRequest, number: int) -> HttpResponse:
    reads = get_couple_reads_or_404(request.user)
    partnership = reads.partnership
    get_step_or_404(number)
    form = CheckInForm(request.POST)
    error = None
    if form.is_valid():
        try:
            services.submit_check_in(
                partnership=partnership,
                step=number,
                answer=services.CheckInAnswer(**form.cleaned_data),
            )
        except services.StepError as refused:
            error = str(refused)
        else:
            if not request.htmx:
                return redirect(reverse("step_detail", args=[number]) + "#check-in")
            form = None
    # Under htmx only the check-in part is swapped in, so only its data is read again. The
    # couple's state read with the seats, before the answer, is still what the part shows: an
    # answer is refused while paused, and the current step shows only on steps not yet open.
    if request.htmx:
        context = _check_in_context(reads, number)
    else:
        context = _step_context(request, reads, number)
    context["check_in_error"] = error
    if form is not None:
        context["check_in_form"] = form
    template = "steps/step.html#check-in" if request.htmx else "steps/step.html"
    return render(request, template, context)


@require_GET
@verified_email_required
def check_in_state(request: HttpRequest, number: int) -> HttpResponse:
    """Polled while a partner waits for the other's answer: 204 until the round is revealed."""
    if is_round_open_for(request.user, number, request.GET.get("waiting_on", "")):
        return HttpResponse(status=204)
    reads = get_couple_reads_or_404(request.user)
    get_step_or_404(number)
    return render(request, "steps/step.html#check-in", _check_in_context(reads, number))


# The hard roads: pause, and the private safety check.


@require_GET
@verified_email_required
def pause_page(request: HttpRequest) -> HttpResponse:
    """Taking a break: who paused, their notes, and what this partner can do about it."""
    partnership = get_partnership_or_404(request.user)
    return render(request, "steps/pause.html", _pause_context(CoupleReads(partnership)))


def _pause_context(reads: CoupleReads, **overrides: Any) -> dict[str, Any]:
    panel = get_couple_panel(reads.partnership)
    return {
        "panel": panel,
        "journey": reads.journey(),
        "pause_form": PauseForm(),
        "resume_request_form": ResumeRequestForm(),
        **overrides,
    }


@require_POST
@verified_email_required
def journey_pause(request: HttpRequest) -> HttpResponse:
    partnership = get_partnership_or_404(request.user)
    return _pause_page_action(
        request,
        partnership,
        PauseForm(request.POST),
        form_name="pause_form",
        action=lambda note: services.pause_journey(partnership=partnership, note=note),
        success="The process is paused for both of you, until you resume it. "
        "Take the time you need.",
        then="home",
    )


@require_POST
@verified_email_required
def journey_resume(request: HttpRequest) -> HttpResponse:
    partnership = get_partnership_or_404(request.user)
    try:
        pause = services.resume_journey(partnership=partnership)
    except services.StepError as error:
        messages.error(request, str(error))
        return _redirect(request, "pause_page")
    if pause is not None:
        still_paused = get_journey_state(partnership.couple).is_paused
        messages.success(
            request,
            "Your pause has ended. Your partner's pause is still theirs to end."
            if still_paused
            else "Welcome back. The process is running again.",
        )
    return _redirect(request, "home")


@require_POST
@verified_email_required
def journey_ask_to_resume(request: HttpRequest) -> HttpResponse:
    partnership = get_partnership_or_404(request.user)
    return _pause_page_action(
        request,
        partnership,
        ResumeRequestForm(request.POST),
        form_name="resume_request_form",
        action=lambda note: services.ask_to_resume(partnership=partnership, note=note),
        success="Your note is on their page. The pause stays theirs to end.",
        then="pause_page",
    )


def _pause_page_action(
    request: HttpRequest,
    partnership: Partnership,
    form: forms.Form,
    *,
    form_name: str,
    action: Callable[[str], object],
    success: str,
    then: str,
) -> HttpResponse:
    """A form of the break page: back to the page with its errors, keeping the note typed; or
    `action(note)`, then say how it went."""
    if not form.is_valid():
        context = _pause_context(CoupleReads(partnership), **{form_name: form})
        return render(request, "steps/pause.html", context)
    try:
        action(form.cleaned_data["note"])
    except services.StepError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return _redirect(request, then)


@require_http_methods(["GET", "POST"])
@verified_email_required
def safety_check(request: HttpRequest) -> HttpResponse:
    partnership = get_partnership_or_404(request.user)
    form = SafetyCheckForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        check = services.record_safety_check(partnership=partnership, **form.cleaned_data)
        if check.has_concern or check.self_harm:
            return redirect("safety_support")
        messages.success(request, "Thank you. You can change these answers at any time.")
        return redirect("home")
    return render(request, "steps/safety_check.html", {"form": form})


@require_GET
@verified_email_required
def safety_support(request: HttpRequest) -> HttpResponse:
    partnership = get_partnership_or_404(request.user)
    return render(
        request,
        "steps/safety_support.html",
        {"check": get_latest_safety_check(partnership)},
    )


# In the hardest moments: one tap from every page, for either partner.


def _hard_moment_saved(moment: HardMoment, partnership: Partnership | None) -> str:
    partner = get_couple_panel(partnership).partner if partnership else None
    if not moment.is_ask or partner is None:
        return "Saved for you alone. Be gentle with yourself; this moment will pass."
    asked = "some space" if moment.need == HardMoment.Need.SPACE else "reassurance"
    return (
        f"{partner.user.display_name} will see that you asked for {asked}. Your note stays yours."
    )


@require_http_methods(["GET", "POST"])
@verified_email_required
def hard_moment(request: HttpRequest) -> HttpResponse:
    """Grounding for the person triggered now; if they want, a private note and, in a couple,
    an ask to their partner for reassurance or space. Open to anyone signed in: a hard moment
    does not wait for a partner to join."""
    partnership = get_partnership(request.user)
    may_ask = services.may_ask_partner(partnership)
    form = HardMomentForm(request.POST if request.method == "POST" else None, may_ask=may_ask)
    if request.method == "POST" and form.is_valid():
        try:
            moment = services.record_hard_moment(
                user=request.user,
                partnership=partnership,
                need=form.cleaned_data.get("need", ""),
                note=form.cleaned_data["note"],
            )
        except services.StepError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _hard_moment_saved(moment, partnership))
            return _redirect(request, "hard_moments")
    context = {
        "form": form,
        "partner": get_couple_panel(partnership).partner if partnership else None,
        "may_ask": may_ask,
    }
    template = (
        "steps/hard_moment.html#hard-moment-form" if request.htmx else "steps/hard_moment.html"
    )
    return render(request, template, context)


@require_GET
@verified_email_required
def hard_moments(request: HttpRequest) -> HttpResponse:
    """Each person's own log of hard moments and, for a partner, what their partner asked."""
    partnership = get_partnership(request.user)
    return render(
        request,
        "steps/hard_moments.html",
        {
            "mine": get_own_hard_moments(request.user),
            "asks": get_partner_asks(partnership) if partnership else [],
            "me": partnership,
            "partner": get_couple_panel(partnership).partner if partnership else None,
        },
    )


@require_POST
@verified_email_required
def hard_moment_seen(request: HttpRequest, moment_id: int) -> HttpResponse:
    """The partner's "I saw this": their ask shows it; nothing else is sent or written."""
    partnership = get_partnership_or_404(request.user)
    moment = get_partner_ask_for(request.user, moment_id)
    moment.mark_seen_by_partner()
    if request.htmx:
        return render(
            request, "steps/hard_moments.html#partner-ask", {"ask": moment, "me": partnership}
        )
    return redirect(reverse("hard_moments") + f"#ask-{moment.pk}")


# The daily question and rebuilding closeness: prompts both partners answer, each privately or
# shared, shared answers shown once both have shared.


def _prompt_page(
    request: HttpRequest,
    partnership: Partnership,
    *,
    key: str,
    prompt: str,
    template: str,
    success: str,
    context: dict[str, Any],
) -> HttpResponse:
    may_share = services.may_share_answers(partnership)
    (exchange,) = get_prompt_exchanges(request.user, partnership, {key: prompt})
    bound = request.method == "POST"
    initial = {"text": exchange.mine.text, "share": exchange.mine.shared} if exchange.mine else None
    form = PromptAnswerForm(request.POST if bound else None, initial=initial, may_share=may_share)
    if bound and form.is_valid():
        try:
            services.answer_prompt(
                user=request.user,
                partnership=partnership,
                key=key,
                prompt=exchange.mine.prompt if exchange.mine else prompt,
                text=form.cleaned_data["text"],
                share=form.cleaned_data.get("share", False),
            )
        except services.StepError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, success)
            return _redirect(request, request.path)
    full = {
        "exchange": exchange,
        "form": form,
        "may_share": may_share,
        "partner": get_couple_panel(partnership).partner,
        **context,
    }
    if request.htmx and bound:
        return render(request, f"{template}#answer", full)
    return render(request, template, full)


@require_http_methods(["GET", "POST"])
@verified_email_required
def daily(request: HttpRequest) -> HttpResponse:
    """Today's two-minute question, for those who turned it on. No counts, no streaks."""
    partnership = get_partnership_or_404(request.user)
    today = timezone.localdate()
    if not request.user.daily_practice:
        return render(request, "steps/daily.html", {"off": True})
    return _prompt_page(
        request,
        partnership,
        key=daily_key(today),
        prompt=get_daily_question(partnership, today),
        template="steps/daily.html",
        success="Saved. That is today's question done; come back whenever you like.",
        context={"today": today, "earlier": get_earlier_daily_answers(request.user, today)},
    )


@require_GET
@verified_email_required
def closeness(request: HttpRequest) -> HttpResponse:
    """Rebuilding closeness: the exercises, open at any time, and where each one stands."""
    partnership = get_partnership_or_404(request.user)
    chapter = content().reconnection
    exchanges = get_prompt_exchanges(
        request.user,
        partnership,
        {closeness_key(exercise.slug): exercise.prompt for exercise in chapter.exercises},
    )
    return render(
        request,
        "steps/closeness.html",
        {
            "chapter": chapter,
            "rows": list(zip(chapter.exercises, exchanges, strict=True)),
            "may_share": services.may_share_answers(partnership),
        },
    )


@require_http_methods(["GET", "POST"])
@verified_email_required
def closeness_exercise(request: HttpRequest, slug: str) -> HttpResponse:
    partnership = get_partnership_or_404(request.user)
    exercise = content().reconnection.exercise(slug)
    if exercise is None:
        raise Http404("No such exercise.")
    return _prompt_page(
        request,
        partnership,
        key=closeness_key(slug),
        prompt=exercise.prompt,
        template="steps/closeness_exercise.html",
        success="Saved.",
        context={"exercise": exercise, "chapter": content().reconnection},
    )


# Step tools. Each answers an HTMX request with its own section, and a plain form post with a
# redirect back to it (or the whole step page, when a form has errors).

TOOL_STEPS = {6, 7, 8, 9, 10, 11}


def _tool_response(
    request: HttpRequest, partnership: Partnership, number: int, **overrides: Any
) -> HttpResponse:
    if request.htmx:
        context = {**_tool_part_context(CoupleReads(partnership), number), **overrides}
        return render(request, f"steps/tools/step-{number:02d}.html#tool", context)
    if not overrides:
        return redirect(reverse("step_detail", args=[number]) + "#tool")
    return render(
        request,
        "steps/step.html",
        _step_context(request, CoupleReads(partnership), number, **overrides),
    )


def _tool_part_context(reads: CoupleReads, number: int) -> dict[str, Any]:
    """What a step's tool section needs when it is drawn on its own."""
    panel = get_couple_panel(reads.partnership)
    return {
        "step": get_step_or_404(number),
        "panel": panel,
        "ended": panel.has_ended,
        **_tool_context(reads, number),
    }


def _tool_action(request: HttpRequest, number: int, action: Callable[[], object]) -> HttpResponse:
    partnership = get_partnership_or_404(request.user)
    try:
        action()
    except services.StepError as error:
        return _tool_response(request, partnership, number, tool_error=str(error))
    if request.htmx:
        return _tool_response(request, partnership, number, tool_saved=True)
    return _tool_response(request, partnership, number)


@require_POST
@verified_email_required
def question_ask(request: HttpRequest) -> HttpResponse:
    partnership = get_partnership_or_404(request.user)
    form = QuestionForm(request.POST)
    if not form.is_valid():
        return _tool_response(request, partnership, 6, question_form=form)
    return _tool_action(
        request, 6, lambda: services.ask_question(partnership=partnership, **form.cleaned_data)
    )


@require_POST
@verified_email_required
def told_later(request: HttpRequest) -> HttpResponse:
    partnership = get_partnership_or_404(request.user)
    form = ToldLaterForm(request.POST)
    if not form.is_valid():
        return _tool_response(request, partnership, 6, told_later_form=form)
    return _tool_action(
        request, 6, lambda: services.tell_later(partnership=partnership, **form.cleaned_data)
    )


@require_POST
@verified_email_required
def question_respond(request: HttpRequest, question_id: int) -> HttpResponse:
    partnership = get_partnership_or_404(request.user)
    question = get_shared_for(request.user, Question, question_id)
    form = QuestionEntryForm(request.POST)
    if not form.is_valid():
        return _tool_response(
            request, partnership, 6, entry_forms={question.pk: form}, open_question=question.pk
        )
    return _tool_action(
        request,
        6,
        lambda: services.add_question_entry(
            partnership=partnership, question=question, **form.cleaned_data
        ),
    )


@require_GET
@verified_email_required
def ledger_status(request: HttpRequest) -> HttpResponse:
    """Polled by both partners on step 6: 204 while nothing changed since `seen`; otherwise the
    unanswered count and a way to see what changed, never replacing a form someone is typing in."""
    seen = request.GET.get("seen", "")
    if is_ledger_unchanged_for(request.user, seen):
        return HttpResponse(status=204)
    partnership = get_partnership_or_404(request.user)
    status = get_ledger_status(partnership.couple)
    return render(
        request,
        "steps/tools/step-06.html#ledger-status",
        {"ledger_status": status, "seen": seen},
    )


@require_POST
@verified_email_required
def apology_save(request: HttpRequest) -> HttpResponse:
    partnership = get_partnership_or_404(request.user)
    form = ApologyForm(request.POST)
    if not form.is_valid():
        return _tool_response(request, partnership, 7, apology_form=form)
    send = "send" in request.POST

    def save() -> None:
        services.save_apology_draft(partnership=partnership, **form.cleaned_data)
        if send:
            services.send_apology(partnership=partnership)

    return _tool_action(request, 7, save)


@require_POST
@verified_email_required
def apology_respond(request: HttpRequest, apology_id: int) -> HttpResponse:
    partnership = get_partnership_or_404(request.user)
    apology = get_shared_for(request.user, Apology, apology_id)
    form = ApologyResponseForm(request.POST)
    if not form.is_valid():
        return _tool_response(request, partnership, 7, response_forms={apology.pk: form})
    return _tool_action(
        request,
        7,
        lambda: services.respond_to_apology(
            partnership=partnership, apology=apology, **form.cleaned_data
        ),
    )


@require_POST
@verified_email_required
def understanding_write(request: HttpRequest) -> HttpResponse:
    partnership = get_partnership_or_404(request.user)
    form = UnderstandingForm(request.POST)
    if not form.is_valid():
        return _tool_response(request, partnership, 8, understanding_form=form)
    return _tool_action(
        request,
        8,
        lambda: services.write_understanding(partnership=partnership, **form.cleaned_data),
    )


@require_POST
@verified_email_required
def understanding_respond(request: HttpRequest, understanding_id: int) -> HttpResponse:
    partnership = get_partnership_or_404(request.user)
    understanding = get_shared_for(request.user, Understanding, understanding_id)
    form = UnderstandingResponseForm(request.POST)
    if not form.is_valid():
        return _tool_response(
            request, partnership, 8, understanding_response_forms={understanding.pk: form}
        )
    return _tool_action(
        request,
        8,
        lambda: services.respond_to_understanding(
            partnership=partnership, understanding=understanding, **form.cleaned_data
        ),
    )


@require_POST
@verified_email_required
def commitment_add(request: HttpRequest) -> HttpResponse:
    partnership = get_partnership_or_404(request.user)
    form = CommitmentForm(request.POST)
    if not form.is_valid():
        return _tool_response(request, partnership, 9, commitment_form=form)
    return _tool_action(
        request, 9, lambda: services.add_commitment(partnership=partnership, **form.cleaned_data)
    )


@require_POST
@verified_email_required
def commitment_check(request: HttpRequest, commitment_id: int) -> HttpResponse:
    partnership = get_partnership_or_404(request.user)
    commitment = get_shared_for(request.user, Commitment, commitment_id)
    form = CommitmentCheckForm(request.POST)
    if not form.is_valid():
        return _tool_response(request, partnership, 9, check_forms={commitment.pk: form})
    return _tool_action(
        request,
        9,
        lambda: services.check_off_commitment(
            partnership=partnership, commitment=commitment, **form.cleaned_data
        ),
    )


@require_POST
@verified_email_required
def commitment_acknowledge(request: HttpRequest, check_id: int) -> HttpResponse:
    partnership = get_partnership_or_404(request.user)
    check = get_shared_for(
        request.user, CommitmentCheck, check_id, couple_field="commitment__couple"
    )
    return _tool_action(
        request, 9, lambda: services.acknowledge_check(partnership=partnership, check=check)
    )


@require_POST
@verified_email_required
def commitment_review(request: HttpRequest, commitment_id: int) -> HttpResponse:
    partnership = get_partnership_or_404(request.user)
    commitment = get_shared_for(request.user, Commitment, commitment_id)
    form = CommitmentReviewForm(request.POST)
    if not form.is_valid():
        return _tool_response(request, partnership, 9, tool_error=form.errors["review_on"][0])
    if not (form.cleaned_data["close"] or form.cleaned_data["review_on"]):
        return _tool_response(
            request, partnership, 9, tool_error="Choose a new review date, or close it."
        )
    review_on = None if form.cleaned_data["close"] else form.cleaned_data["review_on"]
    return _tool_action(
        request,
        9,
        lambda: services.review_commitment(
            partnership=partnership, commitment=commitment, review_on=review_on
        ),
    )


@require_POST
@verified_email_required
def focus_area_add(request: HttpRequest) -> HttpResponse:
    partnership = get_partnership_or_404(request.user)
    form = FocusAreaForm(request.POST)
    if not form.is_valid():
        return _tool_response(request, partnership, 10, focus_area_form=form)
    return _tool_action(
        request, 10, lambda: services.add_focus_area(partnership=partnership, **form.cleaned_data)
    )


@require_POST
@verified_email_required
def focus_area_update(request: HttpRequest, area_id: int) -> HttpResponse:
    partnership = get_partnership_or_404(request.user)
    area = get_shared_for(request.user, FocusArea, area_id)
    form = FocusAreaUpdateForm(request.POST)
    if not form.is_valid():
        return _tool_response(request, partnership, 10, area_forms={area.pk: form})
    return _tool_action(
        request,
        10,
        lambda: services.update_focus_area(partnership=partnership, area=area, **form.cleaned_data),
    )


@require_POST
@verified_email_required
def forgiveness_decide(request: HttpRequest) -> HttpResponse:
    partnership = get_partnership_or_404(request.user)
    form = ForgivenessForm(request.POST)
    if not form.is_valid():
        return _tool_response(request, partnership, 11, forgiveness_form=form)
    return _tool_action(
        request,
        11,
        lambda: services.decide_forgiveness(partnership=partnership, **form.cleaned_data),
    )


@require_GET
@verified_email_required
def journey_complete(request: HttpRequest) -> HttpResponse:
    """The closing page, once both partners chose to forgive: their journey, summarised."""
    partnership = get_partnership_or_404(request.user)
    journey = get_journey_state(partnership.couple)
    if journey.completed_at is None:
        return redirect("home")
    panel = get_couple_panel(partnership)
    partners = [partnership] + ([panel.partner] if panel.partner else [])
    history = get_trust_history(partnership.couple)
    return render(
        request,
        "steps/journey_complete.html",
        {
            "panel": panel,
            "journey": journey,
            "progress": get_progress(partnership.couple),
            "chart": trust_chart(history, partners),
            "rounds": len(history),
        },
    )


# Counselors: a dashboard, and one summary per couple, only while both partners consent.


@require_GET
@verified_email_required
def counselor_dashboard(request: HttpRequest) -> HttpResponse:
    if not is_counselor(request.user):
        return redirect("counselor_profile")
    states = get_counselor_accesses(request.user)
    # Couples whose consent is pending or withdrawn show none of their data.
    live = [state.access.couple_id for state in states if state.live_scope is not None]
    glances = get_couples_at_a_glance(live)
    entries = [{"state": state, "glance": glances.get(state.access.couple_id)} for state in states]
    return render(request, "steps/counselor_dashboard.html", {"entries": entries})


@require_GET
@verified_email_required
def counselor_summary(request: HttpRequest, access_id: int) -> HttpResponse:
    access = get_access_for_counselor(request.user, access_id)
    # Read fresh on every request: a revocation applies to the very next one.
    scope = get_consent_state(access).live_scope
    log_counselor_view(access=access, counselor=request.user, path=request.path, scope=scope)
    if scope is None:
        return render(request, "steps/counselor_closed.html", status=403)
    summary = get_counselor_summary(access.couple, scope)
    return render(
        request,
        "steps/counselor_summary.html",
        {
            "summary": summary,
            "summary_access": access,
            "chart": trust_chart(summary.history, summary.partners),
            "scope_labels": [Scope(item).label for item in scope],
        },
    )


# Opening the brief again within this long (a reload, a print) shows the same changes.
BRIEF_SITTING = timedelta(hours=3)


@require_GET
@verified_email_required
def counselor_brief(request: HttpRequest, access_id: int) -> HttpResponse:
    """Before a session: what changed in the consented scope since the counselor last looked,
    on one printable page. Logged like every view, so the partners see it too."""
    access = get_access_for_counselor(request.user, access_id)
    scope = get_consent_state(access).live_scope
    previous = get_previous_brief(
        access, brief_path=request.path, before=timezone.now() - BRIEF_SITTING
    )
    log_counselor_view(access=access, counselor=request.user, path=request.path, scope=scope)
    if scope is None:
        return render(request, "steps/counselor_closed.html", status=403)
    brief = get_counselor_brief(access.couple, scope, previous.viewed_at if previous else None)
    return render(
        request,
        "steps/counselor_brief.html",
        {
            "brief": brief,
            "summary": brief.summary,
            "access": access,
            "scope_labels": [Scope(item).label for item in scope],
        },
    )


# Your data: export it, or delete the account.


@require_GET
@login_required
def data_export(request: HttpRequest) -> HttpResponse:
    return render(request, "account/data.html")


@require_GET
@login_required
def data_export_json(request: HttpRequest) -> HttpResponse:
    security_log.info("data export (json): user=%s", request.user.pk)
    response = JsonResponse(build_export(request.user), json_dumps_params={"indent": 2})
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="trustapp-export-{stamp}.json"'
    return response


@require_GET
@login_required
def data_export_html(request: HttpRequest) -> HttpResponse:
    security_log.info("data export (html): user=%s", request.user.pk)
    return render(request, "account/export.html", {"export": build_export(request.user)})


@require_http_methods(["GET", "POST"])
@login_required
@reauthentication_required(allow_get=True)
def account_delete(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if request.POST.get("confirm") != "delete":
            messages.error(request, "Tick the box to confirm, if you are sure.")
            return redirect("account_delete")
        services.delete_account(user=request.user)
        logout(request)
        messages.success(request, "Your account and your private writing are deleted.")
        return redirect("landing")
    partnership = get_partnership(request.user)
    return render(
        request,
        "account/delete.html",
        {"panel": get_couple_panel(partnership) if partnership else None},
    )
