"""docs/notebook.md, run: its Python blocks, in order, against a live server."""

import datetime
import re
from pathlib import Path

import pytest

from annotations import services
from annotations.models import Actor, ActorRole, Membership, Role
from tests.factories import UserFactory

pd = pytest.importorskip("pandas")  # the dev extra installs it
NOTEBOOK = Path(__file__).resolve().parents[2] / "docs" / "notebook.md"


def blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", NOTEBOOK.read_text(encoding="utf-8"), re.S)


@pytest.fixture
def corpus(transactional_db):
    user = UserFactory(username="analyst")
    user.set_password("pw-for-the-notebook")
    user.save()
    project = services.project_create(name="ISW on Belarus", slug="isw-belarus", creator=user)
    Membership.objects.filter(project=project, user=user).update(role=Role.MANAGER)
    label = services.label_create(project=project, user=user, name="Assessment", hotkey="a")
    isw = Actor.objects.create(name="ISW", search_text="isw")
    belarus = Actor.objects.create(name="Belarus", search_text="belarus")
    peskov = Actor.objects.create(name="Peskov", search_text="peskov")
    texts = [
        (datetime.date(2026, 5, 20), "Belarus is unlikely to be joining the war.", "unlikely",
         "ISW: Belarus", isw, ""),
        (datetime.date(2026, 6, 10), "A mobilization wave in Belarus is likely.", "likely",
         "Mobilization in Belarus", isw, ""),
        (datetime.date(2026, 7, 2), "Lukashenko refused to send troops; Belarus is very likely "
         "to stay out.", "very_likely", "Lukashenko refused", isw, "a refusal"),
        (datetime.date(2026, 7, 9), "Peskov denies Belarus mobilized reservists.", None,
         "Peskov denies", peskov, ""),
    ]  # fmt: skip
    for day, body, probability, title, source, note in texts:
        article = services.article_create(
            project=project, user=user, body=body, title=title, published_on=day, language="en"
        )
        services.span_create(
            article=article, start=0, end=len(body), label=label, annotator=user,
            probability=probability, note=note,
            actors=[(source, ActorRole.SOURCE), (belarus, ActorRole.SUBJECT)],
        )  # fmt: skip
    return user


def test_the_notebook_runs(live_server, corpus, monkeypatch, capsys):
    monkeypatch.setenv("ASSAY_API", f"{live_server.url}/api/v1/")
    monkeypatch.setenv("ASSAY_USER", "analyst")
    monkeypatch.setenv("ASSAY_PASSWORD", "pw-for-the-notebook")
    namespace: dict = {}
    code = blocks()
    assert len(code) >= 6
    for block in code:
        exec(compile(block, str(NOTEBOOK), "exec"), namespace)
    articles = namespace["articles"]
    # "mobilisation" finds the American spelling, the title's hit first; q finds nothing.
    assert list(articles["title"])[:2] == ["Mobilization in Belarus", "Peskov denies"]
    assert len(namespace["substring"]) == 0
    # The phrase keeps its words in order (a stop word between); "-Peskov" leaves out his denial.
    assert list(namespace["phrase"]["text"]) == ["Belarus is unlikely to be joining the war."]
    assert [text[:18] for text in namespace["either"]["text"]] == ["Lukashenko refused"]
    assert list(namespace["refusals"]["note"]) == ["a refusal"]
    assert list(namespace["likely"]["probability"]) == ["likely", "very_likely"]
    timeline = namespace["timeline"]
    assert [str(p.date()) for p in timeline["period"]] == ["2026-05-01", "2026-06-01", "2026-07-01"]
    assert list(timeline["mean_probability"]) == [32.5, 67.5, 87.5]
    assert list(namespace["isw_view"]["mean"]) == [32.5, 67.5, 87.5]
    assert list(namespace["ranked"]["name"]) == ["Belarus"]
    assert "Peskov" in set(namespace["sources"]["name"])
    assert "Traceback" not in capsys.readouterr().err
