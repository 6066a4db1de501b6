"""Messages in plain words that lead to what they name, in Chromium: the duplicate span's
link to the span already there, the import page's format that fits a refused file."""

import json

import pytest
from playwright.sync_api import expect

from annotations.models import Article, Job, Span

from .conftest import make_span, screenshot
from .test_annotate import select

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_duplicate_message_links_to_the_span_already_there(page, workspace):
    existing = make_span(workspace, "Belarus remains unlikely", "Assessment")
    page.goto(workspace.url)
    select(page, "Belarus remains unlikely")
    page.keyboard.press("a")
    errors = page.locator("#errors")
    expect(errors).to_contain_text(
        "You already marked “Belarus remains unlikely” as Assessment (characters "
    )
    screenshot(page, "duplicate-span.png")
    errors.get_by_role("link", name="Show that span").click()
    expect(page.locator("#span-panel")).to_have_attribute("data-span", str(existing.pk))
    assert Span.objects.count() == 1


def test_the_import_page_suggests_the_format_that_fits(
    page, live_server, workspace, worker, tmp_path
):
    path = tmp_path / "doccano.jsonl"
    path.write_text(
        "\n".join(
            json.dumps({"text": f"ISW assesses {n}.", "label": [[0, 3, "Assessment"]]})
            for n in range(3)
        )
    )
    page.goto(f"{live_server.url}/projects/{workspace.project.slug}/import/")
    page.set_input_files("#id_file", str(path))
    page.get_by_role("button", name="Import", exact=True).click()
    result = page.locator("#import-result")
    expect(result).to_contain_text("This looks like a doccano file: import it as doccano.")
    expect(result).to_contain_text("“doccano.jsonl” does not read as jsonl.")
    screenshot(page, "import-suggestion.png", full_page=True)
    worker.start()
    result.get_by_role("button", name="Import it as doccano").click()
    expect(page.locator("#job-state")).to_contain_text("Imported 3 articles", timeout=30_000)
    assert Job.objects.get().params["format"] == "doccano"
    assert Article.objects.filter(project=workspace.project).count() == 4  # and the fixture's
