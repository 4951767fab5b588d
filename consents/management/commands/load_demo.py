from django.core.management.base import BaseCommand

from consents.demo import DEMO_LOGINS, Demo
from consents.models import Board


class Command(BaseCommand):
    help = "Load the demo board (idempotent) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when a board already exists."
        )

    def handle(self, *args, if_empty=False, **options):
        if if_empty and Board.objects.exists():
            self.stdout.write("A board exists already; demo data not loaded.")
        else:
            Demo(stdout=self.stdout).load()
        self.stdout.write(self.style.SUCCESS("Demo logins (codes appear in this console):"))
        for role, (email, password) in DEMO_LOGINS.items():
            self.stdout.write(f"  {role:52} {email}  {password}")
