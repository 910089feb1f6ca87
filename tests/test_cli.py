"""The `depeche` console script end to end: real process, real model, real embedded Chroma in a temp dir."""

from __future__ import annotations

import json
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
def env(tmp_path_factory):
    """An environment whose data dir is private to this module."""
    return cli_env(tmp_path_factory.mktemp("cli") / "data")


@pytest.fixture(scope="module")
def built(env):
    """`index rebuild --json`, run once for the whole module."""
    done = run_cli("index", "rebuild", "--json", env=env)
    assert done.returncode == 0, done.stderr
    return done


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
    assert sources and all(set(s) == SOURCE_KEYS for s in sources)
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
        "control characters": ("\x01\x02\x1b\x7f", "La question est vide"),
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
