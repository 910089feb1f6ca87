"""The `depeche` console script end to end: real process, real model, real embedded Chroma in a temp dir."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from conftest import DEPECHE, cli_env, run_cli  # tests/ is on sys.path

pytestmark = pytest.mark.slow

VISA = "Jusqu'à quand le régime sans visa chinois est-il valable ?"
TARTIFLETTE = "Quelle est la recette de la tartiflette ?"
HIT_KEYS = {"rank", "article_id", "title", "date", "outlet", "text", "score"}
SOURCE_KEYS = {"n", "article_id", "title", "date", "outlet", "passage", "speaker", "url", "also_in"}


@pytest.fixture(scope="module")
def env(cli_index):
    """The environment of the session's CLI index (shared with the terminal chat's tests)."""
    return cli_index[0]


@pytest.fixture(scope="module")
def built(cli_index):
    """`index rebuild --json`, run once for the whole session."""
    return cli_index[1]


def no_traceback(done: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in done.stderr + done.stdout, done.stderr


def test_rebuild_and_status_print_one_json_object(built, env):
    lines = built.stdout.splitlines()
    assert len(lines) == 1, built.stdout
    report = json.loads(lines[0])
    assert {"added", "updated", "removed", "unchanged", "skipped", "chunks_embedded", "seconds"} <= report.keys()
    assert (report["added"], report["updated"], report["removed"], report["unchanged"], report["skipped"]) == (5, 0, 0, 0, 0)
    assert report["chunks_embedded"] == report["chunks_total"] > 0
    assert report["seconds"] > 0
    assert built.stderr == "", "--json output must not come with log noise on stderr"

    done = run_cli("index", "status", "--json", env=env)
    assert done.returncode == 0, done.stderr
    status = json.loads(done.stdout)
    assert status["articles"] == 5 and status["chunks"] == report["chunks_total"]
    assert (status["date_min"], status["date_max"]) == ("2023-09", "2026-02-04")
    assert status["model"] == "multilingual-e5-small-q4" and status["generation"]


def test_search_json(built, env):
    done = run_cli("search", "Rossiya-24", "--json", env=env)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["question"] == "Rossiya-24"
    hits = result["results"]
    assert hits and all(set(hit) == HIT_KEYS for hit in hits)
    assert [hit["rank"] for hit in hits] == list(range(1, len(hits) + 1))
    assert hits[0]["article_id"] == "002_83c3c266e9f4ddcc"
    assert hits[0]["outlet"] == "AA" and hits[0]["date"] == "2026-02-04"


def test_ask_json_cites_its_source(built, env):
    done = run_cli("ask", VISA, "--json", env=env)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["question"] == VISA
    assert "14 septembre 2026" in answer["answer"] and "[1]" in answer["answer"]
    assert answer["abstained"] is False
    sources = answer["sources"]
    # `passages` only for a source two of whose passages are cited (one article, one number).
    assert sources and all(set(s) - {"passages"} == SOURCE_KEYS for s in sources)
    assert all(s["passages"][0] == s["passage"] and len(s["passages"]) > 1 for s in sources if "passages" in s)
    assert sources[0]["n"] == 1 and sources[0]["article_id"] == "002_83c3c266e9f4ddcc"
    assert "14 septembre 2026" in sources[0]["passage"]


def test_ask_dash_answers_each_stdin_line_as_json_lines(built, env):
    questions = [VISA, "", "Quand Xi Jinping effectuera-t-il une visite d'État en Russie ?", TARTIFLETTE]
    done = run_cli("ask", "-", env=env, stdin="\n".join(questions) + "\n")
    assert done.returncode == 1, done.stderr  # one line was not a question
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert [a["question"] for a in answers] == questions  # one line out per line in
    visa, blank, visit, off_topic = answers
    assert "vide" in blank["error"] and "answer" not in blank
    assert "14 septembre 2026" in visa["answer"]
    assert "20 au 22 mars" in visit["answer"] and visit["sources"][0]["article_id"] == "004_7c2a5c67d315efc7"
    assert off_topic["abstained"] is True and off_topic["sources"] == []
    assert "ne permettent pas de répondre" in off_topic["answer"]


def test_bad_questions_are_refused_with_a_message(built, env):
    cases = {
        "empty": ("", "La question est vide"),
        "whitespace": ("   \t  ", "La question est vide"),
        "10,000 characters": (("Pourquoi la Chine ? " * 500)[:10_000], "trop longue"),
        "control characters": ("\x01\x02\x1b\x7f", "caractère de contrôle (U+0001)"),
        "a bell inside": ("abc\x07def", "caractère de contrôle (U+0007)"),
        "an arrow key": ("Combien\x1b[D ?", "caractère de contrôle (U+001B)"),
        "emoji only": ("🎉 🇫🇷", "La question n'a pas de mots : écrivez-la en toutes lettres"),
    }
    # One process each, run side by side: every one loads the model.
    running = {
        name: subprocess.Popen(
            [str(DEPECHE), "ask", question], env=env, cwd=Path(env["DEPECHE_DATA_DIR"]).parent,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for name, (question, _) in cases.items()
    }
    for name, proc in running.items():
        stdout, stderr = proc.communicate(timeout=180)
        expected = cases[name][1]
        assert proc.returncode != 0, name
        assert stderr.startswith("depeche: ") and expected in stderr, (name, stderr)
        assert "Traceback" not in stderr and stdout == "", (name, stdout)


def test_chat_follows_up_shows_sources_and_resets(built, env):
    lines = [VISA, "Et pour les citoyens chinois ?", "/sources", "/reset", "/sources", "/quit"]
    done = run_cli("chat", env=env, stdin="\n".join(lines) + "\n")
    assert done.returncode == 0, done.stderr
    no_traceback(done)
    out = done.stdout
    assert "5 articles (2023-09 → 2026-02-04)" in out
    assert "14 septembre 2026" in out
    # The follow-up borrows "régime sans visa" and finds Russia's decree for Chinese citizens.
    follow_up = out.split("> ")[2]
    assert "30 jours" in follow_up and "[1]" in follow_up
    assert "[1] AA, 4 février 2026 — Chine-Russie: Xi Jinping veut un plan bilatéral ambitieux" in out
    assert "Conversation oubliée." in out
    assert out.count("Aucune source à montrer.") == 1  # the /sources after /reset


def test_ask_dash_refuses_control_characters_line_by_line(built, env):
    questions = [VISA, "Combien\x07 ?", "🙂"]
    done = run_cli("ask", "-", env=env, stdin="\n".join(questions) + "\n")
    assert done.returncode == 1, done.stderr
    visa, bell, emoji = (json.loads(line) for line in done.stdout.splitlines())
    assert "14 septembre 2026" in visa["answer"]
    assert "caractère de contrôle (U+0007)" in bell["error"]
    assert "pas de mots" in emoji["error"]


def test_search_text_shows_each_result_as_an_indented_block(built, env):
    done = run_cli("search", "régime sans visa", "--top-k", "3", env=env)
    assert done.returncode == 0, done.stderr
    blocks = done.stdout.rstrip("\n").split("\n\n")
    assert [block.split(".", 1)[0] for block in blocks] == ["1", "2", "3"]  # one block per result
    for block in blocks:
        heading, *passage = block.split("\n")
        assert passage and all(line.startswith("   ") for line in passage), block
    # A passage of several paragraphs stays inside its block.
    assert any(len(block.split("\n")) > 2 for block in blocks)


@pytest.mark.parametrize("command", ["search", "ask"])
def test_a_reader_that_goes_away_ends_the_command_quietly(built, env, command):
    """`depeche ask - | head -1`: the writer gets EPIPE and leaves with 141, as `cat` would."""
    proc = subprocess.Popen(
        [str(DEPECHE), command, "-"], env=env, cwd=Path(env["DEPECHE_DATA_DIR"]).parent,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    proc.stdin.write("Rossiya-24\n" * 400)
    proc.stdin.close()
    assert proc.stdout.readline().startswith('{"question": "Rossiya-24"')
    proc.stdout.close()  # head -1 has what it wanted
    assert proc.wait(timeout=300) == 141
    stderr = proc.stderr.read()
    assert stderr == "", stderr


def test_the_first_run_says_it_builds_the_index_and_shows_each_stage(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "pont.txt").write_text(
        "Le pont de Millau\n\nLe viaduc de Millau a coûté 400 millions d'euros. Il a été inauguré en 2004. "
        "Il franchit le Tarn.\n\nSa pile la plus haute mesure 245 mètres.\n",
        encoding="utf-8",
    )
    done = run_cli("-v", "ask", "Combien a coûté le viaduc de Millau ?", env=cli_env(tmp_path / "data", seeds))
    assert done.returncode == 0, done.stderr
    assert "400 millions" in done.stdout
    err = done.stderr
    assert f"no index yet in {tmp_path / 'data'}: building it from {seeds}" in err
    chunks = int(err.split("index built: added 1, ")[1].split("; ")[1].split(" chunk")[0])
    assert f"depeche: {chunks} of {chunks} chunks encoded" in err  # counts that match their labels
    sentences = int(re.search(r"depeche: (\d+) sentences encoded\n", err).group(1))
    assert sentences >= 4
    for stage in ("parsed 1 article files in", f"embedded {chunks} of {chunks} chunks in",
                  f"encoded {sentences} sentences in", "wrote the index generation"):
        assert stage in err, stage


def test_sources_max_bytes_limits_seed_files_and_the_message_says_how_to_raise_it(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    body = "Le conseil municipal a voté le budget des transports. Il a coûté 3 millions."  # 90 bytes
    (seeds / "long.txt").write_text(f"Le budget\n\n{body}\n", encoding="utf-8")
    size = (seeds / "long.txt").stat().st_size
    env = cli_env(tmp_path / "data", seeds, DEPECHE_SOURCES__MAX_BYTES=str(size - 1))
    done = run_cli("index", "rebuild", env=env)
    assert done.returncode == 0, done.stderr
    assert f"over the {size - 1:,}-byte limit" in done.stdout
    assert "raise sources.max_bytes (DEPECHE_SOURCES__MAX_BYTES)" in done.stdout
    assert "added 0," in done.stdout and "skipped 1;" in done.stdout

    done = run_cli("index", "rebuild", env={**env, "DEPECHE_SOURCES__MAX_BYTES": str(size)})
    assert done.returncode == 0, done.stderr
    assert "added 1," in done.stdout and "skipped 0;" in done.stdout


def test_eval_names_its_stages_on_stderr(tmp_path):
    seeds, extra = tmp_path / "seeds", tmp_path / "extra"
    seeds.mkdir()
    extra.mkdir()
    (seeds / "pont.txt").write_text(
        "Le viaduc de Millau\n\nLe viaduc de Millau a coûté 400 millions d'euros. Il franchit le Tarn.\n",
        encoding="utf-8",
    )
    (extra / "tarte.txt").write_text("La tarte\n\nLa tarte aux pommes cuit quarante minutes.\n", encoding="utf-8")
    dataset = tmp_path / "questions.jsonl"
    dataset.write_text(json.dumps({
        "id": "pont", "question": "Combien a coûté le viaduc de Millau ?", "language": "fr", "categories": ["number"],
        "answerable": True, "gold": [{"article_id": "pont", "passage": "400 millions"}], "facts": ["400 millions"],
    }) + "\n", encoding="utf-8")
    done = run_cli("eval", "--dataset", str(dataset), "--articles", str(extra), "--json",
                   env=cli_env(tmp_path / "data", seeds), timeout=600)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["articles"] == 2
    stages = [line for line in done.stderr.splitlines() if line.startswith("depeche eval: ")]
    assert [line.split(": ", 1)[1].split(" ")[0] for line in stages] == [
        "loading", "indexing", "building", "answering", "done",
    ], done.stderr
    assert "answering 1 questions" in done.stderr and "1 of 1 questions answered" in done.stderr


def test_a_source_cited_for_two_passages_lists_them_in_the_json():
    """One article is one source number: `passage` is the first cited, `passages` all, in order."""
    from bot.cli import answer_json
    from index.models import Answer, Source

    one = Source(1, "a", "Titre", "2026-02-04", "AA", "Premier passage.", passages=("Premier passage.", "Second passage."))
    alone = Source(2, "b", "Autre", None, None, "Seul passage.")
    data = answer_json(Answer("q", "« x » [1]\n« y » [1]\n« z » [2]", [one, alone]))
    first, second = data["sources"]
    assert first["passage"] == "Premier passage." and first["passages"] == ["Premier passage.", "Second passage."]
    assert set(second) == SOURCE_KEYS and second["passage"] == "Seul passage."
    json.dumps(data)  # JSON-ready
