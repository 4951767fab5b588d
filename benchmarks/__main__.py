"""`python -m benchmarks [NAME ...]`: run the registered benchmarks against DATABASE_URL.

PostgreSQL only, on a database holding a generated board (`manage.py generate_board`).
"""

import argparse
import json
import os
import sys


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["faults"]:
        # Fault runs start their own PostgreSQL, Redis, gunicorn and worker (benchmarks/faults/).
        from . import faults

        return faults.main(argv[1:])
    if argv[:1] == ["load"]:
        # The load test serves the application with gunicorn and runs locust (benchmarks/load.py).
        from . import load

        return load.main(argv[1:])
    if argv[:1] == ["campaign"]:
        # The campaign benchmark runs a real worker on its own database (benchmarks/campaign.py).
        from . import campaign

        campaign.main()
        return 0
    return benchmarks_run(arguments(argv))


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "names", nargs="*", help="benchmarks to run (default: all); 'campaign' runs alone"
    )
    parser.add_argument("--list", action="store_true", help="list the benchmarks and stop")
    parser.add_argument("--repeat", type=int, help="timed runs per benchmark")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument(
        "--strict", action="store_true", help="exit with status 1 when a target is missed"
    )
    return parser.parse_args(argv)


def benchmarks_run(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consent_portal.settings")
    import django

    django.setup()
    from django.db import connection
    from django.template import Template
    from django.test.utils import _TestState, override_settings, setup_test_environment

    from . import baselines, domain, pages  # noqa: F401  (they register the benchmarks)
    from .harness import REGISTRY, NoBoard, run_benchmarks

    if args.list:
        for name, b in REGISTRY.items():
            print(f"{name}  (baseline: {b.baseline or '-'})")
        return 0
    if connection.vendor != "postgresql":
        print(
            "Benchmarks run on PostgreSQL only (the scale PRODUCT.md designs for): set "
            "DATABASE_URL=postgres://... to a database holding a generated board "
            "(manage.py generate_board --students 50000 --seed 1).",
            file=sys.stderr,
        )
        return 2
    unknown = [name for name in args.names if name not in REGISTRY]
    if unknown:
        print(f"Unknown benchmarks: {', '.join(unknown)} (see --list)", file=sys.stderr)
        return 2
    names = args.names or list(REGISTRY)

    # The test environment: the 'testserver' host for django.test.Client and emails kept in
    # memory, but otherwise as a server runs: DEBUG off (no query log, no template debug
    # information; until the third session it was on, as the settings' development default)
    # and templates not instrumented for the test client (it copies every template's context
    # for assertions, a cost no server has).
    setup_test_environment(debug=False)
    Template._render = _TestState.saved_data.template_render
    try:
        with override_settings(ROOT_URLCONF="benchmarks.urls"):
            run = run_benchmarks(names, repeat=args.repeat)
    except NoBoard as error:
        print(error, file=sys.stderr)
        return 2
    missed = [r for r in run.results.values() if r.verdicts]
    print(f"\n{len(run.results) - len(missed)} met their targets, {len(missed)} missed.")
    if args.json:
        results_write(args.json, run)
    return 1 if args.strict and missed else 0


def results_write(path: str, run) -> None:
    """The results as JSON, for comparing two runs."""
    with open(path, "w") as out:
        json.dump(
            {
                name: {
                    "median_ms": round(r.median_ms, 2),
                    "p95_ms": round(r.p95_ms, 2),
                    "cpu_median_ms": round(r.cpu_median_ms, 2),
                    "queries": {str(k): v for k, v in r.queries.items()},
                    "peak_kib": {str(k): round(v) for k, v in r.peak_kib.items()},
                    "baseline": r.benchmark.baseline,
                    "ratio": round(r.ratio, 2) if r.ratio else None,
                    "missed": r.verdicts,
                }
                for name, r in run.results.items()
            },
            out,
            indent=2,
        )


if __name__ == "__main__":
    sys.exit(main())
