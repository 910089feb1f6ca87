"""The grouping eval set: copies of the eval's own articles, edited the way outlets edit agency copy,
and pairs of different texts on one event that must stay apart. Deterministic: same seed, same set.

Sources are the 39 real articles (seeds/, tests/eval/articles, tests/eval/distractors). Each of the
first ones gets copies, one edit each, in turn:

- `reworded-lede`: the first paragraph rewritten by the outlet, title changed;
- `new-title`: another title and "(avec AFP)" added to the credit line, text otherwise kept;
- `cut`: the last paragraphs dropped (half the text kept) — Jaccard ≈ 0.5, containment 1.0;
- `boilerplate`: "Lire aussi" links, a newsletter line and a site footer around the text;
- `reordered`: the paragraphs after the lede shuffled;
- `agency-update`: the agency's own update, two new paragraphs of new facts added;
- `wire-in-feed`: the copy as another site's feed carries it: "(AFP) -" dateline, navigation and
  sharing lines, the last paragraph cut.

Pairs that must stay apart (gold: different stories):

- `shared-quotation`: a real article of another event given a paragraph that quotes 2-3 sentences
  (a long quotation) of a source article;
- `same-day-same-event`: the seeds, separate dispatches of 4 February 2026 on the Xi-Putin call
  by different outlets (AFP, AA, …): ten pairs.
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
import re
from dataclasses import dataclass
from pathlib import Path

from index.articles import read_article
from index.models import Article

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "seeds", ROOT / "tests" / "eval" / "articles", ROOT / "tests" / "eval" / "distractors"]
EDITS = ("reworded-lede", "new-title", "cut", "boilerplate", "reordered", "agency-update", "wire-in-feed")
OUTLETS = ("Le Figaro", "Ouest-France", "20 Minutes", "Le Point", "La Dépêche", "Sud Ouest", "Libération")
# New facts an agency adds when it updates its dispatch (written for the set, not reporting).
UPDATE_PARAGRAPHS = (
    "Dans la soirée, le ministère des Affaires étrangères a précisé que les discussions se poursuivraient "
    "au niveau des vice-ministres dans les prochaines semaines, sans donner de calendrier précis.",
    "Interrogé par des journalistes à l'issue d'une réunion du gouvernement, un porte-parole a refusé de "
    "commenter les informations selon lesquelles un accord pourrait être signé avant la fin du mois.",
    "Les marchés ont réagi avec prudence à cette annonce : la devise nationale a reculé de 0,4 % face au "
    "dollar en fin de séance, tandis que les valeurs de l'énergie progressaient légèrement.",
    "Plusieurs analystes cités par la presse locale estiment que cette initiative répond d'abord à des "
    "considérations de politique intérieure, à quelques mois d'échéances électorales importantes.",
    "Une délégation d'une trentaine de chefs d'entreprise doit accompagner la visite, selon une source "
    "diplomatique qui a requis l'anonymat, faute d'être autorisée à s'exprimer publiquement.",
    "L'opposition a dénoncé dans un communiqué « une opération de communication », réclamant la publication "
    "intégrale des textes discutés et un débat au Parlement avant toute ratification.",
)
BOILERPLATE_HEAD = "Lire aussi : {other}\n\nPublié le {date} - Mis à jour il y a 2 heures"
BOILERPLATE_FOOT = (
    "Cet article vous a intéressé ? Abonnez-vous à notre newsletter pour recevoir chaque matin "
    "l'essentiel de l'actualité internationale.\n\nLire aussi : {other}\n\nLire aussi : {third}\n\n"
    "© {outlet} avec AFP. Tous droits de reproduction réservés."
)
FEED_HEAD = "Accueil > International > Monde\n\nPartager sur Facebook Partager sur X Envoyer par e-mail"
FEED_FOOT = "Vous avez aimé cet article ? Partagez-le.\n\nVoir tous les articles de la rubrique Monde"


@dataclass(frozen=True)
class Item:
    """One article of the set: the article, the gold story (its source's id), and how it was made."""

    article: Article
    story: str
    case: str  # "original", an edit of EDITS, or "shared-quotation"


def originals() -> list[Article]:
    """The real articles the set is built from, in file order."""
    paths = sorted(p for folder in SOURCES for p in folder.glob("*.txt"))
    return [read_article(p)[0] for p in paths]


@dataclass
class StorySet:
    """The articles with their gold story, and the pairs named as hard cases."""

    items: list[Item]
    quoted: list[tuple[str, str]]  # (quoting article, quoted article): different stories

    def articles(self) -> list[Article]:
        """The articles of the set."""
        return [it.article for it in self.items]

    def gold(self) -> dict[str, str]:
        """Article id -> gold story."""
        return {it.article.id: it.story for it in self.items}

    def of_case(self, case: str) -> list[Item]:
        """The items made by one edit (or "original", "shared-quotation")."""
        return [it for it in self.items if it.case == case]

    def same_event(self) -> list[tuple[str, str]]:
        """Pairs of different texts on one event, published the same day: must stay apart."""
        ids = {it.article.id for it in self.items if it.case == "original"}
        seeds = sorted(i for i in ids if re.match(r"^\d{3}_", i))
        return [(a, b) for n, a in enumerate(seeds) for b in seeds[n + 1 :]]


def build(seed: int = 19, copied: int = 28) -> StorySet:
    """The set: every original, two copies of each of the first `copied` (shuffled by `seed`), and
    the others turned into dispatches quoting a copied article at length."""
    rng = random.Random(seed)
    sources = originals()
    order = sources[:]
    rng.shuffle(order)
    items: list[Item] = []
    for i, source in enumerate(order[:copied]):
        items.append(Item(source, source.id, "original"))
        others = [a for a in sources if a.id != source.id]
        for j in range(2):  # two copies each, edits in turn so every edit is well represented
            edit = EDITS[(2 * i + j) % len(EDITS)]
            outlet = OUTLETS[(i + j) % len(OUTLETS)]
            items.append(Item(_edited(source, edit, outlet, rng, others), source.id, edit))
    quoted = []
    for k, host in enumerate(order[copied:]):
        # Seeds stay as they are: they are the same-day pairs.
        if re.match(r"^\d{3}_", host.id):
            items.append(Item(host, host.id, "original"))
            continue
        source = order[k]
        items.append(Item(_quoted_article(host, source, rng), host.id, "shared-quotation"))
        quoted.append((host.id, source.id))
    return StorySet(items, quoted)


def pair_scores(predicted: dict[str, str], truth: dict[str, str]) -> tuple[float, float, int, int]:
    """(precision, recall, predicted pairs, gold pairs) of "same story" over all article pairs."""

    def pairs(groups: dict[str, str]) -> set[tuple[str, str]]:
        by: dict[str, list[str]] = {}
        for aid, story in groups.items():
            by.setdefault(story, []).append(aid)
        return {(a, b) for members in by.values() for a in members for b in members if a < b}

    p, g = pairs(predicted), pairs(truth)
    hits = len(p & g)
    return (hits / len(p) if p else 1.0), (hits / len(g) if g else 1.0), len(p), len(g)


def write(story_set: StorySet, folder: Path) -> list[Path]:
    """The set as article files with front matter (what `index rebuild` reads)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for a in story_set.articles():
        head = ["---", f"title: {a.title}"]
        head += [f"date: {a.date}"] if a.date else []
        head += [f"source: {a.outlet}"] if a.outlet else []
        head += [f"url: {a.url}"] if a.url else []
        path = folder / f"{a.id}.txt"
        path.write_text("\n".join(head + ["---", "", a.body, ""]), encoding="utf-8")
        paths.append(path)
    return paths


def _paragraphs(body: str) -> list[str]:
    return [p for p in body.split("\n\n") if p.strip()]


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?»])\s+(?=[A-ZÀ-Ü«])", text) if s.strip()]


def _made(source: Article, suffix: str, title: str, body: str, outlet: str, date: str | None) -> Article:
    article_id = f"{source.id}~{suffix}"
    return dataclasses.replace(
        source, id=article_id, title=title, body=body, outlet=outlet, date=date,
        url=f"https://example.org/{outlet.lower().replace(' ', '-')}/{article_id}",
        path=f"{article_id}.txt", content_hash=hashlib.sha256(body.encode()).hexdigest(),
    )  # fmt: skip


def _edited(source: Article, edit: str, outlet: str, rng: random.Random, others: list[Article]) -> Article:
    paras = _paragraphs(source.body)
    title = source.title
    date = source.date
    credit = f"{outlet} (avec AFP)"
    if edit == "reworded-lede":
        first = _sentences(paras[0])
        lede = f"C'est une annonce qui a retenu l'attention : {_lower_first(first[-1])}"
        if len(first) > 1:
            lede += " " + " ".join(_reworded(s, rng) for s in first[:-1])
        paras = [lede] + paras[1:]
        title = f"{title.rstrip('.')} : ce qu'il faut retenir"
    elif edit == "new-title":
        title = f"« {title.rstrip('.')} »"
        paras = paras + ["Avec AFP"]
    elif edit == "cut":
        paras = paras[: max(2, (len(paras) + 1) // 2)]
    elif edit == "boilerplate":
        a, b = rng.sample(others, 2)
        paras = (
            [BOILERPLATE_HEAD.format(other=a.title, date=date or "")]
            + paras
            + [BOILERPLATE_FOOT.format(other=a.title, third=b.title, outlet=outlet)]
        )
    elif edit == "reordered":
        rest = paras[1:]
        rng.shuffle(rest)
        paras = [paras[0]] + rest
    elif edit == "agency-update":
        credit = source.outlet or "AFP"
        news = rng.sample(UPDATE_PARAGRAPHS, 2)
        paras = paras[:1] + news[:1] + paras[1:] + news[1:]
        title = f"{title.rstrip('.')} (actualisé)"
    elif edit == "wire-in-feed":
        paras = [FEED_HEAD, f"{_place(source)} (AFP) - {paras[0]}"] + paras[1:-1 or None] + [FEED_FOOT]
    return _made(source, edit, title, "\n\n".join(paras), credit, date)


def _quoted_article(host: Article, source: Article, rng: random.Random) -> Article:
    """`host` (another event) with a paragraph quoting 2-3 consecutive sentences of `source`."""
    sentences = [s for p in _paragraphs(source.body) for s in _sentences(p)]
    start = rng.randrange(max(1, len(sentences) - 2))
    quote = " ".join(sentences[start : start + 3]).replace("«", "").replace("»", "").replace('"', "")
    paras = _paragraphs(host.body)
    where = min(2, len(paras))
    quoting = f"Le texte rappelle les termes déjà employés par ailleurs : « {quote} »"
    body = "\n\n".join(paras[:where] + [quoting] + paras[where:])
    return dataclasses.replace(host, body=body, content_hash=hashlib.sha256(body.encode()).hexdigest())


def _reworded(sentence: str, rng: random.Random) -> str:
    """A light rewording: a clause moved, a connective added (what a desk does to a lede)."""
    parts = [p.strip() for p in sentence.rstrip(".").split(",") if p.strip()]
    if len(parts) > 1:
        rng.shuffle(parts)
    return "Par ailleurs, " + _lower_first(", ".join(parts)) + "."


def _lower_first(text: str) -> str:
    return text if text[:2].isupper() else text[:1].lower() + text[1:]  # "AFP", "UE" stay


def _place(source: Article) -> str:
    found = re.search(r"\bà ([A-ZÀ-Ý][\w-]+)", source.body)
    return found.group(1).upper() if found else "PARIS"
