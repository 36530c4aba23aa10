"""Visit photos: the type is read from the file's first bytes (never its name), the size is capped, the file
is stored under MEDIA_ROOT (outside the web root) and served only by a scoped view."""

import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction

from sijin.accounts import access
from sijin.accounts.models import User
from sijin.core.audit import audit
from sijin.core.models import AuditAction

from .models import Visit, VisitPhoto

MAX_PHOTO_BYTES = 10 * 1024 * 1024
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/heic": "heic"}
# ISO-BMFF brands of HEIF/HEIC files as phones write them.
HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}


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
    return content_type


@transaction.atomic
def visit_photo_add(*, actor: User | None, visit: Visit, uploaded_file: File) -> VisitPhoto:
    """Attach a photo to a visit; the stored name is random so its address cannot be guessed from the upload."""
    if not access.can_write(actor, visit.group_id):
        raise PermissionDenied("只读权限,不能修改")
    content_type = photo_check(uploaded_file)
    photo = VisitPhoto(visit=visit, content_type=content_type, size=uploaded_file.size)
    photo.file.save(f"{uuid.uuid4().hex}.{EXTENSIONS[content_type]}", uploaded_file, save=False)
    photo.save()
    audit(
        actor, AuditAction.VISIT_PHOTO_ADD, photo, f"上传走访照片 {uploaded_file.name}"[:500], visit=visit.pk
    )
    return photo
