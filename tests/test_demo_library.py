"""The demo's photo library (`make run`): photos of a class, uploaded and marked as staff do,
so that a newcomer sees the library's badges and filters with the demo board."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from consents import stored
from consents.demo import Demo
from consents.demo.library import PHOTOS, library_load
from consents.models import LibraryItem

pytest_plugins = ["tests.library_fixtures"]
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("site_in_english", "library_storage"),
]


def test_the_demo_library_has_photos_marked_as_staff_mark_them(
    client, communications, school, group, pupils, purposes
):
    zoe, _sem, _lotte = pupils
    assert library_load(Demo(), school, group, communications) == len(PHOTOS) == 8

    items = {item.title: item for item in LibraryItem.objects.filter(school=school)}
    assert sorted(items) == sorted(title for title, _count, _others in PHOTOS)
    assert items["Open dag: de aula"].people_marked_at is None
    nobody = items["Lentemarkt: de kraampjes"]
    assert nobody.people_marked_at is not None and not nobody.people.exists()
    assert items["Musical: het slotlied"].others_visible
    # The class has three pupils: a photo of more shows all three.
    assert items["Kerstontbijt in de klas"].people.count() == 3
    for item in items.values():
        with (
            item.file.open("rb") as stored_file,
            Image.open(io.BytesIO(stored_file.read())) as image,
        ):
            assert image.format == "JPEG" and not image.getexif()

    stored.refresh()
    client.force_login(communications)
    website = purposes[0]
    response = client.get(reverse("library_list"), {"school": school.pk, "purpose": website.pk})
    may_go = [status.item.title for status in response.context["page"].object_list]
    assert "Lentemarkt: de kraampjes" in may_go  # nobody recognisable
    assert all(
        items[title].people.filter(pk__in=[p.pk for p in pupils[1:]]).count() == 0
        for title in may_go
    )  # Sem refused the website, Lotte gave no answer
