"""Plain text, Markdown and HTML (imports/text.py)."""

from annotations.models import Article

from .helpers import do_import


def test_plain_text_markdown_and_html(target, manager):
    do_import(target, manager, "txt", "Headline\r\n\r\nBody text 🇺🇦.")
    do_import(target, manager, "md", "Intro line\n\n# The *real* title\n\nText.")
    html = (
        "<html><head><title> ISW  update </title><style>p{}</style></head><body>"
        "<script>var x = 1;</script><h1>Heading</h1><p>First   paragraph &amp; more.</p>"
        "<ul><li>one</li><li>two</li></ul><p>Last<br>line</p></body></html>"
    )
    do_import(target, manager, "html", html)

    txt, md, page = Article.objects.filter(project=target).order_by("pk")
    assert (txt.title, txt.body) == ("Headline", "Headline\n\nBody text 🇺🇦.")
    assert md.title == "The *real* title"
    assert page.title == "ISW update"
    assert page.body == "Heading\n\nFirst paragraph & more.\n\none\n\ntwo\n\nLast\nline"
    assert do_import(target, manager, "txt", b"\xff\xfe bad").errors == [
        {"line": 1, "error": "Not UTF-8 text."}
    ]


def test_a_txt_title_is_cut_at_a_word_boundary(target, manager):
    first_line = "Russian Offensive Campaign Assessment, December 19, 2022: " + " ".join(
        ["Lukashenko rejects Putin's integration demands"] * 8
    )
    do_import(target, manager, "txt", first_line + "\n\nThe body.")
    title = Article.objects.get(project=target).title
    assert len(title) <= 200 and title.endswith("…")
    kept = title.removesuffix("…")
    assert first_line.startswith(kept) and first_line[len(kept)] == " "
