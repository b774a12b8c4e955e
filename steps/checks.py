from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from trustapp.crypto import fernet


@register()
def check_field_encryption_keys(**kwargs: Any) -> list[Error]:
    if not settings.FIELD_ENCRYPTION_KEYS:
        return [
            Error(
                "FIELD_ENCRYPTION_KEYS is not set, so private reflections cannot be stored.",
                hint="Set it to one or more Fernet keys, newest first, separated by commas.",
                id="trustapp.E001",
            )
        ]
    try:
        fernet()
    except Exception as error:
        return [Error(str(error), id="trustapp.E002")]
    return []
