"""The import page in Chromium: the upload, the import's streamed progress, the result."""

import json

import pytest
from playwright.sync_api import expect

from annotations.models import Article

pytestmark = pytest.mark.e2e


def test_import_through_the_page(page, live_server, workspace, tmp_path):
    path = tmp_path / "articles.jsonl"
    path.write_text(
        "\n".join(json.dumps({"title": f"No {n}", "body": f"Article 🇺🇦 {n}."}) for n in range(300))
    )
    page.goto(f"{live_server.url}/projects/{workspace.project.slug}/import/")
    page.set_input_files("#id_file", str(path))
    page.get_by_role("button", name="Import").click()
    result = page.locator("#import-result")
    expect(result).to_contain_text("Imported 300 articles", timeout=30_000)
    expect(page.locator("#import-progress")).to_be_hidden()
    expect(page.get_by_role("button", name="Import")).to_be_enabled()
    assert Article.objects.filter(project=workspace.project).count() == 301  # and the fixture's

    page.set_input_files("#id_file", str(path))  # the same again: every article a duplicate
    page.get_by_role("button", name="Import").click()
    expect(result).to_contain_text("300 duplicates", timeout=30_000)
