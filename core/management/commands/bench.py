"""``python manage.py bench``: the benchmark of issue #7 (see ``bench/run.py`` for what it measures)."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Benchmark browse/detail/compare, the SLA sweep and contract PDFs against their references (bench/run.py)."

    def add_arguments(self, parser):
        parser.add_argument("--listings", type=int, default=None, help="listings in the dataset (default 100,000; quick 2,000)")
        parser.add_argument("--cases", type=int, default=None, help="open complaints (default: same as --listings)")
        parser.add_argument("--quick", action="store_true", help="small smoke run")
        parser.add_argument("--duration", type=float, default=None, help="seconds per wrk measurement")
        parser.add_argument("--json", default=None, help="write every number, target and pass/fail to this file")
        parser.add_argument("--db-url", default=None, help="bench database (dropped and recreated!)")
        parser.add_argument("--port", type=int, default=None)
        parser.add_argument("--workers", type=int, default=None)
        parser.add_argument("--skip-build", action="store_true", help="reuse the dataset of the previous run")

    def handle(self, *args, **options):
        from bench import run

        argv = []
        for name in ("listings", "cases", "duration", "json", "db_url", "port", "workers"):
            if options[name] is not None:
                argv += [f"--{name.replace('_', '-')}", str(options[name])]
        if options["quick"]:
            argv.append("--quick")
        if options["skip_build"]:
            argv.append("--skip-build")
        results = run.main(argv)
        failed = [t["label"] for t in results["targets"].values() if not t["pass"]]
        if failed:
            self.stdout.write(self.style.WARNING(f"{len(failed)} target(s) not met: " + "; ".join(failed)))
        else:
            self.stdout.write(self.style.SUCCESS("All targets met."))
