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
        # Imported here, once the models are loaded; nothing imports the app config back.
        from consents import (
            stored,
            tasks,  # noqa: F401  (registers the tasks, queued by name)
        )
        from consents.communications import lookups  # noqa: F401  (registers `__any`)

        stored.watch_rule_inputs()
        outbox_composers_register()
        post_migrate.connect(ensure_reference_data, sender=self)


def outbox_composers_register():
    """Each kind of outbox email and the feature's function that composes it at sending
    time. The features import the outbox to enqueue; the outbox learns their composers here,
    so that its imports run one way."""
    from consents import outbox
    from consents.campaigns import composing
    from consents.communications import takedowns
    from consents.decisions import receipts
    from consents.models import OutboxMessage

    Template = OutboxMessage.Template
    for template, compose in {
        Template.ASK: composing.message_compose,
        Template.SIXTEEN_STUDENT: composing.message_compose,
        Template.SIXTEEN_GUARDIAN: composing.message_compose,
        Template.SIXTEEN_SOON: composing.message_compose,
        Template.RECEIPT: receipts.receipt_message_compose,
        Template.TAKEDOWN: takedowns.takedown_message_compose,
    }.items():
        outbox.composer_register(template, compose)
