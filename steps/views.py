from allauth.account.decorators import verified_email_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from couples.forms import RoleForm
from couples.selectors import get_couple_panel, get_partnership


@require_GET
@verified_email_required
def home(request: HttpRequest) -> HttpResponse:
    """The couple home: both partners, their roles and the state of their link."""
    partnership = get_partnership(request.user)
    if partnership is None:
        return redirect("couple_start")
    panel = get_couple_panel(partnership)
    role_form = RoleForm(initial={"role": partnership.role})
    return render(request, "steps/home.html", {"panel": panel, "role_form": role_form})
