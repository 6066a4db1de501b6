"""docs/operations.md's backup and restore, run as written: pg_dump / pg_restore of the whole
database, and a project's JSONL export imported into another project."""

import shutil
import subprocess
import uuid

import pytest
from django.core.management import call_command
from django.db import connection

from annotations.models import Relation, Span
from annotations.services import project_create


def span_facts(project):
    """What a backup must keep of a project's spans, independent of ids."""
    return sorted(
        (
            span.article.title,
            span.start,
            span.end,
            span.label.name,
            span.annotator.username,
            span.probability or "",
            span.confidence or "",
            span.note,
            span.status,
            tuple(sorted((link.actor.name, link.role) for link in span.span_actors.all())),
        )
        for span in Span.objects.filter(article__project=project).select_related(
            "article", "label", "annotator"
        )
    )


@pytest.mark.django_db
def test_a_projects_jsonl_export_imports_into_a_new_project_whole(corpus, tmp_path):
    backup = tmp_path / "isw.jsonl"
    call_command("export", corpus.project.slug, "--format", "jsonl", "-o", str(backup))
    manager = corpus.users["rita"]
    copy = project_create(name="Restored", creator=manager)

    call_command("import", copy.slug, str(backup), "--format", "jsonl", "--user", "rita")

    assert span_facts(copy) == span_facts(corpus.project)
    assert Relation.objects.filter(article__project=copy).count() == len(corpus.relations)
    assert len(backup.read_text().splitlines()) == len(corpus.articles)


@pytest.mark.skipif(
    connection.vendor != "postgresql" or not shutil.which("pg_dump"),
    reason="pg_dump and pg_restore back up PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_pg_dump_and_pg_restore_bring_back_every_span(corpus, tmp_path):
    settings = connection.settings_dict
    where = ["-h", settings["HOST"] or "127.0.0.1", "-p", str(settings["PORT"] or 5432)]
    where += ["-U", settings["USER"] or "postgres"]
    dump = tmp_path / "assay.dump"
    restored = f"assay_restore_{uuid.uuid4().hex[:8]}"

    subprocess.run(
        ["pg_dump", *where, "--format=custom", "-f", str(dump), settings["NAME"]], check=True
    )
    subprocess.run(["createdb", *where, restored], check=True)
    try:
        subprocess.run(["pg_restore", *where, "--no-owner", "-d", restored, str(dump)], check=True)
        query = (
            'SELECT s.start, s."end", l.name, s.version, md5(s.note), '
            "(SELECT count(*) FROM annotations_spanevent e WHERE e.span_id = s.id) "
            "FROM annotations_span s JOIN annotations_label l ON l.id = s.label_id "
            "ORDER BY s.id"
        )
        out = subprocess.run(
            ["psql", *where, "-d", restored, "-At", "-F", "\t", "-c", query],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        with connection.cursor() as cursor:
            cursor.execute(query)
            here = cursor.fetchall()
        assert [line.split("\t") for line in out.splitlines()] == [
            [str(value) for value in row] for row in here
        ]
        assert len(here) == len(corpus.spans)  # "claim" is among them
    finally:
        subprocess.run(["dropdb", *where, "--if-exists", restored], check=True)
