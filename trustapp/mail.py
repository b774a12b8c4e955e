from django.core.mail import EmailMessage
from django.core.mail.backends.console import EmailBackend as ConsoleEmailBackend


class ReadableConsoleBackend(ConsoleEmailBackend):
    """`make run` prints emails for the developer to read and click. The standard console
    backend prints the encoded message, which breaks long links across lines with `=`; this
    prints the plain-text part as it would be read."""

    def write_message(self, message: EmailMessage) -> None:
        self.stream.write(f"Subject: {message.subject}\n")
        self.stream.write(f"From: {message.from_email}\n")
        self.stream.write(f"To: {', '.join(message.to)}\n\n")
        self.stream.write(f"{message.body}\n")
        self.stream.write("-" * 79 + "\n")
