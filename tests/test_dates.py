"""Date phrases: found with our own patterns, resolved against an anchor, fast, and never a number read as a date."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from index.articles import scan_articles
from index.dates import DateSpan, find_dates, span_of
from index.text import split_sentences

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
WED = date(2026, 2, 4)  # Wednesday 4 February 2026, the day of the seed articles
FRI_2023 = date(2023, 3, 17)  # Friday 17 March 2023, the day of seed 004


def found(text: str, anchor: date | None = WED, **kw) -> list[tuple[str, str, str]]:
    """(phrase, iso, precision) of every date in `text`."""
    return [(text[s:e], span.iso(), span.precision) for s, e, span in find_dates(text, anchor, **kw)]


def isos(text: str, anchor: date | None = WED, **kw) -> list[str]:
    return [iso for _, iso, _ in found(text, anchor, **kw)]


# --- what is not a date ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Pékin a 30 jours pour répondre à la demande de Moscou.",
        "Je pense que sa décision est la bonne.",
        "Le contrat porte sur 3,2 milliards de dollars.",
        "La croissance atteint 2,5 % cette fois.",
        "Ils étaient sept. Puis huit.",
        "Sept ans plus tard, rien n'a changé.",
        "La mission Mars 2020 et le score de 15/09 au match.",
        "Le pont mesure 1 080 mètres et a coûté 19 milliards de roubles.",
        "Les lundis sont calmes à Pékin.",
    ],
)
def test_numbers_and_look_alikes_are_not_dates(text):
    assert find_dates(text, WED) == []


# --- relative phrases against the publication day ------------------------------------------------


def test_a_weekday_in_a_past_sentence_is_the_one_on_or_before_the_article_day():
    assert isos("Vladimir Poutine a reçu Xi Jinping mercredi au Kremlin.") == ["2026-02-04"]
    assert isos("Les deux dirigeants se sont parlé lundi.") == ["2026-02-02"]
    assert isos("Le sommet s'était tenu jeudi.") == ["2026-01-29"]


def test_a_weekday_with_next_or_last_or_a_future_verb():
    assert isos("Il recevra son homologue mercredi prochain.") == ["2026-02-11"]
    assert isos("mardi prochain") == ["2026-02-10"]
    assert isos("lundi dernier") == ["2026-02-02"]
    assert isos("mercredi dernier") == ["2026-01-28"]
    # Published on Monday 2 February, « se rendra mercredi » is the Wednesday ahead.
    assert isos("Il se rendra mercredi à Pékin.", date(2026, 2, 2)) == ["2026-02-04"]
    assert isos("Xi Jinping va se rendre à Moscou jeudi.") == ["2026-02-05"]
    # The second of two joined weekdays follows the first.
    assert isos("Russes et Ukrainiens se retrouvent mercredi et jeudi à Abou Dhabi.") == ["2026-02-04", "2026-02-05"]


def test_days_around_the_anchor():
    assert found("Ils se sont vus hier et avant-hier, et se reverront demain.") == [
        ("hier", "2026-02-03", "day"),
        ("avant-hier", "2026-02-02", "day"),
        ("demain", "2026-02-05", "day"),
    ]
    assert isos("aujourd’hui") == ["2026-02-04"]
    assert isos("il y a trois jours") == ["2026-02-01"]
    assert isos("depuis lundi") == ["2026-02-02/2026-02-04"]


def test_weeks_months_and_years_relative_to_the_anchor():
    assert isos("la semaine prochaine, la semaine dernière, cette semaine") == [
        "2026-02-09/2026-02-15", "2026-01-26/2026-02-01", "2026-02-02/2026-02-08",
    ]
    assert isos("ce mois-ci, le mois dernier, le mois prochain") == ["2026-02", "2026-01", "2026-03"]
    assert isos("l'an dernier, l’année dernière, l'an prochain, cette année") == ["2025", "2025", "2027", "2026"]


def test_a_day_or_month_without_its_year_takes_it_from_the_anchor_and_the_tense():
    assert isos("Ils s'étaient rencontrés en septembre dernier.") == ["2025-09"]
    assert isos("Il se rendra en Chine en septembre.") == ["2026-09"]
    assert isos("La Chine avait publié un document au mois de février dernier.", FRI_2023) == ["2023-02"]
    assert isos("Il a dit qu'il viendra le 10 mars.") == ["2026-03-10"]
    assert isos("Il est venu le 10 mars.") == ["2025-03-10"]
    assert isos("Le régime expire le 31 décembre.") == ["2025-12-31"]  # no tense cue: the nearest
    assert isos("Le régime a été prolongé jusqu'au 31 décembre.") == ["2026-12-31"]
    assert isos("Lavrov a été reçu mardi, avant une visite que la presse annonce pour le mois de mai.", date(2024, 4, 9)) == [
        "2024-04-09", "2024-05",
    ]
    assert isos("le 1er mars") == ["2026-03-01"]
    assert isos("l’offensive russe en février de l’année dernière", date(2023, 9, 1), anchor_precision="month") == ["2022-02"]
    # The seed of 17 March 2023: « ce vendredi 17 mars » and a visit « du 20 au 22 mars ».
    assert found("ce vendredi 17 mars", FRI_2023) == [("ce vendredi 17 mars", "2023-03-17", "day")]
    assert isos("effectuera une visite d’État en Russie du 20 au 22 mars", FRI_2023) == ["2023-03-20/2023-03-22"]


def test_periods():
    assert found("fin 2025, début 2026, mi-mars") == [
        ("fin 2025", "2025-10/2025-12", "month"),
        ("début 2026", "2026-01/2026-03", "month"),
        ("mi-mars", "2026-03-11/2026-03-20", "day"),
    ]
    assert isos("entre mars et mai") == ["2026-03/2026-05"]
    # A range is one period, not two dates.
    assert found("valable du 15 septembre 2025 au 14 septembre 2026") == [
        ("du 15 septembre 2025 au 14 septembre 2026", "2025-09-15/2026-09-14", "day")
    ]
    assert isos("entre 2020 et 2023") == ["2020/2023"]


# --- absolute dates ------------------------------------------------------------------------------


def test_absolute_dates_in_every_form_with_their_precision():
    text = "le 15 septembre 2025, 15/09/2025, 4/02/2026, 2026-02-04, en 2023, en septembre 2025, le mercredi 4 février 2026"
    assert found(text) == [
        ("15 septembre 2025", "2025-09-15", "day"),
        ("15/09/2025", "2025-09-15", "day"),
        ("4/02/2026", "2026-02-04", "day"),
        ("2026-02-04", "2026-02-04", "day"),
        ("en 2023", "2023", "year"),
        ("septembre 2025", "2025-09", "month"),
        ("le mercredi 4 février 2026", "2026-02-04", "day"),
    ]


def test_an_undated_article_keeps_only_dates_that_name_their_year():
    text = "Le 15 septembre 2025, mercredi, hier, en septembre dernier, le 31 décembre, fin 2025."
    assert isos(text, None) == ["2025-09-15", "2025-10/2025-12"]


def test_an_article_dated_to_its_month_resolves_month_phrases_only():
    text = "Hier, lundi, le mois dernier et l'an dernier."
    assert isos(text, date(2023, 9, 1), anchor_precision="month") == ["2023-08", "2022"]
    assert isos(text, date(2023, 1, 1), anchor_precision="year") == ["2022"]


def test_impossible_dates_are_dropped():
    assert isos("le 32 mars 2026 et le 30/02/2026") == []


# --- English (questions) -------------------------------------------------------------------------


def test_english_phrases():
    text = "on 4 February 2026, in 2023, yesterday, last Monday, next week, this month, February 4, 2026"
    assert isos(text, language="en") == [
        "2026-02-04", "2023", "2026-02-03", "2026-02-02", "2026-02-09/2026-02-15", "2026-02", "2026-02-04",
    ]
    assert isos("What happened since Monday?", language="en") == ["2026-02-02/2026-02-04"]
    assert isos("three days ago", language="en") == ["2026-02-01"]
    assert isos("2/14/2026", language="en") == ["2026-02-14"]


# --- the span ------------------------------------------------------------------------------------


def test_span_overlap_and_iso():
    september = DateSpan(date(2025, 9, 1), date(2025, 9, 30), "month")
    assert september.iso() == "2025-09"
    assert september.overlaps(date(2025, 9, 30), date(2025, 10, 5))
    assert not september.overlaps(date(2025, 10, 1), date(2025, 10, 5))
    assert DateSpan(date(2023, 1, 1), date(2023, 12, 31), "year").iso() == "2023"
    assert span_of("2025-09") == september
    assert span_of("2026-02-04") == DateSpan(WED, WED, "day")
    assert span_of("hier") is None and span_of("2026-13") is None


def test_offsets_point_at_the_phrase():
    text = "Selon Moscou, Xi Jinping était au Kremlin mercredi 4 février 2026 pour deux jours."
    [(start, end, span)] = find_dates(text, None)
    assert text[start:end] == "mercredi 4 février 2026" and span.start == WED


# --- cost ----------------------------------------------------------------------------------------


def test_it_is_fast_on_the_seed_sentences_and_does_not_import_dateparser():
    sentences = [
        a.body[s:e] for a in scan_articles(SEEDS).articles for s, e in split_sentences(a.body)
    ]
    assert len(sentences) > 50
    find_dates(sentences[0], WED)  # first call: nothing lazy left after it
    rounds = []
    for _ in range(5):  # the best of five rounds: the machine is shared, a round may be descheduled
        started = time.perf_counter()
        for sentence in sentences:
            find_dates(sentence, WED)
        rounds.append((time.perf_counter() - started) / len(sentences))
    per_sentence = min(rounds)
    # Measured 0.3-0.4 ms a sentence on the shared 2-core machine under load; the target is 1 ms.
    assert per_sentence < 0.002, f"{per_sentence * 1000:.2f} ms a sentence"
    probe = "import sys, index.dates; print('dateparser' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- the snapshot's date look-up -----------------------------------------------------------------


def synthetic_snapshot(n_articles: int, chunks_per_article: int = 5):
    """A generation of `n_articles` articles, one a day from 1 January 2020, each chunk mentioning a day."""
    from index.snapshot import ChunkRecord, Snapshot

    articles: dict[str, dict] = {}
    chunks: dict[str, ChunkRecord] = {}
    for a in range(n_articles):
        published = date.fromordinal(date(2020, 1, 1).toordinal() + a)
        ids = []
        for c in range(chunks_per_article):
            cid = f"a{a}:{c}"
            mentioned = date.fromordinal(published.toordinal() - 400 - c).isoformat()
            chunks[cid] = ChunkRecord(cid, f"a{a}", c, "x", 0, 1, (), ((0, 1, mentioned, mentioned, "day"),))
            ids.append(cid)
        iso = published.isoformat() if a % 10 else published.isoformat()[:7]  # every tenth: month precision
        articles[f"a{a}"] = {"date": iso, "date_precision": "day" if a % 10 else "month", "chunk_ids": ids}
    articles["undated"] = {"date": None, "date_precision": "unknown", "chunk_ids": ["u:0"]}
    chunks["u:0"] = ChunkRecord("u:0", "undated", 0, "x", 0, 1)
    return Snapshot("g", {"articles": articles}, chunks, None)


def test_dated_honours_publication_precision_and_mentions():
    snap = synthetic_snapshot(40)
    day = date(2020, 1, 15)  # article 14 is published then; 0, 10, 20 and 30 are dated "2020-01"
    got = snap.dated(day, day)
    assert {cid.split(":")[0] for cid in got} == {"a0", "a10", "a14", "a20", "a30"}
    assert all(cid in got for cid in ("a14:0", "a14:4", "a0:0", "a10:3"))
    # A mention 400 days before publication: a29's chunk 1 speaks of 2020-01-30 minus 401 days.
    mentioned = date.fromordinal(date(2020, 1, 30).toordinal() - 401)
    assert snap.dated(mentioned, mentioned) == {"a29:1", "a30:2", "a31:3", "a32:4", "a28:0"}
    assert snap.dated(date(1990, 1, 1), date(1990, 12, 31)) == frozenset()
    assert "u:0" not in snap.dated(date(1900, 1, 1), date(2100, 1, 1))
    assert snap.newest_date() == "2020-02-09"


def test_dated_costs_well_under_a_few_ms_at_50000_chunks():
    snap = synthetic_snapshot(10_000)  # 50,001 chunks, 100,000 dated periods
    assert len(snap.chunks) == 50_001
    snap.dated(date(2021, 1, 1), date(2021, 1, 1))  # builds the cached arrays once per generation
    started = time.perf_counter()
    for _ in range(20):
        week = snap.dated(date(2021, 3, 1), date(2021, 3, 7))
    per_call = (time.perf_counter() - started) / 20
    assert 7 * 5 < len(week) < 40 * 5  # a week of articles, month-dated ones, and mentions
    # Measured about 0.1 ms on the shared 2-core machine for a week (80 chunks), 1 ms for a year.
    assert per_call < 0.005, f"{per_call * 1000:.2f} ms"


def test_english_tense_and_the_week_before():
    assert isos("Will Xi visit Moscow on Thursday?", language="en") == ["2026-02-05"]
    assert isos("What did Xi say on a Thursday in Moscow?", language="en") == ["2026-01-29"]
    assert isos("Et la semaine d’avant ?") == ["2026-01-26/2026-02-01"]
    assert isos("Que se passera-t-il mercredi ?", date(2026, 2, 2)) == ["2026-02-04"]


def test_week_ends_parts_of_the_year_and_english_abbreviations():
    assert isos("Ils se sont vus ce week-end.") == ["2026-01-31/2026-02-01"]
    assert isos("Ils se verront ce week-end.") == ["2026-02-07/2026-02-08"]
    assert isos("le week-end prochain") == ["2026-02-07/2026-02-08"]
    assert isos("d'ici la fin de l'année") == ["2026-10/2026-12"]
    assert isos("en début d'année prochaine") == ["2027-01/2027-03"]
    assert isos("milieu de l'année dernière") == ["2025-05/2025-08"]
    assert isos("L'année a été dure. Une année difficile.") == []
    assert isos("on Feb 4, then 4 Dec 2025", language="en") == ["2026-02-04", "2025-12-04"]
