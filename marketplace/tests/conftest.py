import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def photo_bytes(colour=(30, 90, 160), size=(800, 600), gps=False) -> bytes:
    image = Image.new("RGB", size, colour)
    buffer = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[0x8825] = {1: "N", 2: (31.0, 13.0, 44.0), 3: "E", 4: (121.0, 28.0, 10.0)}
        image.save(buffer, format="JPEG", exif=exif)
    else:
        image.save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.fixture
def jpeg():
    def make(name="car.jpg", **kwargs):
        return SimpleUploadedFile(name, photo_bytes(**kwargs), content_type="image/jpeg")

    return make
