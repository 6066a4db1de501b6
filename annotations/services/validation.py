"""The input rules every service shares: text without NUL or lone surrogates, JSON values,
line endings, and each model field's own validation."""

import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Model

_FORBIDDEN_CHARACTERS = re.compile("[\x00\ud800-\udfff]")

# --- validation helpers -------------------------------------------------------------------


def normalize_newlines(text: str) -> str:
    """CRLF and lone CR become LF, so offsets mean the same on every platform."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def cut_at_word(text: str, limit: int) -> str:
    """``text`` on one line, at most ``limit`` characters: when longer, cut at the last word
    boundary that fits, with ``…`` (mid-word only if one word fills most of it)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if not text[limit - 1].isspace() and (space := cut.rfind(" ")) > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—") + "…"


def check_text(value: str | None, field: str) -> None:
    """Refuse NUL characters and lone surrogates, naming the field and the position."""
    if not isinstance(value, str):
        return
    match = _FORBIDDEN_CHARACTERS.search(value)
    if match:
        what = "a NUL character" if match.group() == "\x00" else "a lone surrogate"
        raise ValidationError({field: f"Contains {what} at position {match.start()}."})


class _Unset:
    """A keyword not given: a change leaves that field as it is (``None`` may be a value)."""

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Any = _Unset()


def given(**values: Any) -> dict[str, Any]:
    """The keywords a caller gave: those not ``UNSET``."""
    return {key: value for key, value in values.items() if value is not UNSET}


MAX_JSON_DEPTH = 32  # nesting of a JSON value kept (metadata): the encoder recurses


def check_json(value: Any, field: str) -> None:
    """Apply ``check_text`` to every key and string inside a JSON value, and refuse one
    nested deeper than ``MAX_JSON_DEPTH``: storing it would recurse as deep, and crash
    somewhere past the parser's own limit."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            check_text(item, field)
        elif isinstance(item, Mapping | list | tuple):
            if depth > MAX_JSON_DEPTH:
                raise ValidationError({field: f"Nested more than {MAX_JSON_DEPTH} levels deep."})
            if isinstance(item, Mapping):
                for key, nested in item.items():
                    check_text(str(key), field)
                    stack.append((nested, depth + 1))
            else:
                stack.extend((nested, depth + 1) for nested in item)


def clean_fields(model: type[Model], values: Mapping[str, Any]) -> dict[str, Any]:
    """Run each model field's own validation (length, URL, date, choices) on ``values``."""
    cleaned, errors = {}, {}
    for name, value in values.items():
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            errors[name] = ["Unknown field."]
            continue
        if isinstance(value, str):
            try:
                check_text(value, name)
            except ValidationError as exc:
                errors.update(exc.message_dict)
                continue
        try:
            cleaned[name] = field.clean(value, None)
        except ValidationError as exc:
            errors[name] = exc.messages
        except (TypeError, ValueError):
            # e.g. a number where a date is expected: DateField.to_python raises TypeError.
            errors[name] = ["Invalid value."]
    if errors:
        raise ValidationError(errors)
    return cleaned
