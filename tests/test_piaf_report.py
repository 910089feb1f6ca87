"""`benchmarks/piaf.py report`: what it counts as a quoted sentence cut mid-phrase."""

from __future__ import annotations

import pytest

from benchmarks import piaf
from index.models import Source

BODY = (
    "Plusieurs bibliothèques possèdent plus de 10 millions de livres : la bibliothèque du Congrès (1800, "
    "Washington), la bibliothèque de l'université Harvard (1638,\n\n"
    "Dans les années 1980, l'arrivée au pouvoir des conservateurs accompagne les culture wars. "
    "Les photographies ont pour sujet l'homosexualité et"
)


@pytest.fixture()
def articles(tmp_path, monkeypatch):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "usa.md").write_text(piaf.article_text("Culture des États-Unis", [BODY]).replace(
        " ".join(BODY.split()), BODY), encoding="utf-8")
    monkeypatch.setattr(piaf, "_articles_dir", folder)
    monkeypatch.setattr(piaf, "_bodies", {})
    return [Source(1, "usa", "Culture des États-Unis", None, "Wikipédia", BODY[:80])]


@pytest.mark.parametrize(
    ("quoted", "cut"),
    [
        ("Dans les années 1980, l'arrivée au pouvoir des conservateurs accompagne les culture wars.", False),
        ("[…] l'arrivée au pouvoir des conservateurs accompagne les culture wars.", False),  # a clause cut marked « […] »
        ("Dans les années 1980, l'arrivée au pouvoir des conservateurs [...] accompagne […]", False),
        ("Dans les années 1980, l'arrivée au pouvoir des conservateurs", True),  # the paragraph goes on
        # The text as written: a paragraph, or the article, that stops mid-phrase is not our cut.
        ("la bibliothèque du Congrès (1800, Washington), la bibliothèque de l'université Harvard (1638,", False),
        ("Les photographies ont pour sujet l'homosexualité et", False),
    ],
)
def test_a_quoted_sentence_is_cut_mid_phrase_only_where_its_article_goes_on(articles, quoted, cut):
    assert piaf.mid_phrase(quoted, articles) is cut
