"""Generated answers through the real OpenAI-compatible and Ollama clients, against a fake server."""

from __future__ import annotations

import logging
import time
import traceback

import pytest
from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.llms.ollama import Ollama
from llama_index.llms.openai_like import OpenAILike

from config.settings import LLMSettings
from index.llm import LLMFailed, clean_citations, generate_answer, make_llm, rewrite_followup
from index.models import Source
from fake_llm import FakeLLMServer  # tests/ is on sys.path (no __init__.py)

KEY = "sk-test-SECRET"

SOURCES = [
    Source(1, "2024-03-05-alger", "Macron à Alger", "2024-03-05", "Le Monde",
           "Emmanuel Macron est arrivé à Alger mardi pour une visite de deux jours."),
    Source(2, "tebboune", "Le président algérien reçoit", None, "El Watan",
           "Abdelmadjid Tebboune a accueilli son homologue français à l'aéroport."),
    Source(3, "visas", "Visas : la question qui fâche", "2023-09", None,
           "La question des visas reste au cœur des tensions entre Paris et Alger."),
]


@pytest.fixture
def server():
    with FakeLLMServer() as fake:
        yield fake


def settings(server: FakeLLMServer, provider: str = "openai", **overrides) -> LLMSettings:
    base = server.openai_url if provider == "openai" else server.url
    values = {"provider": provider, "base_url": base, "model": "fake-model", "api_key": KEY,
              "timeout": 5.0, **overrides}
    return LLMSettings(**values)


def assert_no_secret(exc: BaseException, caplog: pytest.LogCaptureFixture) -> None:
    shown = "".join(traceback.format_exception(exc))
    assert KEY not in str(exc)
    assert KEY not in shown
    assert KEY not in caplog.text
    assert all(KEY not in str(r.args) for r in caplog.records)


# --------------------------------------------------------------------------- make_llm


def test_provider_none_means_no_llm():
    assert make_llm(LLMSettings()) is None


@pytest.mark.slow
def test_clients_are_built_without_any_request(server):
    openai = make_llm(settings(server, timeout=7.0))
    ollama = make_llm(settings(server, "ollama", timeout=7.0))
    assert isinstance(openai, OpenAILike) and isinstance(ollama, Ollama)
    assert openai.max_retries == 0 and openai.timeout == 7.0 and openai.api_base == server.openai_url
    assert ollama.request_timeout == 7.0 and ollama.context_window > 0  # no /api/show lookup
    assert list(server.requests) == []


def test_missing_model_is_a_clear_error():
    with pytest.raises(LLMFailed, match="llm.model"):
        make_llm(LLMSettings(provider="ollama"))


def test_global_llamaindex_settings_are_left_alone():
    from llama_index.core import Settings

    make_llm(LLMSettings(provider="openai", model="m", base_url="http://127.0.0.1:9/v1"))
    assert getattr(Settings, "_llm", None) is None


# --------------------------------------------------------------------------- OpenAI-compatible


@pytest.mark.slow
def test_answer_keeps_valid_citations_and_drops_the_rest(server):
    server.reply(
        "Emmanuel Macron est arrivé à Alger mardi [1]. Il a été accueilli par M. Tebboune [2][9]. "
        "Le voyage a coûté très cher [7]. Les visas restent un sujet de tension."
    )
    text = generate_answer(make_llm(settings(server)), "Quand Macron est-il arrivé à Alger ?", SOURCES, "fr")
    assert text == (
        "Emmanuel Macron est arrivé à Alger mardi [1]. Il a été accueilli par M. Tebboune [2]."
    )


@pytest.mark.slow
def test_prompt_numbers_the_passages_with_outlet_and_date(server):
    server.reply("Macron est arrivé mardi [1].")
    generate_answer(make_llm(settings(server, temperature=0.2)), "Quand Macron est-il arrivé ?", SOURCES, "fr")
    (request,) = server.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.body["model"] == "fake-model"
    assert request.body["temperature"] == 0.2
    assert not request.body.get("stream")
    prompt = request.prompt
    assert "[1] Le Monde, 5 mars 2024 — Macron à Alger" in prompt
    assert "[2] El Watan, non daté" in prompt
    assert "[3] source non précisée, septembre 2023" in prompt
    assert SOURCES[2].passage in prompt
    assert "NO_ANSWER" in prompt and "Quand Macron est-il arrivé ?" in prompt
    assert prompt.index("[1]") < prompt.index("[2]") < prompt.index("[3]")


@pytest.mark.slow
def test_english_question_gets_an_english_prompt(server):
    server.reply("Macron arrived on Tuesday [1].")
    text = generate_answer(make_llm(settings(server)), "When did Macron arrive?", SOURCES, "en")
    assert text == "Macron arrived on Tuesday [1]."
    prompt = server.requests[0].prompt
    assert "Answer in English" in prompt and "[2] El Watan, undated" in prompt
    assert "[3] outlet not stated, September 2023" in prompt


@pytest.mark.slow
@pytest.mark.parametrize("reply", ["NO_ANSWER", "  no_answer.  ", "Je ne sais pas. NO_ANSWER"])
def test_no_answer_token_means_failure(server, reply):
    server.reply(reply)
    with pytest.raises(LLMFailed, match="no supported answer"):
        generate_answer(make_llm(settings(server)), "Qui a gagné ?", SOURCES, "fr")


@pytest.mark.slow
@pytest.mark.parametrize("reply", ["", "Macron est venu.", "Il est venu [4]. Puis reparti [0]."])
def test_nothing_cited_means_failure(server, reply):
    server.reply(reply)
    with pytest.raises(LLMFailed, match="no supported answer"):
        generate_answer(make_llm(settings(server)), "Qui est venu ?", SOURCES, "fr")


@pytest.mark.slow
def test_reasoning_preamble_is_not_part_of_the_answer(server):
    server.reply("<think>Le passage [1] parle de mardi. Sans source.</think>\nRéponse : Il est arrivé mardi [1].")
    text = generate_answer(make_llm(settings(server)), "Quand ?", SOURCES, "fr")
    assert text == "Il est arrivé mardi [1]."


@pytest.mark.slow
def test_server_error_fails_without_leaking_the_key(server, caplog):
    caplog.set_level(logging.DEBUG)
    server.status = 500
    server.echo_auth_in_errors = True  # the body quotes our Authorization header
    with pytest.raises(LLMFailed, match="HTTP 500") as failure:
        generate_answer(make_llm(settings(server)), "Quand ?", SOURCES, "fr")
    assert len(server.requests) == 1  # no retries
    assert "HTTP 500" in caplog.text  # the reason is logged…
    assert_no_secret(failure.value, caplog)  # …but never the key


@pytest.mark.slow
def test_bad_key_says_what_to_check(server):
    server.status = 401
    with pytest.raises(LLMFailed, match="HTTP 401.*api_key"):
        generate_answer(make_llm(settings(server)), "Quand ?", SOURCES, "fr")


@pytest.mark.slow
def test_slow_server_times_out_quickly(server, caplog):
    caplog.set_level(logging.DEBUG)
    server.delay = 10
    started = time.monotonic()
    with pytest.raises(LLMFailed, match="within 1 s") as failure:
        generate_answer(make_llm(settings(server, timeout=1.0)), "Quand ?", SOURCES, "fr")
    assert time.monotonic() - started < 4
    assert len(server.requests) == 1
    assert_no_secret(failure.value, caplog)


def test_unreachable_server_fails_cleanly(caplog):
    with FakeLLMServer() as gone:
        url = gone.openai_url  # a port that was just closed
    llm = make_llm(LLMSettings(provider="openai", base_url=url, model="m", api_key=KEY, timeout=2))
    with pytest.raises(LLMFailed, match="could not be reached") as failure:
        generate_answer(llm, "Quand ?", SOURCES, "fr")
    assert_no_secret(failure.value, caplog)


def test_no_sources_no_call():
    llm = make_llm(LLMSettings(provider="openai", base_url="http://127.0.0.1:9/v1", model="m"))
    with pytest.raises(LLMFailed):
        generate_answer(llm, "Quand ?", [], "fr")


# --------------------------------------------------------------------------- Ollama


@pytest.mark.slow
def test_ollama_answer(server):
    server.reply("Macron est arrivé mardi [1]. Tebboune l'a accueilli [2]. Sans source.")
    llm = make_llm(settings(server, "ollama", api_key=""))
    text = generate_answer(llm, "Quand Macron est-il arrivé ?", SOURCES, "fr")
    assert text == "Macron est arrivé mardi [1]. Tebboune l'a accueilli [2]."
    (request,) = server.requests
    assert request.path == "/api/chat"
    assert request.body["model"] == "fake-model" and request.body["stream"] is False
    assert request.body["options"]["num_ctx"] > 0
    assert "[2] El Watan, non daté" in request.prompt
    assert "authorization" not in request.headers


@pytest.mark.slow
def test_ollama_sends_the_key_as_a_bearer_token(server):
    server.reply("Macron est arrivé mardi [1].")
    generate_answer(make_llm(settings(server, "ollama")), "Quand ?", SOURCES, "fr")
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"


@pytest.mark.slow
def test_ollama_error_fails_without_leaking_the_key(server, caplog):
    caplog.set_level(logging.DEBUG)
    server.status = 500
    server.echo_auth_in_errors = True
    with pytest.raises(LLMFailed, match="HTTP 500") as failure:
        generate_answer(make_llm(settings(server, "ollama")), "Quand ?", SOURCES, "fr")
    assert_no_secret(failure.value, caplog)


@pytest.mark.slow
def test_ollama_slow_server_times_out(server, caplog):
    server.delay = 10
    started = time.monotonic()
    with pytest.raises(LLMFailed, match="within 1 s") as failure:
        generate_answer(make_llm(settings(server, "ollama", timeout=1.0)), "Quand ?", SOURCES, "fr")
    assert time.monotonic() - started < 4
    assert_no_secret(failure.value, caplog)


@pytest.mark.slow
def test_ollama_no_answer(server):
    server.reply("NO_ANSWER")
    with pytest.raises(LLMFailed, match="no supported answer"):
        generate_answer(make_llm(settings(server, "ollama")), "Qui a gagné ?", SOURCES, "fr")


# --------------------------------------------------------------------------- follow-ups


@pytest.mark.slow
@pytest.mark.parametrize(
    "reply",
    [
        "Quand Emmanuel Macron est-il arrivé à Alger ?",
        "Question : « Quand Emmanuel Macron est-il arrivé à Alger ? »",
        '**Question autonome :** "Quand Emmanuel Macron est-il arrivé à Alger ?"\n\nJ\'ai remplacé « il ».',
        "<think>il = Macron</think>\nQuand Emmanuel Macron est-il arrivé à Alger ?",
    ],
)
def test_rewrite_followup(server, reply):
    server.reply(reply)
    history = ["Pourquoi Emmanuel Macron va-t-il à Alger ?"]
    result = rewrite_followup(make_llm(settings(server)), history, "Et quand est-il arrivé ?")
    assert result == "Quand Emmanuel Macron est-il arrivé à Alger ?"
    prompt = server.requests[0].prompt
    assert history[0] in prompt and "Et quand est-il arrivé ?" in prompt


@pytest.mark.slow
def test_rewrite_followup_in_english(server):
    server.reply("Standalone question: When did Macron arrive in Algiers?")
    result = rewrite_followup(make_llm(settings(server)), ["Why is Macron visiting Algiers?"], "When did he arrive?")
    assert result == "When did Macron arrive in Algiers?"
    assert "Earlier questions" in server.requests[0].prompt


@pytest.mark.slow
def test_rewrite_without_history_makes_no_call(server):
    assert rewrite_followup(make_llm(settings(server)), [], "  Qui est Tebboune ?  ") == "Qui est Tebboune ?"
    assert list(server.requests) == []


@pytest.mark.slow
@pytest.mark.parametrize("reply", ["", "   \n  ", "Question :", "«  »", "x" * 2000])
def test_rewrite_rejects_empty_or_absurd_output(server, reply):
    server.reply(reply)
    with pytest.raises(LLMFailed):
        rewrite_followup(make_llm(settings(server)), ["Pourquoi Macron va-t-il à Alger ?"], "Et quand ?")


@pytest.mark.slow
def test_rewrite_transport_failure(server, caplog):
    caplog.set_level(logging.DEBUG)
    server.status = 503
    server.echo_auth_in_errors = True
    with pytest.raises(LLMFailed, match="HTTP 503") as failure:
        rewrite_followup(make_llm(settings(server, "ollama")), ["Pourquoi ?"], "Et quand ?")
    assert_no_secret(failure.value, caplog)


# --------------------------------------------------------------------------- the fake itself


@pytest.mark.slow
@pytest.mark.parametrize("provider", ["openai", "ollama"])
def test_fake_server_streams_like_the_real_ones(server, provider):
    server.reply("Une réponse assez longue pour tenir en plusieurs morceaux [1].")
    llm = make_llm(settings(server, provider))
    chunks = list(llm.stream_chat([ChatMessage(role=MessageRole.USER, content="Bonjour")]))
    assert len(chunks) > 2
    assert chunks[-1].message.content == "Une réponse assez longue pour tenir en plusieurs morceaux [1]."
    assert server.requests[0].body["stream"] is True


@pytest.mark.slow
def test_fake_server_without_a_scripted_reply_fails_loudly(server):
    with pytest.raises(LLMFailed, match="HTTP 500"):
        generate_answer(make_llm(settings(server)), "Quand ?", SOURCES, "fr")


@pytest.mark.slow
def test_fake_server_can_answer_from_the_request(server):
    server.respond = lambda request: f"Il y a {request.prompt.count('[')} crochets [1]."
    assert generate_answer(make_llm(settings(server)), "Quand ?", SOURCES, "fr").endswith("[1].")


# --------------------------------------------------------------------------- clean_citations


@pytest.mark.parametrize(
    ("text", "n", "expected"),
    [
        # Valid citations stay, the uncited sentence goes.
        ("Macron est venu [1]. Il a parlé [2]. Il faisait beau.", 3,
         "Macron est venu [1]. Il a parlé [2]."),
        # Invented numbers go, alone, in lists and in runs.
        ("Le sommet a eu lieu [1, 7]. Rien [9]. Puis [1][7] il partit.", 3,
         "Le sommet a eu lieu [1]. Puis [1] il partit."),
        ("Accord signé [0].", 3, ""),
        ("Accord signé [2; 3] et ratifié [1 et 4].", 3, "Accord signé [2][3] et ratifié [1]."),
        ("Ils ont voté [1-3].", 2, "Ils ont voté [1][2]."),
        ("Le texte passe [source 2].", 2, "Le texte passe [2]."),
        ("Répété [1][1] et [1, 1].", 1, "Répété [1] et [1]."),
        # French punctuation: spaced ? ! and guillemets, with the citation after them.
        ("Pourquoi ? Parce que « la France doit agir ». [2] C'est dit [0].", 2,
         "Parce que « la France doit agir ». [2]"),
        ("Il a déclaré : « Nous partirons. » [1] Puis il est parti.", 1,
         "Il a déclaré : « Nous partirons. » [1]"),
        ("Vraiment\u00a0? Oui\u00a0! [1]", 1, "Oui\u00a0! [1]"),
        ('He said "we will leave." [1] Then nothing.', 1, 'He said "we will leave." [1]'),
        # Abbreviations and initials are not sentence ends.
        ("Selon M. Dupont, le projet coûte 3,5 M€ [1]. J.-C. Juncker l'a approuvé [2].", 2,
         "Selon M. Dupont, le projet coûte 3,5 M€ [1]. J.-C. Juncker l'a approuvé [2]."),
        ("The U.S. President visited on Jan. 5 [1]. He left [4].", 3,
         "The U.S. President visited on Jan. 5 [1]."),
        ("Mme Borne, cf. le décret, signe [1]. Rien.", 1, "Mme Borne, cf. le décret, signe [1]."),
        ("La hausse atteint 3.5 % en 2024 [1]. Puis 2025 arrive.", 1, "La hausse atteint 3.5 % en 2024 [1]."),
        # Ordinary words that look like abbreviations still end sentences.
        ("Ils étaient sept. Le lendemain, un accord fut signé [1].", 1,
         "Le lendemain, un accord fut signé [1]."),
        ("Il hésite... puis accepte [1] ! Vraiment ? [2]", 2, "Il hésite... puis accepte [1] ! Vraiment ? [2]"),
        # Lines: a citation alone on a line belongs to the sentence above it.
        ("Le texte est voté.[1]\nUne ligne sans source.\nDernière phrase.\n[2]", 2,
         "Le texte est voté. [1]\nDernière phrase. [2]"),
        ("1. Il est venu [1].\n2. Il est reparti [3].", 2, "1. Il est venu [1]."),
        # Spacing: what removal leaves behind is tidied.
        ("Il est venu [7].  Il est   reparti [1] .", 3, "Il est reparti [1]."),
        ("Il est venu[1].", 1, "Il est venu [1]."),
        ("Il est venu. [1].", 1, "Il est venu [1]."),
        # Nothing to keep.
        ("", 3, ""),
        ("[1]", 1, ""),
        ("Aucune citation ici. Ni là.", 2, ""),
        ("Texte [1].", 0, ""),
    ],
)
def test_clean_citations(text, n, expected):
    assert clean_citations(text, n) == expected


def test_clean_citations_is_idempotent():
    text = "Macron est venu [1, 2]. Il a parlé [4]. « Oui ! » [2] Fin."
    once = clean_citations(text, 3)
    assert clean_citations(once, 3) == once == "Macron est venu [1][2]. « Oui ! » [2]"


def test_two_passages_of_one_article_are_one_numbered_source(server):
    """As in extractive answers: one article, one number; the model reads both passages under it."""
    from index.llm import generate
    from index.models import Hit

    def hit(rank, article_id, text, start):
        return Hit(rank, article_id, f"Titre {article_id}", "2024-03-05", "day", "Le Monde", text, 1.0, start,
                   start + len(text))

    server.reply("Macron est arrivé mardi [1]. Il repart jeudi [2].")
    answer = generate(make_llm(settings(server)), "Quand ?", "Quand ?", "fr",
                      [hit(1, "a", "Macron est arrivé mardi.", 0), hit(2, "b", "Autre article.", 0),
                       hit(3, "a", "Il repart jeudi.", 400)])
    prompt = server.requests[0].prompt
    assert "[3]" not in prompt and "Macron est arrivé mardi. […] Il repart jeudi." in prompt
    assert [s.article_id for s in answer.sources] == ["a", "b"]
    assert answer.sources[0].passages == ("Macron est arrivé mardi.", "Il repart jeudi.")
