"""Article ingestion: the seeds' metadata and clean bodies, and every kind of bad file."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from index.articles import Notice, read_article, scan_articles
from index.errors import ArticleUnreadable

SEEDS = Path(__file__).resolve().parents[1] / "seeds"

EXPECTED = {
    "000_232c08492062af93": (
        "Poutine a accepté une invitation de Xi à se rendre en Chine-Kremlin",
        "2026-02-04",
        "day",
        None,
    ),
    "001_144ff868b3a4961c": (
        "Vladimir Poutine et Xi Jinping ont vanté mercredi leur alliance comme un «facteur stabilisant» mondial",
        "2026-02-04",
        "day",
        "AFP",
    ),
    "002_83c3c266e9f4ddcc": (
        "Chine-Russie: Xi Jinping veut un plan bilatéral ambitieux",
        "2026-02-04",
        "day",
        "AA",
    ),
    "003_5487023a91da2442": (
        "Le dirigeant russe Vladimir Poutine a déclaré mercredi qu’il avait accepté l’invitation du président "
        "chinois Xi Jinping à se rendre en Chine en octobre",
        "2023-09",
        "month",
        None,
    ),
    "004_7c2a5c67d315efc7": (
        "Xi Jinping ira en Russie la semaine prochaine pour y rencontrer Vladimir Poutine",
        None,
        "unknown",
        "LINFO",
    ),
}

BOILERPLATE = ["À lire", "lire aussi", "#", "Crédit Photo", "La rédaction avec", "Agence France-Presse",
               "LINFO.re", "Reportage par", "édité par", "Getty", " date 20", "16:46", "> "]  # fmt: skip


@pytest.fixture(scope="module")
def seeds() -> dict:
    result = scan_articles(SEEDS)
    assert result.notices == []
    return {a.id: a for a in result.articles}


def test_every_seed_is_read(seeds):
    assert sorted(seeds) == sorted(EXPECTED)


@pytest.mark.parametrize("article_id", sorted(EXPECTED))
def test_seed_metadata(seeds, article_id):
    article = seeds[article_id]
    title, date, precision, outlet = EXPECTED[article_id]
    assert article.title == title
    assert article.date == date
    assert article.date_precision == precision
    assert article.outlet == outlet
    assert article.url is None
    path = SEEDS / f"{article_id}.txt"
    assert article.path == str(path)
    assert article.content_hash == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("article_id", sorted(EXPECTED))
def test_seed_bodies_are_clean(seeds, article_id):
    body = seeds[article_id].body
    for junk in BOILERPLATE:
        assert junk not in body, junk
    assert "\u00a0" not in body and "\r" not in body
    assert "\n\n\n" not in body and body == body.strip()
    for paragraph in body.split("\n\n"):
        assert paragraph and "\n" not in paragraph and "  " not in paragraph


def test_000_byline_stripped_and_outlet_not_invented(seeds):
    body = seeds["000_232c08492062af93"].body
    assert "Sophie Louet" not in body and "Reuters" not in body
    assert body.startswith("Le président russe Vladimir Poutine a accepté une invitation")
    assert body.endswith("selon le ministère chinois des Affaires étrangères.")


def test_001_lead_kept_as_first_paragraph(seeds):
    paragraphs = seeds["001_144ff868b3a4961c"].body.split("\n\n")
    assert paragraphs[0].startswith("Vladimir Poutine et Xi Jinping ont vanté mercredi")
    assert "Abou Dhabi" in paragraphs[0]
    assert paragraphs[1].startswith("Le président russe Vladimir Poutine a qualifié")
    # Subheadings stay paragraphs of their own.
    assert "Un accord sur l'Ukraine?" in paragraphs
    assert "Discussions autour du nucléaire" in paragraphs


def test_002_caption_once_and_quotes_rejoined(seeds):
    body = seeds["002_83c3c266e9f4ddcc"].body
    lead = "Xi Jinping appelle à un débat approfondi avec Vladimir Poutine"
    assert body.count(lead) == 1 and body.startswith(lead)
    assert (
        'les relations entre la Chine et la Russie entraient dans une "nouvelle phase de développement" '
        "et a rappelé que cette année" in body
    )
    assert 'pour les relations bilatérales", a déclaré Xi lors de cette vidéoconférence' in body
    assert 'un contexte de "turbulences mondiales croissantes".' in body
    assert 'à "préserver les résultats de la Seconde Guerre mondiale et la justice internationale".' in body
    assert " ," not in body and " ." not in body
    assert "Chine-Russie: Xi Jinping veut" not in body  # the title is not repeated in the body
    assert body.endswith("environ 220 milliards de dollars l’an dernier.")


def test_003_photo_credit_is_neither_title_nor_outlet(seeds):
    article = seeds["003_5487023a91da2442"]
    assert "Druzhinin" not in article.body and "Druzhinin" not in article.title
    # The photo's caption goes too (issue 21, fourth round): an answer to "When did Xi and Putin last
    # speak?" quoted its « le 4 février 2022 » as the article's claim. The body opens on the text.
    assert "(à gauche)" not in article.body
    assert article.body.startswith("Le Chinois Xi Jinping s’est rendu à Moscou en mars")
    assert "« partenariat sans limites, qui comprend une coopération diplomatique et financière »." in article.body


def test_004_weekday_without_year_is_not_a_date(seeds):
    article = seeds["004_7c2a5c67d315efc7"]
    assert "vendredi 17 mars" in article.body
    assert article.body.startswith("Xi Jinping ira en Russie la semaine prochaine")
    assert "arrivée des premiers blindés" not in article.body
    assert len(article.body.split("\n\n")) == 5  # one paragraph per source line
    assert article.body.endswith("après la visite de Vladimir Poutine.")


def test_french_typography_kept(seeds):
    assert "«facteur stabilisant»" in seeds["001_144ff868b3a4961c"].body
    assert "– sous-entendu Ukraine comprise –" in seeds["001_144ff868b3a4961c"].body
    assert "l’agression japonaise" in seeds["002_83c3c266e9f4ddcc"].body


# --- bad files ------------------------------------------------------------------------------------


def _write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


GOOD = "Titre court\n\nLe président a parlé mercredi à Paris. Il a annoncé un accord.\n"


def _by_id(result) -> tuple[dict, dict]:
    return {a.id: a for a in result.articles}, {n.article_id: n for n in result.notices}


def test_empty_and_whitespace_files_are_skipped(tmp_path):
    _write(tmp_path, "good.txt", GOOD)
    _write(tmp_path, "empty.txt", b"")
    _write(tmp_path, "blank.txt", " \n\t\r\n\u00a0\n")
    articles, notices = _by_id(scan_articles(tmp_path))
    assert list(articles) == ["good"]
    assert notices["empty"].kind == "skipped" and "empty" in notices["empty"].message
    assert notices["blank"].kind == "skipped" and "empty" in notices["blank"].message
    with pytest.raises(ArticleUnreadable, match="empty"):
        read_article(tmp_path / "empty.txt")


def test_binary_files_are_skipped(tmp_path):
    _write(tmp_path, "good.txt", GOOD)
    _write(tmp_path, "nul.txt", b"PK\x03\x04\x00\x00binary\x00data")
    _write(tmp_path, "controls.txt", bytes(range(1, 9)) * 50)
    articles, notices = _by_id(scan_articles(tmp_path))
    assert list(articles) == ["good"]
    assert notices["nul"].kind == "skipped" and "binary" in notices["nul"].message
    assert notices["controls"].kind == "skipped" and "binary" in notices["controls"].message
    with pytest.raises(ArticleUnreadable, match="binary"):
        read_article(tmp_path / "nul.txt")


def test_cp1252_file_is_decoded_with_a_notice(tmp_path):
    _write(tmp_path, "good.txt", GOOD)
    text = "Été à Pékin\n\nLe président a été reçu à Pékin. C’est «historique».\n"
    path = _write(tmp_path, "latin.txt", text.encode("cp1252"))
    result = scan_articles(tmp_path)
    articles, notices = _by_id(result)
    assert sorted(articles) == ["good", "latin"]
    assert articles["latin"].title == "Été à Pékin"
    assert articles["latin"].body == "Le président a été reçu à Pékin. C’est «historique»."
    assert notices["latin"].kind == "decoded" and "decoded as cp1252" in notices["latin"].message
    article, notes = read_article(path)
    assert article.title == "Été à Pékin" and any("cp1252" in note for note in notes)


def test_utf8_bom_and_crlf(tmp_path):
    path = _write(tmp_path, "bom.txt", b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode("utf-8"))
    article, notes = read_article(path)
    assert notes == []
    assert article.title == "Titre court"
    assert article.body == "Le président a parlé mercredi à Paris. Il a annoncé un accord."


def test_too_large_file_is_skipped_with_its_size(tmp_path):
    _write(tmp_path, "good.txt", GOOD)
    _write(tmp_path, "huge.txt", "mot " * 1000)
    articles, notices = _by_id(scan_articles(tmp_path, max_bytes=1000))
    assert list(articles) == ["good"]
    assert notices["huge"].kind == "skipped"
    assert "4,000 bytes" in notices["huge"].message and "1,000-byte limit" in notices["huge"].message
    with pytest.raises(ArticleUnreadable, match="4,000 bytes"):
        read_article(tmp_path / "huge.txt", max_bytes=1000)


def test_nothing_left_after_cleaning_is_skipped(tmp_path):
    _write(tmp_path, "junk.txt", "#Chine\n#Russie\n\nÀ lire aussi : autre chose\n")
    result = scan_articles(tmp_path)
    assert result.articles == []
    assert result.notices[0].kind == "skipped" and "no article text" in result.notices[0].message


def test_duplicate_under_two_names_keeps_the_first(tmp_path):
    _write(tmp_path, "a.txt", GOOD)
    # Same body with other whitespace and case, another title and file bytes: still a duplicate.
    _write(tmp_path, "b.txt", "Autre titre\n\nLE PRÉSIDENT a parlé   mercredi à Paris.\nIl a annoncé un accord.\n")
    _write(tmp_path, "c.txt", "Titre\n\nUn tout autre article. Rien à voir.\n")
    articles, notices = _by_id(scan_articles(tmp_path))
    assert sorted(articles) == ["a", "c"]
    assert notices["b"].kind == "duplicate"
    assert "duplicate of a" in notices["b"].message


def test_same_stem_in_two_folders_skips_the_second(tmp_path):
    _write(tmp_path, "x/story.txt", GOOD)
    _write(tmp_path, "y/story.md", "Titre\n\nUn tout autre article. Rien à voir.\n")
    result = scan_articles(tmp_path)
    assert [a.path for a in result.articles] == [str(tmp_path / "x/story.txt")]
    (notice,) = result.notices
    assert notice.kind == "skipped" and notice.path == str(tmp_path / "y/story.md")
    assert "already taken" in notice.message and "x/story.txt" in notice.message


def test_scan_is_recursive_sorted_and_ignores_hidden_and_other_files(tmp_path):
    _write(tmp_path, "b.txt", "B\n\nTexte de b. Fin.\n")
    _write(tmp_path, "sub/a.md", "# Titre A\n\nTexte de a. Fin.\n")
    _write(tmp_path, ".hidden.txt", "H\n\nCaché. Fin.\n")
    _write(tmp_path, ".git/c.txt", "C\n\nCaché aussi. Fin.\n")
    _write(tmp_path, "notes.csv", "a,b\n")
    result = scan_articles(tmp_path)
    assert [a.id for a in result.articles] == ["b", "a"]  # sorted by relative path: "b.txt" < "sub/a.md"
    assert result.articles[1].title == "Titre A" and result.articles[1].body == "Texte de a. Fin."
    assert result.notices == []


def test_front_matter_wins_over_guesses(tmp_path):
    path = _write(
        tmp_path,
        "fm.md",
        "---\ntitle: Le vrai titre\ndate: 2024-05\nsource: Le Monde\nurl: https://example.org/a\n---\n"
        " date 2026-02-04 Un titre deviné\n\nAFP\n\nLe président a parlé mercredi. Fin.\n",
    )
    article, notes = read_article(path)
    assert notes == []
    assert (article.title, article.date, article.date_precision) == ("Le vrai titre", "2024-05", "month")
    assert (article.outlet, article.url) == ("Le Monde", "https://example.org/a")
    assert article.body == "Le président a parlé mercredi. Fin."


def test_front_matter_year_only(tmp_path):
    path = _write(tmp_path, "y.txt", "---\ndate: 2023\n---\nTitre\n\nTexte. Fin.\n")
    article, _ = read_article(path)
    assert (article.date, article.date_precision, article.title) == ("2023", "year", "Titre")


def test_front_matter_without_closing_line_is_ignored_with_a_warning(tmp_path):
    _write(tmp_path, "good.txt", GOOD)
    _write(tmp_path, "open.txt", "---\ntitle: Jamais fermé\ndate: 2024-01-01\n\nVrai titre\n\nLe texte. Fin.\n")
    articles, notices = _by_id(scan_articles(tmp_path))
    article = articles["open"]
    assert (article.title, article.date, article.date_precision) == ("Vrai titre", None, "unknown")
    assert article.body == "Le texte. Fin."
    assert notices["open"].kind == "warning" and "no closing '---'" in notices["open"].message
    assert "good" in articles


def test_front_matter_bad_date_is_ignored_with_a_warning(tmp_path):
    text = "---\ntitle: Titre donné\ndate: 4 février\nauteur: X\n---\n date 2026-02-04\n\nTexte. Fin.\n"
    path = _write(tmp_path, "bad.txt", text)
    result = scan_articles(tmp_path)
    (article,) = result.articles
    assert article.title == "Titre donné"
    assert (article.date, article.date_precision) == ("2026-02-04", "day")  # fell back to the header
    messages = [n.message for n in result.notices]
    assert all(n.kind == "warning" for n in result.notices)
    assert any("'4 février'" in m and "ignored" in m for m in messages)
    assert any("'auteur: X'" in m for m in messages)
    assert read_article(path)[1] == messages


def test_dates_in_header_lines(tmp_path):
    cases = {
        "glued.txt": ("Titre\n\n16:464/02/2026, mercredi\nAA\nTexte. Fin.\n", "2026-02-04", "day", "AA"),
        "words.txt": ("Titre\n\nPublié le 1er mars 2025 à 10h05\n\nTexte. Fin.\n", "2025-03-01", "day", None),
        "impossible.txt": ("Titre\n\n31/02/2026\n\nTexte. Fin.\n", None, "unknown", None),
        "bad_header.txt": (" date 2026-13-01 Titre\n\nTexte. Fin.\n", None, "unknown", None),
    }
    for name, (text, *_rest) in cases.items():
        _write(tmp_path, name, text.replace("Texte.", f"Texte {name}."))  # distinct, or they are duplicates
    articles, notices = _by_id(scan_articles(tmp_path))
    for name, (_text, date, precision, outlet) in cases.items():
        article = articles[Path(name).stem]
        assert (article.date, article.date_precision, article.outlet) == (date, precision, outlet), name
        assert article.body == f"Texte {name}. Fin.", name
    assert notices["bad_header"].kind == "warning" and "2026-13-01" in notices["bad_header"].message


def test_url_line_is_metadata(tmp_path):
    path = _write(tmp_path, "u.txt", "Titre\n\nTexte. Fin.\n\nhttps://example.org/article?id=3\n")
    article, _ = read_article(path)
    assert article.url == "https://example.org/article?id=3" and article.body == "Texte. Fin."


def test_notice_str_is_one_line():
    notice = Notice("seeds/a.txt", "a", "skipped", "file is empty; add the article text or remove the file")
    assert str(notice) == "seeds/a.txt: skipped: file is empty; add the article text or remove the file"
    assert "\n" not in str(notice)


def test_missing_folder_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        scan_articles(tmp_path / "nope")


def test_scan_of_copied_seeds_matches(tmp_path):
    shutil.copytree(SEEDS, tmp_path / "seeds")
    result = scan_articles(tmp_path / "seeds")
    assert [a.id for a in result.articles] == sorted(EXPECTED)


def test_mostly_utf8_file_with_a_corrupt_byte_keeps_its_accents(tmp_path):
    raw = "Été à Pékin\n\nLe président a été reçu à Pékin. Fin.\n".encode("utf-8").replace(b"Fin", b"F\xffin")
    article, notes = read_article(_write(tmp_path, "mixed.txt", raw))
    assert article.title == "Été à Pékin" and "président a été reçu" in article.body
    assert notes == ["decoded as UTF-8 with 1 invalid byte sequence(s) replaced by U+FFFD"]


def test_single_unpunctuated_line_is_body_not_just_a_title(tmp_path):
    article, _ = read_article(_write(tmp_path, "one.txt", "Xi Jinping ira en Russie la semaine prochaine\n"))
    assert article.body == "Xi Jinping ira en Russie la semaine prochaine"
    assert article.title == "Xi Jinping ira en Russie la semaine prochaine"


def test_hard_wrapped_paragraph_is_rejoined(tmp_path):
    text = (
        "Titre\n\nLe président russe a déclaré mercredi que la\nChine et la Russie étaient (selon\nlui) proches\n"
        ", et il a conclu.\nUn second paragraphe.\n"
    )
    article, _ = read_article(_write(tmp_path, "wrap.txt", text))
    assert article.body == (
        "Le président russe a déclaré mercredi que la Chine et la Russie étaient (selon lui) proches, "
        "et il a conclu."
        "\n\nUn second paragraphe."
    )


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ('"Citation" : le ministre répond', '"Citation" : le ministre répond'),  # a title opening with a quotation
        ("Le ministre répond : 'non'", "Le ministre répond : 'non'"),  # closing with one
        ('"Le ministre répond"', "Le ministre répond"),  # one quoted string: YAML quoting
        ("'L''affaire'", "L'affaire"),
        ('"Il a dit \\"non\\""', 'Il a dit "non"'),
        ('"Guillemet jamais fermé', '"Guillemet jamais fermé'),
    ],
)
def test_front_matter_keeps_quotes_that_belong_to_the_value(tmp_path, written, read):
    path = _write(tmp_path, "q.md", f"---\ntitle: {written}\nsource: 'Le Monde'\n---\n\nLe texte. Fin.\n")
    article, notes = read_article(path)
    assert notes == []
    assert (article.title, article.outlet) == (read, "Le Monde")
