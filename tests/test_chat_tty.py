"""`depeche chat` on a real terminal: the process runs on a pseudo-terminal, as under a shell, and
is sent the bytes a keyboard sends (arrows, Ctrl-C, Ctrl-D)."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import termios
import time
from pathlib import Path

import pytest

from conftest import DEPECHE

pytestmark = pytest.mark.slow

LEFT, UP = "\x1b[D", "\x1b[A"
VISIT = "Quand Xi Jinping effectuera-t-il une visite d'État en Russie ?"


class Terminal:
    """`depeche chat` with a pty for its stdin, stdout and stderr."""

    def __init__(self, env: dict[str, str], sigint_left_off: bool = False) -> None:
        """`sigint_left_off`: the chat inherits SIGINT blocked and ignored, as from a parent that
        had them so (a pytest worker once did, and Ctrl-C then hung the chat); otherwise at default."""
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 200, 0, 0))
        self.proc = subprocess.Popen(
            # PYTHONFAULTHANDLER: a chat that will not end dumps its threads' stacks on SIGABRT (see wait).
            [str(DEPECHE), "chat"], env={**env, "TERM": "xterm", "PYTHONFAULTHANDLER": "1"},
            cwd=Path(env["DEPECHE_DATA_DIR"]).parent,
            stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
            preexec_fn=lambda: _child_terminal(sigint_left_off),
        )
        os.close(slave)
        self.master, self.output = master, ""

    def read(self) -> str:
        while select.select([self.master], [], [], 0.05)[0]:
            try:
                data = os.read(self.master, 65536)
            except OSError:  # EIO: the child is gone
                break
            if not data:
                break
            self.output += data.decode("utf-8", errors="replace")
        return self.output

    def expect(self, text: str, after: int = 0, timeout: float = 180) -> int:
        """Wait for `text` past offset `after`; returns the offset just past it."""
        deadline = time.monotonic() + timeout
        while (found := self.read().find(text, after)) < 0:
            if self.proc.poll() is not None:
                self.read()
                pytest.fail(f"chat exited ({self.proc.returncode}) before {text!r}:\n{self.output[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"no {text!r} after {timeout} s:\n{self.output[-3000:]}")
        return found + len(text)

    def send(self, keys: str) -> int:
        """Type `keys`; returns the output offset before them."""
        mark = len(self.read())
        os.write(self.master, keys.encode())
        return mark

    def wait(self, timeout: float = 60) -> int:
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            # Where it hangs (docs/testing.md): faulthandler writes every thread's stack to the pty.
            self.proc.send_signal(signal.SIGABRT)
            time.sleep(2)
            pytest.fail(f"the chat did not exit within {timeout} s; its stacks:\n{self.read()[-6000:]}")
        self.read()
        return code

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)
        os.close(self.master)


def _child_terminal(sigint_left_off: bool) -> None:
    """In the child before exec: the pty becomes its controlling terminal, so Ctrl-C there sends
    SIGINT; the SIGINT mask and disposition it inherits are set either way, never left to chance."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    signal.pthread_sigmask(signal.SIG_BLOCK if sigint_left_off else signal.SIG_UNBLOCK, {signal.SIGINT})
    signal.signal(signal.SIGINT, signal.SIG_IGN if sigint_left_off else signal.SIG_DFL)


@pytest.fixture
def terminal(cli_index, request):
    term = Terminal(cli_index[0], sigint_left_off=getattr(request, "param", False))
    yield term
    term.close()


def prompt(term: Terminal, after: int = 0) -> int:
    return term.expect("> ", after)


def test_the_chat_edits_lines_keeps_history_and_knows_its_commands(terminal, cli_index):
    history = Path(cli_index[0]["DEPECHE_DATA_DIR"]) / "chat_history"
    history.unlink(missing_ok=True)
    at = prompt(terminal, terminal.expect("articles ("))

    # /help and an unknown /word are commands, never questions.
    at = terminal.expect("Commandes :", terminal.send("/help\r"))
    at = prompt(terminal, terminal.expect("/sources", at))
    mark = terminal.send("/aide\r")
    at = terminal.expect("Commande inconnue : /aide. Commandes :", mark)
    assert "/quit" in terminal.read()[at:] and "ne permettent pas" not in terminal.output[mark:]
    at = prompt(terminal, at)

    # A typo fixed with the arrow keys: the question answered is the edited one, without escapes.
    typed = VISIT.replace("Russie", "Russi")
    mark = terminal.send(typed + LEFT * 2 + "e\r")
    at = terminal.expect("20 au 22 mars", mark)
    assert "^[[D" not in terminal.output[mark:] and "caractère de contrôle" not in terminal.output[mark:]
    at = prompt(terminal, at)

    # Up arrow brings the question back: asked again, answered again.
    mark = terminal.send(UP + "\r")
    at = prompt(terminal, terminal.expect("20 au 22 mars", mark))

    mark = terminal.send("/sources\r")
    at = prompt(terminal, terminal.expect("[1] ", mark))

    # Ctrl-D leaves on a line of its own, and the history is kept under the data dir.
    terminal.send("\x04")
    assert terminal.wait() == 0
    assert terminal.output.endswith("\r\n"), repr(terminal.output[-40:])
    assert VISIT in history.read_text(encoding="utf-8")


@pytest.mark.parametrize("terminal", [False, True], ids=["sigint-default", "sigint-blocked-ignored"], indirect=True)
def test_ctrl_c_at_the_prompt_leaves_cleanly_on_a_new_line(terminal):
    prompt(terminal, terminal.expect("articles ("))
    terminal.send("une question pas finie")
    terminal.expect("pas finie")
    terminal.send("\x03")
    assert terminal.wait() == 0
    assert "Traceback" not in terminal.output
    assert terminal.output.endswith("\r\n"), repr(terminal.output[-40:])
