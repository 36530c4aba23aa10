"""Web Push with VAPID (RFC 8291 encryption, RFC 8292 VAPID), through pywebpush: the server's key pair and one
message sent to one browser subscription.

Nothing here touches Django's settings or models (settings.py calls ``vapid_key_pair`` while it is being read);
``core.notifications`` decides what is sent to whom and forgets subscriptions that are gone.
"""

import base64
import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# A push service that answers one of these has forgotten the subscription for good (RFC 8030 §7.3, and 404 as
# FCM and Mozilla's autopush answer for an endpoint that never was or expired).
GONE = frozenset({404, 410})
TIMEOUT = 10  # seconds for one push service's answer; a notification is never held up longer


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def vapid_key_pair() -> tuple[bytes, str]:
    """A new P-256 key pair: (the private key as PEM, the public key as browsers take it: base64url of the
    uncompressed point, ``applicationServerKey``)."""
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return pem, vapid_public_key(pem)


def vapid_public_key(private_pem: bytes) -> str:
    """The ``applicationServerKey`` of a private key given as PEM."""
    key = serialization.load_pem_private_key(private_pem, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError("VAPID 私钥应为 P-256 椭圆曲线密钥")
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return _b64url(point)


@dataclass(frozen=True)
class PushResult:
    """What the push service answered: ``ok`` (accepted), ``gone`` (forget the subscription), or neither (a
    failure worth a log line: the service is down, the key is refused)."""

    ok: bool
    gone: bool = False
    status: int | None = None
    error: str = ""


def push_send(
    *, endpoint: str, p256dh: str, auth: str, payload: dict[str, Any], private_key_file: str, subject: str
) -> PushResult:
    """Encrypt ``payload`` (JSON) for one browser subscription and POST it to its push service, signed with
    the VAPID key in ``private_key_file`` for ``subject`` (mailto: or https:)."""
    from pywebpush import WebPushException, webpush  # heavy (requests, aiohttp): only when sending

    subscription = {"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}}
    try:
        response = webpush(
            subscription_info=subscription,
            data=json.dumps(payload, ensure_ascii=False),
            vapid_private_key=private_key_file,
            vapid_claims={"sub": subject},
            timeout=TIMEOUT,
            ttl=24 * 3600,  # a phone that is off for a day still gets it when it is back
        )
    except WebPushException as exc:
        status = exc.response.status_code if exc.response is not None else None
        return PushResult(ok=False, gone=status in GONE, status=status, error=str(exc)[:300])
    except (OSError, ValueError) as exc:  # unreachable service (requests' errors are OSErrors), bad keys
        return PushResult(ok=False, error=str(exc)[:300])
    return PushResult(ok=True, status=getattr(response, "status_code", None))


def vapid_key_files() -> tuple[Path, Path | None]:
    """Where the VAPID key pair is kept: the configured private key file (its public key is the setting
    SIJIN_VAPID_PUBLIC_KEY: no file), else the pair generated into var/ (private, public). ``sijin backup`` keeps
    these files and ``sijin restore`` puts them back: the browsers' subscriptions were made for this public key,
    and a new pair would leave every one of them unable to receive a push."""
    if settings.SIJIN_VAPID_PRIVATE_KEY_FILE:
        return Path(settings.SIJIN_VAPID_PRIVATE_KEY_FILE), None
    var = Path(settings.VAR_DIR)
    return var / "vapid_private.pem", var / "vapid_public.txt"


def vapid_keys() -> tuple[Path, str]:
    """The VAPID private key file and the public key: the configured pair, else one generated once into var/."""
    key_file, public_file = vapid_key_files()
    if public_file is None:
        return key_file, settings.SIJIN_VAPID_PUBLIC_KEY
    var = key_file.parent
    if not key_file.exists():
        private_pem, _ = vapid_key_pair()
        # Written aside and linked into place: of two processes starting at once, one pair wins whole.
        draft = var / f".vapid_private.{os.getpid()}"
        try:
            with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
                out.write(private_pem)
            with contextlib.suppress(FileExistsError):
                os.link(draft, key_file)
        except OSError as exc:
            raise ImproperlyConfigured(
                f"无法写入推送密钥文件 {key_file}:{exc.strerror}。建议:确认数据目录 SIJIN_VAR_DIR 存在且可写,"
                "或用 SIJIN_VAPID_PRIVATE_KEY_FILE、SIJIN_VAPID_PUBLIC_KEY 指定推送密钥。"
            ) from exc
        finally:
            with contextlib.suppress(OSError):
                os.unlink(draft)
    if not public_file.exists():
        with contextlib.suppress(OSError):
            public_file.write_text(vapid_public_key(key_file.read_bytes()))
    public = (
        public_file.read_text().strip() if public_file.exists() else vapid_public_key(key_file.read_bytes())
    )
    return key_file, public
