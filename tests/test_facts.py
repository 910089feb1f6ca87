"""Fact kinds: what questions ask for (French and English) and what French sentences state."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.articles import read_article
from index.chunking import split_sentences
from index.evals.metrics import load_cases, normalise
from index.facts import (
    FACT_KINDS,
    AskedFact,
    asked_fact,
    counts,
    names_a_town,
    speaks_for_a_state,
    stated_facts,
    states_asked_fact,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("question", "kinds"),
    [
        ("Combien a coûté le pont ?", {"amount"}),
        ("Combien le pont a-t-il coûté ?", {"amount"}),
        ("Quel est le prix du gaz ?", {"amount"}),
        ("How much did the bridge cost?", {"amount"}),
        ("How much did trade between China and Russia amount to in 2025?", {"amount"}),
        ("Quelle est la durée du séjour autorisé ?", {"duration"}),
        ("Combien de temps a duré la visite ?", {"duration"}),
        ("Pour quelle durée maximale peut-on entrer sans visa ?", {"duration"}),
        ("Combien de jours un citoyen russe peut-il rester en Chine ?", {"duration"}),
        ("How long can Chinese citizens stay in Russia without a visa?", {"duration"}),
        ("For how many days is the visa valid?", {"duration"}),
        ("Combien de camions le pont peut-il accueillir ?", {"quantity"}),
        ("How many trucks can cross the bridge each day?", {"quantity"}),
        ("Quel anniversaire célébrait le défilé ?", {"quantity", "duration"}),  # "30e anniversaire", "les 80 ans"
        ("Quand Poutine ira-t-il en Chine ?", {"date"}),
        ("Quand Poutine se rendra-t-il en Chine ?", {"date"}),
        ("Jusqu'à quand le régime sans visa est-il valable ?", {"date"}),
        ("Depuis quelle date les Russes entrent-ils sans visa ?", {"date"}),
        ("À quelles dates Xi effectue-t-il sa visite ?", {"date"}),
        ("En quelle année le traité a-t-il été signé ?", {"date"}),
        ("When will Putin travel to China?", {"date"}),
        ("Until when is the visa-free regime valid?", {"date"}),
        ("On what date did Putin order the invasion?", {"date"}),
        ("Où se tiennent les pourparlers ?", {"place"}),
        ("Dans quelle ville Poutine a-t-il rencontré Wang Yi ?", {"place"}),
        ("Where were the talks held?", {"place"}),
        ("In which city did Putin meet Wang Yi?", {"place"}),
        ("Qui a annoncé la visite ?", {"person", "name"}),
        ("Quel conseiller du Kremlin a parlé aux journalistes ?", {"person", "name"}),
        ("Avec quel ministre Wang s'est-il entretenu lundi ?", {"person", "name"}),
        ("Who did Wang Yi talk with on Monday?", {"person", "name"}),
        ("Which Kremlin foreign-policy adviser spoke to journalists?", {"person", "name"}),
        ("Que s'est-il passé en Iran en janvier ?", set()),
        # "quand" and "où" as conjunction and relative pronoun ask nothing.
        ("Que répond Pékin quand on lui reproche d'épauler l'armée russe ?", {"quote"}),
        ("Qu'a dit Poutine des forums où coopèrent Moscou et Pékin ?", {"quote"}),
        ("C'est quand, la visite de Xi ?", {"date"}),
        ("Où se trouve le pont ?", {"place"}),
        ("Le tigre est passé où ?", set()),  # a trailing "où" without inversion stays open
        ("De quoi l'Ukraine accuse-t-elle Pékin ?", set()),
        # « prix », « coût », « durée » ask a value after an interrogative only; a prize is not a price.
        ("Quel a été le coût du projet ?", {"amount"}),
        ("À quel prix la Russie vend-elle son gaz ?", {"amount"}),
        ("Quelle a été la durée de la visite ?", {"duration"}),
        ("Qu'implique la stabilité des prix ?", set()),
        ("Qu'est-ce qui peut mesurer la toxicité à forte dose et faible durée ?", set()),
        ("Quel prix a-t-il obtenu en 1957 ?", set()),
    ],
)
def test_asked_kinds(question, kinds):
    asked = asked_fact(question)
    assert set(asked.kinds) == kinds
    if "quote" not in kinds:
        assert asked.speaker is None and not asked.who_said_what


@pytest.mark.parametrize(
    ("question", "speaker"),
    [
        ("Qu'a dit Poutine sur les relations avec la Chine ?", "Poutine"),
        ("Qu'a déclaré le président chinois lors de la visioconférence ?", "le président chinois"),
        ("Qu’a répondu Iouri Ouchakov ?", "Iouri Ouchakov"),
        ("Que pense Xi Jinping de la coopération avec Moscou ?", "Xi Jinping"),
        ("Que dit Lavrov à propos des visas ?", "Lavrov"),
        ("Qu'est-ce que Poutine a dit de l'alliance ?", "Poutine"),
        ("Comment Poutine a-t-il qualifié la coopération bilatérale ?", "Poutine"),
        ("Selon Iouri Ouchakov, quelle est la position de la Russie ?", "Iouri Ouchakov"),
        ("D'après le Kremlin, que signeront les deux pays ?", "le Kremlin"),
        ("Que signeront les deux pays, selon le Kremlin ?", "le Kremlin"),
        ("What did Putin say about relations with China?", "Putin"),
        ("What did Xi Jinping tell Putin during the video call?", "Xi Jinping"),
        ("What does the Chinese president think of the partnership?", "the Chinese president"),
        ("How did Putin describe the alliance?", "Putin"),
        ("According to Ushakov, what will the main topic be?", "Ushakov"),
        ("What is the main topic, according to the Kremlin adviser?", "the Kremlin adviser"),
        ("Qu'a dit Viktor Sokolov après l'arrivée du tigre ?", "Viktor Sokolov"),
        ("Qu'a dit le vice-gouverneur de l'Amour lors de l'ouverture du pont ?", "le vice-gouverneur de l'Amour"),
        ("Que dit le porte-parole du Kremlin des négociations ?", "le porte-parole du Kremlin"),
    ],
)
def test_who_said_what_names_the_speaker(question, speaker):
    asked = asked_fact(question)
    assert asked.speaker == speaker
    assert asked.who_said_what
    assert "quote" in asked.kinds


def test_selon_with_a_fact_asks_both():
    asked = asked_fact("Selon Iouri Ouchakov, combien de dirigeants étaient attendus à Kazan ?")
    assert asked.speaker == "Iouri Ouchakov"
    assert {"quantity", "quote"} <= asked.kinds


def test_selon_a_document_names_no_speaker():
    asked = asked_fact("Selon l'article, quand Poutine ira-t-il en Chine ?")
    assert asked.speaker is None
    assert asked.kinds == {"date"}


def test_who_said_asks_for_a_quote_without_a_speaker():
    asked = asked_fact("Who said that the alliance is a stabilising factor?")
    assert asked.speaker is None
    assert {"quote", "person"} <= asked.kinds


# --- sentences ------------------------------------------------------------------------------------


def mentions(sentence: str) -> list[tuple[str, str]]:
    return [(m.kind, m.text) for m in stated_facts(sentence).mentions]


def test_money_and_its_scale():
    assert mentions("Il a coûté 19 milliards de roubles.") == [("amount", "19 milliards de roubles")]
    found = mentions("Le volume des échanges a atteint environ 220 milliards de dollars l’an dernier.")
    assert ("amount", "environ 220 milliards de dollars") in found
    assert ("date", "l’an dernier") in found


def test_quantities_durations_and_percentages():
    assert mentions("Sa capacité est de 630 camions par jour.") == [("quantity", "630 camions")]
    assert ("duration", "quatre jours") in mentions("Le diplomate effectuait une visite de quatre jours en Russie.")
    assert ("duration", "30 jours") in mentions("pour une durée maximale de 30 jours.")
    assert ("quantity", "Plus de 90 %") in mentions("Plus de 90 % des transactions sont réglées en roubles.")
    assert ("quantity", "30e") in mentions("Cette année marque le 30e anniversaire du partenariat.")


def test_dates_in_their_forms():
    found = mentions("Un régime sans visa valable du 15 septembre 2025 au 14 septembre 2026.")
    assert ("date", "15 septembre 2025") in found and ("date", "14 septembre 2026") in found
    assert ("date", "20 au 22 mars") in mentions("Xi effectuera une visite d’État en Russie du 20 au 22 mars.")
    assert ("date", "premier semestre") in mentions("Il se rendra en Chine au cours du premier semestre de cette année.")
    assert ("date", "en octobre") in mentions("Il ira en Chine en octobre.")
    assert ("date", "2019") in mentions("Ils ne se sont plus vus depuis novembre 2019.") or (
        "date",
        "novembre 2019",
    ) in mentions("Ils ne se sont plus vus depuis novembre 2019.")


def test_places_and_people_are_told_apart():
    found = mentions("Narendra Modi a déclaré à Vladimir Poutine que la solution est ailleurs.")
    assert ("person", "Narendra Modi") in found
    assert ("person", "Vladimir Poutine") in found
    assert not any(kind == "place" for kind, _ in found)
    found = mentions("Les pourparlers ont lieu à Abou Dhabi, aux Emirats arabes unis.")
    assert ("place", "Abou Dhabi") in found
    assert ("place", "Chine") in mentions("Il se rendra en Chine.")


@pytest.mark.parametrize(
    ("question", "town"),
    [
        ("In which city did Putin meet China's top diplomat in 2023?", True),
        ("Dans quelle ville Poutine a-t-il rencontré Wang Yi ?", True),
        ("Quelles villes le pont relie-t-il ?", True),
        ("Dans quel pays le tigre est-il passé ?", False),
        ("Où Poutine a-t-il rencontré Wang Yi ?", False),  # a place, not said to be a town
        ("Quelle ville a accueilli le défilé ?", True),
    ],
)
def test_a_question_may_ask_for_a_town(question, town):
    asked = asked_fact(question)
    assert "place" in asked.kinds and asked.town is town


@pytest.mark.parametrize(
    ("sentence", "town"),
    [
        ("Poutine a reçu Wang Yi lors de leur rencontre à Saint-Pétersbourg.", True),
        ("Des pourparlers se déroulent à Abou Dhabi, aux Émirats arabes unis.", True),
        ("Le plus haut diplomate chinois effectuait une visite de quatre jours en Russie.", False),
        ("Le train ira jusqu'à Harbin.", True),
        ("Poutine a écrit à Xi Jinping.", False),  # « à » a person
        ("Le Kremlin a salué la visite.", False),
    ],
)
def test_a_town_is_named_after_a(sentence, town):
    assert names_a_town(sentence, stated_facts(sentence)) is town


def test_a_role_asks_for_a_person_not_a_state():
    asked = asked_fact("Which Chinese foreign ministry spokesman described the planned talks?")
    assert asked.role and "person" in asked.kinds
    assert not asked_fact("Qui a annoncé la visite ?").role  # « Qui » may be answered by « le Kremlin »
    state = stated_facts("Le Kremlin a salué la coopération entre la Russie et la Chine.")
    spokesman = stated_facts("Selon un porte-parole de la diplomatie chinoise, Wang Wenbin, la visite aura lieu.")
    assert not states_asked_fact(asked, state) and states_asked_fact(asked, spokesman)
    assert states_asked_fact(asked_fact("Qui a annoncé la visite ?"), state)


def test_quotations_and_reported_speech():
    found = mentions("« Nous sommes prêts à coopérer », a déclaré Vladimir Poutine.")
    assert ("quote", "« Nous sommes prêts à coopérer »") in found
    assert "quote" in stated_facts("Iouri Ouchakov a déclaré que la Russie et la Chine agissaient ensemble.").kinds
    assert "quote" not in stated_facts("Xi Jinping ira en Russie la semaine prochaine.").kinds
    # A quoted word or two is a term, not a quotation.
    assert "quote" not in stated_facts('La Chine et la Russie ont scellé un partenariat "sans limites".').kinds


def test_shares_in_words_and_demonyms():
    found = mentions("Elles partageaient des positions similaires sur la plupart des questions.")
    assert ("quantity", "la plupart des questions") in found
    found = mentions("Elle renvoie aux Occidentaux le reproche de prolonger les hostilités.")
    assert ("name", "Occidentaux") in found and not any(kind == "place" for kind, _ in found)


def test_a_capitalised_first_word_is_not_a_name():
    assert mentions("Désormais, 630 camions pourront passer.") == [("quantity", "630 camions")]
    assert ("name", "Washington") in mentions("Washington a averti les banques.")
    assert ("name", "Moscou") in mentions("Pékin considère Moscou comme un partenaire prioritaire.")


def test_a_sentence_without_facts():
    assert stated_facts("Pour rappel, les dirigeants s’affichent neutres dans le conflit.").kinds == frozenset()
    assert stated_facts("").mentions == ()


def test_every_mention_is_the_text_at_its_offsets():
    article, _ = read_article(next((ROOT / "seeds").glob("002_*.txt")))
    for a, b in split_sentences(article.body):
        sentence = article.body[a:b]
        for m in stated_facts(sentence).mentions:
            assert m.kind in FACT_KINDS
            assert sentence[m.start : m.end] == m.text


# --- matching a question to the sentence that holds its fact --------------------------------------


def test_the_fact_sentence_matches_and_the_subject_sentence_does_not():
    asked = asked_fact("Combien a coûté le pont ?")
    assert states_asked_fact(asked, stated_facts("Il a coûté 19 milliards de roubles."))
    assert not states_asked_fact(asked, stated_facts("Le pont de Blagovechtchensk a été inauguré par les autorités."))


def test_english_question_over_french_sentence():
    asked = asked_fact("How long can some Chinese citizens stay in Russia without a visa?")
    assert states_asked_fact(asked, stated_facts("pour une durée maximale de 30 jours."))
    assert not states_asked_fact(asked, stated_facts("La Russie a adopté un décret sur les visas."))


def test_travel_date_question_prefers_a_dated_sentence():
    asked = asked_fact("Quand Poutine ira-t-il en Chine ?")
    assert states_asked_fact(asked, stated_facts("Il se rendra en Chine au cours du premier semestre."))
    assert not states_asked_fact(asked, stated_facts("Xi Jinping ira en Russie pour rencontrer Vladimir Poutine."))


def test_open_questions_match_any_sentence_and_quote_questions_need_words():
    assert states_asked_fact(AskedFact(), stated_facts("Une phrase quelconque."))
    asked = asked_fact("Qu'a dit Poutine sur la Chine ?")
    assert states_asked_fact(asked, stated_facts("« La Chine est un partenaire clé », a déclaré Poutine."))
    assert not states_asked_fact(asked, stated_facts("Poutine est arrivé à Pékin."))


# --- on the eval set ------------------------------------------------------------------------------


def test_every_eval_fact_sentence_states_the_kind_its_question_asks():
    """No false "the articles don't say": the sentence holding each gold fact states what is asked."""
    cases = [c for c in load_cases(ROOT / "tests" / "eval" / "questions.jsonl") if c.answerable]
    paths = {p.stem: p for d in ("seeds", "tests/eval/articles") for p in (ROOT / d).glob("*.txt")}
    bodies = {stem: read_article(path)[0].body for stem, path in paths.items()}
    misses = []
    for case in cases:
        asked = asked_fact(case.question)
        for gold in case.gold:
            body = bodies[gold.article_id]
            sentences = [body[a:b] for a, b in split_sentences(body) if normalise(gold.passage) in normalise(body[a:b])]
            holding = [s for s in sentences if all(normalise(f) in normalise(s) for f in case.facts)] or sentences
            if not any(states_asked_fact(asked, stated_facts(s)) for s in holding):
                misses.append((case.id, sorted(asked.kinds)))
    assert len(cases) >= 150
    assert misses == []


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Quelle distance le fauve a-t-il couverte pour changer de pays ?", "quantity"),
        ("Quel est le poids du félin passé en Chine ?", "quantity"),
        ("Quelle est la longueur du pont ?", "quantity"),
        ("How old is the tiger that crossed into China?", "duration"),
        ("What is the name of the big cat?", "name"),
        ("Which river did the big cat cross on its way?", "place"),
        ("Sur quelle chaîne la vidéoconférence a-t-elle été diffusée ?", "name"),
        ("À quelle échéance la centrale lunaire est-elle envisagée ?", "date"),
        ("Quelles sont les dates de la visite ?", "date"),
    ],
)
def test_measures_names_and_deadlines_are_asked_kinds(question, kind):
    assert kind in asked_fact(question).kinds


def test_measures_with_a_unit_are_stated_quantities():
    assert stated_facts("Le pont mesure plus d'un kilomètre.").states("quantity")
    assert stated_facts("Il pèse environ 180 kilogrammes.").states("quantity")
    assert not stated_facts("Le pont a été inauguré vendredi.").states("quantity")


def test_an_age_is_asked_as_a_duration_only():
    # "300 kilomètres" or "750 tigres" state quantities; only "quatre ans" states an age.
    for question in ("How old is the tiger that crossed into China?", "Quel âge a le tigre ?"):
        assert asked_fact(question).kinds == {"duration"}


def test_an_exact_date_wants_a_day():
    asked = asked_fact("À quelle date exacte Vladimir Poutine se rendra-t-il en Chine ?")
    assert asked.exact_date
    assert not states_asked_fact(asked, stated_facts("Il se rendra en Chine en octobre."))
    assert not states_asked_fact(asked, stated_facts("Il l'a annoncé mercredi."))
    assert states_asked_fact(asked, stated_facts("Il sera à Pékin du 20 au 22 mars."))
    assert not asked_fact("Quand Poutine ira-t-il en Chine ?").exact_date


def test_a_count_names_what_it_counts():
    asked = asked_fact("Combien de documents bilatéraux ont-ils signés ?")
    assert asked.counted == "document"
    dollars = stated_facts("Les échanges ont atteint 240 milliards de dollars.")
    signed = stated_facts("Les deux pays ont signé quatorze documents.")
    assert not any(counts(m, asked.counted) for m in dollars.mentions if m.kind == "quantity")
    assert any(counts(m, asked.counted) for m in signed.mentions if m.kind == "quantity")
    assert asked_fact("Combien de ces grands félins vivent encore en liberté ?").counted == "felin"
    # Time is a duration, not a count.
    assert asked_fact("Combien de jours peut-on rester en Chine ?").counted is None


def test_a_government_named_by_its_capital_speaks_for_a_state():
    for speaker in ("Pékin", "le Kremlin", "the Kremlin", "Washington"):
        assert speaks_for_a_state(speaker), speaker
    for speaker in ("Poutine", "le ministère chinois des Affaires étrangères", "Wang Yi", "les Russes"):
        assert not speaks_for_a_state(speaker), speaker


def test_quel_is_not_que_followed_by_a_speaker():
    # "Quel jour le ministère… a-t-il annoncé" once read as "Que" + the speaker "l jour le ministère…".
    asked = asked_fact("Quel jour le ministère chinois des Affaires étrangères a-t-il annoncé la visite ?")
    assert asked.speaker is None and asked.kinds == {"date"}
    assert asked_fact("Qu'Ouchakov a-t-il dit de la visite ?").speaker == "Ouchakov"


def test_an_anniversary_is_a_number_not_a_duration():
    # "Combien de temps a duré…" is not answered by "les 80 ans de la fin de la guerre".
    assert [m.kind for m in stated_facts("Un défilé célébrant les 80 ans de la fin de la guerre.").mentions
            if m.text == "80 ans"] == ["quantity"]
    assert stated_facts("Le traité est prolongé pour cinq ans.").states("duration")
    assert states_asked_fact(asked_fact("What anniversary did the parade celebrate?"),
                             stated_facts("Un défilé célébrant les 80 ans de la fin de la guerre."))


# --- numbers in words ---------------------------------------------------------------------------


def _stated(sentence: str) -> list[tuple[str, str]]:
    return [(m.kind, m.text) for m in stated_facts(sentence).mentions if m.kind != "quote"]


@pytest.mark.parametrize(
    ("sentence", "kind", "text"),
    [
        ("Une série de dix sketches a été tournée.", "quantity", "dix sketches"),
        ("Trois petites mares bordent le village.", "quantity", "Trois petites mares"),
        ("Sept cent mille personnes ont quitté la région.", "quantity", "Sept cent mille personnes"),
        ("Il y avait une douzaine d'œufs dans le panier.", "quantity", "une douzaine d'œufs"),
        ("Des centaines de manifestants étaient présents.", "quantity", "Des centaines de manifestants"),
        ("Le club compte trente et un adhérents.", "quantity", "trente et un adhérents"),
        ("Le festival se tient sur une semaine.", "duration", "une semaine"),
        ("Il restera entre deux et trois jours.", "duration", "trois jours"),
        ("Elle a vécu quatre-vingt-dix-neuf ans.", "duration", "quatre-vingt-dix-neuf ans"),
        ("He wrote three books in twenty-two days.", "quantity", "three books"),
        ("He wrote three books in twenty-two days.", "duration", "twenty-two days"),
    ],
)
def test_numbers_in_words_are_facts_of_their_kind(sentence, kind, text):
    assert (kind, text) in _stated(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Un homme est entré dans la salle.",  # an indefinite article before a noun counts nothing
        "Une délégation a été reçue à Pékin.",
        "Cela arrive deux trois fois par an.",  # no cardinal text2num reads
    ],
)
def test_an_article_or_a_run_of_unrelated_numbers_is_no_count(sentence):
    assert not [k for k, _ in _stated(sentence) if k in ("quantity", "duration", "amount")], _stated(sentence)


def test_a_number_in_words_answers_a_how_many_question_about_it():
    """Four of PIAF's false abstentions: the count was written in words."""
    for question, sentence in [
        ("Combien de livres a-t-il écrit ?", "Il a écrit trois livres sur la guerre de Crimée."),
        ("Combien de sketches compte la série ?", "Il a tourné une série de dix sketches pour la télévision."),
        ("Combien de mares y a-t-il dans le parc ?", "Trois petites mares occupent le fond du parc."),
        ("Combien de temps dure le festival ?", "Le festival se déroule sur une semaine, en juillet."),
    ]:
        asked = asked_fact(question)
        stated = stated_facts(sentence)
        assert states_asked_fact(asked, stated), (question, stated)
        if asked.counted:
            assert any(counts(m, asked.counted) for m in stated.mentions if m.kind in ("quantity", "amount")), question


def test_a_count_of_people_may_count_the_kind_of_people_asked_about():
    # « 700 000 personnes » for « paysans »: not a count of another thing, so not a near miss.
    people = [m for m in stated_facts("La famine a tué sept cent mille personnes.").mentions if m.kind == "quantity"]
    assert people and counts(people[0], asked_fact("Combien de paysans sont morts ?").counted)
    money = [m for m in stated_facts("L'accord porte sur 240 milliards de dollars.").mentions if m.kind == "amount"]
    assert money and not counts(money[0], asked_fact("Combien de documents ont été signés ?").counted)
