"""CSV of articles (imports/csv_format.py)."""

from annotations.models import Article

from .helpers import do_import


def test_csv_articles(target, manager):
    data = (
        "title,body,source,url,published_on,desk\r\n"
        'One,"First body,\r\nwith a comma",ISW,https://example.org/1,2026-06-02,east\r\n'
        "Two,Second body,,,,\r\n"
    )

    result = do_import(target, manager, "csv", data)

    assert (result.created, result.errors) == (2, [])
    one, two = Article.objects.filter(project=target).order_by("pk")
    assert (one.title, one.body, one.source, str(one.published_on)) == (
        "One",
        "First body,\nwith a comma",
        "ISW",
        "2026-06-02",
    )
    assert one.metadata == {"desk": "east"}
    assert (two.title, two.published_on, two.metadata) == ("Two", None, {})


def test_csv_broken_rows_are_reported_by_line(target, manager):
    data = (
        "title,body,published_on\n"
        "Fine,Body one,2026-06-02\n"
        'Multi,"two\nlines",not a date\n'
        "Short,row\n"
        "Empty,,\n"
    )

    result = do_import(target, manager, "csv", data)

    assert [e["line"] for e in result.errors] == [3, 5, 6]
    assert result.errors[0]["error"].startswith("published_on:")
    assert result.errors[1]["error"] == "2 cells where the header has 3."
    assert result.errors[2]["error"].startswith("body:")
    assert not Article.objects.filter(project=target).exists()
    assert do_import(target, manager, "csv", "title\nx\n").errors == [
        {"line": 1, "error": "The header has no “body” column."}
    ]
