from django.core.management.base import BaseCommand

from consents import stored


class Command(BaseCommand):
    help = "Bring the stored verdicts up to date (consents.stored); --all rebuilds every one."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="rebuild every stored verdict")

    def handle(self, *args, **options):
        if options["all"]:
            stored.verdicts_mark_stale(everyone=True)
        done = stored.refresh()
        what = "Rebuilt" if done.rebuilt else "Refreshed"
        held = f"as of {done.as_of}" if done.as_of else "changed meanwhile: run it again"
        self.stdout.write(f"{what} the verdicts of {done.people} people; {held}.")
