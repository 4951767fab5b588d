from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

MEDIA_TYPES = [
    ("photo", "Foto", "Photo", 1),
    ("film", "Film", "Film", 2),
    ("sound", "Geluid", "Sound", 3),
]


def ensure_reference_data(sender, using="default", **kwargs):
    """The media types every board uses; also restored after a test flushes the database."""
    from consents.models import MediaType

    for code, name_nl, name_en, order in MEDIA_TYPES:
        MediaType.objects.using(using).get_or_create(
            code=code, defaults={"name_nl": name_nl, "name_en": name_en, "order": order}
        )


class ConsentsConfig(AppConfig):
    name = "consents"
    verbose_name = _("Consent")

    def ready(self):
        from consents import (
            stored,
            tasks,  # noqa: F401  (registers the tasks, queued by name)
        )
        from consents.communications import lookups  # noqa: F401  (registers `__any`)

        stored.watch_rule_inputs()

        post_migrate.connect(ensure_reference_data, sender=self)
