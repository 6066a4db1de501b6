"""The format a refused file fits (imports/fits.py): the import page's suggestion."""

import io
import json

import pytest

from annotations.imports import fitting_format

DOCCANO = "\n".join(
    json.dumps({"id": n, "text": "ISW assesses that Belarus", "label": [[0, 3, "Org"]]})
    for n in range(3)
)
SPACY = json.dumps({"text": "ISW assesses", "spans": [{"start": 0, "end": 3, "label": "Org"}]})
JSONL = json.dumps({"body": "ISW assesses", "spans": [{"start": 0, "end": 3, "label": "Org"}]})
LABELSTUDIO = json.dumps(
    [
        {
            "data": {"text": "ISW assesses"},
            "annotations": [{"result": [{"value": {"start": 0, "end": 3, "labels": ["Org"]}}]}],
        }
    ]
)
CONLL = "ISW B-Org\nassesses O\n\n"


@pytest.mark.parametrize(
    ("data", "refused", "fits"),
    [
        (DOCCANO, "jsonl", "doccano"),
        (DOCCANO, "spacy", "doccano"),
        (SPACY, "jsonl", "spacy"),
        (SPACY, "doccano", "spacy"),
        (JSONL, "doccano", "jsonl"),
        (LABELSTUDIO, "jsonl", "labelstudio"),
        (CONLL, "jsonl", "conll"),
    ],
)
def test_a_file_refused_in_one_format_fits_another(data, refused, fits):
    file = io.BytesIO(data.encode())
    assert fitting_format(file, refused) == fits
    assert file.tell() == 0  # left at its start, for the import that follows


@pytest.mark.parametrize(
    ("data", "fmt"), [(DOCCANO, "doccano"), (SPACY, "spacy"), (JSONL, "jsonl")]
)
def test_no_suggestion_for_a_file_in_its_own_format(data, fmt):
    """Refused for its content (a bad offset, an unknown label): no other format reads it better."""
    assert fitting_format(io.BytesIO(data.encode()), fmt) is None


def test_no_suggestion_for_plain_text():
    assert fitting_format(io.BytesIO(b"Just some text.\nMore."), "jsonl") is None
