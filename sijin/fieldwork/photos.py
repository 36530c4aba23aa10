"""Visit photos: the type is read from the file's first bytes (never its name), the size and the pixel count
are capped (a decompression bomb is refused from its header, never decoded), the GPS location is removed
unless the user keeps it, and the file is stored under MEDIA_ROOT (outside the web root) and served only by a
scoped view."""

import io
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

from sijin.accounts import access
from sijin.accounts.models import User
from sijin.core.audit import audit
from sijin.core.models import AuditAction

from .models import Visit, VisitPhoto

MAX_PHOTO_BYTES = 10 * 1024 * 1024
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/heic": "heic"}
# ISO-BMFF brands of HEIF/HEIC files as phones write them.
HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
# Pillow reads JPEG and PNG, and HEIC/HEIF (what iPhones take) through pillow-heif's plugin. A HEIC photo is
# stored as a JPEG, which every browser shows.
register_heif_opener()
PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/heic": "HEIF"}
STORED_AS = {"image/heic": "image/jpeg"}
GPS_IFD = 0x8825
# Pillow's own guard (a warning above the limit, an error above twice it) agrees with ours, for every image
# this process opens.
Image.MAX_IMAGE_PIXELS = settings.SIJIN_PHOTO_MAX_PIXELS


def sniff_image_type(head: bytes) -> str | None:
    """The MIME type of a JPEG, PNG or HEIC file from its magic bytes, else None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return "image/heic"
    return None


def photo_check(uploaded_file: File) -> str:
    """Validate one upload; return its real content type or raise a ValidationError users can act on."""
    name = getattr(uploaded_file, "name", "") or "照片"
    if uploaded_file.size > MAX_PHOTO_BYTES:
        raise ValidationError(f"照片“{name}”超过10MB,请压缩后再上传。", code="too_big")
    uploaded_file.seek(0)
    head = uploaded_file.read(16)
    uploaded_file.seek(0)
    content_type = sniff_image_type(head)
    if content_type is None:
        raise ValidationError(f"“{name}”不是JPEG、PNG或HEIC格式的照片。", code="type")
    _check_pixels(uploaded_file, name, content_type)
    return content_type


def _too_many_pixels(name: str) -> ValidationError:
    limit = f"{settings.SIJIN_PHOTO_MAX_PIXELS / 10_000:g}万"
    return ValidationError(f"照片“{name}”像素过大(超过{limit}像素),请压缩后再上传。", code="pixels")


@contextmanager
def _opened(uploaded_file: File, name: str, content_type: str) -> Iterator[Image.Image]:
    """The upload opened by Pillow as its sniffed format; Pillow's errors become messages users can act on."""
    try:
        with Image.open(uploaded_file, formats=[PILLOW_FORMATS[content_type]]) as image:
            yield image
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels(name) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(f"无法读取照片“{name}”,文件可能已损坏。", code="broken") from exc
    finally:
        uploaded_file.seek(0)


def _check_pixels(uploaded_file: File, name: str, content_type: str) -> None:
    """Read the header only (``Image.open`` is lazy): the pixel count is known before anything is decoded."""
    with _opened(uploaded_file, name, content_type) as image:
        width, height = image.size
    if width * height > settings.SIJIN_PHOTO_MAX_PIXELS:
        raise _too_many_pixels(name)


def _without_location(
    uploaded_file: File, name: str, content_type: str, keep_location: bool = False
) -> ContentFile:
    """The photo saved again upright (its EXIF orientation applied) with its EXIF minus the GPS block (unless
    ``keep_location``; XMP, which can also hold a location, is not carried over), as ``STORED_AS`` says (a
    HEIC as a JPEG). The colour profile is kept."""
    with _opened(uploaded_file, name, content_type) as opened:
        image = ImageOps.exif_transpose(opened)  # decodes: a truncated file is refused here
        icc_profile = opened.info.get("icc_profile")
    exif = image.getexif()
    if not keep_location:
        exif.pop(GPS_IFD, None)
    options: dict[str, Any] = {"exif": exif}
    if icc_profile:
        options["icc_profile"] = icc_profile
    stored_type = STORED_AS.get(content_type, content_type)
    if stored_type == "image/jpeg":
        options.update(quality=90, optimize=True)
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, PILLOW_FORMATS[stored_type], **options)
    return ContentFile(out.getvalue())


@transaction.atomic
def photo_prepared(uploaded_file: File, keep_location: bool = False) -> tuple[File, str]:
    """Any uploaded photo (a visit's, a problem's) checked (``photo_check``) and made ready to store: upright,
    without its GPS location unless ``keep_location``, a HEIC as a JPEG. Returns the file and its content type."""
    content_type = photo_check(uploaded_file)
    if keep_location and content_type not in STORED_AS:
        return uploaded_file, content_type
    name = getattr(uploaded_file, "name", "") or "照片"
    return _without_location(uploaded_file, name, content_type, keep_location), STORED_AS.get(
        content_type, content_type
    )


def stored_name(content_type: str) -> str:
    """A random file name, so that a photo's address cannot be guessed from the upload."""
    return f"{uuid.uuid4().hex}.{EXTENSIONS[content_type]}"


def visit_photo_add(
    *, actor: User | None, visit: Visit, uploaded_file: File, keep_location: bool = False
) -> VisitPhoto:
    """Attach a photo to a visit; the stored name is random so its address cannot be guessed from the upload.

    Unless ``keep_location``, the photo is stored without the GPS location in its EXIF. A HEIC photo is
    decoded (same pixel limit) and stored as a JPEG either way."""
    if not access.can_write(actor, visit.group_id):
        raise PermissionDenied("只读权限,不能修改")
    stored, content_type = photo_prepared(uploaded_file, keep_location)
    photo = VisitPhoto(visit=visit, content_type=content_type, size=stored.size)
    photo.file.save(stored_name(content_type), stored, save=False)
    photo.save()
    audit(
        actor, AuditAction.VISIT_PHOTO_ADD, photo, f"上传走访照片 {uploaded_file.name}"[:500], visit=visit.pk
    )
    return photo
