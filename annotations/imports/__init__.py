"""Imports: one parser per format behind the one ``FORMATS`` registry, one writer for all.

A parser turns a binary file into records shaped as lines of Assay's ``jsonl`` (or, for
``webanno``, which carries no text, spans for articles the project holds; or line errors);
``article_import`` writes them all or none. ``checks`` holds the rules (through the
services'), ``names`` the lookup of labels, actors and annotators, ``writer`` the batches, and
``writer_orm`` and its PostgreSQL fast path ``writer_copy`` the writes.
"""

from collections.abc import Callable, Generator, Iterator
from typing import BinaryIO

from django.core.exceptions import ValidationError

from annotations.models import Project

from . import brat, conll, csv_format, doccano, jsonl, labelstudio, spacy, text, webanno
from .base import Annotations, LineError, Record, binary
from .fits import fitting_format, misfit
from .writer import ImportResult, run_steps, write_records_steps

__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "FormatRefused",
    "ImportResult",
    "article_import",
    "detect_format",
    "fitting_format",
    "import_file",
    "import_file_steps",
    "import_format",
    "run_steps",
]

FORMATS: dict[str, Callable[[BinaryIO], Iterator[Record | Annotations | LineError]]] = {
    "jsonl": jsonl.parse,
    "doccano": doccano.parse,
    "spacy": spacy.parse,
    "conll": conll.parse,
    "brat": brat.parse,
    "webanno": webanno.parse,
    "labelstudio": labelstudio.parse,
    "csv": csv_format.parse,
    "txt": text.parse_txt,
    "md": text.parse_md,
    "html": text.parse_html,
}


# What a file's extension says; doccano and spaCy files are .jsonl too, so they are chosen.
EXTENSIONS: dict[str, str] = {
    "jsonl": "jsonl",
    "ndjson": "jsonl",
    "json": "labelstudio",
    "conll": "conll",
    "zip": "brat",
    "jsonld": "webanno",
    "csv": "csv",
    "txt": "txt",
    "text": "txt",
    "md": "md",
    "markdown": "md",
    "html": "html",
    "htm": "html",
}


def detect_format(filename: str | None) -> str | None:
    """The format a file name's extension says, or ``None``."""
    if not filename or "." not in filename:
        return None
    return EXTENSIONS.get(filename.rsplit(".", 1)[1].lower())


class FormatRefused(ValidationError):
    """A format refused before an import begins: unknown, not told by the file's name, or not
    the file's. ``fits`` names the format the file reads as, when one does (the import page
    offers it)."""

    def __init__(self, message: str, fits: str | None = None):
        super().__init__({"format": message})
        self.fits = fits


def _parser(fmt):
    """The format's parser; an unknown format raises ``FormatRefused``."""
    parse = FORMATS.get(fmt) if isinstance(fmt, str) else None
    if parse is None:
        raise FormatRefused(f"Unknown format “{fmt}”; choose one of: {', '.join(FORMATS)}.")
    return parse


def import_format(fileobj, fmt: str | None, *, sniff: bool = False) -> str:
    """The format ``fileobj`` is imported as: ``fmt``, or its extension's for ``None`` or
    ``"auto"``. Raises ``FormatRefused`` when that is unknown or cannot be told, and with
    ``sniff`` also when the file's first records do not read as it but as another format's
    (``fits.misfit``: the check before a job is queued, so a wrong choice is said at once)."""
    name = getattr(fileobj, "name", None)
    if fmt in (None, "", "auto"):
        fmt = detect_format(name)
        if fmt is None:
            raise FormatRefused(
                f"Cannot tell the format of “{name or 'the file'}”; choose one.",
                fitting_format(fileobj, None) if sniff else None,
            )
    _parser(fmt)
    if sniff and (better := misfit(fileobj, fmt)):
        raise FormatRefused(f"“{name or 'The file'}” does not read as {fmt}.", better)
    return fmt


def import_file(
    project: Project,
    user,
    fileobj,
    fmt: str | None = None,
    *,
    create_labels: bool = True,
    create_actors: bool = True,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """``article_import`` for an uploaded file: the page's, the API's and the command's entry.

    ``fmt`` of ``None`` or ``"auto"`` is detected from ``fileobj.name``'s extension; one that
    cannot be raises ``ValidationError`` on ``format``, as an unknown format does. Raises
    ``PermissionDenied`` unless ``user`` manages the project; bad lines come back in the
    result's ``errors``, and then nothing was written.
    """
    steps = import_file_steps(
        project, user, fileobj, fmt, create_labels=create_labels, create_actors=create_actors
    )
    return run_steps(steps, progress)


def import_file_steps(
    project: Project,
    user,
    fileobj,
    fmt: str | None = None,
    *,
    create_labels: bool = True,
    create_actors: bool = True,
) -> Generator[int, None, ImportResult]:
    """``import_file`` step by step: a generator of the number of records read so far that
    returns the result (``write_records_steps``). An unknown or undetectable format raises
    at once, before the first step."""
    fmt = import_format(fileobj, fmt)
    return _import_steps(project, user, fmt, fileobj, create_labels, create_actors)


def _import_steps(project, user, fmt, file, create_labels, create_actors):
    """The steps of an import of ``file`` in ``fmt``; an unknown format raises at once."""
    parse = _parser(fmt)
    return write_records_steps(
        project=project,
        user=user,
        records=parse(binary(file)),
        create_labels=create_labels,
        create_actors=create_actors,
    )


def article_import(
    *,
    project: Project,
    user,
    fmt: str,
    file,
    create_labels: bool = True,
    create_actors: bool = True,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import ``file`` (bytes or a binary file) in ``fmt`` into ``project``: all or nothing.

    Only a manager of the project (or a superuser) imports; spans without an annotator
    become ``user``'s. Labels and actors named in the file are matched by name (actors by
    Wikidata id first), or created unless ``create_labels`` / ``create_actors`` is off.
    The result lists every bad line; when there is one, nothing was written.
    """
    steps = _import_steps(project, user, fmt, file, create_labels, create_actors)
    return run_steps(steps, progress)
