"""Rebuilds by another process picked up while questions are in flight: one reload at a time, never a
closed client, and no Chroma system left open per pickup."""

from __future__ import annotations

import os
import threading

import pytest
from conftest import cli_env, make_settings, run_cli

from index.engine import Engine
from index.store import open_client

pytestmark = pytest.mark.slow

QUESTIONS = [
    "Jusqu'à quand le régime sans visa chinois est-il valable ?",
    "Quelle chaîne a retransmis la vidéoconférence ?",
    "Où se déroulent les pourparlers sur l'Ukraine ?",
]


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_questions_keep_answering_while_other_processes_rebuild(tmp_path, embedder, seeds_copy):
    settings = make_settings(tmp_path / "data", seeds_copy)
    engine = Engine(settings, open_client(settings.chroma, settings.data_dir), embedder)
    engine.rebuild()
    engine.ask(QUESTIONS[0])  # warm: the generation and its client are loaded
    errors: list[BaseException] = []
    answered = [0]
    stop = threading.Event()

    def ask_in_a_loop(offset: int) -> None:
        n = offset
        while not stop.is_set() and answered[0] < 2000:  # bounded, whatever happens
            try:
                answer = engine.ask(QUESTIONS[n % len(QUESTIONS)])
                assert not answer.abstained, answer.text
                answered[0] += 1
            except BaseException as exc:  # noqa: BLE001 - every failure is the test's finding
                errors.append(exc)
                return
            n += 1

    threads = [threading.Thread(target=ask_in_a_loop, args=(i,), daemon=True) for i in range(3)]
    for thread in threads:
        thread.start()
    generations = {engine.status().generation}
    fds = []
    try:
        for round_ in range(4):
            (seeds_copy / "099_extra.txt").write_text(
                f"Un article de plus\n\n date 2026-03-0{round_ + 1}\n\nLe corridor Zorblaxien numéro {round_} "
                "relie désormais les deux rives du fleuve, a annoncé le ministère.\n",
                encoding="utf-8",
            )
            done = run_cli("index", "rebuild", "--json", env=cli_env(settings.data_dir, seeds_copy))
            assert done.returncode == 0, done.stderr[-2000:]
            engine.ask(QUESTIONS[1])  # this question picks the new generation up
            generations.add(engine.status().generation)
            fds.append(open_fds())
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
    assert not errors, errors[:3]
    assert answered[0] > 0
    assert len(generations) == 5  # every rebuild was seen
    # The old client is closed at each pickup: no file descriptors pile up with the pickups.
    assert fds[-1] <= fds[0] + 2, fds
    hits = engine.search("corridor Zorblaxien numéro 3")
    assert hits and hits[0].article_id == "099_extra"
