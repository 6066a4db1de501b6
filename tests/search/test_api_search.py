"""``articles/?search=`` and ``spans/?search=``: stemmed, ranked, combinable, any input safe."""

import hashlib

import pytest
from django.db import connection

from annotations.search import spelling_variant
from annotations.search.sqlite import fts5_query

from ..api_helpers import API, client_for
from ..factories import ArticleFactory, LabelFactory, SpanFactory

pytestmark = pytest.mark.django_db

BODY = (
    "Lukashenko refused to join the war. ISW assesses a mobilization wave is unlikely. "
    "Peskov said such speculations are baseless. The Kremlin mobilised reservists."
)


def span_at(article, word, **fields):
    start = article.body.index(word)
    return SpanFactory(article=article, start=start, end=start + len(word), **fields)


@pytest.fixture
def corpus(project, label, annotator):
    war = ArticleFactory(project=project, title="Belarus and the war", body=BODY, language="en")
    other = ArticleFactory(
        project=project,
        title="Mobilization in Russia",
        body="Nothing about Minsk here; a word on weather.",
        language="en",
        source="RAND",
    )
    ru = ArticleFactory(
        project=project, title="Мобилизация", body="Лукашенко отказался от войны.", language="ru"
    )
    spans = {
        "refused": span_at(war, "Lukashenko refused", label=label, annotator=annotator),
        "wave": span_at(war, "a mobilization wave", label=label, annotator=annotator),
        "peskov": span_at(
            war, "such speculations are baseless", label=label, annotator=annotator,
            note="a denial, refusing the claim",
        ),
        "ru_span": span_at(ru, "отказался", label=LabelFactory(project=project, name="Claim"),
                      annotator=annotator),
    }  # fmt: skip
    return {"war": war, "other": other, "ru": ru, **spans}


def ids(response):
    assert response.status_code == 200, response.content[:300]
    return [row["id"] for row in response.json()["results"]]


def test_refuses_finds_refused_in_text_and_note(annotator, corpus):
    found = ids(client_for(annotator).get(API + "spans/", {"search": "refuses"}))
    assert set(found) == {corpus["refused"].pk, corpus["peskov"].pk}
    # The span's own text (weight A) ranks above a note (B).
    assert found[0] == corpus["refused"].pk


def test_q_stays_the_plain_substring(annotator, corpus):
    assert ids(client_for(annotator).get(API + "spans/", {"q": "refuses"})) == []


def test_british_spelling_finds_american(annotator, corpus):
    client = client_for(annotator)
    articles = ids(client.get(API + "articles/", {"search": "mobilisation"}))
    assert set(articles) == {corpus["other"].pk, corpus["war"].pk}
    assert ids(client.get(API + "spans/", {"search": "mobilisation"})) == [corpus["wave"].pk]
    assert corpus["war"].pk in ids(client.get(API + "articles/", {"search": "mobilized"}))


def test_a_title_outranks_a_body(annotator, project):
    body = ArticleFactory(project=project, title="Notes", body="Minsk talks of a referendum.")
    title = ArticleFactory(project=project, title="Referendum", body="Minsk talks of a vote.")
    found = ids(client_for(annotator).get(API + "articles/", {"search": "referendum"}))
    assert found == [title.pk, body.pk]


def test_language_of_the_article_stems(annotator, corpus):
    found = ids(client_for(annotator).get(API + "spans/", {"search": "отказался"}))
    assert found == [corpus["ru_span"].pk]
    if connection.vendor == "postgresql":  # russian snowball: отказаться ~ отказался
        found = ids(client_for(annotator).get(API + "articles/", {"search": "мобилизации"}))
        assert found == [corpus["ru"].pk]


def test_websearch_syntax(annotator, corpus):
    client = client_for(annotator)
    phrase = ids(client.get(API + "spans/", {"search": '"mobilization wave"'}))
    assert phrase == [corpus["wave"].pk]
    assert ids(client.get(API + "spans/", {"search": '"wave mobilization"'})) == []
    either = ids(client.get(API + "spans/", {"search": "wave or baseless"}))
    assert set(either) == {corpus["wave"].pk, corpus["peskov"].pk}
    without = ids(client.get(API + "articles/", {"search": "mobilization -minsk"}))
    assert without == [corpus["war"].pk]


def test_search_combines_with_the_other_filters(annotator, corpus):
    client = client_for(annotator)
    found = ids(client.get(API + "articles/", {"search": "mobilization", "source": "RAND"}))
    assert found == [corpus["other"].pk]
    label = corpus["ru_span"].label_id
    assert ids(client.get(API + "spans/", {"search": "refuses", "label": label})) == []
    found = ids(client.get(API + "spans/", {"search": "refuses", "article": corpus["war"].pk}))
    assert set(found) == {corpus["refused"].pk, corpus["peskov"].pk}


def test_outsiders_find_nothing(outsider, corpus):
    assert ids(client_for(outsider).get(API + "spans/", {"search": "refuses"})) == []
    assert ids(client_for(outsider).get(API + "articles/", {"search": "war"})) == []


def test_search_follows_edits(annotator, corpus, label):
    from annotations import services

    span = corpus["wave"]
    services.span_update(span=span, user=annotator, note="conscription", version=span.version)
    found = ids(client_for(annotator).get(API + "spans/", {"search": "conscription"}))
    assert found == [span.pk]
    services.span_delete(span=span, user=annotator)
    assert ids(client_for(annotator).get(API + "spans/", {"search": "conscription"})) == []


@pytest.mark.parametrize(
    "search",
    ['"open quote', "&|!:*()", "a & | ! b", "x:*", "((", "-", "--x", "or", "or or",
     "\x00", "war\x00s", "the of and", "x" * 10_000, "word " * 2_000, "'", "\\", "<b>", "🇺🇦"],
)  # fmt: skip
def test_any_search_string_answers_200(annotator, corpus, search):
    client = client_for(annotator)
    for path in ("spans/", "articles/"):
        response = client.get(API + path, {"search": search})
        assert response.status_code == 200, (path, search[:20], response.content[:200])


def test_ranked_cursor_pages_are_stable_and_complete(annotator, project, label):
    article = ArticleFactory(project=project, body=" ".join(f"war{i} war" for i in range(40)))
    made = []
    for i in range(40):
        word = f"war{i} war"
        start = article.body.index(word)
        made.append(SpanFactory(article=article, start=start, end=start + len(word),
                                label=label, annotator=annotator).pk)  # fmt: skip
    client = client_for(annotator)
    seen, url, pages = [], API + "spans/?search=war&page_size=7", 0
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url, pages = body["next"], pages + 1
        if pages == 2:
            previous = body["previous"]
    assert sorted(seen) == sorted(made) and len(seen) == len(set(seen))
    assert pages == 6
    assert seen == sorted(seen)  # one rank for all: then by id
    back = client.get(previous).json()
    assert [row["id"] for row in back["results"]] == seen[:7]


def test_a_forged_search_cursor_is_404(annotator, corpus):
    response = client_for(annotator).get(API + "spans/", {"search": "war", "cursor": "bad"})
    assert response.status_code == 404


def test_spelling_variant():
    assert spelling_variant("mobilisation") == "mobilization"
    assert spelling_variant("Organized labour") == "Organised labour"
    assert spelling_variant("Belarus") is None


@pytest.mark.parametrize(
    ("text", "query"),
    [("war", '("war")'), ('"open', '("open")'), ("a or b", '("a") OR ("b")'),
     ("a -b", '(("a") NOT ("b"))'), ("-b", None), ("&|!:*()", None),
     ('"mobilization wave" belarus', '("mobilization wave" AND "belarus")')],
)  # fmt: skip
def test_fts5_query(text, query):
    assert fts5_query(text) == query


@pytest.mark.parametrize(
    "language", ["en", "EN-gb", "English", "ru", "ru-RU", "uk", "be", "", "x" * 30, "de_AT"]
)
def test_the_sql_config_agrees_with_python(language):
    from annotations.search import ts_config

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's assay_ts_config")
    with connection.cursor() as cursor:
        cursor.execute("SELECT assay_ts_config(%s)::text", [language])
        assert cursor.fetchone()[0] == ts_config(language)


def test_each_row_is_matched_in_its_own_language(annotator, project, label):
    """A word stemmed in English ('refuses' → 'refus') and not in ``simple`` (Ukrainian):
    an English article matches by its stem, a Ukrainian one only by the word as written, and
    one whose raw word happens to be the English stem does not match (no row is matched in
    another language's configuration). Articles and spans, on both databases."""
    english = ArticleFactory(project=project, body="Minsk refused the offer.", language="en")
    written = ArticleFactory(project=project, body="Minsk refused the plan.", language="uk")
    stem = ArticleFactory(project=project, body="A word: refus, nothing more.", language="uk")
    spans = {
        article.pk: span_at(article, word, label=label, annotator=annotator)
        for article, word in ((english, "refused"), (written, "refused"), (stem, "refus"))
    }
    client = client_for(annotator)
    expected = {english.pk}
    if connection.vendor != "postgresql":  # FTS5's porter stems every language alike
        expected = {english.pk, written.pk}  # and "refus" to "refu"
    assert set(ids(client.get(API + "articles/", {"search": "refuses"}))) == expected
    found = set(ids(client.get(API + "spans/", {"search": "refuses"})))
    assert found == {spans[pk].pk for pk in expected}
    both = {english.pk, written.pk}
    assert set(ids(client.get(API + "articles/", {"search": "refused"}))) >= both
    found = set(ids(client.get(API + "spans/", {"search": "refused"})))
    assert found >= {spans[pk].pk for pk in both}


def test_an_articles_new_language_reads_its_spans_again(annotator, manager, project, label):
    from annotations import services

    english = ArticleFactory(project=project, body="Minsk refused the offer.", language="en")
    other = ArticleFactory(project=project, body="Kyiv refused it too.", language="uk")
    span = span_at(english, "refused", label=label, annotator=annotator)
    span_at(other, "refused", label=label, annotator=annotator)  # two languages in use
    client = client_for(annotator)
    assert span.pk in ids(client.get(API + "spans/", {"search": "refuses"}))
    services.article_update(article=english, user=manager, language="uk")
    if connection.vendor == "postgresql":  # read as written now: no stem (FTS5 stems all)
        assert ids(client.get(API + "spans/", {"search": "refuses"})) == []
    assert span.pk in ids(client.get(API + "spans/", {"search": "refused"}))


def test_an_articles_search_row_follows_its_writes(annotator, manager, project):
    """The article's vector lives in its search row on PostgreSQL (migration 0011), kept by
    triggers: a new title, body or language is found at once, a bulk insert is searchable,
    a deleted article leaves no row behind, a save that changes none of them leaves the row
    as it was, and Django's flush (a TRUNCATE) empties the table with the articles."""
    from annotations import services
    from annotations.models import Article

    client = client_for(annotator)

    def found(word):
        return ids(client.get(API + "articles/", {"search": word}))

    article = ArticleFactory(project=project, title="Minsk", body="Nothing here.", language="en")
    assert found("minsk") == [article.pk]
    services.article_update(article=article, user=manager, title="Grodno")
    assert found("minsk") == [] and found("grodno") == [article.pk]
    services.article_update(article=article, user=manager, body="Drones refused to land.")
    assert found("refuses") == [article.pk]
    services.article_update(article=article, user=manager, language="uk")
    if connection.vendor == "postgresql":  # Ukrainian is ``simple``: no stem
        assert found("refuses") == [] and found("refused") == [article.pk]
    made = Article.objects.bulk_create(
        [Article(project=project, title=f"Bulk {n}", body=f"Brest bridge {n}",
                 sha256=hashlib.sha256(f"Brest bridge {n}".encode()).hexdigest(),
                 created_by=manager)
         for n in range(3)]
    )  # fmt: skip
    assert sorted(found("brest")) == sorted(a.pk for a in made)
    Article.objects.filter(pk=made[0].pk).delete()
    assert sorted(found("brest")) == sorted(a.pk for a in made[1:])
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        row = "SELECT xmin::text FROM annotations_articlesearch WHERE article_id = %s"
        cursor.execute(row, [article.pk])
        before = cursor.fetchone()[0]
        Article.objects.get(pk=article.pk).save()  # every column named, none changed
        cursor.execute(row, [article.pk])
        assert cursor.fetchone()[0] == before
        cursor.execute(
            "SELECT count(*) FROM annotations_articlesearch s "
            "WHERE NOT EXISTS (SELECT 1 FROM annotations_article a WHERE a.id = s.article_id)"
        )
        assert cursor.fetchone()[0] == 0
        # An id moved: the row moves with its article, none is left at the old id.
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(
            "UPDATE annotations_article SET id = id + 1000000 WHERE id = %s", [article.pk]
        )
        cursor.execute(
            "SELECT a.id FROM annotations_article a JOIN annotations_articlesearch s "
            "ON s.article_id = a.id AND s.search_vector @@ to_tsquery('simple', 'grodno')"
        )
        assert [row[0] for row in cursor.fetchall()] == [article.pk + 1000000]
        cursor.execute(
            "SELECT count(*) FROM annotations_article a FULL JOIN annotations_articlesearch s "
            "ON s.article_id = a.id WHERE a.id IS NULL OR s.article_id IS NULL"
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks left pending
        cursor.execute("TRUNCATE annotations_article CASCADE")
        cursor.execute("SELECT count(*) FROM annotations_articlesearch")
        assert cursor.fetchone()[0] == 0


def test_ranked_article_pages_carry_their_count(annotator, project):
    """A ranked page's count comes with its ranking (``RankedPaginator``): the same count
    on every page, the pages together the whole ranking, no separate count query, and the
    usual 404 for a page out of range or not a number."""
    from django.test.utils import CaptureQueriesContext

    for n in range(5):
        ArticleFactory(project=project, title=f"Grodno {n}", body="grodno " * (n + 1))
    client = client_for(annotator)
    whole = client.get(API + "articles/", {"search": "grodno", "page_size": 100}).json()
    assert whole["count"] == 5 and len(whole["results"]) == 5
    pages = []
    for page in (1, 2, 3):
        with CaptureQueriesContext(connection) as queries:
            body = client.get(
                API + "articles/", {"search": "grodno", "page_size": 2, "page": page}
            ).json()
        assert body["count"] == 5
        assert not any("COUNT(*) AS" in q["sql"] for q in queries.captured_queries)
        pages += [row["id"] for row in body["results"]]
    assert pages == [row["id"] for row in whole["results"]]
    for page in (4, 0, "x", "1.5"):
        response = client.get(API + "articles/", {"search": "grodno", "page_size": 2, "page": page})
        assert response.status_code == 404, page
    huge = client.get(API + "articles/", {"search": "grodno", "page": 10**18})
    assert huge.status_code == 404  # Django's "Invalid page", not the database's range error
    assert client.get(API + "articles/", {"search": "grodno"}).status_code == 200
    none = client.get(API + "articles/", {"search": "nowhere"}).json()
    assert none["count"] == 0 and none["results"] == []


def test_ranked_pages_match_djangos_paginator(monkeypatch, annotator, project, label):
    """The narrow ranking, then the page's rows by id, gives every page exactly what
    Django's own paginator gives over the same queryset: the same rows in the same order
    (ties on rank by id), the same fields (span counts, ranks), the same count, and the
    same answer under another filter."""
    from django.core.paginator import Paginator

    from annotations.api.pagination import PagePagination

    articles = []
    for n in range(7):
        article = ArticleFactory(
            project=project,
            title=f"Report {n}" + (" grodno" if n % 3 == 0 else ""),
            body="grodno " * (1 + n % 2) + "elsewhere " * n,
            source="ISW" if n % 2 else "RAND",
        )
        articles.append(article)
        for k in range(n % 3):
            SpanFactory(article=article, start=7 * k, end=7 * k + 6, label=label,
                        annotator=annotator)  # fmt: skip
    ArticleFactory(project=project, title="No match", body="minsk")
    client = client_for(annotator)
    queries = [{"search": "grodno", "page_size": 3, "page": page} for page in (1, 2, 3)] + [
        {"search": "grodno", "source": "ISW", "page_size": 2, "page": 2}
    ]

    def answers():
        return [client.get(API + "articles/", params).json() for params in queries]

    ranked = answers()
    monkeypatch.setattr(PagePagination, "django_paginator_class", Paginator)
    assert ranked == answers()
    assert len({row["id"] for page in ranked[:3] for row in page["results"]}) == 7
    assert {row["span_count"] for page in ranked for row in page["results"]} == {0, 1, 2}


@pytest.mark.xfail(
    condition=connection.vendor == "postgresql",
    strict=True,
    reason="ts_rank_cd is a real (float4); the cursor carries it as a double, and the next "
    "page's `search_rank < 3.8` keeps the row ranked real 3.8 (3.7999999523 as a double): "
    "the same page again, forever. Fix: the rank as float8 (expressions.py) or the cursor's "
    "comparison in real (pagination.py).",
)
def test_ranked_cursor_pages_walk_every_rank_once(annotator, project, label):
    """Spans of many ranks (a word once to four times, in the text and the note): the
    pages, followed by their ``next``, give the whole ranking once, in order, and end."""
    parts = [" ".join(["war"] * (1 + i % 4)) + f" w{i}" for i in range(12)]
    article = ArticleFactory(project=project, body=" | ".join(parts), language="en")
    for i, part in enumerate(parts):
        start = article.body.index(part)
        SpanFactory(article=article, start=start, end=start + len(part), label=label,
                    annotator=annotator, note="war " * (i % 3))  # fmt: skip
    client = client_for(annotator)
    whole = ids(client.get(API + "spans/", {"search": "war", "page_size": 100}))
    assert len(whole) == 12
    for size in (1, 5):
        seen, url = [], f"{API}spans/?search=war&page_size={size}"
        while url and len(seen) <= 12:
            body = client.get(url).json()
            seen += [row["id"] for row in body["results"]]
            url = body["next"]
        assert seen == whole, size
