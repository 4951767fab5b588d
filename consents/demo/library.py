"""The demo's photo library (issue 23): photos of one class, drawn by Pillow, uploaded as
staff upload them (metadata stripped, stored privately, thumbnails made by the worker) and
marked as staff mark them, so that `make run` shows the library's badges and filters: photos
that may go everywhere, photos someone on them holds back, nobody recognisable, a crowd with
others visible, and one nobody has marked yet."""

import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from consents.library.services import item_people_set
from consents.library.uploads import library_item_upload

# Title, how many of the class are on it (None: not marked yet), others visible.
PHOTOS = [
    ("Sportdag: de estafette", 3, False),
    ("Schoolreis naar Utrecht", 6, False),
    ("Lentemarkt: de kraampjes", 0, False),
    ("Musical: het slotlied", 4, True),
    ("Project aardrijkskunde: de maquette", 2, False),
    ("Open dag: de aula", None, False),
    ("Kerstontbijt in de klas", 8, False),
    ("Excursie naar het Rijksmuseum", 5, False),
]


def library_load(demo, school, group, user) -> int:
    """Upload and mark `PHOTOS` in `school`'s library as `user`, with pupils of `group`;
    the number of items."""
    pupils = list(group.students.order_by("last_name", "first_name", "pk"))
    for n, (title, count, others_visible) in enumerate(PHOTOS):
        upload = SimpleUploadedFile(f"demo-{n}.jpg", _drawing(demo.random), "image/jpeg")
        item = library_item_upload(user=user, school=school, title=title, upload=upload)
        if count is None:
            continue
        on_it = demo.random.sample(pupils, min(count, len(pupils)))
        item_people_set(
            user=user, item=item, add=on_it, others_visible=others_visible, nobody=not on_it
        )
    demo.log(f"Added {len(PHOTOS)} photos to the library of {school}.")
    return len(PHOTOS)


def _drawing(rng: random.Random, size=(960, 640)) -> bytes:
    """A sky, a field and a few figures: a photo of nobody in particular."""
    width, height = size
    image = Image.new("RGB", size, (135, 190, 235))
    draw = ImageDraw.Draw(image)
    horizon = int(height * rng.uniform(0.45, 0.65))
    draw.rectangle((0, horizon, width, height), fill=(90, 160, 80))
    for _ in range(rng.randint(2, 7)):
        x = rng.randint(60, width - 60)
        foot = rng.randint(horizon + 40, height - 10)
        tall = rng.randint(120, 220)
        colour = tuple(rng.randint(40, 220) for _ in range(3))
        draw.rectangle((x - 25, foot - tall + 50, x + 25, foot), fill=colour)
        draw.ellipse((x - 22, foot - tall, x + 22, foot - tall + 44), fill=(240, 200, 170))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()
