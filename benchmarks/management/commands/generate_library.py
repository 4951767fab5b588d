from django.core.management.base import BaseCommand, CommandError

from benchmarks.generate.library import library_generate


class Command(BaseCommand):
    help = (
        "Add a photo library to the generated board (generate_board first): 50,000 items of "
        "20 students each in the largest school and 1,000 in the second, for the library's "
        "page benchmarks."
    )

    def add_arguments(self, parser):
        parser.add_argument("--items", type=int, default=50_000)
        parser.add_argument(
            "--small", type=int, default=1_000, help="Items in the second school's library."
        )
        parser.add_argument("--people", type=int, default=20, help="Students on each item.")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, items, small, people, seed, **options):
        try:
            library_generate(sizes=(items, small), people=people, seed=seed, log=self.stdout.write)
        except ValueError as error:
            raise CommandError(str(error)) from error
