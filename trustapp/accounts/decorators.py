from collections.abc import Callable
from functools import wraps

from allauth.account.decorators import verified_email_required as allauth_verified_email_required
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

View = Callable[..., HttpResponse]


def verified_email_required(view: View) -> View:
    """allauth's `verified_email_required`, without its query for a user that our backend loaded
    with `has_verified_email` already true. Anyone else goes through allauth's own check, which
    sends the verification email and explains what to do."""
    checked = allauth_verified_email_required(view)

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:  # type: ignore[no-untyped-def]
        if getattr(request.user, "has_verified_email", False):
            return view(request, *args, **kwargs)
        return checked(request, *args, **kwargs)

    return wrapper
