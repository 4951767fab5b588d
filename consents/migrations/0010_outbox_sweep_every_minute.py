from django.db import migrations

# After a broker outage, mail whose hand-over failed is published by the sweep. Every five
# minutes, with rows left alone for five minutes first, that could take ten minutes after the
# broker returned; the target is five. The sweep is cheap (a few indexed queries) when there
# is nothing to do, so it now runs every minute (rows are left alone for two, see settings).
NAME = "Outbox: publish what was never picked up"


def every(minutes):
    def change(apps, schema_editor):
        IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
        PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
        interval, _ = IntervalSchedule.objects.get_or_create(every=minutes, period="minutes")
        PeriodicTask.objects.filter(name=NAME).update(interval=interval)

    return change


class Migration(migrations.Migration):
    dependencies = [
        ("consents", "0009_issue7_prefix_search"),
        ("django_celery_beat", "0018_improve_crontab_helptext"),
    ]

    operations = [migrations.RunPython(every(1), every(5))]
