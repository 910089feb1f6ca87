"""`depeche chat`: a terminal conversation over the engine, with follow-ups; /reset, /sources, /quit."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

from config.settings import Settings
from index.conversation import Conversation
from index.errors import BadQuestion
from index.present import source_line


def chat(settings: Settings, open_engine: Callable, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Read questions line by line until /quit or end of input; returns the exit code."""
    from bot.cli import format_answer

    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    print("Dépêche — chargement du modèle et de l'index…", file=stdout, flush=True)
    engine = open_engine(settings)
    status = engine.status()
    print(
        f"{status.articles} articles ({status.date_min or '?'} → {status.date_max or '?'}). "
        "Posez une question ; /reset pour oublier la conversation, /sources pour les passages cités, /quit pour sortir.",
        file=stdout, flush=True,
    )
    conversation = Conversation(max_turns=settings.conversation.history_turns)
    while True:
        print("\n> ", end="", file=stdout, flush=True)
        line = stdin.readline()
        if not line:
            return 0
        question = line.strip()
        if question in ("/quit", "/exit", "/q"):
            return 0
        if question == "/reset":
            conversation.reset()
            print("Conversation oubliée.", file=stdout)
            continue
        if question == "/sources":
            last = conversation.last_answer
            for s in last.sources if last else []:
                print(f"{source_line(s, last.language)}\n{s.passage}\n", file=stdout)
            if not (last and last.sources):
                print("Aucune source à montrer.", file=stdout)
            continue
        try:
            answer = engine.ask(question, conversation)
        except BadQuestion as exc:
            print(str(exc), file=stdout)
            continue
        conversation.add(answer)
        print(format_answer(answer), file=stdout, flush=True)
