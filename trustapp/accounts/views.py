import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from trustapp.accounts import push, services
from trustapp.accounts.forms import PreferencesForm, PushSubscriptionForm
from trustapp.accounts.models import PushSubscription


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
    return render(
        request,
        "account/preferences.html",
        {
            "form": form,
            "push_available": push.is_available(),
            "vapid_public_key": settings.WEBPUSH_VAPID_PUBLIC_KEY,
            "devices": request.user.push_subscriptions.all(),
        },
    )


@require_POST
@login_required
def push_subscribe(request: HttpRequest) -> JsonResponse:
    """Called by the preferences page's script with this device's PushSubscription."""
    if not push.is_available():
        raise Http404("Notifications are not available here.")
    try:
        sent = json.loads(request.body)
        data = {"endpoint": sent["endpoint"], **sent["keys"]}
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": "This is not a push subscription."}, status=400)
    form = PushSubscriptionForm(data)
    if not form.is_valid():
        return JsonResponse({"error": next(iter(form.errors.values()))[0]}, status=400)
    subscription = services.subscribe_device(
        user=request.user,
        device=push.device_name(request.headers.get("User-Agent", "")),
        **form.cleaned_data,
    )
    request.session[push.SESSION_KEY] = subscription.pk
    return JsonResponse({"ok": True}, status=201)


@require_POST
@login_required
def push_remove(request: HttpRequest, subscription_id: int) -> HttpResponse:
    deleted, _ = PushSubscription.objects.filter(pk=subscription_id, user=request.user).delete()
    if not deleted:
        raise Http404("No such device.")
    messages.success(request, "Notifications are off on that device.")
    return redirect("preferences")


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
