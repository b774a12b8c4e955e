"""Encryption at rest for private text, with keys that live apart from SECRET_KEY.

`FIELD_ENCRYPTION_KEYS` holds one or more Fernet keys separated by commas, newest first. The
newest key encrypts; every key decrypts, so a key can be rotated in without rewriting every row at
once (`MultiFernet.rotate` re-encrypts a value with the newest key). A value that no key can
decrypt raises `UndecryptableValue`: showing ciphertext, or nothing, would hide a real problem.
"""

from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


class UndecryptableValue(Exception):
    pass


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS is empty. Generate a key with "
            "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`."
        )
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS holds an invalid key: {error}") from None


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(text: str) -> str:
    return fernet().encrypt(text.encode()).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode("ascii")).decode()
    except InvalidToken:
        raise UndecryptableValue(
            "A stored value cannot be decrypted with any key in FIELD_ENCRYPTION_KEYS."
        ) from None


def rotate(token: str) -> str:
    """The same value, encrypted again with the newest key."""
    try:
        return fernet().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken:
        raise UndecryptableValue("A stored value cannot be decrypted for rotation.") from None


class EncryptedTextField(models.TextField):
    """Text that is encrypted before it reaches the database and decrypted when it is read.

    The database column holds only Fernet tokens, so it can't be searched or ordered by content;
    it is meant for private writing, which nothing should search."""

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None:
            return None
        return encrypt(value)

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None:
            return None
        return decrypt(value)
