"""What the step tests share: how they send htmx requests and read the personas' couple."""

from couples.models import Partnership

HTMX = {"HTTP_HX_REQUEST": "true"}


def partnership_of(someone) -> Partnership:  # type: ignore[no-untyped-def]
    return someone.user.partnerships.get(left_at__isnull=True)


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()
