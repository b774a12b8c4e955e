"""Web Push, proved against a real receiver: a local HTTP server plays the push service, a
"device" subscribes with real keys, and the test decrypts what arrives (RFC 8291) and checks the
server's VAPID signature (RFC 8292). What arrives is a fixed sentence: never a name, never a word
anyone wrote; nothing while paused, nothing to a partner set aside; a gone device is removed."""

import json
import os

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.urls import reverse

from steps.models import SafetyCheck
from steps.services import (
    CheckInAnswer,
    add_question_entry,
    ask_question,
    pause_journey,
    submit_check_in,
    tell_later,
)
from tests.push_receiver import Device, subscribe, unb64
from trustapp.accounts.models import PushSubscription
from trustapp.vapid import b64url

NOTE = "ALEX-PRIVATE-CHECK-IN-NOTE"


def seat(persona):  # type: ignore[no-untyped-def]
    return persona.user.partnerships.get(left_at__isnull=True)


def check_in(persona, note: str = "") -> None:  # type: ignore[no-untyped-def]
    submit_check_in(partnership=seat(persona), step=1, answer=CheckInAnswer(3, 5, False, note))


def test_a_check_in_reaches_the_partners_device_encrypted_signed_and_without_words(
    partner_a, partner_b, push_receiver, vapid, django_capture_on_commit_callbacks
) -> None:
    phone = subscribe(partner_b, push_receiver, "blake-phone")
    with django_capture_on_commit_callbacks(execute=True):
        check_in(partner_a, NOTE)
    (delivery,) = push_receiver.deliveries
    assert delivery["path"] == "/push/blake-phone"
    assert delivery["headers"]["content-encoding"] == "aes128gcm"
    assert delivery["headers"]["ttl"] == "86400"
    assert NOTE.encode() not in delivery["body"]
    message = phone.read(delivery)
    assert message == {
        "title": "TrustApp",
        "body": "Your partner checked in on step 1.",
        "url": "/space/steps/1/#check-in",
    }
    assert "Alex" not in json.dumps(message)

    # Signed with the server's VAPID key, for this push service, by this server.
    scheme, _, params = delivery["headers"]["authorization"].partition(" ")
    values = dict(part.strip().split("=", 1) for part in params.split(","))
    assert scheme == "vapid" and values["k"] == vapid
    header, claims, signature = values["t"].split(".")
    assert json.loads(unb64(claims))["aud"] == push_receiver.url
    assert json.loads(unb64(claims))["sub"] == "mailto:push@trustapp.test"
    raw = unb64(signature)
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64(vapid))
    public.verify(
        encode_dss_signature(int.from_bytes(raw[:32]), int.from_bytes(raw[32:])),
        f"{header}.{claims}".encode(),
        ec.ECDSA(hashes.SHA256()),
    )


def test_the_reveal_reaches_the_partner_who_was_away(
    partner_a, partner_b, push_receiver, vapid, django_capture_on_commit_callbacks
) -> None:
    alex_phone = subscribe(partner_a, push_receiver, "alex-phone")
    with django_capture_on_commit_callbacks(execute=True):
        check_in(partner_a)
    assert push_receiver.deliveries == []  # nothing to Alex about Alex's own answer
    with django_capture_on_commit_callbacks(execute=True):
        check_in(partner_b)
    (delivery,) = push_receiver.deliveries
    assert alex_phone.read(delivery)["body"] == "Your answers on step 1 are revealed."


def test_an_answer_to_a_question_reaches_the_partner_who_asked(
    partner_a, partner_b, push_receiver, vapid, django_capture_on_commit_callbacks
) -> None:
    alex_phone = subscribe(partner_a, push_receiver, "alex-phone")
    subscribe(partner_b, push_receiver, "blake-phone")
    question = ask_question(partnership=seat(partner_a), text="ALEX-QUESTION")
    with django_capture_on_commit_callbacks(execute=True):
        add_question_entry(
            partnership=seat(partner_b), question=question, kind="answer", text="BLAKE-ANSWER"
        )
    (delivery,) = push_receiver.deliveries
    assert delivery["path"] == "/push/alex-phone"
    message = alex_phone.read(delivery)
    assert message["body"] == "Your partner answered one of your questions."
    assert message["url"] == f"/space/steps/6/#question-{question.pk}"
    assert b"BLAKE-ANSWER" not in delivery["body"]


def test_each_kind_can_be_turned_off(
    partner_a, partner_b, push_receiver, vapid, django_capture_on_commit_callbacks
) -> None:
    subscribe(partner_b, push_receiver, "blake-phone")
    partner_b.user.push_partner_checked_in = False
    partner_b.user.save()
    with django_capture_on_commit_callbacks(execute=True):
        check_in(partner_a)
    assert push_receiver.deliveries == []


def test_nothing_is_sent_while_the_process_is_paused(
    partner_a, partner_b, push_receiver, vapid, django_capture_on_commit_callbacks
) -> None:
    subscribe(partner_b, push_receiver, "blake-phone")
    pause_journey(partnership=seat(partner_b))
    question = ask_question(partnership=seat(partner_b), text="Q")
    with django_capture_on_commit_callbacks(execute=True):
        add_question_entry(partnership=seat(partner_a), question=question, kind="answer", text="A")
    assert push_receiver.deliveries == []


def test_nothing_reaches_a_partner_whose_safety_check_raised_a_concern(
    partner_a, partner_b, push_receiver, vapid, django_capture_on_commit_callbacks
) -> None:
    subscribe(partner_b, push_receiver, "blake-phone")
    SafetyCheck.objects.create(
        user=partner_b.user,
        couple=seat(partner_b).couple,
        afraid=True,
        pressured=False,
        harmed=False,
    )
    with django_capture_on_commit_callbacks(execute=True):
        check_in(partner_a)
    assert push_receiver.deliveries == []


@pytest.mark.parametrize("status", [404, 410])
def test_a_device_the_push_service_says_is_gone_is_removed(
    partner_a, partner_b, push_receiver, vapid, status, django_capture_on_commit_callbacks
) -> None:
    subscribe(partner_b, push_receiver, "blake-phone")
    push_receiver.status = status
    with django_capture_on_commit_callbacks(execute=True):
        check_in(partner_a)
    assert len(push_receiver.deliveries) == 1
    assert not PushSubscription.objects.exists()


def test_a_push_service_failing_keeps_the_device_and_the_check_in(
    partner_a, partner_b, push_receiver, vapid, django_capture_on_commit_callbacks, caplog
) -> None:
    subscribe(partner_b, push_receiver, "blake-phone")
    push_receiver.status = 503
    with django_capture_on_commit_callbacks(execute=True):
        check_in(partner_a)
    assert PushSubscription.objects.count() == 1
    assert "push failed" in caplog.text and push_receiver.url not in caplog.text


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://169.254.169.254/latest/meta-data/",
        "https://evil.example/push/1",
        "https://fcm.googleapis.com.evil.example/x",
        "ftp://127.0.0.1/push",
    ],
)
def test_an_endpoint_that_is_not_a_push_service_is_refused(
    partner_a, vapid, settings, endpoint
) -> None:
    settings.WEBPUSH_SERVICE_HOSTS = ("fcm.googleapis.com", ".push.apple.com")
    settings.WEBPUSH_ALLOW_HTTP = False
    device = Device(endpoint, ec.generate_private_key(ec.SECP256R1()), os.urandom(16))
    response = partner_a.client.post(
        reverse("push_subscribe"),
        json.dumps(device.subscription()),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "not one we send to" in response.json()["error"]
    assert not PushSubscription.objects.exists()


def test_keys_of_the_wrong_size_are_refused(partner_a, push_receiver, vapid) -> None:
    bad = {
        "endpoint": f"{push_receiver.url}/push/x",
        "keys": {"p256dh": b64url(b"short"), "auth": b64url(os.urandom(16))},
    }
    response = partner_a.client.post(
        reverse("push_subscribe"), json.dumps(bad), content_type="application/json"
    )
    assert response.status_code == 400
    assert "public key" in response.json()["error"]
    response = partner_a.client.post(
        reverse("push_subscribe"), "not json", content_type="application/json"
    )
    assert response.status_code == 400


def test_a_device_used_by_someone_else_next_is_theirs_alone(
    partner_a, partner_b, push_receiver, vapid
) -> None:
    device = subscribe(partner_a, push_receiver, "shared-laptop")
    response = partner_b.client.post(
        reverse("push_subscribe"),
        json.dumps(device.subscription()),
        content_type="application/json",
    )
    assert response.status_code == 201
    (only,) = PushSubscription.objects.all()
    assert only.user == partner_b.user


def test_the_preferences_page_lists_devices_and_turns_one_off(
    partner_a, partner_b, push_receiver, vapid
) -> None:
    subscribe(partner_a, push_receiver, "alex-phone")
    page = partner_a.client.get(reverse("preferences")).content.decode()
    assert "Chrome on Android" in page
    assert f'data-vapid-key="{vapid}"' in page
    mine = PushSubscription.objects.get()
    assert partner_b.client.post(reverse("push_remove", args=[mine.pk])).status_code == 404
    assert partner_a.client.get(reverse("push_remove", args=[mine.pk])).status_code == 405
    response = partner_a.client.post(reverse("push_remove", args=[mine.pk]))
    assert response.status_code == 302
    assert not PushSubscription.objects.exists()


def test_without_vapid_keys_the_page_says_so_and_nothing_subscribes(partner_a, settings) -> None:
    settings.WEBPUSH_VAPID_PUBLIC_KEY = settings.WEBPUSH_VAPID_PRIVATE_KEY = ""
    page = partner_a.client.get(reverse("preferences")).content.decode()
    assert "Notifications are not available on this server" in page
    assert (
        partner_a.client.post(
            reverse("push_subscribe"), "{}", content_type="application/json"
        ).status_code
        == 404
    )


def test_signed_out_people_can_not_subscribe(anonymous, vapid) -> None:
    response = anonymous.client.post(
        reverse("push_subscribe"), "{}", content_type="application/json"
    )
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_service_worker_shows_what_arrives_and_opens_only_paths_of_this_site(client) -> None:
    script = client.get(reverse("service_worker")).content.decode()
    assert 'self.addEventListener("push"' in script
    assert "showNotification" in script
    assert r"/^\/(?!\/)/.test(message.url)" in script


def test_a_public_key_that_is_not_a_point_on_the_curve_is_refused(
    partner_a, push_receiver, vapid
) -> None:
    bad = {
        "endpoint": f"{push_receiver.url}/push/x",
        "keys": {"p256dh": b64url(b"\x04" + b"\x01" * 64), "auth": b64url(os.urandom(16))},
    }
    response = partner_a.client.post(
        reverse("push_subscribe"), json.dumps(bad), content_type="application/json"
    )
    assert response.status_code == 400
    assert "public key" in response.json()["error"]


def test_one_broken_device_does_not_stop_the_others(
    partner_a, partner_b, push_receiver, vapid, django_capture_on_commit_callbacks
) -> None:
    PushSubscription.objects.create(
        user=partner_b.user, endpoint=f"{push_receiver.url}/push/broken", p256dh="AAAA", auth="AAAA"
    )
    phone = subscribe(partner_b, push_receiver, "blake-phone")
    with django_capture_on_commit_callbacks(execute=True):
        check_in(partner_a)
    (delivery,) = push_receiver.deliveries
    assert phone.read(delivery)["body"] == "Your partner checked in on step 1."


def test_logging_out_turns_off_the_device_subscribed_in_that_session(
    partner_a, partner_b, push_receiver, vapid
) -> None:
    subscribe(partner_b, push_receiver, "blake-phone")
    other = PushSubscription.objects.create(
        user=partner_b.user,
        endpoint=f"{push_receiver.url}/push/blake-laptop",
        p256dh="k",
        auth="a",
    )
    partner_b.client.post(reverse("account_logout"))
    assert list(PushSubscription.objects.all()) == [other]


def test_a_response_to_something_told_later_is_told_as_such(
    partner_a, partner_b, push_receiver, vapid, django_capture_on_commit_callbacks
) -> None:
    blake_phone = subscribe(partner_b, push_receiver, "blake-phone")
    told = tell_later(partnership=seat(partner_b), text="TOLD")
    with django_capture_on_commit_callbacks(execute=True):
        add_question_entry(partnership=seat(partner_a), question=told, kind="answer", text="OK")
    (delivery,) = push_receiver.deliveries
    assert blake_phone.read(delivery)["body"] == "Your partner responded to what you told them."
