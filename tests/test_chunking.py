"""Sentence splitting and chunking: exact offsets, the word limit, overlap, French abbreviations and quotes."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.articles import scan_articles
from index.chunking import chunk_article, count_words, split_sentences
from index.models import Article

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


def make_article(body: str) -> Article:
    return Article("a", "t", body, None, "unknown", None, None, "a.txt", "0" * 64)


@pytest.fixture(scope="module")
def seed_articles() -> list[Article]:
    return scan_articles(SEEDS).articles


# --- sentences ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("M. Poutine a dit. Puis il est parti.", ["M. Poutine a dit.", "Puis il est parti."]),
        ("«Nous sommes prêts», a-t-il assuré.", ["«Nous sommes prêts», a-t-il assuré."]),
        ("« Nous sommes prêts. Nous irons. », a déclaré Poutine. Fin.",
         ["« Nous sommes prêts. Nous irons. », a déclaré Poutine.", "Fin."]),
        ('"Je vous remercie. Merci", a ajouté le président russe. Fin.',
         ['"Je vous remercie. Merci", a ajouté le président russe.', "Fin."]),
        ("Il a dit : « Nous sommes prêts. » Puis il est parti.",
         ["Il a dit : « Nous sommes prêts. »", "Puis il est parti."]),
        ('Il a dit : "Nous partons." Ensuite il est parti.', ['Il a dit : "Nous partons."', "Ensuite il est parti."]),
        ('un "facteur important". Ensuite.', ['un "facteur important".', "Ensuite."]),
        ("Mme Durand et MM. Dupont et Martin sont là. Dr. House aussi.",
         ["Mme Durand et MM. Dupont et Martin sont là.", "Dr. House aussi."]),
        ("Rue St. Denis, p. ex. au n° 5. Suite.", ["Rue St. Denis, p. ex. au n° 5.", "Suite."]),
        ("Né en 50 av. J.-C. à Rome. Mort ensuite.", ["Né en 50 av. J.-C. à Rome.", "Mort ensuite."]),
        ("J. Dupont et J.-P. Martin. Fin.", ["J. Dupont et J.-P. Martin.", "Fin."]),
        ("Le taux est de 3.5 % pour 1.000 euros. Fin.", ["Le taux est de 3.5 % pour 1.000 euros.", "Fin."]),
        ("Vraiment ? Oui ! Et puis… Rien.", ["Vraiment ?", "Oui !", "Et puis…", "Rien."]),
        ("Attendez... il arrive. Fin.", ["Attendez... il arrive.", "Fin."]),
        ("Un accord sur l'Ukraine?\n\nXi Jinping parle", ["Un accord sur l'Ukraine?", "Xi Jinping parle"]),
        ("Discussions autour du nucléaire\n\nElle réfute. Elle renvoie.",
         ["Discussions autour du nucléaire", "Elle réfute.", "Elle renvoie."]),
        ("Il y en a. Puis il part.", ["Il y en a.", "Puis il part."]),
        ("Des pommes, des poires, etc. Le marché ferme.", ["Des pommes, des poires, etc.", "Le marché ferme."]),
        ("L'O.N.U. a voté. Fin.", ["L'O.N.U. a voté.", "Fin."]),
        ("Pas de point final", ["Pas de point final"]),
        ("", []),
        ("  \n\n  ", []),
    ],
)
def test_split_sentences(text, expected):
    assert sentences(text) == expected


def test_unbalanced_quote_does_not_swallow_the_paragraph():
    assert sentences('Il a dit "bonjour. Et puis rien. Fin.') == ['Il a dit "bonjour.', "Et puis rien.", "Fin."]


def test_sentence_offsets_are_stripped_and_exact():
    text = "  Première phrase.   Deuxième phrase !\n\n  Troisième.  "
    spans = split_sentences(text)
    assert [text[a:b] for a, b in spans] == ["Première phrase.", "Deuxième phrase !", "Troisième."]
    assert all(not text[a].isspace() and not text[b - 1].isspace() for a, b in spans)
    assert spans == sorted(spans) and all(b1 <= a2 for (_, b1), (a2, _) in zip(spans, spans[1:]))


def test_seed_sentences(seed_articles):
    by_id = {a.id: a for a in seed_articles}
    found = sentences(by_id["001_144ff868b3a4961c"].body)
    assert (
        "«Dans le contexte de turbulences croissantes, l'alliance entre Moscou et Pékin reste un important facteur "
        "stabilisant», a déclaré Vladimir Poutine, selon une vidéo diffusée par le Kremlin." in found
    )
    assert "Un accord sur l'Ukraine?" in found
    found = sentences(by_id["002_83c3c266e9f4ddcc"].body)
    assert any(s.startswith('"L’instauration') and s.endswith("a ajouté le président russe.") for s in found)
    found = sentences(by_id["004_7c2a5c67d315efc7"].body)
    assert any(s.startswith("Le ministère chinois") and s.endswith('du 20 au 22 mars".') for s in found)


def test_count_words():
    assert count_words("") == 0
    assert count_words("  l’alliance  «facteur stabilisant» \n mondial. ") == 4


# --- chunks ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("max_words", [100, 40, 12])
def test_seed_chunks_are_exact_bounded_and_cover_the_body(seed_articles, max_words):
    for article in seed_articles:
        chunks = chunk_article(article, max_words=max_words)
        assert chunks, article.id
        assert [c.index for c in chunks] == list(range(len(chunks)))
        for chunk in chunks:
            assert chunk.article_id == article.id
            assert chunk.text == article.body[chunk.start : chunk.end]
            assert chunk.text == chunk.text.strip()
            assert count_words(chunk.text) <= max_words
        # Every sentence's words land in some chunk.
        covered = set()
        for chunk in chunks:
            covered.update(range(chunk.start, chunk.end))
        for a, b in split_sentences(article.body):
            assert all(i in covered for i in range(a, b) if not article.body[i].isspace())
        assert chunks == chunk_article(article, max_words=max_words)  # deterministic


def test_chunks_end_on_sentence_boundaries(seed_articles):
    for article in seed_articles:
        ends = {b for _, b in split_sentences(article.body)}
        starts = {a for a, _ in split_sentences(article.body)}
        for chunk in chunk_article(article):
            assert chunk.start in starts and chunk.end in ends


@pytest.mark.parametrize("max_words", [100, 60])
def test_consecutive_chunks_share_one_sentence_when_it_fits(seed_articles, max_words):
    overlaps = 0
    for article in seed_articles:
        chunks = chunk_article(article, max_words=max_words)
        spans = split_sentences(article.body)
        for prev, nxt in zip(chunks, chunks[1:]):
            assert nxt.end > prev.end  # progress
            shared = [s for s in spans if s[0] >= nxt.start and s[1] <= prev.end]
            if shared:
                assert len(shared) == 1 and nxt.start == shared[0][0]
                overlaps += 1
            else:
                # Overlap is dropped only when the last sentence and the next one exceed the limit together.
                last = next(s for s in reversed(spans) if s[1] == prev.end)
                following = next(s for s in spans if s[0] >= prev.end)
                assert count_words(article.body[last[0] : following[1]]) > max_words
    assert overlaps >= 10


def test_no_overlap_when_asked():
    body = " ".join(f"Phrase numéro {i} ici." for i in range(30))
    chunks = chunk_article(make_article(body), max_words=10, overlap_sentences=0)
    assert all(nxt.start > prev.end for prev, nxt in zip(chunks, chunks[1:]))
    assert [c.text for c in chunks[:2]] == [
        "Phrase numéro 0 ici. Phrase numéro 1 ici.",
        "Phrase numéro 2 ici. Phrase numéro 3 ici.",
    ]


def test_long_sentence_is_cut_at_word_boundaries():
    long = " ".join(f"mot{i}" for i in range(250)) + "."
    body = f"Début court. {long} Fin courte."
    article = make_article(body)
    chunks = chunk_article(article, max_words=100)
    for chunk in chunks:
        assert chunk.text == body[chunk.start : chunk.end]
        assert count_words(chunk.text) <= 100
        assert chunk.text.split()[0] in body.split()  # never a word cut in half
        assert chunk.text.split()[-1] in body.split()
    words = [w for c in chunks for w in c.text.split()]
    assert set(words) == set(body.split())
    # 250 words become three near-equal pieces rather than 100 + 100 + 50.
    pieces = [c for c in chunks if c.text.startswith("mot")]
    assert pieces and all(count_words(c.text) >= 80 for c in pieces)


def test_empty_body_gives_no_chunks():
    assert chunk_article(make_article("")) == []


def test_bad_arguments():
    with pytest.raises(ValueError, match="max_words"):
        chunk_article(make_article("Une phrase."), max_words=0)
    with pytest.raises(ValueError, match="overlap"):
        chunk_article(make_article("Une phrase."), overlap_sentences=-1)
