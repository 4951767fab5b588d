import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from benchmarks.generate import board_generate


class Command(BaseCommand):
    help = (
        "Generate a deterministic board at the scale of PRODUCT.md (60 schools, 50,000 "
        "students, ~90,000 guardians, 6,000 staff, five school years of decisions) into an "
        "empty database, for benchmarks."
    )

    def add_arguments(self, parser):
        parser.add_argument("--students", type=int, default=50_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--schools", type=int, default=None, help="Default: one per ~833 students."
        )
        parser.add_argument("--staff", type=int, default=None, help="Default: 12%% of students.")
        parser.add_argument("--years", type=int, default=5, help="School years of history.")
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            default=None,
            help="Reference date (YYYY-MM-DD) the history ends at; default today.",
        )

    def handle(self, *args, students, seed, schools, staff, years, today, **options):
        try:
            report = board_generate(
                students=students,
                seed=seed,
                schools=schools,
                staff=staff,
                years=years,
                today=today,
                log=self.stdout.write,
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Board generated in {report.timings['total']} s, peak memory "
                f"{report.peak_memory_mib} MiB; chain head {report.head_hash[:12]}."
            )
        )
