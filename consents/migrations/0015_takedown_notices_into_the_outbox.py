from django.db import migrations

# Receipts and takedown notices go through the outbox too (they were sent in the request and
# by a task of their own). Takedown tasks nobody was emailed about yet get their outbox row
# here, one per school, which the sweep publishes: the old task and its sweep are gone.


def pending_takedowns_queue(apps, schema_editor):
    OutboxMessage = apps.get_model("consents", "OutboxMessage")
    TakedownTask = apps.get_model("consents", "TakedownTask")
    by_school = {}
    pending = TakedownTask.objects.filter(closed_at__isnull=True, notified_at__isnull=True)
    for pk, school_id, subject_id in pending.order_by("pk").values_list(
        "pk", "publication__school_id", "subject_id"
    ):
        tasks, subjects = by_school.setdefault(school_id, ([], set()))
        tasks.append(pk)
        subjects.add(subject_id)
    for school_id, (tasks, subjects) in by_school.items():
        message = OutboxMessage.objects.create(
            template="takedown_tasks", context={"school": school_id, "tasks": tasks}
        )
        message.subjects.add(*subjects)


def other_than_campaign_delete(apps, schema_editor):
    """Going back: only campaign emails fit the old table."""
    OutboxMessage = apps.get_model("consents", "OutboxMessage")
    OutboxMessage.subjects.through.objects.filter(outboxmessage__step__isnull=True).delete()
    OutboxMessage.objects.filter(step__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("consents", "0014_outbox_for_every_email")]

    operations = [migrations.RunPython(pending_takedowns_queue, other_than_campaign_delete)]
