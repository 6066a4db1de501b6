"""Check, or rebuild, what PostgreSQL's triggers keep for the analytics.

    manage.py recount             # how many links and counted keys are out of step
    manage.py recount --rebuild   # put them right (writers wait meanwhile; readers do not)

The triggers keep them in step; a count out of step would come from a write around them (a
trigger dropped, a restore of part of a table). Exits 1 when something is out of step and
``--rebuild`` was not given. A rebuild that meets a writer in a deadlock (nothing of it is
written) is tried again, three times at most.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, connection

from annotations.selectors.analytics_pg import counts_out_of_step, links_out_of_step
from annotations.services.kept_counts import kept_counts_rebuild

ATTEMPTS = 3


class Command(BaseCommand):
    help = "Check, or rebuild, the links' span facts and the analytics' kept counts."

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="Put them right.")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            self.stdout.write("Nothing is kept on this database: its analytics read the spans.")
            return
        links, keys = links_out_of_step(), counts_out_of_step()
        self.stdout.write(f"Links out of step with their span: {links:,}")
        self.stdout.write(f"Kept counts out of step: {keys:,}")
        if options["rebuild"]:
            for attempt in range(1, ATTEMPTS + 1):
                try:
                    written = kept_counts_rebuild()
                    break
                except OperationalError as error:
                    if "deadlock" not in str(error) or attempt == ATTEMPTS:
                        raise
                    self.stderr.write(f"A writer held the tables ({error}); trying again.")
            self.stdout.write(
                f"Rebuilt: {written.pop('links'):,} links rewritten; "
                + "; ".join(f"{table}: {rows:,} rows" for table, rows in written.items())
            )
            links, keys = links_out_of_step(), counts_out_of_step()
            self.stdout.write(f"Now out of step: {links:,} links, {keys:,} kept counts.")
        if links or keys:
            raise CommandError("Out of step: run `manage.py recount --rebuild`.", returncode=1)
