from django.core.management.base import BaseCommand

from consents.decisions.services import consent_status_rebuild


class Command(BaseCommand):
    help = "Rebuild the current-status table from the consent decision log."

    def handle(self, *args, **options):
        rows = consent_status_rebuild()
        self.stdout.write(self.style.SUCCESS(f"Status rebuilt: {rows} rows."))
