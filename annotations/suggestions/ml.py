"""The ML backend protocol: a project's own suggestion server (docs/suggestions.md).

Assay POSTs the article (and the project's labels: nothing of another project) as JSON to the
URL a manager set, and reads back ``{"results": [...]}`` in the suggestions' own shape. The
exchange is bounded: ``timeout_ms`` for the whole of it (connect, send, every read) and
``SUGGESTION_BACKEND_MAX_BYTES`` for the answer. A server that times out, fails, answers
something else than that JSON, or cannot be reached costs only its own suggestions: the caller
gets none from it and a note saying why. A malformed item is left out and counted in a note.
"""

import http.client
import json
import math
import time
from urllib.parse import urlsplit

from django.conf import settings

from ..models import Actor, ActorRole, Confidence, Probability, SuggestionBackend
from . import Suggestion
from .labels import LabelChooser

PROTOCOL = "assay.suggestions/1"
MAX_RESULTS = 10_000
MAX_KIND = 32


class BackendFailed(Exception):
    """What went wrong, in words for the note."""


def _max_bytes() -> int:
    return getattr(settings, "SUGGESTION_BACKEND_MAX_BYTES", 2 * 1024 * 1024)


def exchange(url: str, payload: bytes, *, timeout: float, max_bytes: int) -> bytes:
    """POST ``payload`` to ``url``; the 200 answer's body, within ``timeout`` seconds in all
    and ``max_bytes``. Anything else raises ``BackendFailed``."""
    deadline = time.monotonic() + timeout

    def left() -> float:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise BackendFailed(f"it did not answer within {round(timeout * 1000)} ms")
        return remaining

    parts = urlsplit(url)
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection = connection_class(parts.hostname, parts.port, timeout=left())
    try:
        connection.connect()
        sock = connection.sock
        sock.settimeout(left())
        connection.request(
            "POST",
            path,
            body=payload,
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "User-Agent": "Assay suggestions",
            },
        )
        sock.settimeout(left())
        response = connection.getresponse()
        if response.status != 200:
            raise BackendFailed(f"it answered HTTP {response.status}")
        declared = response.getheader("Content-Length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise BackendFailed(f"its answer is larger than {max_bytes} bytes")
        chunks, size = [], 0
        while not response.isclosed():  # closed once the declared length is read
            sock.settimeout(left())
            chunk = response.read(min(65536, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > max_bytes:
                raise BackendFailed(f"its answer is larger than {max_bytes} bytes")
        return b"".join(chunks)
    except TimeoutError as exc:  # socket.timeout
        raise BackendFailed(f"it did not answer within {round(timeout * 1000)} ms") from exc
    except (OSError, http.client.HTTPException) as exc:
        raise BackendFailed(f"it could not be reached ({exc.__class__.__name__})") from exc
    finally:
        connection.close()


def request_payload(article, labels: list[dict]) -> bytes:
    """What the server receives: the article and its project's labels, nothing else."""
    return json.dumps(
        {
            "protocol": PROTOCOL,
            "project": article.project_id,
            "article": {
                "id": article.pk,
                "title": article.title,
                "body": article.body,
                "language": article.language,
                "source": article.source,
            },
            "labels": labels,
        },
        ensure_ascii=False,
    ).encode("utf-8")


def _choice(value, choices) -> str | None:
    if value is None:
        return None
    if value not in choices:
        raise ValueError
    return value


def _item(item, body: str, label_ids: frozenset) -> Suggestion:
    """One item of the answer as a suggestion; ``ValueError`` if it is malformed."""
    if not isinstance(item, dict):
        raise ValueError
    start, end, kind = item.get("start"), item.get("end"), item.get("kind")
    for value in (start, end):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError
    if not 0 <= start < end <= len(body):
        raise ValueError
    if not isinstance(kind, str) or not 0 < len(kind) <= MAX_KIND or "\x00" in kind:
        raise ValueError
    text = body[start:end]
    if item.get("text") is not None and item["text"] != text:
        raise ValueError
    actor = item.get("actor")
    if actor is not None and (isinstance(actor, bool) or not isinstance(actor, int)):
        raise ValueError
    label = item.get("label")
    if isinstance(label, bool) or (label is not None and not isinstance(label, int)):
        raise ValueError
    score = item.get("score", 0.5)
    if isinstance(score, bool) or not isinstance(score, int | float) or not math.isfinite(score):
        raise ValueError
    return Suggestion(
        start=start,
        end=end,
        text=text,
        kind=kind,
        actor=actor,
        role=_choice(item.get("role"), ActorRole.values),
        probability=_choice(item.get("probability"), Probability.values),
        confidence=_choice(item.get("confidence"), Confidence.values),
        label=label if label in label_ids else None,  # only the project's own labels
        score=round(min(1.0, max(0.0, float(score))), 3),
    )


def read_answer(raw: bytes, body: str, label_ids: frozenset) -> tuple[list[Suggestion], int]:
    """The suggestions of an answer, and how many of its items were malformed."""
    try:
        answer = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise BackendFailed("its answer is not JSON") from exc
    results = answer.get("results") if isinstance(answer, dict) else None
    if not isinstance(results, list):
        raise BackendFailed('its answer has no "results" list')
    if len(results) > MAX_RESULTS:
        raise BackendFailed(f"its answer has more than {MAX_RESULTS} suggestions")
    found, malformed = [], 0
    for item in results:
        try:
            found.append(_item(item, body, label_ids))
        except ValueError:
            malformed += 1
    actor_ids = {s.actor for s in found if s.actor is not None}
    if actor_ids:  # an actor the registry does not hold is no actor
        known = set(Actor.objects.filter(pk__in=actor_ids).values_list("pk", flat=True))
        kept = [s for s in found if s.actor is None or s.actor in known]
        malformed += len(found) - len(kept)
        found = kept
    return found, malformed


def backend_suggestions(
    backend: SuggestionBackend, article, labels: LabelChooser
) -> tuple[list[Suggestion], str]:
    """The project's server's suggestions for ``article``, and a note ("" when all went
    well). Never raises: a failure is a note."""
    payload = request_payload(article, labels.described)
    failed = "The project's suggestion server gave no suggestions"
    try:
        raw = exchange(
            backend.url, payload, timeout=backend.timeout_ms / 1000, max_bytes=_max_bytes()
        )
        found, malformed = read_answer(raw, article.body, labels.ids)
    except BackendFailed as exc:
        return [], f"{failed}: {exc}."
    except (OSError, ValueError) as exc:  # anything the bounds above let through
        return [], f"{failed} ({exc.__class__.__name__})."
    if malformed:
        return found, (
            f"The project's suggestion server sent {malformed} malformed suggestions; "
            "they were left out."
        )
    return found, ""
