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


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


@pytest.fixture
def assert_max_queries():
    """Like ``django_assert_max_num_queries`` but ignoring transaction control statements.

    With ``ATOMIC_REQUESTS`` every request is wrapped in a transaction: inside the test transaction that
    becomes SAVEPOINT/RELEASE (and BEGIN/COMMIT on SQLite with transaction=True), none of which is a
    query the page makes. Everything else — every SELECT/INSERT/UPDATE — is counted.
    """
    from contextlib import contextmanager

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    @contextmanager
    def check(limit: int):
        with CaptureQueriesContext(connection) as context:
            yield context
        real = [q["sql"] for q in context.captured_queries if not q["sql"].upper().startswith(TRANSACTION_CONTROL)]
        assert len(real) <= limit, f"{len(real)} queries (limit {limit}):\n" + "\n".join(sql[:200] for sql in real)

    return check
