from allauth.account.decorators import verified_email_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from couples.forms import RoleForm
from couples.models import Partnership
from couples.selectors import get_couple_panel, get_partnership, get_partnership_or_404
from steps import services
from steps.charts import trust_chart
from steps.content import content, get_step_or_404
from steps.forms import CheckInForm, ReflectionForm
from steps.models import CheckIn
from steps.selectors import (
    get_check_in_state,
    get_progress,
    get_reflection_for,
    get_reflections,
    get_steps_waiting_for,
    get_trust_history,
)


@require_GET
@verified_email_required
def home(request: HttpRequest) -> HttpResponse:
    """The couple home: both partners, the eleven steps, and the trust between them over time."""
    partnership = get_partnership(request.user)
    if partnership is None:
        return redirect("couple_start")
    panel = get_couple_panel(partnership)
    progress = get_progress(partnership.couple)
    history = get_trust_history(partnership.couple)
    partners = [partnership] + ([panel.partner] if panel.partner else [])
    return render(
        request,
        "steps/home.html",
        {
            "panel": panel,
            "progress": progress,
            "waiting_for_me": get_steps_waiting_for(partnership),
            "chart": trust_chart(history, partners),
            "days_together": (timezone.now() - partnership.couple.created_at).days,
            "role_form": RoleForm(initial={"role": partnership.role}),
        },
    )


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


def _step_context(request: HttpRequest, partnership: Partnership, number: int, **extra) -> dict:  # type: ignore[no-untyped-def]
    step = get_step_or_404(number)
    progress = get_progress(partnership.couple)
    state = get_check_in_state(partnership, number)
    context = {
        "step": step,
        "role_note": step.note_for(partnership.role),
        "progress": progress,
        "reachable": progress.is_reachable(number),
        "panel": get_couple_panel(partnership),
        "reflections": get_reflections(request.user, number),
        "reflection_form": ReflectionForm(step=step),
        "check_in": state,
        "check_in_form": _check_in_form(state),
        "previous_step": number - 1 if number > 1 else None,
        "next_step": number + 1 if number < len(content().steps) else None,
    }
    context.update(extra)
    return context


@require_GET
@verified_email_required
def step_detail(request: HttpRequest, number: int) -> HttpResponse:
    partnership = get_partnership_or_404(request.user)
    return render(request, "steps/step.html", _step_context(request, partnership, number))


@require_POST
@verified_email_required
def reflection_create(request: HttpRequest, number: int) -> HttpResponse:
    partnership = get_partnership_or_404(request.user)
    step = get_step_or_404(number)
    form = ReflectionForm(request.POST, step=step)
    if form.is_valid():
        services.write_reflection(
            partnership=partnership,
            step=number,
            text=form.cleaned_data["text"],
            prompt=form.cleaned_data["prompt"],
        )
        if not request.htmx:
            return redirect(reverse("step_detail", args=[number]) + "#reflections")
        # In place: the list with the new reflection on top, and an empty form again.
        form = ReflectionForm(step=step)
    context = _step_context(request, partnership, number, reflection_form=form)
    template = "steps/step.html#reflections" if request.htmx else "steps/step.html"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@verified_email_required
def reflection_edit(request: HttpRequest, reflection_id: int) -> HttpResponse:
    # A reflection belongs to its author whether or not they are in a couple now.
    reflection = get_reflection_for(request.user, reflection_id)
    step = get_step_or_404(reflection.step)
    form = ReflectionForm(
        request.POST if request.method == "POST" else None, instance=reflection, step=step
    )
    if request.method == "POST" and form.is_valid():
        reflection.edit(text=form.cleaned_data["text"], prompt=form.cleaned_data["prompt"])
        if request.htmx:
            return render(request, "steps/step.html#reflection", {"reflection": reflection})
        return redirect(reverse("step_detail", args=[step.number]) + f"#reflection-{reflection.pk}")
    context = {"reflection": reflection, "form": form, "step": step}
    if request.htmx:
        return render(request, "steps/reflection_edit.html#edit-form", context)
    return render(request, "steps/reflection_edit.html", context)


@require_http_methods(["GET", "POST"])
@verified_email_required
def reflection_delete(request: HttpRequest, reflection_id: int) -> HttpResponse:
    reflection = get_reflection_for(request.user, reflection_id)
    if request.method == "POST":
        step = reflection.step
        services.delete_reflection(reflection=reflection)
        if request.htmx:
            return HttpResponse("")
        return redirect(reverse("step_detail", args=[step]) + "#reflections")
    return render(request, "steps/reflection_delete.html", {"reflection": reflection})


@require_POST
@verified_email_required
def check_in_submit(request: HttpRequest, number: int) -> HttpResponse:
    partnership = get_partnership_or_404(request.user)
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
    context = _step_context(request, partnership, number, check_in_error=error)
    if form is not None:
        context["check_in_form"] = form
    template = "steps/step.html#check-in" if request.htmx else "steps/step.html"
    return render(request, template, context)


@require_GET
@verified_email_required
def check_in_state(request: HttpRequest, number: int) -> HttpResponse:
    """Polled while a partner waits for the other's answer: 204 until the round is revealed."""
    partnership = get_partnership_or_404(request.user)
    get_step_or_404(number)
    state = get_check_in_state(partnership, number)
    waiting_on = request.GET.get("waiting_on")
    if waiting_on and state.open_round is not None and str(state.open_round.pk) == waiting_on:
        return HttpResponse(status=204)
    return render(request, "steps/step.html#check-in", _step_context(request, partnership, number))
