"""A push service of our own for the tests: a local HTTP server that records what the app
sends, and a device with real keys that decrypts it (RFC 8291)."""

import base64
import json
import os
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.urls import reverse

from trustapp.vapid import b64url, new_vapid_keys


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Receiver:
    """A push service on 127.0.0.1: records each delivery, answers `status`."""

    url: str
    deliveries: list[dict] = field(default_factory=list)
    status: int = 201


@pytest.fixture
def push_receiver():  # type: ignore[no-untyped-def]
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.deliveries.append(
                {"path": self.path, "headers": dict(self.headers), "body": body}
            )
            self.send_response(state.status)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def vapid(settings, push_receiver):  # type: ignore[no-untyped-def]
    public, private = new_vapid_keys()
    settings.WEBPUSH_VAPID_PUBLIC_KEY = public
    settings.WEBPUSH_VAPID_PRIVATE_KEY = private
    settings.WEBPUSH_VAPID_SUBJECT = "mailto:push@trustapp.test"
    settings.WEBPUSH_SERVICE_HOSTS = ("127.0.0.1",)
    settings.WEBPUSH_ALLOW_HTTP = True
    return public


@dataclass
class Device:
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    def subscription(self) -> dict:
        public = self.private_key.public_key().public_bytes(
            Encoding.X962, PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)},
        }

    def read(self, delivery: dict) -> dict:
        plain = http_ece.decrypt(
            delivery["body"], private_key=self.private_key, auth_secret=self.auth
        )
        return json.loads(plain)


def subscribe(persona, push_receiver: Receiver, name: str) -> Device:  # type: ignore[no-untyped-def]
    device = Device(
        f"{push_receiver.url}/push/{name}", ec.generate_private_key(ec.SECP256R1()), os.urandom(16)
    )
    response = persona.client.post(
        reverse("push_subscribe"),
        json.dumps(device.subscription()),
        content_type="application/json",
        HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14) Chrome/131.0 Mobile Safari/537.36",
    )
    assert response.status_code == 201, response.content
    return device
