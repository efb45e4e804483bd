import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.images import DISPLAY_MAX_SIDE, THUMB_SIZE, process_upload, validate_image_upload

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def jpeg_with_gps(size=(1600, 1000), orientation=None) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[GPS_IFD] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 50.0)}
    if orientation:
        exif[ORIENTATION] = orientation
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def upload(data: bytes, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_the_fixture_photo_really_carries_gps_exif():
    exif = Image.open(io.BytesIO(jpeg_with_gps())).getexif()
    assert exif.get_ifd(GPS_IFD)


def test_processing_strips_all_exif_and_gps_from_every_version():
    result = process_upload(upload(jpeg_with_gps()))
    for version in (result.original, result.display, result.thumbnail):
        image = Image.open(io.BytesIO(version.read()))
        assert image.format == "JPEG"
        assert not image.getexif()
        assert "exif" not in image.info
        assert b"Exif" not in version.file.getvalue()


def test_processing_makes_a_display_version_and_a_4_by_3_thumbnail():
    result = process_upload(upload(jpeg_with_gps(size=(3000, 2000))))
    display = Image.open(io.BytesIO(result.display.file.getvalue()))
    thumb = Image.open(io.BytesIO(result.thumbnail.file.getvalue()))
    assert max(display.size) == DISPLAY_MAX_SIDE
    assert thumb.size == THUMB_SIZE


def test_exif_orientation_is_applied_before_the_metadata_is_dropped():
    # Orientation 6 = rotate 90° clockwise to display: a landscape sensor image becomes portrait.
    result = process_upload(upload(jpeg_with_gps(size=(1200, 800), orientation=6)))
    assert (result.width, result.height) == (800, 1200)


def test_a_text_file_named_jpg_is_refused_as_not_an_image():
    with pytest.raises(ValidationError) as excinfo:
        validate_image_upload(upload(b"definitely not a picture"))
    assert excinfo.value.code == "invalid_image"


def test_a_truncated_jpeg_is_refused():
    with pytest.raises(ValidationError):
        process_upload(upload(jpeg_with_gps()[:400]))


def test_a_decompression_bomb_is_refused_with_a_clear_message():
    buffer = io.BytesIO()
    Image.new("1", (12000, 12000)).save(buffer, format="PNG")  # 144 megapixels in a few kB
    assert len(buffer.getvalue()) < 200_000
    with pytest.raises(ValidationError) as excinfo:
        validate_image_upload(upload(buffer.getvalue(), "bomb.png", "image/png"))
    assert excinfo.value.code == "bomb"
    assert "pixels" in str(excinfo.value.messages[0])


def test_a_file_over_the_configured_byte_limit_is_refused(settings):
    settings.MAX_IMAGE_UPLOAD_BYTES = 1000
    with pytest.raises(ValidationError) as excinfo:
        validate_image_upload(upload(jpeg_with_gps()))
    assert excinfo.value.code == "too_large"


def test_transparent_png_is_flattened_onto_white():
    buffer = io.BytesIO()
    Image.new("RGBA", (640, 480), (0, 0, 0, 0)).save(buffer, format="PNG")
    result = process_upload(upload(buffer.getvalue(), "t.png", "image/png"))
    pixel = Image.open(io.BytesIO(result.display.file.getvalue())).getpixel((10, 10))
    assert all(channel > 245 for channel in pixel)
