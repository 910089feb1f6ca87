"""Stories (`index.stories`): grouping on the eval's copy sets, the named hard cases, incremental
updates and stable ids, against the real SQLite file and the real datasketch signatures."""

from __future__ import annotations

import dataclasses
import hashlib
import random
import sqlite3

import pytest

from eval.stories import EDITS, build, pair_scores  # tests/ is on sys.path
from index.stories import FILE_NAME, NUM_PERM, SEED, Hashing, StoryIndex, representative, shingles

PRECISION_FLOOR = 0.97  # the targets; measured 1.0 / 1.0 on seeds 19, 1-5 (see docs/stories.md)
RECALL_FLOOR = 0.9


@pytest.fixture(scope="module")
def story_set():
    return build()


def fresh(tmp_path, name="index"):
    return StoryIndex.open(tmp_path / name)


def edited(article, body=None, **changes):
    body = article.body if body is None else body
    return dataclasses.replace(article, body=body, content_hash=hashlib.sha256(body.encode()).hexdigest(), **changes)


@pytest.mark.parametrize("seed", [19, 3])
def test_grouping_on_the_eval_copy_sets_meets_the_floors_in_one_batch(tmp_path, seed):
    story_set = build(seed)
    stories = fresh(tmp_path).update(story_set.articles()).stories
    precision, recall, predicted, gold = pair_scores(stories, story_set.gold())
    assert gold >= 84  # 28 stories of three articles each: three pairs each
    assert precision >= PRECISION_FLOOR and recall >= RECALL_FLOOR, (precision, recall, predicted, gold)


def test_grouping_is_the_same_when_articles_arrive_one_by_one_in_any_order(tmp_path, story_set):
    """Copies before their original, updates before the dispatch: incremental adds, each a new
    StoryIndex on the same file (what a one-shot `index add` does)."""
    articles = story_set.articles()
    random.Random(5).shuffle(articles)
    for n in range(1, len(articles) + 1):
        index = fresh(tmp_path)
        result = index.update(articles[:n])
        assert result.signed == 1  # only the new article is signed, never all pairs
        index.close()
    precision, recall, _, _ = pair_scores(result.stories, story_set.gold())
    assert precision >= PRECISION_FLOOR and recall >= RECALL_FLOOR, (precision, recall)


@pytest.mark.parametrize("case", EDITS)
def test_every_kind_of_copy_joins_its_original(tmp_path, story_set, case):
    stories = fresh(tmp_path).update(story_set.articles()).stories
    items = story_set.of_case(case)
    assert items
    for item in items:
        assert stories[item.article.id] == stories[item.story], f"{case}: {item.article.id}"


def test_two_dispatches_sharing_a_long_quotation_stay_apart(tmp_path, story_set):
    stories = fresh(tmp_path).update(story_set.articles()).stories
    assert len(story_set.quoted) >= 5
    for quoting, quoted in story_set.quoted:
        assert stories[quoting] != stories[quoted]


def test_two_same_day_dispatches_on_one_event_stay_apart(tmp_path, story_set):
    stories = fresh(tmp_path).update(story_set.articles()).stories
    pairs = story_set.same_event()
    assert len(pairs) >= 10
    assert all(stories[a] != stories[b] for a, b in pairs)


def test_an_agency_update_keeps_its_new_paragraphs_and_its_story(tmp_path, story_set):
    (update,) = story_set.of_case("agency-update")[:1]
    original = next(it.article for it in story_set.items if it.article.id == update.story)
    assert len(update.article.body) > len(original.body) + 200  # new facts, still the same story
    stories = fresh(tmp_path).update([original, update.article]).stories
    assert stories[original.id] == stories[update.article.id]


def test_a_story_id_does_not_change_when_an_earlier_copy_arrives_later(tmp_path, story_set):
    item = story_set.of_case("cut")[0]
    original = next(it.article for it in story_set.items if it.article.id == item.story)
    late = dataclasses.replace(item.article, date="2026-06-01")
    index = fresh(tmp_path)
    first = index.update([late]).stories[late.id]
    early = dataclasses.replace(original, date="2020-01-01", outlet="AFP")
    result = index.update([late, early])
    assert result.stories == {late.id: first, early.id: first}
    assert result.joined == [(early.id, first)]
    assert representative(index.members(first)) == early.id  # the earliest published copy is cited


def test_the_representative_is_the_earliest_then_the_agency(tmp_path):
    assert representative([("b", "2026-02-04", "Le Figaro"), ("a", "2026-02-05", "AFP")]) == "b"
    assert representative([("b", "2026-02-04", "Le Figaro"), ("c", "2026-02-04", "AFP")]) == "c"
    assert representative([("b", None, "AFP"), ("c", "2026-02", "Le Point")]) == "c"  # undated last


def test_an_edited_article_leaves_its_story_and_a_removed_one_leaves_the_rest_in_it(tmp_path, story_set):
    item = story_set.of_case("reordered")[0]
    original = next(it.article for it in story_set.items if it.article.id == item.story)
    other = next(it.article for it in story_set.items if it.case == "original" and it.article.id != original.id)
    index = fresh(tmp_path)
    story = index.update([original, item.article, other]).stories[original.id]
    # The copy rewritten into another text: it leaves the story, which keeps its id.
    rewritten = edited(item.article, other.body + "\n\nUn paragraphe de plus pour que le texte diffère.")
    result = index.update([original, rewritten, other])
    assert result.signed == 1
    assert result.stories[original.id] == story
    assert result.stories[rewritten.id] == result.stories[other.id] != story
    # The founder removed: its copy keeps the story id.
    index.update([original, item.article, other])
    result = index.update([item.article, other])
    assert result.stories[item.article.id] == story and result.signed == 0
    assert index.members(story) == [(item.article.id, item.article.date, item.article.outlet)]


def test_an_unreadable_article_kept_by_the_rebuild_keeps_its_story(tmp_path, story_set):
    item = story_set.of_case("cut")[0]
    original = next(it.article for it in story_set.items if it.article.id == item.story)
    index = fresh(tmp_path)
    story = index.update([original, item.article]).stories[item.article.id]
    result = index.update([original], keep={item.article.id})
    assert result.stories[item.article.id] == story and result.signed == 0


def test_signatures_made_with_another_scheme_are_made_again(tmp_path, story_set):
    articles = story_set.articles()[:10]
    index = fresh(tmp_path)
    index.update(articles)
    index.close()
    db = sqlite3.connect(tmp_path / "index" / FILE_NAME)
    with db:
        db.execute("UPDATE meta SET value = 'shingles=words3|minhash=datasketch:legacy' WHERE name = 'scheme'")
    db.close()
    assert fresh(tmp_path).update(articles).signed == 10
    assert fresh(tmp_path).update(articles).signed == 0


def test_signing_gives_the_values_datasketch_gives(story_set):
    """Signatures are made with the permutations datasketch made (stored in the SQLite file): the
    same values as its MinHash with the same seed and scheme, and the bands its MinHashLSH picks."""
    from datasketch import MinHash, MinHashLSH

    hashing = Hashing.from_datasketch()
    assert (hashing.bands, hashing.rows) == (lambda lsh: (lsh.b, lsh.r))(MinHashLSH(threshold=0.15, num_perm=NUM_PERM))
    for article in story_set.articles()[:12]:
        reference = MinHash(num_perm=NUM_PERM, seed=SEED, scheme="affine32", hashfunc=int)
        reference.update_batch(shingles(article.body).tolist())
        assert list(hashing.sign(article.body).minhash) == list(reference.hashvalues)


def test_a_one_shot_add_finds_the_story_from_the_file_alone(tmp_path, story_set):
    """A new process opens the SQLite file and places one article: no LSH is rebuilt, nothing else signed."""
    item = story_set.of_case("wire-in-feed")[0]
    fresh(tmp_path).update([it.article for it in story_set.items if it.article.id != item.article.id])
    index = fresh(tmp_path)
    story, joined = index.add(item.article)
    assert joined and story == index.story_of(item.story)


@pytest.mark.slow
def test_copies_of_one_story_take_one_place_and_its_source_names_the_other_outlets(tmp_path, embedder, seeds_copy):
    """The issue's case: the seeds plus two republications of the AFP seed (one with its lede
    reworded). The copies no longer take several places nor repeat a sentence; the source names them."""
    import json

    from conftest import SEEDS, cli_env, make_settings, run_cli
    from index.answers import near_identical
    from index.engine import Engine
    from index.retrieval import HybridRetriever
    from index.store import open_client

    afp = "001_144ff868b3a4961c"
    text = (seeds_copy / f"{afp}.txt").read_text(encoding="utf-8")
    paragraphs = [p for p in text.split("\n\n")[1:] if p.strip() and not p.startswith("AFP")]
    (seeds_copy / "figaro_alliance.txt").write_text(
        "---\ntitle: Poutine et Xi vantent leur alliance\ndate: 2026-02-04\nsource: Le Figaro (avec AFP)\n"
        "url: https://example.org/figaro/alliance\n---\n\n"
        "Moscou et Pékin ont encore affiché mercredi leur proximité, lors d'un échange en visioconférence.\n\n"
        + "\n\n".join(paragraphs),
        encoding="utf-8",
    )
    (seeds_copy / "ouest-france_alliance.txt").write_text(
        "---\ntitle: Chine-Russie : l'alliance « facteur stabilisant »\ndate: 2026-02-05\nsource: Ouest-France\n"
        "url: https://example.org/ouest-france/alliance\n---\n\n" + "\n\n".join(paragraphs[: len(paragraphs) // 2 + 1]),
        encoding="utf-8",
    )
    settings = make_settings(tmp_path / "data", seeds_copy)
    engine = Engine(settings, open_client(settings.chroma, settings.data_dir), embedder)
    report = engine.rebuild()
    assert {j["article_id"] for j in report.joined} == {"figaro_alliance", "ouest-france_alliance"}
    story = engine.loaded().snapshot.articles[afp]["story"]
    members = {afp, "figaro_alliance", "ouest-france_alliance"}
    listed = engine.articles()
    assert len(listed) == len(list(SEEDS.glob("*.txt"))) and [(i.id, i.outlets) for i in listed if i.outlets > 1] == [(afp, 3)]
    question = "Qu'a dit Poutine sur l'alliance avec Pékin ?"

    # Without the collapse the copies would take several places (what the issue saw).
    loaded = engine.loaded()
    retriever = HybridRetriever(loaded.snapshot, loaded.store, embedder, settings.retrieval)
    ranked, _ = retriever.rank_chunks(question)
    first = [loaded.snapshot.chunks[cid].article_id for cid, _ in ranked[: settings.retrieval.top_k]]
    assert len(members & set(first)) >= 2

    hits = engine.search(question)
    standing_for: dict[str, set[str]] = {}
    for hit in hits:
        standing_for.setdefault(hit.story, set()).add(hit.article_id)
    # One article per story (it may still give several passages, as any article may).
    assert all(len(ids) == 1 for ids in standing_for.values()), standing_for
    (standing,) = standing_for[story]
    assert standing == afp  # the representative (the agency's own, earliest) ranks next to its copies: it is cited
    assert members & {h.article_id for h in hits} == {standing}
    for hit in hits:
        assert {a.article_id for a in hit.also_in} == (members - {standing} if hit.story == story else set())

    # What's new lists the story once, by its earliest copy: the 5 February republication is no line of its own.
    from datetime import date

    news = engine.ask("Quoi de neuf ?", now=date(2026, 2, 6))
    assert [s.article_id for s in news.sources if s.article_id in members] == [afp], news.text

    answer = engine.ask(question)
    assert not answer.abstained
    cited = [s for s in answer.sources if s.article_id in members]
    assert len(cited) == 1 and {a.outlet for a in cited[0].also_in} >= {"Le Figaro (avec AFP)", "Ouest-France"} - {cited[0].outlet}
    quoted = list(answer.quoted)
    assert not any(near_identical(a, b) for i, a in enumerate(quoted) for b in quoted[i + 1 :])

    out = run_cli("ask", "--json", question, env=cli_env(settings.data_dir, seeds_copy))
    assert out.returncode == 0, out.stderr
    sources = json.loads(out.stdout)["sources"]
    assert all("url" in s and isinstance(s["also_in"], list) for s in sources)
    (source,) = [s for s in sources if s["article_id"] in members]
    urls = {a["url"] for a in source["also_in"]} | {source["url"]}
    assert {"https://example.org/figaro/alliance", "https://example.org/ouest-france/alliance"} <= urls
    assert all(set(a) == {"article_id", "outlet", "date", "url"} for a in source["also_in"])
    assert [s for s in sources if s["article_id"] not in members and s["also_in"]] == []


def test_a_source_line_names_the_other_outlets_and_links_each_copy():
    """Terminal: `(aussi : …)` then the URLs; Telegram: the title and each outlet are links."""
    from bot.tgbot.formatting import passage_blocks
    from bot.tgbot.formatting import source_line as telegram_line
    from index.models import AlsoIn, Source
    from index.present import source_line

    copies = (
        AlsoIn("figaro", "Le Figaro (avec AFP)", "2026-02-04", "https://example.org/f?a=1&b=2"),
        AlsoIn("of", "Ouest-France", "2026-02-05", None),
    )
    source = Source(1, "afp", "Poutine & Xi", "2026-02-04", "AFP", "…", date_precision="day",
                    url="https://example.org/afp", also_in=copies)  # fmt: skip
    assert source_line(source, "fr").splitlines() == [
        "[1] AFP, 4 février 2026 — Poutine & Xi (afp) (aussi : Le Figaro (avec AFP), Ouest-France)",
        "    https://example.org/afp",
        "    https://example.org/f?a=1&b=2",
    ]
    line = telegram_line(source, "fr")
    assert '<a href="https://example.org/afp">Poutine &amp; Xi</a>' in line
    assert '(aussi : <a href="https://example.org/f?a=1&amp;b=2">Le Figaro (avec AFP)</a>, Ouest-France)' in line
    plain = Source(2, "x", "T", None, None, "…")
    assert "\n" not in source_line(plain, "en") and "also in" not in source_line(plain, "en")
    assert "<a " not in telegram_line(plain, "en") and "aussi" not in telegram_line(plain, "fr")
    assert Source.from_dict(source.to_dict()) == source  # the bot's state store keeps the copies
    header = passage_blocks(source, "fr")[0]  # what the source button shows
    assert '<a href="https://example.org/afp">' in header and "aussi : " in header and "Ouest-France" in header


def test_the_article_list_shows_a_story_once_with_its_number_of_outlets():
    from bot.tgbot.formatting import articles_page
    from index.models import ArticleInfo

    infos = [ArticleInfo("afp", "Poutine et Xi", "2026-02-04", "day", "AFP", 3, outlets=3),
             ArticleInfo("aa", "Xi veut un plan", "2026-02-04", "day", "AA", 2)]  # fmt: skip
    page, _ = articles_page(infos, 0, 10, "fr")
    assert "Poutine et Xi (3 médias)" in page and "Xi veut un plan" in page and "Xi veut un plan (" not in page
