"""Web boilerplate in text files: dropped from the body, never a title, and still naming the outlet."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.articles import read_article
from index.boilerplate import classify, dateline, strip_blocks

# A page saved as text by hand, as in the trial that opened issue 12.
SAVED_PAGE = """Logo Epoch Times
top-article-image
Partager un article
Durée de lecture: 8 Min.

Moscou et Pékin renforcent leurs échanges ferroviaires

author-image

Les chemins de fer russes et chinois ont signé mardi un accord qui doit doubler le nombre de trains de
marchandises entre les deux pays d'ici la fin de l'année prochaine.

PAVEL BYRKIN / AFP PAVEL BYRKIN / AFP

La suite après cette publicité

Le texte prévoit aussi l'ouverture de deux nouveaux points de passage à la frontière, selon le ministère
russe des Transports.

Photo: Kenzo Tribouillard / AFP via Getty Images
"""


@pytest.mark.parametrize(
    "line",
    ["Partager un article", "Partager l’article", "Durée de lecture: 8 Min.", "5 min de lecture",
     "La suite après cette publicité", "Publicité", "top-article-image", "author-image", "hero_img",
     "Facebook Twitter Email", "PAVEL BYRKIN / AFP PAVEL BYRKIN / AFP",
     "Photo: Kenzo Tribouillard / AFP via Getty Images", "Logo Epoch Times",
     # issue 21: real pages' lines, French and English
     "Temps de lecture : 4 min", "4 min read", "Ajouter à mes favoris", "Partager sur Instagram", "78 commentaires",
     "Vos réactions (11)", "OK TOUT ACCEPTER", "Tout refuser", "Accept all cookies",
     "ARTE France et des tiers utilisent des cookies et autres traceurs.",
     "We use cookies to improve your experience on our site.",
     "Pour lire la suite", "Il vous reste 57.09% de cet article à lire. La suite est réservée aux abonnés.",
     "Offre découverte", "créez votre compte", "Déjà abonné ? Connectez-vous", "Already a subscriber? Sign in",
     "Inscrivez-vous gratuitement à notre newsletter", "Recevoir les informations d'Attac France",
     "Sign up for our newsletter", "Numéro de téléphone portable", "Accueil > Actualités et humeurs > Décisions",
     "Crédits photos : Bestimage", "Crédit photo : KB / Bondy Blog", "Image illustrative : Lots of Lego Minifigures",
     "Photo (cc) : svenwerk", "Roman Prymula, photo: Michaela Danelová",
     # issue 21, second round: ad labels, media teasers, a magazine's shop box
     "Passer la publicité", "Fermer la publicité", "Skip ad", "Publicité - La suite ci-dessous", "Sponsored content",
     "En vidéo, 4 aliments à privilégier pour mieux dormir", "VIDÉO. Covid-19 : les fêtes de fin d'année, incubateurs de la troisième vague",
     "VIDEOS. La police enferme les manifestants Gare du Nord", "EN IMAGES - Tempête Ciaran : arbres déracinés",
     "« L'état de l'économie » Hors-série n° 72, 2e trimestre 2007,",
     "7,65 euros, port inclus 6,90 euros Tarifs réduits à partir de 4 exemplaires : nous consulter Je m’abonne",
     # issue 21, fourteenth round: a credit written « (C) » (Nikon Passion), an ad blocker's notice (Consomac)
     "Illustrations (C) Nikon Corp.", "Photos © Jean Dupont", "(c) AFP",
     "Pour visualiser tout notre contenu, merci de désactiver votre bloqueur de pub !"],
)  # fmt: skip
def test_boilerplate_lines_are_dropped(line):
    verdict = classify(line)
    assert verdict is not None and verdict.drop


@pytest.mark.parametrize(
    "line",
    ["Partager le pouvoir avec Pékin", "La publicité en ligne recule en Russie.", "Le logo du sommet a été dévoilé.",
     "Les photos de l'AFP ont fait le tour du monde.", "Lecture publique au théâtre de Kazan",
     "Le pass est valable du 15 septembre 2025.", "AFP Agence France-Presse",
     "La CNIL a infligé une amende de 150 millions d'euros à Google pour ses cookies publicitaires.",
     "Partager les richesses, disait-il.", "Abonnés au téléphone fixe, ils sont de moins en moins nombreux.",
     "Publié en 1857, le roman fit scandale.", "Les commentaires du ministre ont été mal reçus.",
     "Il vous reste à choisir votre camp.",
     "En vidéo, le ministre a expliqué pendant de longues minutes pourquoi la réforme devait passer.",
     "Vidéos et photos ont circulé toute la nuit sur les réseaux sociaux.", "N° 1 mondial du luxe, LVMH a publié ses comptes.",
     "Le ticket passe à 2,10 euros en janvier, a annoncé la régie.", "Les partenaires sociaux se retrouvent jeudi.",
     "Images (et sons) de la guerre ont envahi les écrans.",
     "Un internaute sur trois utilise un bloqueur de publicités, selon une étude publiée mardi."],
)  # fmt: skip
def test_text_lines_are_kept(line):
    assert classify(line) is None


def test_what_boilerplate_lines_name():
    assert classify("Logo Epoch Times").outlet == "Epoch Times"
    assert classify("PAVEL BYRKIN / AFP PAVEL BYRKIN / AFP").credit == "AFP"
    assert classify("Photo d’Alexei Druzhinin/Sputnik/AFP via Getty Im").credit == "AFP"
    assert classify("Photo: X via Getty Images").credit is None  # a photo library publishes no article
    kept = classify("PÉKIN, 5 novembre 2026 (AFP) - La Chine a annoncé mercredi…")
    assert kept is not None and not kept.drop and kept.outlet == "AFP"
    assert dateline("MOSCOU, 1er mars 2025 (Reuters) — Le Kremlin") == ("Reuters", (2025, 3, 1))
    assert dateline("Le 5 novembre 2026, à Pékin (AFP)") is None


def test_a_saved_page_loses_its_boilerplate_and_keeps_its_outlet(tmp_path):
    path = tmp_path / "trains.txt"
    path.write_text(SAVED_PAGE, encoding="utf-8")
    article, _ = read_article(path)
    assert article.title == "Moscou et Pékin renforcent leurs échanges ferroviaires"  # not "Logo Epoch Times"
    assert article.outlet == "Epoch Times"  # the logo names the outlet, ahead of the photo credits
    for line in ("Logo", "top-article-image", "author-image", "Partager", "Durée de lecture", "publicité",
                 "BYRKIN", "Getty"):  # fmt: skip
        assert line not in article.body, line
    assert article.body.startswith("Les chemins de fer russes et chinois ont signé mardi")
    assert "nouveaux points de passage" in article.body


def test_a_credit_gives_the_outlet_only_where_it_is_the_only_mention(tmp_path):
    only_credit = tmp_path / "credit.txt"
    only_credit.write_text(SAVED_PAGE.replace("Logo Epoch Times\n", ""), encoding="utf-8")
    assert read_article(only_credit)[0].outlet == "AFP"
    named = tmp_path / "named.txt"
    named.write_text("---\nsource: Le Courrier de l'Est\n---\n" + SAVED_PAGE.replace("Logo Epoch Times\n", ""), encoding="utf-8")
    assert read_article(named)[0].outlet == "Le Courrier de l'Est"


def test_an_agency_dateline_names_the_outlet_and_stays_in_the_text(tmp_path):
    path = tmp_path / "visa.txt"
    path.write_text(
        "Pékin allège les formalités\n\nPÉKIN, 5 novembre 2026 (AFP) - La Chine a annoncé mercredi la prolongation "
        "de son régime d'exemption de visa.\n\nLes voyageurs pourront séjourner trente jours sans visa.\n",
        encoding="utf-8",
    )
    article, _ = read_article(path)
    assert article.outlet == "AFP" and article.title == "Pékin allège les formalités"
    assert article.body.startswith("PÉKIN, 5 novembre 2026 (AFP) - La Chine a annoncé")


def test_the_seeds_do_not_change(tmp_path):
    """The cleaning leaves the five seeds as they were: 003's header credit stays the photographer's."""
    seeds = Path(__file__).resolve().parents[1] / "seeds"
    article, _ = read_article(seeds / "003_5487023a91da2442.txt")
    assert article.outlet is None


def test_blocks_go_with_what_they_announce():
    lines = [
        "Le texte commence ici et il est long assez pour être un paragraphe de l'article.",
        "Lire aussi Martine Bulard &",
        "Sung Il-kwon, « En Corée, la politique du rayon de soleil », Le Monde diplomatique, juin 2018.",
        "Le maire a promis (Lire aussi : La gratuité en débat) une baisse des tarifs.",
        "Créé: 12.12.2019, 07h36",
        "Un deuxième paragraphe de texte, lui aussi assez long pour compter dans l'article.",
        "Un troisième paragraphe de texte, lui aussi assez long pour compter dans l'article.",
        "À la une de libération.fr",
        "Une haute responsable de l'ETA arrêtée en France",
    ]
    assert strip_blocks(lines) == [lines[0], "Le maire a promis une baisse des tarifs.", lines[5], lines[6]]
    # A paywall notice ends the text wherever it is; a related heading only past the start.
    assert strip_blocks(["Chapô de l'article.", "Pour lire la suite, abonnez-vous", "Texte caché."]) == ["Chapô de l'article."]
    assert strip_blocks(["À découvrir", "Un", "Deux", "Trois"]) == ["Un", "Deux", "Trois"]


def test_a_teaser_heading_after_the_articles_paragraphs_ends_the_text():
    """However many teaser lines follow it (the share of lines alone moves when lines go before it)."""
    paragraph = ("Un paragraphe de l'article, assez long pour en être un, avec des faits, des chiffres et des noms propres "
                 "cités par le journal, que le lecteur a lus avant la liste des autres titres du site.")
    teasers = [f"Titre d'un autre article {i}" for i in range(40)]
    lines = [paragraph] * 3 + ["À la une de libération.fr"] + teasers
    assert strip_blocks(lines) == [paragraph] * 3
    # Before the article's text has been read, the heading alone goes.
    assert strip_blocks(["À la une de libération.fr", paragraph, *teasers[:2]]) == [paragraph, *teasers[:2]]


@pytest.mark.parametrize(
    "line",
    [
        "Le président russe Vladimir Poutine (à gauche) et le président chinois Xi Jinping posent pour une photo lors de "
        "leur rencontre à Pékin, le 4 février 2022.",  # seeds/003: an answer quoted it as the article's claim
        "Xi Jinping (au centre), Vladimir Poutine (à droite) et Narendra Modi au sommet des BRICS à Kazan.",
        "Narendra Modi (centre) with Xi Jinping (left) and Vladimir Putin at the BRICS summit in Kazan.",
        "De gauche à droite : la ministre (de gauche à droite) et ses conseillers, photographiés à Paris.",
        "French President Emmanuel Macron (L) shakes hands with Chinese President Xi Jinping in Beijing on April 6, 2023.",
        "Russian President Vladimir Putin (R) and Chinese President Xi Jinping (L) attend a ceremony in Moscow.",
        "Un Népalais prie à Katmandou, le 30 avril 2015. (Photo Prakash Mathema. AFP)",
        "Cet article est paru dans notre newsletter « La lettre éco ». Si vous êtes abonné au Monde, vous pouvez vous "
        "inscrire à cette lettre quotidienne en suivant ce lien. Chaque jour à 12 h 30, vous y retrouverez nos informations.",
    ],
)  # fmt: skip
def test_captions_and_newsletter_invitations_are_dropped(line):
    verdict = classify(line)
    assert verdict is not None and verdict.drop


@pytest.mark.parametrize(
    "line",
    [
        "Les députés de la majorité (à droite) ont voté contre le texte.",  # a side, not a place in a picture
        "Le 4 février 2022, les élus (à gauche) ont quitté l'hémicycle.",  # the date before the position: a paragraph of text
        "Le sénateur John Smith (R) a voté contre le texte mardi.",
        "François Bayrou (centre) a annoncé le 5 mars sa candidature, suivi de Xavier Bertrand (droite).",  # political labels
        "L'article 5 (c) prévoit une exception, rappelle le décret publié le 4 mars.",
        "Le journal a lancé en mars une newsletter consacrée au climat, qui compte déjà 40 000 lecteurs.",
        "La photo (Reuters) a fait le tour du monde et suscité de nombreuses réactions, jusqu'au sommet de l'État, "
        "où le président a demandé des comptes au préfet et à ses services.",
    ],
)  # fmt: skip
def test_text_with_positions_or_newsletters_is_kept(line):
    assert classify(line) is None


def test_a_seed_loses_its_photo_caption(tmp_path):
    seeds = Path(__file__).resolve().parents[1] / "seeds"
    article, _ = read_article(seeds / "003_5487023a91da2442.txt")
    assert "(à gauche)" not in article.body and "posent pour une photo" not in article.body
    assert "Le Chinois Xi Jinping s’est rendu à Moscou en mars" in article.body


def test_a_list_of_teasers_set_off_by_list_marks_ends_the_text():
    paragraph = ("Un paragraphe de l'article, assez long pour en être un, avec des faits, des chiffres et des noms propres "
                 "cités par le journal, que le lecteur a lus avant la liste des autres titres du site.")
    teasers = ["-", "Diplomatie Des frappes qui rebattent les cartes en Asie", "-", "Décryptage Pour Trump, le problème",
               "-", "Tensions Péninsule coréenne : Trump jette de l'huile sur le feu"]  # fmt: skip
    assert strip_blocks([paragraph] * 3 + teasers) == [paragraph] * 3
    # Two marks are no list, and a mark alone is no text.
    assert strip_blocks([paragraph, "-", "Une phrase.", "-", paragraph]) == [paragraph, "Une phrase.", paragraph]


# --- Eleventh round (held-out-10) ---


@pytest.mark.parametrize(
    "line",
    [
        "Temps de lecture: 2 minutes", "Temps de lecture: 2 minutes - Repéré sur The Washington Post",  # Slate
        "Lecture 3 min", "5 min de lecture", "4 min read", "Temps de Lecture 4 min.", "Temps de lecture : 8min",
        "Durée de lecture estimée : 6 minutes", "Reading time: 4 minutes", "4-minute read", "Temps de lecture : moins d'une minute",
        "Pour poursuivre votre lecture, abonnez-vous", "8€/ mois", "sans engagement", "Offre 100% numérique",  # Libération
        "Vous avez déjà un compte abonné?", "Je me connecte", "Déjà un compte ? Connectez-vous",
        "Libération réserve cet article à ses abonnés",
    ],
)  # fmt: skip
def test_reading_times_and_a_paywalls_price_box_are_dropped(line):
    verdict = classify(line)
    assert verdict is not None and verdict.drop


@pytest.mark.parametrize(
    "line",
    [
        "Sans engagement de sa part, le ministre a signé l'accord mardi.",
        "Vous avez déjà un compte Instagram ? Alors vous connaissez ce réglage.",
        "La lecture de 5 minutes du texte a suffi à convaincre les députés.",
        "Temps de lecture: 2 minutes. Le ministre a ensuite repris la parole devant les élus.",
    ],
)  # fmt: skip
def test_text_near_a_reading_time_or_a_price_box_stays(line):
    assert classify(line) is None


def test_a_pitch_ends_the_text_and_buttons_after_it_go():
    """Libération: « Pour poursuivre votre lecture, abonnez-vous » ends the text, as « Pour lire la suite » does; Le Monde's
    « Contribuer » and « Réutiliser ce contenu » under the text are buttons; « Retrouvez tous nos articles sur… » points
    to the site's other pages; a box's heading ending the text (« Les statistiques du Portugal en Coupe du monde : »)
    announces what the extraction left out."""
    paragraph = ("Un paragraphe de l'article, assez long pour en être un, avec des faits, des chiffres et des noms propres "
                 "cités par le journal, que le lecteur a lus avant la fin du texte.")
    assert strip_blocks([paragraph, "Pour poursuivre votre lecture, abonnez-vous", "Texte caché du reste de l'article."]) == [paragraph]
    assert strip_blocks([paragraph, "Contribuer", "Réutiliser ce contenu"]) == [paragraph]
    assert strip_blocks([paragraph, "Retrouvez tous nos articles sur le coronavirus dans notre rubrique."]) == [paragraph]
    assert strip_blocks([paragraph, "Les statistiques du Portugal en Coupe du monde :"]) == [paragraph]
    said = "Le ministre, interrogé mardi, a répondu ceci :"  # a sentence with a comma: the quotation was lost, not a box
    assert strip_blocks([paragraph, said]) == [paragraph, said]
