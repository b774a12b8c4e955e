"""Push, end to end in a real browser: Blake turns notifications on from the preferences page (the
service worker installed, the subscription handed to the server), Alex checks in, the server
encrypts and signs a push to the local push service, the test decrypts it with the device's key,
and the service worker shows it as a notification with nothing anyone wrote in it.

Chromium's own push service is Google's, which this machine cannot reach, so the browser's
`pushManager.subscribe` answers with the local receiver's address and a key pair the test holds;
the delivery that follows is the one a push service makes (CDP's deliverPushMessage)."""

import json
import os

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from playwright.sync_api import expect

from steps.services import CheckInAnswer, submit_check_in
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.push_receiver import Device
from trustapp.vapid import b64url

NOTE = "ALEX-PRIVATE-CHECK-IN-NOTE"

FAKE_PUSH_SERVICE = """
(() => {
  let subscription = null;
  PushManager.prototype.subscribe = async function () {
    subscription = {
      endpoint: %(endpoint)s,
      toJSON() { return {endpoint: this.endpoint, keys: %(keys)s}; },
      unsubscribe: async () => { subscription = null; return true; },
    };
    return subscription;
  };
  PushManager.prototype.getSubscription = async function () { return subscription; };
})();
"""

NOTIFICATIONS = """async () => {
  const registration = await navigator.serviceWorker.ready;
  return (await registration.getNotifications()).map((n) => ({title: n.title, body: n.body, url: n.data.url}));
}"""


def test_a_partners_check_in_arrives_as_a_notification(
    site,
    person,
    partner_a,
    partner_b,
    push_receiver,
    vapid,
):
    device = Device(
        f"{push_receiver.url}/push/blake-browser",
        ec.generate_private_key(ec.SECP256R1()),
        os.urandom(16),
    )
    public = device.private_key.public_key().public_bytes(
        Encoding.X962, PublicFormat.UncompressedPoint
    )
    blake = person("blake", width=1280, height=900)
    blake.context.grant_permissions(["notifications"], origin=site)
    blake.context.add_init_script(
        FAKE_PUSH_SERVICE
        % {
            "endpoint": json.dumps(device.endpoint),
            "keys": json.dumps({"p256dh": b64url(public), "auth": b64url(device.auth)}),
        }
    )
    log_in(blake, site, email="blake@example.com", password=PASSWORD)
    page = blake.page
    page.goto(f"{site}/accounts/preferences/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.get_by_role("button", name="Turn on notifications on this device").click()
    expect(page.get_by_test_id("push-devices")).to_contain_text("Chrome on Linux")

    submit_check_in(
        partnership=partner_a.user.partnerships.get(),
        step=1,
        answer=CheckInAnswer(3, 5, False, NOTE),
    )
    (delivery,) = push_receiver.deliveries
    plaintext = device.read(delivery)
    assert plaintext["body"] == "Your partner checked in on step 1."
    assert NOTE not in json.dumps(plaintext) and "Alex" not in json.dumps(plaintext)

    cdp = blake.context.new_cdp_session(page)
    registrations: list[str] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(r["registrationId"] for r in event["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    page.wait_for_function("true")
    assert registrations
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": site, "registrationId": registrations[0], "data": json.dumps(plaintext)},
    )
    shown = []
    for _ in range(50):
        shown = page.evaluate(NOTIFICATIONS)
        if shown:
            break
        page.wait_for_timeout(100)
    assert len(shown) == 1, shown
    (shown,) = shown
    assert shown == {
        "title": "TrustApp",
        "body": "Your partner checked in on step 1.",
        "url": "/space/steps/1/#check-in",
    }

    # Logging out turns this device's notifications off in the browser too.
    page.get_by_role("button", name="Log out").first.click()
    page.wait_for_url(f"{site}/**")
    assert (
        page.evaluate("navigator.serviceWorker.ready.then((r) => r.pushManager.getSubscription())")
        is None
    )
