"""A mail backend for tests that fails a set number of times before it starts delivering."""

from django.core.mail.backends.base import BaseEmailBackend


class FlakyBackend(BaseEmailBackend):
    failures_left = 0
    sent: list = []

    def send_messages(self, email_messages):  # type: ignore[no-untyped-def]
        if FlakyBackend.failures_left > 0:
            FlakyBackend.failures_left -= 1
            raise ConnectionRefusedError("the mail server is down")
        FlakyBackend.sent = [*FlakyBackend.sent, *email_messages]
        return len(email_messages)
