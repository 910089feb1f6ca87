"""A deterministic French-looking press corpus for the benchmarks: same seed, same files, same bytes.

Text is built from sentence templates over a small press vocabulary, mixed with real sentences
taken from the seed articles so that the tokenizer and BM25 see genuine French too. Nothing here
is meant to be true; it only has to look like the articles Dépêche indexes (front matter, dates,
outlets, paragraphs of whole sentences) so that parsing, chunking and embedding cost the same.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from index.articles import scan_articles
from index.chunking import count_words, split_sentences

GENERATOR_VERSION = 1  # bump when the output changes, so cached indexes built from it are redone

OUTLETS = (
    "AFP", "Reuters", "Le Monde", "Le Figaro", "Libération", "Les Échos", "Ouest-France", "RFI",
    "France 24", "La Croix", "L'Humanité", "Courrier international", "Sud Ouest", "La Dépêche",
)  # fmt: skip
PEOPLE = (
    "Vladimir Poutine", "Xi Jinping", "Emmanuel Macron", "Olaf Scholz", "Ursula von der Leyen",
    "Sergueï Lavrov", "Wang Yi", "Iouri Ouchakov", "Narendra Modi", "Recep Tayyip Erdogan",
    "Luiz Inácio Lula da Silva", "Antonio Guterres", "Kassym-Jomart Tokaïev", "Dmitri Peskov",
    "Jean-Noël Barrot", "Giorgia Meloni", "Pedro Sánchez", "Mohammed ben Salmane",
)  # fmt: skip
ROLES = (
    "le porte-parole du Kremlin", "le ministre des Affaires étrangères", "la présidente de la Commission",
    "le chef de la diplomatie", "le conseiller diplomatique", "le Premier ministre", "le secrétaire général",
    "la ministre de l'Économie", "le représentant spécial", "l'ambassadeur",
)  # fmt: skip
PLACES = (
    "Pékin", "Moscou", "Paris", "Berlin", "Bruxelles", "Kazan", "Astana", "Tianjin", "Shanghai",
    "Vladivostok", "Saint-Pétersbourg", "New Delhi", "Ankara", "Genève", "Samarcande", "Oulan-Bator",
)  # fmt: skip
ORGS = (
    "l'Organisation de coopération de Shanghai", "les BRICS", "l'Union européenne", "l'ONU", "l'OTAN",
    "le G20", "la Banque asiatique d'investissement", "l'Union économique eurasiatique", "Gazprom",
    "la Banque centrale", "le Conseil de sécurité", "l'Agence internationale de l'énergie",
)  # fmt: skip
TOPICS = (
    "le gazoduc Force de Sibérie 2", "les règlements en monnaies nationales", "les sanctions occidentales",
    "la coopération énergétique", "le commerce bilatéral", "la sécurité régionale", "les visas touristiques",
    "les exportations de céréales", "la route maritime du Nord", "les semi-conducteurs",
    "le cessez-le-feu", "la transition énergétique", "les tarifs douaniers", "la dette publique",
    "les investissements étrangers", "la reconstruction", "le prix du pétrole", "les terres rares",
)  # fmt: skip
VERBS = (
    "a déclaré", "a affirmé", "a estimé", "a annoncé", "a rappelé", "a souligné", "a assuré",
    "a indiqué", "a reconnu", "a averti",
)  # fmt: skip
DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
ADJECTIVES = (
    "stratégique", "historique", "sans précédent", "durable", "fragile", "ambitieux", "décisif",
    "prudent", "inédit", "pragmatique", "symbolique", "considérable",
)  # fmt: skip
UNITS = ("milliards de dollars", "millions d'euros", "milliards de mètres cubes", "pour cent", "tonnes")

TEMPLATES = (
    "{person}, {role}, {verb} {day} que {topic} restait une priorité {adj} pour {org}.",
    "Selon {person}, les discussions sur {topic} ont franchi une étape {adj} à {place}.",
    "Les échanges entre {place} et {place2} ont atteint {n} {unit} en {year}, {verb} {person}.",
    "{person} {verb} {day} à {place} que {org} devait jouer un rôle {adj} dans {topic}.",
    "Réunis à {place}, les représentants de {org} ont consacré l'essentiel de leurs travaux à {topic}.",
    "Cette rencontre intervient alors que {topic} suscite des inquiétudes croissantes à {place}.",
    "D'après des sources proches du dossier, {org} envisage de revoir sa position sur {topic} d'ici {year}.",
    "« Nous ne céderons pas sur {topic} », {verb} {person} devant la presse réunie à {place}.",
    "Le volume annoncé, {n} {unit}, dépasse les prévisions publiées l'an dernier par {org}.",
    "À {place}, les observateurs jugent le compromis sur {topic} {adj} mais encore incomplet.",
    "{person} doit se rendre à {place} le {date} pour évoquer {topic} avec ses homologues.",
    "Le texte adopté {day} par {org} prévoit un calendrier {adj} pour {topic} jusqu'en {year}.",
)  # fmt: skip


class SentenceMaker:
    """Draws sentences: templated ones, and with probability `seed_share` a real seed sentence."""

    def __init__(self, rng: random.Random, seed_sentences: list[str], seed_share: float = 0.3) -> None:
        self.rng = rng
        self.seed_sentences = seed_sentences
        self.seed_share = seed_share if seed_sentences else 0.0

    def templated(self) -> str:
        """One sentence from a template, every slot drawn from the vocabulary."""
        rng = self.rng
        place, place2 = rng.sample(PLACES, 2)
        date = dt.date(2019, 1, 1) + dt.timedelta(days=rng.randrange(2600))
        text = rng.choice(TEMPLATES).format(
            person=rng.choice(PEOPLE), role=rng.choice(ROLES), verb=rng.choice(VERBS), day=rng.choice(DAYS),
            topic=rng.choice(TOPICS), adj=rng.choice(ADJECTIVES), org=rng.choice(ORGS), place=place,
            place2=place2, n=rng.choice((rng.randint(2, 99), f"{rng.randint(1, 9)},{rng.randint(1, 9)}")),
            unit=rng.choice(UNITS), year=rng.randint(2019, 2030), date=f"{date.day} {_MONTHS[date.month - 1]}",
        )  # fmt: skip
        return text[0].upper() + text[1:]

    def sentence(self) -> str:
        """A seed sentence or a templated one."""
        if self.rng.random() < self.seed_share:
            return self.rng.choice(self.seed_sentences)
        return self.templated()


_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre")  # fmt: skip


def seed_sentences(seeds_dir: Path, min_words: int = 8, max_words: int = 45) -> list[str]:
    """Whole sentences of the seed articles' bodies, in file order (the real French in the mix)."""
    sentences = []
    for article in scan_articles(seeds_dir).articles:
        for start, end in split_sentences(article.body):
            text = " ".join(article.body[start:end].split())
            if min_words <= count_words(text) <= max_words:
                sentences.append(text)
    return sentences


def article_text(maker: SentenceMaker, rng: random.Random, min_words: int, max_words: int) -> str:
    """One article file: front matter, then paragraphs of one to three sentences."""
    target = rng.randint(min_words, max_words)
    paragraphs: list[str] = []
    words = 0
    while words < target:
        paragraph = " ".join(maker.sentence() for _ in range(rng.randint(1, 3)))
        paragraphs.append(paragraph)
        words += count_words(paragraph)
    date = dt.date(2019, 1, 1) + dt.timedelta(days=rng.randrange(2600))
    title = maker.templated().rstrip(".")
    if count_words(title) > 14:
        title = " ".join(title.split()[:14])
    outlet = rng.choice(OUTLETS)
    front = f"---\ntitle: {title}\ndate: {date.isoformat()}\nsource: {outlet}\n---\n\n"
    return front + "\n\n".join(paragraphs) + "\n"


def generate_corpus(
    out_dir: Path, n_articles: int, seeds_dir: Path, seed: int = 20260204, min_words: int = 120, max_words: int = 250
) -> list[Path]:
    """Write `n_articles` files `synth_00000.txt`… into `out_dir`; returns their paths."""
    rng = random.Random(seed)
    maker = SentenceMaker(rng, seed_sentences(seeds_dir))
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n_articles):
        path = out_dir / f"synth_{i:05d}.txt"
        path.write_text(article_text(maker, rng, min_words, max_words), encoding="utf-8")
        paths.append(path)
    return paths


def sentence_pool(n: int, seeds_dir: Path, seed: int = 7) -> list[str]:
    """`n` distinct sentences (templated, plus every seed sentence first) for composed chunks."""
    rng = random.Random(seed)
    maker = SentenceMaker(rng, [])
    pool = list(dict.fromkeys(seed_sentences(seeds_dir)))[: n // 4]
    seen = set(pool)
    while len(pool) < n:
        text = maker.templated()
        if text not in seen:
            seen.add(text)
            pool.append(text)
    return pool


def touch_article(path: Path, seed: int = 1) -> None:
    """Change one article's content (one more paragraph), as an editor's correction would."""
    maker = SentenceMaker(random.Random(seed), [])
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\n" + maker.templated() + "\n")
