"""Unsubscribing from the check-in emails with one click (RFC 8058).

The link in those emails names its recipient with a token signed by Django's `signing` (the
secret key, and `SECRET_KEY_FALLBACKS` while a key is rotated). The token holds only the
account's id; the signature also covers the email address (it is part of the salt), so the link
stops working once the address changes or the account is deleted, and the address itself never
appears in a URL, in a mail provider's logs or in ours. It does not expire: RFC 8058 links are
used whenever the person gets round to it, and all one can do with it is stop some emails.
"""

from django.core import signing
from django.urls import reverse

from trustapp import emails
from trustapp.accounts.models import PushSubscription, User

_SALT = "trustapp.accounts.unsubscribe.partner-updates"
# Signer's separator: the token is "<user id>:<signature>".
_SEP = ":"


def _signer(user: User) -> signing.Signer:
    return signing.Signer(salt=f"{_SALT}:{user.email}", sep=_SEP)


def unsubscribe_token(user: User) -> str:
    return _signer(user).sign(str(user.pk))


def unsubscribe_url(user: User) -> str:
    """The one-click link for the emails `email_partner_updates` governs, to put in them."""
    return emails.absolute_url(reverse("email_unsubscribe", args=[unsubscribe_token(user)]))


def user_for_unsubscribe_token(token: str) -> User | None:
    """The account a token was made for, or None for a token that is not one of ours, was
    tampered with, or names an account that is gone or has another address now."""
    pk = token.partition(_SEP)[0]
    # The id is read before the signature is checked, only to find whose address the signature
    # must cover; nothing is believed until it is checked.
    if not (pk.isascii() and pk.isdigit() and len(pk) < 19):
        return None
    user = User.objects.filter(pk=int(pk)).first()
    if user is None:
        return None
    try:
        _signer(user).unsign(token)
    except signing.BadSignature:
        return None
    return user


def stop_partner_updates(*, token: str) -> User | None:
    """Turn off the check-in emails for the account this token names; None (and nothing
    changed) when the token names nobody. Asking again changes nothing more."""
    user = user_for_unsubscribe_token(token)
    if user is not None:
        User.objects.filter(pk=user.pk).update(email_partner_updates=False)
        user.email_partner_updates = False
    return user


def subscribe_device(
    *, user: User, endpoint: str, p256dh: str, auth: str, device: str
) -> PushSubscription:
    """Turn notifications on for one device. A push endpoint names one browser profile: if it
    was someone else's (a shared computer, since signed in as another person), it is theirs no
    longer, so nothing of the first person's reaches the second."""
    subscription, _ = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={"user": user, "p256dh": p256dh, "auth": auth, "device": device},
    )
    return subscription
