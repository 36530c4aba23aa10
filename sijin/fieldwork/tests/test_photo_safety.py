"""Visit photos are safe to keep: a decompression bomb is refused from its header (never decoded), and the GPS
location in a photo's EXIF is removed unless the user chose to keep it."""

import io
import struct
import time
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageOps

from sijin.fieldwork.photos import photo_check, visit_photo_add

GPS_IFD = 0x8825
ORIENTATION = 0x0112


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def png_claiming(width: int, height: int) -> bytes:
    """A PNG of a few dozen bytes whose header claims ``width`` × ``height`` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0"))
        + chunk(b"IEND", b"")
    )


def jpeg_claiming(width: int, height: int) -> bytes:
    """A tiny JPEG whose frame header (SOF0) is rewritten to claim ``width`` × ``height`` pixels."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(out, "JPEG")
    data = bytearray(out.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def with_gps(kind: str, size: tuple[int, int] = (40, 20), orientation: int = 1) -> SimpleUploadedFile:
    """A photo as a phone writes it: the maker, the orientation and where it was taken."""
    exif = Image.Exif()
    exif[0x010F] = "Phone"  # Make
    exif[ORIENTATION] = orientation
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (36.0, 39.0, 0.0), 3: "E", 4: (117.0, 0.0, 0.0)})
    out = io.BytesIO()
    Image.new("RGB", size, "green").save(out, kind, exif=exif)
    assert Image.open(io.BytesIO(out.getvalue())).getexif().get_ifd(GPS_IFD)[1] == "N"
    return SimpleUploadedFile(f"入户.{kind.lower()}", out.getvalue(), content_type=f"image/{kind.lower()}")


def stored_image(photo) -> Image.Image:
    with photo.file.open("rb") as f:
        image = Image.open(io.BytesIO(f.read()))
        image.load()
    return image


@pytest.mark.parametrize(
    ("name", "data"), [("炸弹.png", png_claiming(20000, 20000)), ("炸弹.jpg", jpeg_claiming(20000, 20000))]
)
def test_it_refuses_a_photo_whose_header_claims_too_many_pixels(name, data):
    started = time.monotonic()
    with pytest.raises(ValidationError) as exc:
        photo_check(SimpleUploadedFile(name, data))
    assert exc.value.messages == [f"照片“{name}”像素过大(超过4000万像素),请压缩后再上传。"]
    assert time.monotonic() - started < 1


def test_it_refuses_a_photo_just_over_the_configured_limit(settings):
    settings.SIJIN_PHOTO_MAX_PIXELS = 100 * 100
    with pytest.raises(ValidationError, match="像素过大"):
        photo_check(SimpleUploadedFile("大.png", png_claiming(101, 100)))
    assert photo_check(SimpleUploadedFile("刚好.jpg", jpeg_claiming(100, 100))) == "image/jpeg"


def test_it_refuses_a_photo_pillow_cannot_read():
    broken = b"\x89PNG\r\n\x1a\n" + b"\0" * 40
    with pytest.raises(ValidationError, match="无法读取"):
        photo_check(SimpleUploadedFile("坏.png", broken))


def test_it_removes_the_gps_location_and_keeps_the_rest(world):
    photo = visit_photo_add(
        actor=world.users["member"], visit=world.visits["project"], uploaded_file=with_gps("JPEG")
    )
    image = stored_image(photo)
    exif = image.getexif()
    assert GPS_IFD not in exif
    assert exif.get_ifd(GPS_IFD) == {}
    assert exif[0x010F] == "Phone"
    assert (image.format, photo.content_type, photo.size) == ("JPEG", "image/jpeg", photo.file.size)


def test_it_applies_the_orientation_before_dropping_the_location(world):
    # Orientation 6: the camera was turned; the stored photo is upright and says so.
    photo = visit_photo_add(
        actor=world.users["member"],
        visit=world.visits["project"],
        uploaded_file=with_gps("JPEG", orientation=6),
    )
    image = stored_image(photo)
    assert image.size == (20, 40)
    assert image.getexif().get(ORIENTATION, 1) == 1
    assert GPS_IFD not in image.getexif()
    assert ImageOps.exif_transpose(image).size == (20, 40)


def test_it_removes_the_location_from_a_png(world):
    upload = with_gps("PNG")
    photo = visit_photo_add(actor=world.users["member"], visit=world.visits["project"], uploaded_file=upload)
    image = stored_image(photo)
    assert image.format == "PNG"
    assert GPS_IFD not in image.getexif()


def test_it_keeps_the_location_when_the_user_chose_to(world):
    upload = with_gps("JPEG")
    original = upload.read()
    upload.seek(0)
    photo = visit_photo_add(
        actor=world.users["member"], visit=world.visits["project"], uploaded_file=upload, keep_location=True
    )
    with photo.file.open("rb") as f:
        assert f.read() == original
    assert stored_image(photo).getexif().get_ifd(GPS_IFD)[1] == "N"


def test_it_decodes_a_heic_photo_and_stores_it_as_a_jpeg_without_the_location(world):
    heic = with_gps("HEIF")
    assert heic.read(12)[4:12] == b"ftypheic"  # a real HEIC file, as pillow-heif writes it
    heic.seek(0)
    photo = visit_photo_add(actor=world.users["member"], visit=world.visits["project"], uploaded_file=heic)
    image = stored_image(photo)
    assert (image.format, image.size, photo.content_type) == ("JPEG", (40, 20), "image/jpeg")
    assert photo.file.name.endswith(".jpg"), photo.file.name
    exif = image.getexif()
    assert exif.get_ifd(GPS_IFD) == {} and exif[0x010F] == "Phone"


def test_it_refuses_a_heic_photo_over_the_pixel_limit_and_a_broken_one(settings):
    settings.SIJIN_PHOTO_MAX_PIXELS = 799
    with pytest.raises(ValidationError, match="像素过大"):
        photo_check(with_gps("HEIF"))  # 40 × 20 = 800 pixels
    broken = SimpleUploadedFile("坏.heic", b"\0\0\0\x18ftypheic" + b"\0" * 200, content_type="image/heic")
    with pytest.raises(ValidationError, match=r"无法读取照片“坏\.heic”"):
        photo_check(broken)
