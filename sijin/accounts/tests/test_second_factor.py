"""The optional second factor (TOTP, django-otp) for the three administrators and the office: enrolment with
the secret, its otpauth:// address and a QR code; the code asked after the password; required when
SIJIN_REQUIRE_2FA is on; reset by the security admin when a phone is lost."""

import re
from binascii import unhexlify

from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from sijin.accounts.views import ENROLMENT_KEY
from sijin.core.models import AuditLog
from sijin.testing import client_for


def code(key: str) -> str:
    """What the user's authenticator app shows now."""
    return f"{TOTP(unhexlify(key)).token():06d}"


def test_the_office_enrols_an_authenticator(world):
    client = client_for("office")
    assert 'href="/account/second-factor/"' in client.get("/").content.decode()
    page = client.get("/account/second-factor/").content.decode()
    key = client.session[ENROLMENT_KEY]
    secret = re.search(r'<code class="user-select-all">([A-Z2-7]+)</code>', page).group(1)
    assert "otpauth://totp/" in page
    assert 'src="data:image/svg+xml' in page
    assert (
        client.post(
            "/account/second-factor/", {"token": "000000" if code(key) != "000000" else "111111"}
        ).status_code
        == 200
    )
    assert not TOTPDevice.objects.exists()
    r = client.post("/account/second-factor/", {"token": code(key)})
    assert r.status_code == 302
    device = TOTPDevice.objects.get(user=world.users["office"], confirmed=True)
    assert device.key == key
    assert secret  # the same key, as the app types it
    assert AuditLog.objects.filter(action="user_second_factor_enrol", actor=world.users["office"]).exists()
    assert client.get("/").status_code == 200  # this session is verified by the enrolment


def test_a_member_is_not_offered_a_second_factor(world):
    client = client_for("member")
    assert "/account/second-factor/" not in client.get("/").content.decode()
    assert client.get("/account/second-factor/").status_code == 403


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="验证器", confirmed=True)


def test_after_the_password_an_enrolled_user_gives_the_code(world):
    device = enrolled(world.users["office"])
    client = Client()
    assert client.post("/login/", {"username": "office", "password": "sijin-demo"}).status_code == 302
    r = client.get("/problems/")
    assert r["Location"] == "/account/second-factor/verify/?next=%2Fproblems%2F"
    assert client.post(r["Location"], {"token": "12345"}).status_code == 200
    failed = AuditLog.objects.filter(action="user_login_failed").latest("id")
    assert (failed.actor_id, failed.data["step"]) == (world.users["office"].pk, "second_factor")
    device.refresh_from_db()
    device.throttling_failure_count = 0  # time travel past django-otp's wait after a wrong code
    device.save()
    r = client.post(r["Location"], {"token": code(device.key)})
    assert r["Location"] == "/problems/"
    assert client.get("/problems/").status_code == 200


def test_the_setting_requires_the_administrators_and_the_office_to_enrol(world, settings):
    settings.SIJIN_REQUIRE_2FA = True
    for username in ("office", "auditor", "admin"):
        r = client_for(username).get("/")
        assert r["Location"] == "/account/second-factor/?next=%2F", username
    assert client_for("member").get("/").status_code == 200


def test_the_security_admin_resets_a_lost_authenticator(world, security):
    office = world.users["office"]
    enrolled(office)
    r = client_for("security").post(
        "/admin/accounts/user/", {"action": "second_factor_reset", "_selected_action": [office.pk]}
    )
    assert r.status_code == 302
    assert not TOTPDevice.objects.filter(user=office).exists()
    assert AuditLog.objects.filter(action="user_second_factor_reset", object_id=str(office.pk)).exists()
