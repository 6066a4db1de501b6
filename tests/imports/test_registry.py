"""The registry (imports/__init__.py): formats detected from the extension, offered on the page."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from annotations.imports import detect_format, import_file


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("a.jsonl", "jsonl"), ("A.JSON", "labelstudio"), ("x.zip", "brat"), ("t.htm", "html")],
)
def test_detect_format_from_the_extension(name, fmt):
    assert detect_format(name) == fmt


def test_import_file_detects_the_format_or_asks_for_it(target, manager):
    upload = io.BytesIO(b"Title line\nsome text")
    upload.name = "note.txt"

    result = import_file(target, manager, upload, "auto", create_labels=False, create_actors=False)

    assert (result.created, result.errors) == (1, [])
    nameless = io.BytesIO(b"text")
    with pytest.raises(ValidationError) as caught:
        import_file(target, manager, nameless)
    assert "format" in caught.value.message_dict


@pytest.mark.parametrize(("name", "fmt"), [("a.conll", "conll"), ("export.JSONLD", "webanno")])
def test_detect_conll_and_webanno_from_the_extension(name, fmt):
    assert detect_format(name) == fmt


def test_the_import_page_offers_conll_and_webanno(client, manager, target):
    client.force_login(manager)

    html = client.get(reverse("annotations:project-import", args=[target.slug])).content.decode()

    assert '<option value="conll">conll</option>' in html
    assert '<option value="webanno">webanno</option>' in html
    assert ".conll" in html and ".jsonld" in html
