"""Export a project's dataset to a file or to stdout, streaming, for projects of any size.

    manage.py export PROJECT_SLUG --format jsonl [--status S] [--label ID] [--annotator NAME]
                     [-o FILE]

Progress goes to stderr every 1,000 articles, and a summary at the end with what the format
could not hold (CoNLL's dropped overlapping spans, for one).
"""

import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, OutputWrapper

from annotations.exports import FORMATS, export_stream
from annotations.models import Project, SpanStatus

PROGRESS_EVERY = 1000


class Command(BaseCommand):
    help = "Export a project's articles and spans in one of the formats of the SPEC."

    def add_arguments(self, parser):
        parser.add_argument("project", help="The project's slug.")
        parser.add_argument("--format", "-f", default="jsonl", choices=list(FORMATS))
        parser.add_argument("--status", choices=list(SpanStatus.values))
        parser.add_argument("--label", type=int, help="A label's id.")
        parser.add_argument("--annotator", help="A username.")
        parser.add_argument("--output", "-o", help="A file to write; stdout when left out.")

    def handle(self, *args, **options):
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"No project with the slug “{options['project']}”.")
        try:
            _, _, chunks, stats = export_stream(
                project,
                options["format"],
                status=options["status"],
                label=options["label"],
                annotator=options["annotator"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        binary = FORMATS[options["format"]].binary
        output = options["output"]
        if output:
            mode, encoding = ("wb", None) if binary else ("w", "utf-8")
            with open(output, mode, encoding=encoding, newline="" if not binary else None) as out:
                self._copy(chunks, out, stats)
        elif binary:
            self._copy(chunks, sys.stdout.buffer, stats)
            sys.stdout.buffer.flush()
        else:
            self._copy(chunks, self.stdout, stats)
        self.stderr.write(f"Exported {stats.summary()}.")

    def _copy(self, chunks, out, stats) -> None:
        reported = 0
        for chunk in chunks:
            if isinstance(out, OutputWrapper):
                out.write(chunk, ending="")
            else:
                out.write(chunk)
            if stats.articles - reported >= PROGRESS_EVERY:
                reported = stats.articles - stats.articles % PROGRESS_EVERY
                self.stderr.write(f"… {reported} articles")
