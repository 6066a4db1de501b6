"""brat standoff: a zip of ``name.txt`` and ``name.ann`` pairs, an article per pair.

``T`` lines become spans: a discontinuous one (``s1 e1;s2 e2``) spans from its first start
to its last end. Their type is the label, matched by name; brat types cannot hold spaces, so
``Threat_rhetoric`` also matches a label named ``Threat rhetoric``. ``A`` lines give
``Probability``, ``Confidence``, ``Status`` and ``Annotator``; ``N`` lines give actors with
Wikidata ids (the Assay export's ``actors:`` note gives their roles, ``mentioned``
otherwise); other ``#`` notes become the span's note; ``R`` lines become relations. Events,
equivalences and other brat annotations are not imported and make the document an error.
The "line" of an error is the document's position among the zip's ``.txt`` files (sorted by
name), from 1; the message names the file and its line.
"""

import re
import zipfile
from collections.abc import Iterator
from typing import Any, BinaryIO

from .base import LineError, Record

_ACTOR_NOTE = re.compile(r"(.+?) \(([a-z]+)\)")
# What one file of the zip, and the whole zip, may unpack to. Read with these bounds,
# whatever the headers claim: a small zip can otherwise unpack to gigabytes in the worker's
# memory, in one file or in thousands.
MAX_MEMBER_BYTES = 32 * 1024 * 1024
MAX_ARCHIVE_BYTES = 512 * 1024 * 1024


class _TooLarge(ValueError):
    pass


class _Unpacker:
    """Reads the zip's files within ``MAX_MEMBER_BYTES`` each and ``MAX_ARCHIVE_BYTES`` in all."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive, self.left = archive, MAX_ARCHIVE_BYTES

    def read(self, name: str) -> str:
        bound = min(MAX_MEMBER_BYTES, self.left)
        with self.archive.open(name) as member:
            data = member.read(bound + 1)
        if len(data) > bound:
            what = "the zip" if bound < MAX_MEMBER_BYTES else name
            limit = MAX_ARCHIVE_BYTES if bound < MAX_MEMBER_BYTES else MAX_MEMBER_BYTES
            raise _TooLarge(f"{what} unpacks to more than {limit // 2**20} MB.")
        self.left -= len(data)
        return data.decode("utf-8-sig")


class _AnnError(ValueError):
    pass


def _parse_ann(text: str, body: str, name: str) -> tuple[list[dict], list[dict]]:
    spans: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    relations: list[tuple[str, str, str, int]] = []
    roles: dict[tuple[int, str], str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{name}.ann line {number}"
        parts = line.split("\t")
        kind = line[:1]
        try:
            if kind == "T":
                label, offsets = parts[1].split(" ", 1)
                pieces = [tuple(map(int, p.split())) for p in offsets.split(";")]
                if any(len(piece) != 2 for piece in pieces):
                    raise ValueError
                start, end = pieces[0][0], pieces[-1][1]
                index[parts[0]] = len(spans)
                spans.append({"start": start, "end": end, "label": label, "actors": []})
            elif kind == "A" or kind == "M":
                attribute, target, *value = parts[1].split(" ")
                key = attribute.lower()
                if key not in ("probability", "confidence", "status", "annotator"):
                    continue  # an attribute Assay has no field for
                spans[index[target]][key] = value[0] if value else None
            elif kind == "N":
                _, target, reference = parts[1].split(" ")
                db, _, identifier = reference.partition(":")
                actor = {"name": parts[2] if len(parts) > 2 else identifier}
                if db.lower() == "wikidata":
                    actor["wikidata_id"] = identifier
                spans[index[target]]["actors"].append(actor)
            elif kind == "#":
                _, target = parts[1].split(" ")
                note = parts[2] if len(parts) > 2 else ""
                span = spans[index[target]]
                if note.startswith("actors: "):
                    for item in note[len("actors: ") :].split("; "):
                        if match := _ACTOR_NOTE.fullmatch(item):
                            roles[(index[target], match[1])] = match[2]
                            if not any(a["name"] == match[1] for a in span["actors"]):
                                span["actors"].append({"name": match[1]})
                else:
                    span["note"] = f"{span['note']}\n{note}" if span.get("note") else note
            elif kind == "R":
                label, first, second = parts[1].split(" ")
                relations.append((label, first.split(":", 1)[1], second.split(":", 1)[1], number))
            else:
                raise _AnnError(f"{where}: brat “{kind}” annotations are not imported.")
        except (ValueError, IndexError, KeyError) as exc:
            if isinstance(exc, _AnnError):
                raise
            raise _AnnError(f"{where}: not a brat annotation Assay reads: {line!r}.") from exc
    for position, span in enumerate(spans):
        for actor in span["actors"]:
            actor["role"] = roles.get((position, actor["name"]), "mentioned")
    out_relations = []
    for label, first, second, number in relations:
        if first not in index or second not in index:
            raise _AnnError(f"{name}.ann line {number}: a relation to an unknown span.")
        out_relations.append({"from": index[first], "to": index[second], "label": label})
    return spans, out_relations


def parse(file: BinaryIO) -> Iterator[Record | LineError]:
    try:
        archive = zipfile.ZipFile(file)
        names = sorted(n for n in archive.namelist() if n.endswith(".txt"))
    except (zipfile.BadZipFile, OSError, ValueError):
        yield LineError(1, "Not a zip file.")
        return
    if not names:
        yield LineError(1, "The zip holds no .txt file.")
        return
    members = set(archive.namelist())
    unpack = _Unpacker(archive)
    for number, txt in enumerate(names, start=1):
        stem = txt[: -len(".txt")]
        try:
            body = unpack.read(txt)
            ann = unpack.read(f"{stem}.ann") if f"{stem}.ann" in members else ""
            spans, relations = _parse_ann(ann, body, stem)
        except UnicodeDecodeError:
            yield LineError(number, f"{stem}: not UTF-8 text.")
            continue
        except (_AnnError, _TooLarge) as exc:
            yield LineError(number, str(exc))
            continue
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError) as exc:
            yield LineError(number, f"{stem}: cannot be unpacked ({exc}).")
            continue
        title = stem.rsplit("/", 1)[-1]
        yield Record(number, {"body": body, "title": title, "spans": spans, "relations": relations})
