"""Import a file of articles (and their spans) into a project: all or nothing.

    manage.py import PROJECT_SLUG FILE --format jsonl [--user NAME] [--no-create-labels]
                     [--no-create-actors]

Progress goes to stderr every 1,000 records; every bad line is listed, and then nothing is
imported. The file's spans without an annotator become ``--user``'s (a manager of the
project; without it, the project's creator). ``--format webanno`` creates no article: it adds
spans to the project's articles that its annotations name (see ``imports.webanno``).
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from annotations.imports import FORMATS, article_import
from annotations.models import Project

PROGRESS_EVERY = 1000


class Command(BaseCommand):
    help = "Import articles, spans and relations from a file in one of the SPEC's formats."

    def add_arguments(self, parser):
        parser.add_argument("project", help="The project's slug.")
        parser.add_argument("file", help="The file to read.")
        parser.add_argument(
            "--format",
            "-f",
            default="jsonl",
            choices=list(FORMATS),
            help="jsonl unless given; webanno annotates articles the project holds already.",
        )
        parser.add_argument("--user", help="Who imports: a manager of the project.")
        parser.add_argument("--no-create-labels", action="store_true")
        parser.add_argument("--no-create-actors", action="store_true")

    def handle(self, *args, **options):
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"No project with the slug “{options['project']}”.")
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user “{options['user']}”.")
        else:
            user = project.created_by
            if user is None:
                raise CommandError("The project has no creator: name a manager with --user.")

        def progress(done: int) -> None:
            if done % PROGRESS_EVERY == 0:
                self.stderr.write(f"… {done} articles")

        try:
            with open(options["file"], "rb") as file:
                result = article_import(
                    project=project,
                    user=user,
                    fmt=options["format"],
                    file=file,
                    create_labels=not options["no_create_labels"],
                    create_actors=not options["no_create_actors"],
                    progress=progress,
                )
        except OSError as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc}.") from exc
        except (PermissionDenied, ValidationError) as exc:
            raise CommandError("; ".join(getattr(exc, "messages", [str(exc)]))) from exc
        if result.errors:
            for error in result.errors:
                self.stderr.write(f"line {error['line']}: {error['error']}")
            raise CommandError(f"{len(result.errors)} bad lines: nothing was imported.")
        self.stdout.write(
            f"Imported {result.created} articles, {result.spans} spans, "
            f"{result.relations} relations; skipped {result.skipped_duplicates} duplicates."
        )
        if result.members_added:
            self.stdout.write(
                f"New annotators of the project, named in the file: "
                f"{', '.join(result.members_added)}."
            )
