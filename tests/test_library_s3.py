"""The library in an S3-compatible bucket (LIBRARY_STORAGE=s3, django-storages), end to end
against a real S3 API: moto's server on a free local port, spoken to over HTTP by boto3 as a
bucket at Scaleway, OVHcloud or MinIO would be."""

import io
import urllib.error
import urllib.request
import uuid

import boto3
import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.urls import reverse
from moto.server import ThreadedMotoServer
from PIL import Image

from consent_portal.settings import library_s3_options
from consents.library.services import item_people_set
from consents.models import LibraryItem

from .helpers import wait_until
from .library_helpers import NOW, jpeg_with_gps, upload

pytest_plugins = ["tests.library_fixtures"]
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_in_english")]

REGION = "eu-west-3"  # Paris: the bucket stays in the EU


@pytest.fixture(scope="session")
def s3_endpoint():
    """A real S3 API (moto's server, in a thread) on a free port of this machine."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings, monkeypatch):
    """A new empty bucket, and the library stored in it with the options the settings build
    from LIBRARY_S3_* (encrypted at rest). Returns a boto3 client and the bucket's name."""
    name = f"library-{uuid.uuid4().hex[:12]}"
    env = {
        "LIBRARY_S3_BUCKET": name,
        "LIBRARY_S3_ENDPOINT_URL": s3_endpoint,
        "LIBRARY_S3_REGION": REGION,
        "LIBRARY_S3_ACCESS_KEY_ID": "test-key",
        "LIBRARY_S3_SECRET_ACCESS_KEY": "test-secret",  # nosec B105: moto's, not a secret
        "LIBRARY_S3_ADDRESSING_STYLE": "path",
        "LIBRARY_S3_ENCRYPTION": "AES256",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name=REGION,
        aws_access_key_id="test-key",
        aws_secret_access_key="test-secret",  # nosec B106
    )
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    settings.STORAGES = {
        **settings.STORAGES,
        "library": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": library_s3_options()},
    }
    with time_machine.travel(NOW):
        yield client, name


def keys(bucket) -> set[str]:
    client, name = bucket
    return {row["Key"] for row in client.list_objects_v2(Bucket=name).get("Contents", [])}


def stored(bucket, key) -> bytes:
    client, name = bucket
    return client.get_object(Bucket=name, Key=key)["Body"].read()


@pytest.fixture
def uploaded(client, communications, school, celery_eager, django_capture_on_commit_callbacks):
    """A photo with GPS and a camera serial uploaded through the page; its thumbnail made."""
    client.force_login(communications)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, school, jpeg_with_gps(), name="IMG_zoe-de-vries.jpg")
    assert response.status_code == 302
    item = LibraryItem.objects.get()
    item.refresh_from_db()
    return item


def test_an_upload_lands_in_the_bucket_private_encrypted_and_without_exif(bucket, uploaded):
    client, name = bucket
    item = uploaded

    assert item.file.name.startswith(f"library/{item.school_id}/") and "zoe" not in item.file.name
    assert keys(bucket) == {item.file.name, item.thumbnail.name}
    for key in keys(bucket):
        grants = client.get_object_acl(Bucket=name, Key=key)["Grants"]
        # Only the owner: no grant to everyone (AllUsers) or to every AWS account.
        assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]
        assert all(g["Grantee"]["Type"] == "CanonicalUser" for g in grants)
        assert client.head_object(Bucket=name, Key=key)["ServerSideEncryption"] == "AES256"
    data = stored(bucket, item.file.name)
    assert b"SERIAL-123456" not in data and b"Camera maker" not in data
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and image.size == (64, 48)
    assert not image.getexif() and "exif" not in image.info
    # The worker's thumbnail (eager here) went to the bucket too.
    assert Image.open(io.BytesIO(stored(bucket, item.thumbnail.name))).format == "JPEG"


def test_an_object_cannot_be_read_without_credentials(s3_endpoint, bucket, uploaded):
    _client, name = bucket
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{s3_endpoint}/{name}/{uploaded.file.name}")  # nosec B310
    assert refused.value.code == 403


def test_the_pages_never_hand_out_a_bucket_url(client, s3_endpoint, bucket, uploaded):
    """The list and the item show the thumbnail through the portal's own view."""
    pages = [
        client.get(reverse("library_list") + f"?school={uploaded.school_id}"),
        client.get(reverse("library_item", args=[uploaded.pk])),
    ]
    for page in pages:
        html = page.content.decode()
        assert page.status_code == 200
        assert s3_endpoint not in html and "X-Amz-" not in html and bucket[1] not in html
        assert reverse("library_thumbnail", args=[uploaded.pk]) in html
    with pytest.raises(NotImplementedError):
        uploaded.file.url  # noqa: B018


def test_the_views_stream_the_thumbnail_and_the_file_from_the_bucket(
    client, bucket, uploaded, communications, purposes, pupils
):
    zoe, _sem, _lotte = pupils
    item_people_set(user=communications, item=uploaded, add=[zoe], others_visible=False)

    thumbnail = client.get(reverse("library_thumbnail", args=[uploaded.pk]))
    photo = client.post(
        reverse("library_item_file", args=[uploaded.pk]), {"purpose": purposes[0].pk}
    )

    assert thumbnail.status_code == 200 and photo.status_code == 200
    assert b"".join(thumbnail.streaming_content) == stored(bucket, uploaded.thumbnail.name)
    assert b"".join(photo.streaming_content) == stored(bucket, uploaded.file.name)
    assert photo["Content-Disposition"] == f'attachment; filename="library-{uploaded.pk}.jpg"'


def test_an_outsider_gets_no_file_from_the_bucket(
    client, bucket, uploaded, other_school_communications, purposes
):
    client.force_login(other_school_communications)
    url = reverse("library_item_file", args=[uploaded.pk])
    assert client.post(url, {"purpose": purposes[0].pk}).status_code == 404
    assert client.get(reverse("library_thumbnail", args=[uploaded.pk])).status_code == 404


def test_deleting_from_retention_removes_both_objects_from_the_bucket(
    client, bucket, uploaded, administrator, django_capture_on_commit_callbacks
):
    client.force_login(administrator)
    url = reverse("library_item_delete", args=[uploaded.pk])
    before = keys(bucket)
    assert len(before) == 2

    client.post(url, {})  # not confirmed: nothing changes
    assert keys(bucket) == before and LibraryItem.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"confirm": "on"})

    assert response.status_code == 302
    assert not LibraryItem.objects.exists()
    assert keys(bucket) == set()


def test_a_name_already_in_the_bucket_is_never_overwritten(bucket):
    storage = storages["library"]
    first = storage.save("library/1/same.jpg", ContentFile(b"first"))
    second = storage.save("library/1/same.jpg", ContentFile(b"second"))
    assert first != second
    assert stored(bucket, first) == b"first" and stored(bucket, second) == b"second"


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_writes_the_thumbnail_to_the_bucket(
    client, bucket, communications, school, celery_worker
):
    client.force_login(communications)
    with celery_worker():
        assert upload(client, school, jpeg_with_gps()).status_code == 302
        item = LibraryItem.objects.get()
        wait_until(lambda: LibraryItem.objects.filter(pk=item.pk).exclude(thumbnail="").exists())
    item.refresh_from_db()
    assert keys(bucket) == {item.file.name, item.thumbnail.name}
    thumbnail = Image.open(io.BytesIO(stored(bucket, item.thumbnail.name)))
    assert thumbnail.format == "JPEG" and thumbnail.size == (64, 48)
