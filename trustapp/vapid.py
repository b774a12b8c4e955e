"""VAPID keys for Web Push (RFC 8292), in the forms browsers and pywebpush read: the public key as
the uncompressed P-256 point, the private key as its 32-byte secret, both base64url without
padding. Kept free of Django so that `make dev-keys` can call it before anything is set up."""

import base64

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def new_vapid_keys() -> tuple[str, str]:
    """(public, private)."""
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return b64url(public), b64url(key.private_numbers().private_value.to_bytes(32, "big"))


if __name__ == "__main__":
    public, private = new_vapid_keys()
    print(f"WEBPUSH_VAPID_PUBLIC_KEY={public}\nWEBPUSH_VAPID_PRIVATE_KEY={private}")
