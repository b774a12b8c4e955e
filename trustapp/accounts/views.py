from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from trustapp.accounts import services
from trustapp.accounts.forms import PreferencesForm


@require_http_methods(["GET", "POST"])
@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    form = PreferencesForm(
        request.POST if request.method == "POST" else None, instance=request.user
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your preferences are saved.")
        return redirect("preferences")
    return render(request, "account/preferences.html", {"form": form})


# The one request a mail provider's "Unsubscribe" button sends (RFC 8058) is a POST with no
# cookies and no CSRF token; the signed token in the URL is what proves it comes from the
# recipient, and all it can do is stop some emails. Only this view is exempt.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def email_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    # A GET only asks: link scanners and previews open every link in an email.
    if request.method == "POST":
        user = services.stop_partner_updates(token=token)
    else:
        user = services.user_for_unsubscribe_token(token)
    if user is None:
        return render(request, "account/unsubscribe.html", {"unknown": True}, status=404)
    return render(
        request,
        "account/unsubscribe.html",
        {
            "token": token,
            "done": request.method == "POST",
            "already_off": not user.email_partner_updates,
        },
    )
