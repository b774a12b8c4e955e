from django.conf import settings
from django.http import HttpRequest


def safety(request: HttpRequest) -> dict[str, str]:
    return {"leave_quickly_url": settings.LEAVE_QUICKLY_URL}
