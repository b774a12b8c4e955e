import contextlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from couples import services
from couples.forms import (
    ConsentForm,
    CounselorInviteForm,
    CounselorProfileForm,
    InviteForm,
    RoleForm,
)
from couples.models import ConsentEvent, Partnership, Scope
from couples.selectors import (
    get_access_log,
    get_consent_state,
    get_counselor_access_for_partner,
    get_couple_counselors,
    get_couple_panel,
    get_invitation_for,
    get_live_partnership,
    get_partnership,
    get_partnership_or_404,
    is_counselor,
)
from couples.services import InvitationProblem
from trustapp.accounts.adapter import (
    PENDING_INVITATION_SESSION_KEY,
    forget_invitation,
    remember_invitation,
)
from trustapp.accounts.decorators import verified_email_required


def _redirect(request: HttpRequest, to: str) -> HttpResponse:
    """Redirect after a successful action; under HTMX the browser itself must navigate."""
    if request.htmx:
        return HttpResponseClientRedirect(resolve_url(to))
    return redirect(to)


@require_http_methods(["GET", "POST"])
@verified_email_required
def couple_start(request: HttpRequest) -> HttpResponse:
    if is_counselor(request.user):
        return redirect("counselor_dashboard")
    if get_live_partnership(request.user) is not None:
        return redirect("home")
    form = RoleForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        with contextlib.suppress(services.AlreadyInCouple):
            services.start_couple(user=request.user, role=form.cleaned_data["role"])
        messages.success(request, "Your space is ready. When you feel ready, invite your partner.")
        return _redirect(request, "home")
    template = "couples/start.html#start-form" if request.htmx else "couples/start.html"
    return render(request, template, {"form": form, "ended": get_partnership(request.user)})


@require_POST
@verified_email_required
def couple_role(request: HttpRequest) -> HttpResponse:
    partnership = get_partnership_or_404(request.user)
    if partnership.couple.ended_at is not None:
        messages.error(request, "This space has ended, so roles in it no longer change.")
        return _redirect(request, "home")
    form = RoleForm(request.POST)
    if form.is_valid():
        partnership.change_role(form.cleaned_data["role"])
        messages.success(request, "Your role is updated.")
        return _redirect(request, "home")
    messages.error(request, "Choose the description that fits you best.")
    return _redirect(request, "home")


@require_http_methods(["GET", "POST"])
@verified_email_required
def partner_invite(request: HttpRequest) -> HttpResponse:
    partnership = get_partnership_or_404(request.user)
    panel = get_couple_panel(partnership)
    if panel.is_linked or panel.has_ended:
        messages.info(
            request,
            "This space has ended." if panel.has_ended else "Your partner has already joined.",
        )
        return _redirect(request, "home")
    form = InviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invite_partner(
                partnership=partnership,
                email=form.cleaned_data["email"],
                message=form.cleaned_data["message"],
            )
        except services.CoupleError as error:
            form.add_error("email", str(error))
        else:
            messages.success(request, f"We sent your invitation to {form.cleaned_data['email']}.")
            return _redirect(request, "home")
    template = "couples/invite.html#invite-form" if request.htmx else "couples/invite.html"
    return render(request, template, {"form": form, "panel": panel})


@require_GET
@verified_email_required
def couple_panel(request: HttpRequest) -> HttpResponse:
    """Polled by the inviter's page while the invitation waits. Answers 204 (nothing to swap)
    until something changes, so the buttons under a keyboard user's focus stay put."""
    panel = get_couple_panel(get_partnership_or_404(request.user))
    waiting_on = request.GET.get("waiting_on")
    if (
        waiting_on
        and panel.is_waiting_for_partner
        and panel.invitation is not None
        and str(panel.invitation.pk) == waiting_on
    ):
        return HttpResponse(status=204)
    response = render(request, "couples/panel.html", {"panel": panel})
    if waiting_on:
        # The partner joined (or the link changed): what the whole home leads with changes too.
        response["HX-Refresh"] = "true"
    return response


@require_POST
@verified_email_required
def invitation_resend(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = get_invitation_for(request.user, invitation_id)
    try:
        new = services.resend_invitation(invitation=invitation)
    except services.CoupleError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"We sent a new link to {new.email}. The earlier link no longer works."
        )
    return _redirect(request, "home")


@require_POST
@verified_email_required
def invitation_cancel(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = get_invitation_for(request.user, invitation_id)
    try:
        services.cancel_invitation(invitation=invitation)
    except services.CoupleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "The invitation is cancelled. Its link no longer works.")
    return _redirect(request, "home")


@require_http_methods(["GET", "POST"])
@verified_email_required
def couple_end(request: HttpRequest) -> HttpResponse:
    partnership = get_partnership_or_404(request.user)
    if partnership.couple.ended_at is not None:
        return redirect("home")
    if request.method == "POST":
        services.end_couple(partnership=partnership)
        messages.success(
            request,
            "Your shared space has ended. Everything in it is still here to read, "
            "and your private reflections are still yours.",
        )
        return _redirect(request, "home")
    return render(request, "couples/end.html", {"panel": get_couple_panel(partnership)})


# Problems that mean the link itself is dead, whoever opens it.
_GONE = {
    InvitationProblem.EXPIRED,
    InvitationProblem.USED,
    InvitationProblem.CANCELLED,
    InvitationProblem.REPLACED,
    InvitationProblem.SPACE_ENDED,
}


def _invitation_page(
    request: HttpRequest, token: str, *, form: RoleForm, problem: InvitationProblem | None
) -> HttpResponse:
    invitation = services.find_invitation(token)
    if problem == InvitationProblem.NOT_FOUND:
        status = 404
    elif problem in _GONE:
        status = 410
    elif problem is not None and request.method == "POST":
        status = 409
    else:
        status = 200
    response = render(
        request,
        "couples/invitation.html",
        {"invitation": invitation, "problem": problem, "form": form, "token": token},
        status=status,
    )
    # The token is in this page's address: never send it on to another site. ("no-referrer" would
    # also make browsers send `Origin: null` with the accept form, which CSRF protection refuses.)
    response.headers["Referrer-Policy"] = "same-origin"
    return response


@require_GET
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Opening the link never changes anything; accepting is a POST."""
    found = services.find_invitation(token)
    problem = services.invitation_problem(found, request.user)
    if problem is None and not request.user.is_authenticated:
        remember_invitation(request, path=request.path, email=found.email)
    return _invitation_page(request, token, form=RoleForm(), problem=problem)


@require_POST
@login_required
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    form = RoleForm(request.POST)
    if not form.is_valid():
        problem = services.invitation_problem(services.find_invitation(token), request.user)
        return _invitation_page(request, token, form=form, problem=problem)
    try:
        partnership = services.accept_invitation(
            token=token, user=request.user, role=form.cleaned_data["role"]
        )
    except services.InvitationRefused as refused:
        return _invitation_page(request, token, form=form, problem=refused.problem)
    forget_invitation(request)
    inviter = partnership.couple.invitations.get(accepted_by=request.user).invited_by
    messages.success(request, f"You have joined {inviter.display_name} in your shared space.")
    return redirect("home")


# Counselors


@require_GET
@verified_email_required
def sharing(request: HttpRequest) -> HttpResponse:
    """Who can see our space: every counselor, each partner's consent, and every view."""
    partnership = get_partnership_or_404(request.user)
    return render(request, "couples/sharing.html", _sharing_context(partnership))


def _sharing_context(partnership: Partnership, **overrides: object) -> dict:
    counselors = get_couple_counselors(partnership.couple)
    return {
        "panel": get_couple_panel(partnership),
        "counselors": counselors,
        "consent_forms": {
            state.access.pk: ConsentForm(
                access_id=state.access.pk,
                initial=_consent_initial(state.consent_of(partnership.user_id)),
            )
            for state in counselors
        },
        "invite_form": CounselorInviteForm(),
        "access_log": get_access_log(partnership.couple),
        "scopes": Scope,
        **overrides,
    }


def _consent_initial(event: ConsentEvent | None) -> dict:
    if event is None or not event.allows:
        return {}
    return {"scope": event.scope, "ends_on": event.ends_on}


@require_POST
@verified_email_required
def counselor_invite(request: HttpRequest) -> HttpResponse:
    partnership = get_partnership_or_404(request.user)
    form = CounselorInviteForm(request.POST)
    if form.is_valid():
        try:
            services.invite_counselor(
                partnership=partnership,
                email=form.cleaned_data["email"],
                scope=form.cleaned_data["scope"],
                ends_on=form.cleaned_data["ends_on"],
            )
        except services.CoupleError as error:
            form.add_error("email", str(error))
        else:
            messages.success(
                request,
                f"We sent the invitation to {form.cleaned_data['email']}. Nothing is shared until "
                "your partner consents too.",
            )
            return _redirect(request, "sharing")
    return render(request, "couples/sharing.html", _sharing_context(partnership, invite_form=form))


@require_POST
@verified_email_required
def consent_update(request: HttpRequest, access_id: int) -> HttpResponse:
    partnership = get_partnership_or_404(request.user)
    access = get_counselor_access_for_partner(request.user, access_id)
    action = request.POST.get("action", "")
    if action in (ConsentEvent.Action.REVOKE, ConsentEvent.Action.DECLINE):
        services.record_consent(partnership=partnership, access=access, action=action)
        messages.success(request, "Done. They can no longer see anything of your space.")
        return _redirect(request, "sharing")
    form = ConsentForm(request.POST, access_id=access.pk)
    if not form.is_valid():
        context = _sharing_context(partnership)
        context["consent_forms"][access.pk] = form
        return render(request, "couples/sharing.html", context)
    previous = get_consent_state(access).consent_of(partnership.user_id)
    try:
        services.record_consent(
            partnership=partnership,
            access=access,
            action=ConsentEvent.Action.CHANGE
            if previous is not None and previous.allows
            else ConsentEvent.Action.GRANT,
            scope=form.cleaned_data["scope"],
            ends_on=form.cleaned_data["ends_on"],
        )
    except services.CoupleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Your consent is saved.")
    return _redirect(request, "sharing")


@require_http_methods(["GET", "POST"])
@verified_email_required
def counselor_profile(request: HttpRequest) -> HttpResponse:
    profile = getattr(request.user, "counselor_profile", None)
    form = CounselorProfileForm(
        request.POST if request.method == "POST" else None, instance=profile
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.create_counselor_profile(user=request.user, **form.cleaned_data)
        except services.CoupleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Your counselor profile is saved.")
            next_path = request.session.get(PENDING_INVITATION_SESSION_KEY)
            if isinstance(next_path, str) and next_path.startswith("/counselor-invitation/"):
                return redirect(next_path)
            return redirect("counselor_dashboard")
    return render(request, "couples/counselor_profile.html", {"form": form})


def _counselor_invitation_page(
    request: HttpRequest,
    token: str,
    *,
    problem: services.CounselorInvitationProblem | None,
    status: int = 200,
) -> HttpResponse:
    response = render(
        request,
        "couples/counselor_invitation.html",
        {
            "access": services.find_counselor_invitation(token),
            "problem": problem,
            "token": token,
            "has_profile": is_counselor(request.user),
        },
        status=status,
    )
    response.headers["Referrer-Policy"] = "same-origin"
    return response


# Problems that mean a counselor's link itself is dead, whoever opens it.
_COUNSELOR_LINK_GONE = {
    services.CounselorInvitationProblem.EXPIRED,
    services.CounselorInvitationProblem.USED,
    services.CounselorInvitationProblem.CLOSED,
}


@require_GET
def counselor_invitation(request: HttpRequest, token: str) -> HttpResponse:
    found = services.find_counselor_invitation(token)
    problem = services.counselor_invitation_problem(found, request.user)
    if problem is None and request.user.is_authenticated:
        # A counselor without a profile yet comes back here after making one.
        request.session[PENDING_INVITATION_SESSION_KEY] = request.path
    elif problem is None:
        remember_invitation(request, path=request.path, email=found.email)
    if problem == services.CounselorInvitationProblem.NOT_FOUND:
        status = 404
    elif problem in _COUNSELOR_LINK_GONE:
        status = 410
    else:
        status = 200
    return _counselor_invitation_page(request, token, problem=problem, status=status)


@require_POST
@login_required
def counselor_invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        services.accept_counselor_invitation(token=token, user=request.user)
    except services.CounselorInvitationRefused as refused:
        return _counselor_invitation_page(request, token, problem=refused.problem, status=409)
    forget_invitation(request)
    messages.success(
        request, "You have accepted. The summary opens once both partners have consented."
    )
    return redirect("counselor_dashboard")
