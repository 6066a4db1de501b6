"""What the parsers share (imports/base.py): the JSON line loop and the one-document read."""

import json

import pytest

from .helpers import counts, do_import


@pytest.mark.parametrize("fmt", ["jsonl", "doccano", "spacy"])
def test_lines_nested_too_deeply_are_reported_not_a_crash(target, manager, fmt):
    deep = "[" * 5000 + "]" * 5000
    metadata = "[" * 40 + "]" * 40
    body = "text" if fmt != "jsonl" else "body"
    meta = "meta" if fmt == "spacy" else "metadata"  # spaCy's article fields are in "meta"
    lines = [
        json.dumps({body: "Fine."}),
        json.dumps({body: "Deep.", meta: "DEEP"}).replace('"DEEP"', deep),
        json.dumps({body: "Deep too.", meta: {"a": "DEEP"}}).replace('"DEEP"', metadata),
    ]
    before = counts()
    result = do_import(target, manager, fmt, "\n".join(lines))
    assert counts() == before and result.created == 0
    errors = {e["line"]: e["error"] for e in result.errors}
    assert sorted(errors) == [2, 3], errors
    assert "nested too deeply" in errors[2]
    assert "Nested more than 32 levels" in errors[3]


@pytest.mark.parametrize("fmt", ["labelstudio", "webanno"])
def test_a_json_file_nested_too_deeply_is_reported_not_a_crash(target, manager, fmt):
    deep = json.dumps([{"data": {"text": "abc", "m": "DEEP"}}])
    deep = deep.replace('"DEEP"', "[" * 5000 + "]" * 5000)
    result = do_import(target, manager, fmt, deep)
    assert result.created == 0
    assert [e["line"] for e in result.errors] == [1]
    assert "nested too deeply" in result.errors[0]["error"]
