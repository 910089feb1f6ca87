"""`depeche chat`: a terminal conversation over the engine, with follow-ups and a few /commands.

On a terminal the prompt is read with `input()`, so readline gives line editing (arrows, Ctrl-A/E,
Ctrl-L) and a history kept under the data dir; from a pipe, lines are read as they come.
"""

from __future__ import annotations

import re
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from config.settings import Settings
from index.conversation import Conversation
from index.errors import BadQuestion
from index.present import passages_text, source_line

COMMANDS = {
    "/help": "cette aide",
    "/sources": "les passages cités par la dernière réponse",
    "/reset": "oublier la conversation",
    "/quit": "sortir (aussi Ctrl-D)",
}
QUIT = {"/quit", "/exit", "/q"}
# One word after a slash: a command, never a question ("/etc/hosts ?" stays a question).
_COMMAND = re.compile(r"^/[\w-]*$")
HISTORY_FILE = "chat_history"
HISTORY_LENGTH = 1000


def help_text() -> str:
    """The commands, one a line."""
    return "\n".join(f"  {name:<9} {what}" for name, what in COMMANDS.items())


def _hear_ctrl_c() -> None:
    """Make Ctrl-C at the prompt raise KeyboardInterrupt, whatever the parent left us.

    A process inherits its signal mask and ignored signals across exec, and Python installs its
    KeyboardInterrupt handler only when SIGINT is at its default: a chat started by a parent that
    blocks or ignores SIGINT (a test runner's worker did) would sit in `input()` through Ctrl-C.
    """
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    signal.signal(signal.SIGINT, signal.default_int_handler)


class _Prompt:
    """Reads one line: `input()` with readline on a terminal, plain `readline()` otherwise."""

    def __init__(self, stdin: TextIO, stdout: TextIO, history: Path) -> None:
        self.stdin, self.stdout, self.history = stdin, stdout, history
        self.readline = None
        if stdin is sys.stdin and stdout is sys.stdout and stdin.isatty():
            try:
                import readline
            except ImportError:  # a Python built without it still chats, without editing
                readline = None
            if readline is not None:
                _hear_ctrl_c()
                self.readline = readline
                readline.set_history_length(HISTORY_LENGTH)
                try:
                    readline.read_history_file(history)
                except OSError:  # no history yet
                    pass

    def read(self) -> str:
        """The next line without its end; raises EOFError at the end of input."""
        if self.readline is not None:
            print(file=self.stdout)
            return input("> ")
        print("\n> ", end="", file=self.stdout, flush=True)
        line = self.stdin.readline()
        if not line:
            raise EOFError
        return line.rstrip("\n")

    def save(self) -> None:
        """Keep the history for the next chat (nothing to do without readline)."""
        if self.readline is None:
            return
        try:
            self.history.parent.mkdir(parents=True, exist_ok=True)
            self.readline.write_history_file(self.history)
        except OSError:  # a read-only data dir loses the history, not the chat
            pass


def chat(settings: Settings, open_engine: Callable, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Read questions line by line until /quit, Ctrl-D or Ctrl-C; returns the exit code."""
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    prompt = _Prompt(stdin, stdout, Path(settings.data_dir) / HISTORY_FILE)
    try:
        return _loop(settings, open_engine, prompt, stdout)
    except (EOFError, KeyboardInterrupt):
        print(file=stdout, flush=True)  # leave the shell's prompt on a line of its own
        return 0
    finally:
        prompt.save()


def _loop(settings: Settings, open_engine: Callable, prompt: _Prompt, stdout: TextIO) -> int:
    from bot.cli import format_answer

    print("Dépêche — chargement du modèle et de l'index…", file=stdout, flush=True)
    engine = open_engine(settings)
    status = engine.status()
    print(
        f"{status.articles} articles ({status.date_min or '?'} → {status.date_max or '?'}). "
        "Posez une question ; /reset pour oublier la conversation, /sources pour les passages cités, "
        "/help pour les commandes, /quit pour sortir.",
        file=stdout, flush=True,
    )
    conversation = Conversation(max_turns=settings.conversation.history_turns)
    while True:
        question = prompt.read().strip()
        if _COMMAND.match(question):
            if question in QUIT:
                return 0
            _command(question, conversation, stdout)
            continue
        try:
            answer = engine.ask(question, conversation)
        except BadQuestion as exc:
            print(str(exc), file=stdout)
            continue
        conversation.add(answer)
        print(format_answer(answer), file=stdout, flush=True)


def _command(command: str, conversation: Conversation, stdout: TextIO) -> None:
    """Run one /command other than /quit."""
    if command == "/reset":
        conversation.reset()
        print("Conversation oubliée.", file=stdout)
    elif command == "/sources":
        last = conversation.last_answer
        for s in last.sources if last else []:
            print(f"{source_line(s, last.language)}\n{passages_text(s)}\n", file=stdout)
        if not (last and last.sources):
            print("Aucune source à montrer.", file=stdout)
    elif command == "/help":
        print(f"Commandes :\n{help_text()}", file=stdout)
    else:
        print(f"Commande inconnue : {command}. Commandes :\n{help_text()}", file=stdout)
