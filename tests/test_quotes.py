"""Quote attribution on the seeds and the eval distractors, with the speakers read off by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.articles import read_article
from index.chunking import split_sentences
from index.evals.metrics import load_cases, normalise
from index.facts import asked_fact
from index.quotes import (
    Speaker,
    attribute_quotes,
    keys_naming,
    name_words,
    resolve_speaker,
    speaker_key,
    speaker_titles,
)

ROOT = Path(__file__).resolve().parents[1]
POUTINE, XI = "vladimir poutine", "xi jinping"


def attributed(path: Path) -> list[tuple[str, Speaker | None]]:
    """(sentence, speaker) for every sentence of an article file, as the indexer reads it."""
    article, _ = read_article(path)
    spans = split_sentences(article.body)
    speakers = attribute_quotes(article.body, spans)
    assert len(speakers) == len(spans)
    return [(article.body[a:b], s) for (a, b), s in zip(spans, speakers)]


def speaker_of(sentences: list[tuple[str, Speaker | None]], opening: str) -> Speaker | None:
    found = [s for text, s in sentences if text.startswith(opening)]
    assert len(found) == 1, f"{opening!r} opens {len(found)} sentences"
    return found[0]


def seed(stem: str) -> list[tuple[str, Speaker | None]]:
    return attributed(next((ROOT / "seeds").glob(f"{stem}_*.txt")))


def distractor(stem: str) -> list[tuple[str, Speaker | None]]:
    return attributed(next((ROOT / "tests" / "eval" / "distractors").glob(f"{stem}_*.txt")))


# --- seed 002: Xi's quotes, then Poutine's, in every convention -----------------------------------


def test_seed_002_every_sentence():
    sentences = seed("002")
    expected = {
        "Xi Jinping appelle à un débat approfondi": None,  # the headline lead reports no speech
        "Le président chinois Xi Jinping a appelé mercredi": Speaker("Xi Jinping", XI),
        '"En ce jour symbolique, je serais ravi': Speaker("Xi", XI),  # ", a déclaré Xi" on the next line
        "Xi a souligné que les relations": Speaker("Xi", XI),
        '"Il est important de saisir cette opportunité historique': Speaker("Xi", XI),  # ", a insisté Xi"
        "Il a également rappelé que la célébration": Speaker("Xi", XI),  # pronoun: the last speaker
        '"Je suis prêt à échanger avec vous': Speaker("le président chinois", XI),
        "De son côté, Vladimir Poutine a estimé": Speaker("Vladimir Poutine", POUTINE),
        '"Nous sommes prêts à poursuivre la coordination la plus étroite possible': Speaker("Poutine", POUTINE),
        "Il a qualifié la coopération bilatérale": Speaker("Poutine", POUTINE),
        "Poutine a également souligné que la Russie": Speaker("Poutine", POUTINE),
        # "le président russe" is never set next to Poutine here; "son homologue russe, Vladimir Poutine" is.
        '"L’instauration d’un régime sans visa': Speaker("le président russe", POUTINE),
        "De son côté, la Russie a adopté en décembre": None,
        "Ces discussions entre Xi et Poutine": None,
        "Les relations entre Pékin et Moscou se sont renforcées": None,
    }
    for opening, speaker in expected.items():
        assert speaker_of(sentences, opening) == speaker, opening


def test_seed_001_pronoun_after_a_named_quote():
    sentences = seed("001")
    assert speaker_of(sentences, "«Dans le contexte de turbulences croissantes") == Speaker("Vladimir Poutine", POUTINE)
    # «…», a-t-il assuré: the pronoun is the speaker just named.
    assert speaker_of(sentences, "«Nous sommes prêts à poursuivre") == Speaker("Vladimir Poutine", POUTINE)
    # Two subjects ("Poutine et Xi Jinping ont vanté") are no single speaker.
    assert speaker_of(sentences, "Vladimir Poutine et Xi Jinping ont vanté") is None
    assert speaker_of(sentences, "Xi Jinping et Vladimir Poutine avaient échangé") is None


def test_seed_000_reported_speech_and_titles():
    sentences = seed("000")
    assert speaker_of(sentences, "Iouri Ouchakov, conseiller du Kremlin") == Speaker("Iouri Ouchakov", "iouri ouchakov")
    # "Pour le président russe, …": the title stands for the man the first sentence introduced with it.
    assert speaker_of(sentences, "Pour le président russe") == Speaker("le président russe", POUTINE)
    assert speaker_of(sentences, "Xi Jinping, s'exprimant par l'intermédiaire") == Speaker("Xi Jinping", XI)
    assert speaker_of(sentences, "Mardi, des diplomates de haut rang") == Speaker(
        "le ministère chinois des Affaires étrangères", "ministere chinois des affaires etrangeres"
    )
    assert speaker_of(sentences, "La Chine et la Russie avaient scellé") is None  # a quoted phrase, no speaker
    assert speaker_of(sentences, "Xi Jinping et Vladimir Poutine se sont vus") is None


def test_seed_003_speaker_first_after_the_verb_and_institutions():
    sentences = seed("003")
    # "…, a déclaré Poutine au ministre des Affaires étrangères de Pékin, Wang Yi": Poutine speaks, to Wang Yi.
    assert speaker_of(sentences, "« J’ai été heureux") == Speaker("Poutine", POUTINE)
    ministry = "ministere chinois des affaires etrangeres"
    assert speaker_of(sentences, "Mardi, Wang a rencontré").key == ministry
    assert speaker_of(sentences, "« La Chine est disposée") == Speaker("le ministère", ministry)
    # "Selon un communiqué…, Wang a réitéré": a document is not a speaker; Wang (Yi) is.
    assert speaker_of(sentences, "Selon un communiqué des médias") == Speaker("Wang", "wang yi")
    assert speaker_of(sentences, "Le dirigeant russe Vladimir Poutine a déclaré") == Speaker("Vladimir Poutine", POUTINE)
    # The photo caption « Le président russe Vladimir Poutine (à gauche)… » is out of the body (`boilerplate.is_caption`).
    assert not any(text.startswith("Le président russe Vladimir Poutine (à gauche)") for text, _ in sentences)


def test_seed_004_travel_is_not_speech_and_selon_names_the_speaker():
    sentences = seed("004")
    assert speaker_of(sentences, "Xi Jinping ira en Russie") is None
    assert speaker_of(sentences, "Le président chinois visitera la Russie") is None
    # The subject of the quoted verb is Xi; the words are the spokesman's.
    assert speaker_of(sentences, 'Le président "aura un échange') == Speaker("Wang Wenbin", "wang wenbin")
    assert speaker_of(sentences, "Pendant cette visite") == Speaker("le Kremlin", "kremlin")
    assert speaker_of(sentences, "Les autorités russes soulignent") is None  # plural: no one person


# --- distractors ----------------------------------------------------------------------------------


def test_a_bare_title_and_a_pronoun_stand_for_the_adviser():
    ouchakov = "iouri ouchakov"
    d12 = distractor("d12")
    assert speaker_of(d12, "Selon Iouri Ouchakov") == Speaker("Iouri Ouchakov", ouchakov)
    assert speaker_of(d12, "« Le thème principal sera") == Speaker("le conseiller", ouchakov)
    assert speaker_of(d12, "Il a précisé que la délégation russe").key == ouchakov
    assert speaker_of(d12, "Le conseiller a indiqué") == Speaker("Le conseiller", ouchakov)
    d22 = distractor("d22")
    assert speaker_of(d22, "Le document comportera une clause").key == ouchakov  # ", a-t-il précisé"
    assert speaker_of(d22, "Le conseiller a ajouté") == Speaker("Le conseiller", ouchakov)


def test_title_followed_by_its_name_gives_the_name():
    assert speaker_of(distractor("d13"), "« Nous espérons que toutes les parties") == Speaker("Lin Jian", "lin jian")
    assert speaker_of(distractor("d07"), "« L'instauration de ce régime") == Speaker("Mao Ning", "mao ning")
    assert speaker_of(distractor("d08"), "« Le régime sans visa contribuera") == Speaker("Denis Alipov", "denis alipov")
    assert speaker_of(distractor("d06"), "Selon le conseiller diplomatique") == Speaker("Iouri Ouchakov", "iouri ouchakov")


def test_an_apposition_is_not_an_inverted_attribution():
    # "La présidente de la Commission, Ursula von der Leyen, a accusé Pékin": Pékin is accused, not speaking.
    assert speaker_of(distractor("d11"), "La présidente de la Commission").key == "ursula von der leyen"
    assert speaker_of(distractor("d02"), "Le porte-parole du Kremlin, Dmitri Peskov").key == "dmitri peskov"


def test_selon_an_anonymous_group_beats_the_subject():
    # "Pékin observe …, selon des diplomates": the diplomats report Beijing's view.
    assert speaker_of(distractor("d22"), "Pékin observe avec une certaine prudence") == Speaker(
        "des diplomates", "diplomates"
    )


def test_object_pronouns_reflexive_speech_and_institutions():
    assert speaker_of(distractor("d20"), "Sergueï Lavrov lui a assuré").key == "serguei lavrov"
    assert speaker_of(distractor("d12"), "Pékin s'est dit favorable") == Speaker("Pékin", "pekin")
    assert speaker_of(distractor("d13"), "La partie ukrainienne a dénoncé").key == "partie ukrainienne"
    assert speaker_of(distractor("d18"), "Téhéran enrichit actuellement").key == "agence internationale de l'energie atomique"
    # "Le chef de la diplomatie chinoise" after "Le ministre chinois des Affaires étrangères Wang Yi".
    assert speaker_of(distractor("d23"), "Le chef de la diplomatie chinoise a présenté").key == "wang yi"


def test_deeds_are_not_speech():
    # "conclu" attributes speech after a quotation ("…, a conclu X"), not as a deed.
    assert speaker_of(distractor("d09"), "Moscou avait déjà conclu des accords") is None
    # …while the sentence's ", a annoncé le ministère" still names who announced the deed.
    assert speaker_of(distractor("d27"), "Les marines chinoise et russe ont lancé").key == "ministere chinois de la defense"


def test_the_addressee_is_not_the_speaker():
    assert speaker_of(distractor("d25"), "Narendra Modi a déclaré à Vladimir Poutine").key == "narendra modi"


def test_a_pronoun_inside_a_clause_is_not_the_last_speaker():
    # "…, où elle avait averti les entreprises": Janet Yellen, not Wang Yi who spoke last.
    assert speaker_of(distractor("d31"), "La visite intervient alors que") is None


def test_national_title_maps_to_the_leader_the_article_names():
    assert speaker_of(distractor("d02"), "Le dirigeant chinois a appelé").key == XI
    assert speaker_of(distractor("d30"), "Le président chinois a qualifié le traité").key == XI


# --- constructed cases ----------------------------------------------------------------------------


def _attribute(body: str) -> list[tuple[str, Speaker | None]]:
    spans = split_sentences(body)
    return [(body[a:b], s) for (a, b), s in zip(spans, attribute_quotes(body, spans))]


def test_attribution_set_inside_a_quotation_of_several_sentences():
    body = (
        "Le président russe Vladimir Poutine a été reçu mardi à Oulan-Bator. "
        "«Tout le monde est d'accord sur le tracé, a-t-il même déclaré mardi à son homologue mongol. "
        "C'est une question de mise en œuvre», a poursuivi le chef du Kremlin."
    )
    sentences = _attribute(body)
    assert speaker_of(sentences, "Le président russe Vladimir Poutine a été reçu") is None
    assert speaker_of(sentences, "«Tout le monde est d'accord").key == POUTINE


def test_quotation_split_into_sentences_shares_its_attribution():
    # An unbalanced quote makes the splitter cut inside the quotation; the pieces still share a speaker.
    body = (
        "Le porte-parole du Kremlin, Dmitri Peskov, a répondu aux journalistes. "
        "« Nous n'avons aucune inquiétude. Le calendrier est fixé », a-t-il ajouté. "
        "« La visite aura lieu. "
        "Les détails suivront », a conclu le porte-parole. Le reste est sans rapport."
    )
    sentences = _attribute(body)
    peskov = Speaker("Dmitri Peskov", "dmitri peskov")
    for text, speaker in sentences:
        if text.startswith("Le reste"):
            assert speaker is None
        else:
            assert speaker is not None and speaker.key == peskov.key, text


def test_quote_broken_across_lines_before_its_attribution():
    body = (
        "Le président chinois Xi Jinping a parlé mercredi.\n\n"
        '"Je suis prêt à échanger avec vous sur les grandes questions stratégiques"\n'
        ", a ajouté le président chinois.\n\nLa réunion a duré deux heures."
    )
    sentences = _attribute(body)
    assert speaker_of(sentences, '"Je suis prêt') == Speaker("le président chinois", XI)
    assert speaker_of(sentences, "La réunion a duré") is None


def test_text_without_speech_has_no_speakers():
    body = "Le pont a été inauguré en 2019. Il a coûté 19 milliards de roubles. Sa capacité est de 630 camions."
    assert attribute_quotes(body, split_sentences(body)) == [None, None, None]


def test_no_sentences_no_speakers():
    assert attribute_quotes("", []) == []


# --- resolving a question's name ------------------------------------------------------------------


@pytest.fixture(scope="module")
def speakers_002() -> list[Speaker | None]:
    return [s for _, s in seed("002")]


@pytest.mark.parametrize(
    ("mention", "key"),
    [
        ("Putin", POUTINE),
        ("Poutine", POUTINE),
        ("Vladimir Putin", POUTINE),
        ("Vladimir Poutine", POUTINE),
        ("le président russe", POUTINE),
        ("the Russian president", POUTINE),
        ("Xi", XI),
        ("Xi Jinping", XI),
        ("President Xi", XI),
        ("le président chinois", XI),
        ("the Chinese president", XI),
        ("XI JINPING", XI),
    ],
)
def test_resolve_names_and_titles_in_seed_002(speakers_002, mention, key):
    assert resolve_speaker(mention, speakers_002) == key


def test_resolve_someone_who_does_not_speak_is_none(speakers_002):
    assert resolve_speaker("Lavrov", speakers_002) is None
    assert resolve_speaker("Zelensky", speakers_002) is None
    assert resolve_speaker("Putin", []) is None


def test_resolve_english_spellings_over_distractors():
    assert resolve_speaker("Lavrov", [s for _, s in distractor("d09")]) == "serguei lavrov"
    assert resolve_speaker("Sergei Lavrov", [s for _, s in distractor("d31")]) == "serguei lavrov"
    assert resolve_speaker("Ushakov", [s for _, s in distractor("d12")]) == "iouri ouchakov"
    assert resolve_speaker("Peskov", [s for _, s in distractor("d13")]) == "dmitri peskov"
    assert resolve_speaker("the Kremlin", [s for _, s in seed("004")]) == "kremlin"


def test_resolve_an_ambiguous_surname_is_none():
    speakers = [Speaker("Wang Yi", "wang yi"), Speaker("Wang Wenbin", "wang wenbin")]
    assert resolve_speaker("Wang", speakers) is None
    assert resolve_speaker("Wang Yi", speakers) == "wang yi"


def test_speaker_key_folds_accents_and_determiners():
    assert speaker_key("Le ministère chinois des Affaires étrangères") == "ministere chinois des affaires etrangeres"
    assert speaker_key("Sergueï Lavrov") == "serguei lavrov"
    assert speaker_key("l’ambassadeur russe") == "ambassadeur russe"


def test_spans_outside_the_body_are_refused_with_a_message():
    with pytest.raises(ValueError, match="outside the 5-character body"):
        attribute_quotes("Court", [(0, 40)])
    with pytest.raises(ValueError, match="out of order"):
        attribute_quotes("Une. Deux.", [(5, 10), (0, 4)])


# --- titles a question may use --------------------------------------------------------------------


def test_speaker_titles_lists_how_the_article_introduces_people():
    article, _ = read_article(next((ROOT / "tests" / "eval" / "distractors").glob("d13_*.txt")))
    titles = speaker_titles(article.body)
    assert "porte-parole du kremlin" in titles["dmitri peskov"]
    assert "porte-parole de la diplomatie chinoise" in titles["lin jian"]


@pytest.mark.parametrize(
    ("stem", "mention", "key"),
    [
        ("d13", "the Kremlin spokesman", "dmitri peskov"),
        ("d13", "le porte-parole du Kremlin", "dmitri peskov"),
        ("d13", "the Chinese diplomacy spokesman", "lin jian"),
        ("d07", "la porte-parole de la diplomatie chinoise", "mao ning"),
        ("d08", "the Russian ambassador", "denis alipov"),
    ],
)
def test_resolve_a_title_through_the_article_titles(stem, mention, key):
    article, _ = read_article(next((ROOT / "tests" / "eval" / "distractors").glob(f"{stem}_*.txt")))
    speakers = attribute_quotes(article.body, split_sentences(article.body))
    assert resolve_speaker(mention, speakers, speaker_titles(article.body)) == key


def test_a_title_two_people_share_is_none():
    speakers = [Speaker("Lin Jian", "lin jian"), Speaker("Mao Ning", "mao ning")]
    titles = {"lin jian": ("porte-parole de la diplomatie chinoise",), "mao ning": ("porte-parole de la diplomatie chinoise",)}
    assert resolve_speaker("the Chinese spokesman", speakers, titles) is None


# --- the eval's who-said-what cases ---------------------------------------------------------------

EVAL_CASES = [c for c in load_cases(ROOT / "tests" / "eval" / "questions.jsonl") if "quote" in c.categories]


@pytest.mark.parametrize("case", EVAL_CASES, ids=lambda c: c.id)
def test_eval_quote_sentence_is_attributed_to_the_speaker_the_question_names(case):
    """The chain the answer pipeline will use: question -> speaker named -> key -> the gold quote's sentence."""
    stem = case.gold[0].article_id
    path = next(p for d in ("seeds", "tests/eval/articles") for p in (ROOT / d).glob(f"{stem}.txt"))
    article, _ = read_article(path)
    spans = split_sentences(article.body)
    speakers = attribute_quotes(article.body, spans)
    named = asked_fact(case.question).speaker
    assert named is not None, case.question
    key = resolve_speaker(named, speakers, speaker_titles(article.body))
    assert key is not None and key == resolve_speaker(case.speaker, speakers)
    quoted = [s for (a, b), s in zip(spans, speakers) if normalise(case.quote) in normalise(article.body[a:b])]
    assert quoted and all(s is not None and s.key == key for s in quoted)


def test_a_name_in_a_question_names_every_key_of_that_person_across_articles():
    keys = ["vladimir poutine", "poutine", "xi jinping", "iouri ouchakov", "le president russe"]
    assert keys_naming("Putin", keys) == {"vladimir poutine", "poutine"}
    assert keys_naming("Vladimir Poutine", keys) == {"vladimir poutine"}
    assert keys_naming("Ushakov", keys) == {"iouri ouchakov"}
    assert keys_naming("Lavrov", keys) == set()


def test_a_question_names_people_in_its_own_spelling_and_in_french():
    words = name_words("Which spokesman described the talks between Xi and Putin?")
    assert {"xi", "putin", "poutine", "spokesman"} <= words
    assert "jinping" not in words and "vladimir" not in words
