from typing import Any

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from allauth.account.models import EmailAddress
from django.db.models import Exists, OuterRef

from trustapp.accounts.models import User


class AuthenticationBackend(AllauthBackend):
    """allauth's backend, loading the signed-in user with what every page asks of them.

    Each request loads its user once; reading the counselor profile (the menu) and whether an
    address is verified (every couple page) in that same query saves two queries a page. Both are
    read fresh on every request, so nothing goes stale."""

    def get_user(self, user_id: Any) -> User | None:
        try:
            user = (
                User._default_manager.select_related("counselor_profile")
                .annotate(
                    has_verified_email=Exists(
                        EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)
                    )
                )
                .get(pk=user_id)
            )
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
