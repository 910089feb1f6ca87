"""The `depeche` command: index, search, ask, chat, eval and the bot, over one engine."""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import signal
import sys
import textwrap
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path

from index.errors import DepecheError

log = logging.getLogger("depeche")
# The labelled question set and its distractor articles, in a checkout of the repository.
EVAL_DIR = Path(__file__).resolve().parents[1] / "tests" / "eval"


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    try:
        code = _main(argv)
        sys.stdout.flush()  # inside the try: a reader gone before the last buffered write is a pipe error too
        return code
    except BrokenPipeError:
        # The reader went away (`depeche search … | head -1`): stop quietly, as `cat` does. Point
        # stdout at /dev/null so the interpreter's last flush cannot fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 128 + signal.SIGPIPE


def _main(argv: list[str] | None) -> int:
    args = _parser().parse_args(argv)
    from config.settings import load_settings
    from index.errors import SettingsInvalid

    try:
        settings = load_settings()
    except SettingsInvalid as exc:
        print(f"depeche: invalid configuration: {exc}", file=sys.stderr)
        return 2
    runs_bot = args.command == "bot" or (args.command is None and settings.telegram.token.get_secret_value())
    # The bot is a service and logs what it does; commands and the chat keep the terminal clean.
    _setup_logging(settings.log_level if runs_bot or args.verbose else "WARNING")
    try:
        return args.handler(args, settings) if args.command else run_main(args, settings)
    except DepecheError as exc:
        print(f"depeche: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(file=sys.stderr)  # the shell's prompt starts on a line of its own, not after `^C`
        return 130


def _positive_int(text: str) -> int:
    """An argparse type for counts such as --top-k: 1 or more, like the setting it overrides."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not allowed: give 1 or more")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="depeche",
        description="Questions over press articles, every claim cited. With no command: the Telegram "
        "bot when a token is set, otherwise a terminal chat.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command")

    index_parser = sub.add_parser("index", help="build, fill or inspect the index")
    index_parser.set_defaults(handler=lambda args, settings: _usage(index_parser))
    index = index_parser.add_subparsers(dest="index_command", metavar="{rebuild,status,add,update,gc}")
    p = index.add_parser("rebuild", help="index new and changed articles, drop removed ones")
    p.add_argument("--seeds", type=Path, help="folder of article files (default: the seeds_dir setting)")
    p.add_argument("--full", action="store_true", help="re-embed every article")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p.set_defaults(handler=cmd_rebuild)
    p = index.add_parser("status", help="what the index holds")
    p.add_argument("--json", action="store_true", help="print the status as one JSON object")
    p.set_defaults(handler=cmd_status)
    p = index.add_parser("add", help="fetch web pages or RSS/Atom feeds into the seeds, then rebuild")
    p.add_argument("urls", nargs="+", metavar="URL", help="an article page or a feed")
    p.add_argument("--json", action="store_true", help="JSON Lines: one object per page, then the rebuild summary")
    p.add_argument("--no-rebuild", action="store_true", help="only save the pages; index them later")
    p.set_defaults(handler=cmd_add)
    p = index.add_parser("update", help="fetch the sources.feeds, add what is new, then rebuild")
    p.add_argument("--json", action="store_true", help="JSON Lines: one object per feed item, then the rebuild summary")
    p.add_argument("--no-rebuild", action="store_true", help="only save the pages; index them later")
    p.set_defaults(handler=cmd_update)
    p = index.add_parser(
        "gc", help="drop this deployment's collections of other models or chunkings (run once every machine has rebuilt)"
    )
    p.add_argument("--dry-run", action="store_true", help="say what would be dropped, drop nothing")
    p.add_argument("--json", action="store_true", help="print what was (or would be) dropped as one JSON object")
    p.set_defaults(handler=cmd_gc)

    p = sub.add_parser("search", help="the best passages for a question")
    p.add_argument("question", help="the question, or - to read one per line from stdin (JSON Lines out)")
    p.add_argument("--top-k", type=_positive_int, default=None, help="how many passages (default: the retrieval.top_k setting)")
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")
    p.set_defaults(handler=cmd_search)

    p = sub.add_parser("ask", help="a cited answer to a question")
    p.add_argument("question", help="the question, or - to read one per line from stdin (JSON Lines out)")
    p.add_argument("--json", action="store_true", help="print the answer and its sources as one JSON object")
    p.set_defaults(handler=cmd_ask)

    p = sub.add_parser("chat", help="an interactive chat with follow-ups")
    p.set_defaults(handler=cmd_chat)

    p = sub.add_parser("eval", help="retrieval and answer quality on a labelled question set")
    p.add_argument("--dataset", type=Path, default=None, help="JSON Lines question set (default: the bundled one)")
    p.add_argument(
        "--articles", "--distractors", type=Path, action="append", default=None, dest="articles",
        help="a folder of articles indexed with the seeds; repeatable (default: tests/eval/distractors and "
        "tests/eval/articles)",
    )
    p.add_argument("--json", action="store_true", help="print the whole report, per case, as JSON")
    p.set_defaults(handler=cmd_eval)

    p = sub.add_parser("bot", help="run the Telegram bot")
    p.set_defaults(handler=cmd_bot)
    return parser


def _usage(parser: argparse.ArgumentParser) -> int:
    """A command group given no subcommand: say what it has, not "required: index_command"."""
    parser.print_help(sys.stderr)
    return 2


def _setup_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    # Request URLs carry the bot token: keep the HTTP client's request log out.
    for noisy in ("httpx", "httpcore", "chromadb", "bm25s", "sentence_transformers", "transformers", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _engine(settings, build_if_missing: bool = True):
    """The engine; with `build_if_missing`, a first run says it builds the index and shows how far it is."""
    from index.engine import Engine
    from index.snapshot import current_generation

    engine = Engine.open(settings, build_if_missing=False)
    # A reader never builds: it answers from what the writer published (issue 20).
    if build_if_missing and settings.index.role != "reader" and current_generation(settings.data_dir) is None:
        print(
            f"depeche: no index yet in {settings.data_dir}: building it from {settings.seeds_dir} "
            "(about half a minute for the bundled articles on 2 cores)…",
            file=sys.stderr, flush=True,
        )
        report = engine.rebuild(progress=_progress(True, level=logging.WARNING))
        print(f"depeche: index built: {_rebuild_summary(report)}", file=sys.stderr, flush=True)
    return engine


def _serving_engine(settings):
    """The engine of the long-running front ends: an index built with another encoder (every
    deployment after an encoder upgrade) is rebuilt before serving, its progress logged."""
    engine = _engine(settings)
    reason = engine.stale()
    if reason:
        log.warning("%s: re-embedding every article before serving", reason)
        print(f"depeche: {reason}: re-embedding every article first…", file=sys.stderr, flush=True)
        report = engine.rebuild(progress=_progress(True, level=logging.WARNING))
        log.warning("rebuilt: %d chunks embedded in %.0f s", report.chunks_embedded, report.seconds)
    return engine


# What is done to each thing a progress counts, by its unit: the bar's and the log line's verb.
_DONE = {"chunk": "encoded", "sentence": "encoded", "question": "answered"}
_DOING = {"chunk": "encoding", "sentence": "encoding", "question": "answering"}


class _LogProgress:
    """Progress as log lines: about every tenth of the way, or every few seconds when the total is
    not known ahead (what a terminal-less stderr gets)."""

    EVERY = 5.0  # seconds between lines without a total

    def __init__(self, total: int | None, unit: str, level: int) -> None:
        self.total, self.unit, self.level = total, unit, level
        self.done, self.next, self.last = 0, 0, time.monotonic()

    def update(self, n: int) -> None:
        self.done += n
        if self.total is not None and self.done >= self.next:
            self._say(f"{self.done} of {self.total} {self.unit}s {_DONE[self.unit]}")
            self.next = self.done + max(1, self.total // 10)
        elif self.total is None and time.monotonic() - self.last >= self.EVERY:
            self._say(f"{self.done} {self.unit}s {_DONE[self.unit]} so far")
            self.last = time.monotonic()

    def set_postfix_str(self, text: str) -> None:
        """What the rebuild adds beside the count (chunks encoded in the batch under way), every few seconds."""
        if time.monotonic() - self.last >= self.EVERY:
            self._say(f"{self.done} of {self.total} {self.unit}s stored, {text}")
            self.last = time.monotonic()

    def _say(self, text: str) -> None:
        # Progress the user is to see (the first run, eval) is a message of the command's own, as
        # its other "depeche: …" lines, not a log record stamped WARNING; else a log line (-v).
        if self.level >= logging.WARNING:
            print(f"depeche: {text}", file=sys.stderr, flush=True)
        else:
            log.log(self.level, "%s", text)

    def close(self) -> None:
        """The last count, when the total was not known ahead."""
        if self.total is None:
            self._say(f"{self.done} {self.unit}s {_DONE[self.unit]}")


def _progress(enabled: bool, level: int = logging.INFO) -> Callable | None:
    """A rebuild's progress: bars on a terminal's stderr, log lines (at `level`) elsewhere."""
    if not enabled:
        return None
    if not sys.stderr.isatty():
        return lambda total, unit: _LogProgress(total, unit, level)
    from tqdm import tqdm

    return lambda total, unit: tqdm(
        total=total, unit=f" {unit}s", desc=f"{_DOING[unit]} {unit}s", file=sys.stderr
    )


# --- index ------------------------------------------------------------------------------


def cmd_rebuild(args, settings) -> int:
    """`depeche index rebuild`."""
    engine = _engine(settings, build_if_missing=False)
    report = engine.rebuild(args.seeds, full=args.full, progress=_progress(not args.json))
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
        return 0
    for line in report.notices:
        print(f"  {line}")
    if report.reason:
        print(report.reason)
    print(_rebuild_summary(report))
    return 0


def _rebuild_summary(report) -> str:
    """The rebuild's one-line summary (and a second when the store had lost vectors)."""
    line = (
        f"added {len(report.added)}, updated {len(report.updated)}, removed {len(report.removed)}, "
        f"unchanged {len(report.unchanged)}, skipped {len(report.skipped)}; "
        f"{report.chunks_embedded} {_chunks(report.chunks_embedded)} embedded, {report.chunks_total} in the index; "
        f"{report.seconds:.1f} s"
    )
    if report.vectors_restored:
        line += f"\n{report.vectors_restored} vectors were missing from the store and were re-embedded"
    for joined in report.joined:
        line += f"\n{joined['article_id']} joined the story of {joined['representative']}"
    return line


def _chunks(n: int) -> str:
    return "chunk" if n == 1 else "chunks"


def cmd_add(args, settings) -> int:
    """`depeche index add URL…`."""
    from index.web.add import add_urls

    return _report_sources(args, settings, add_urls(settings, args.urls))


def cmd_update(args, settings) -> int:
    """`depeche index update`."""
    from index.web.add import update_feeds

    if not settings.sources.feeds:
        print("depeche: no feeds to update: set sources.feeds (DEPECHE_SOURCES__FEEDS=url1,url2).", file=sys.stderr)
        return 2
    return _report_sources(args, settings, update_feeds(settings))


def _report_sources(args, settings, results) -> int:
    """A line per page (or JSON Lines), then the incremental rebuild and its summary line."""
    if args.json:
        # JSON lines name each page's story, known once the rebuild has grouped it (null without one).
        engine = None if args.no_rebuild else _engine(settings, build_if_missing=False)
        report = engine.rebuild(progress=_progress(False)) if engine is not None else None
        snapshot = engine.loaded().snapshot if engine is not None else None
        for result in results:
            story = snapshot.articles.get(result.article_id or "", {}).get("story") if snapshot else None
            where = {"story": story, "representative": snapshot.stories[story][0] if story else None}
            print(json.dumps({**result.to_dict(), **where}, ensure_ascii=False), flush=True)
        if report is not None:
            print(json.dumps(report.to_dict(), ensure_ascii=False))
        return 1 if any(result.status == "failed" for result in results) else 0
    for result in results:
        if result.status == "failed":
            print(f"failed     {result.error}", flush=True)
        else:
            where = f"{result.outlet or '-'}, {result.date or 'undated'}"
            also = f" (same text as {result.article_id})" if result.status == "duplicate" else f" ({result.article_id})"
            print(f"{result.status:<10} {where} — {result.title}{also}", flush=True)
    if not args.no_rebuild:
        print(_rebuild_summary(_engine(settings, build_if_missing=False).rebuild(progress=_progress(True))))
    return 1 if any(result.status == "failed" for result in results) else 0


def cmd_status(args, settings) -> int:
    """`depeche index status`."""
    status = _engine(settings, build_if_missing=False).status()
    if args.json:
        print(json.dumps(asdict(status), ensure_ascii=False))
        return 0
    stories = f", {status.stories} stories" if status.stories is not None else ""
    print(f"articles: {status.articles} ({status.undated} undated){stories}")
    print(f"chunks: {status.chunks}")
    print(f"dates: {status.date_min or '-'} to {status.date_max or '-'}")
    print(f"model: {status.model} (collection {status.collection})")
    print(f"last rebuilt: {status.last_rebuilt}")
    print(f"vectors: {status.vectors_present} of {status.vectors_expected} present")
    if status.vectors_present is not None and status.vectors_present < (status.vectors_expected or 0):
        print("  search uses BM25 alone for the missing ones: run `depeche index rebuild` to re-embed them")
    if status.sentence_vectors_expected is None:
        print("sentence vectors: none (index built before them): run `depeche index rebuild` to store them")
    else:
        print(f"sentence vectors: {status.sentence_vectors_present} of {status.sentence_vectors_expected} present")
        if (status.sentence_vectors_present or 0) < status.sentence_vectors_expected:
            print("  answers encode the missing ones per question (slower): run `depeche index rebuild` to store them")
    return 0


def cmd_gc(args, settings) -> int:
    """`depeche index gc`."""
    from index.rebuild import collect_garbage
    from index.store import open_client

    # No model to load: collections are told apart by name and label.
    report = collect_garbage(settings, open_client(settings.chroma, settings.data_dir), dry_run=args.dry_run)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
        return 0
    verb = "would drop" if report.dry_run else "dropped"
    for name in report.dropped:
        print(f"{verb} {name}")
    for name in report.unlabelled:
        print(f"left alone {name}: named like this deployment's but unlabelled (made before deployments); "
              "delete it by hand if it is yours")
    for name in report.generations:
        print(f"{verb} published generation {name}")
    print(f"deployment {report.deployment}: {len(report.dropped)} collection(s) {verb}, kept {report.current}")
    return 0


# --- questions --------------------------------------------------------------------------


def hit_json(hit) -> dict:
    """The `search` result contract."""
    return {
        "rank": hit.rank, "article_id": hit.article_id, "title": hit.title, "date": hit.date,
        "outlet": hit.outlet, "text": hit.text, "score": round(hit.score, 6),
    }


def time_json(time: dict) -> dict:
    """What a question was understood to ask of time: `{"kind", "from", "to"}` (`to` inclusive)."""
    return {"kind": time.get("kind", "none"), "from": time.get("from"), "to": time.get("to")}


def answer_json(answer) -> dict:
    """The `ask` result contract."""
    return {
        "question": answer.question,
        "answer": answer.text,
        "abstained": answer.abstained,
        "time": time_json(answer.time),
        "sources": [
            {"n": s.n, "article_id": s.article_id, "title": s.title, "date": s.date, "outlet": s.outlet,
             "passage": s.passage,
             **({"passages": list(s.passages)} if len(s.passages) > 1 else {}),
             "speaker": {"name": s.speaker.name, "key": s.speaker.key} if s.speaker else None,
             "url": s.url,
             "also_in": [{"article_id": a.article_id, "outlet": a.outlet, "date": a.date, "url": a.url}
                         for a in s.also_in],
             **({"superseded": True} if s.superseded else {})}
            for s in answer.sources
        ],
    }


def format_answer(answer) -> str:
    """An answer and its sources as plain text for the terminal."""
    from index.language import phrase
    from index.present import source_line

    lines = [answer.text]
    if answer.sources:
        lines += ["", f"{phrase('sources', answer.language)} :" if answer.language == "fr" else "Sources:"]
        lines += [f"  {source_line(s, answer.language)}" for s in answer.sources]
    return "\n".join(lines)


def _questions(question: str) -> Iterable[str]:
    if question != "-":
        yield question
        return
    # Every line, blank ones too: each gets its JSON line (an `error` for a blank one), so output
    # lines match input lines.
    for line in sys.stdin:
        yield line.rstrip("\n")


def _run_questions(args, settings, one: Callable[[object, str], dict], text: Callable[[object, str], str]) -> int:
    """Shared by `search` and `ask`: one question or JSON Lines from stdin, in one process."""
    from index.errors import BadQuestion
    from index.questions import check_question

    if args.question != "-":
        check_question(args.question, settings.max_question_chars)  # refuse before loading the model
    engine = _engine(settings)
    failures = 0
    for question in _questions(args.question):
        try:
            if args.json or args.question == "-":
                print(json.dumps(one(engine, question), ensure_ascii=False), flush=True)
            else:
                print(text(engine, question))
        except BadQuestion as exc:
            failures += 1
            if args.question == "-":
                print(json.dumps({"question": question[:200], "error": str(exc)}, ensure_ascii=False), flush=True)
            else:
                print(f"depeche: {exc}", file=sys.stderr)
    return 1 if failures else 0


def cmd_search(args, settings) -> int:
    """`depeche search`."""

    def one(engine, question):
        asked, hits = engine.search_understood(question, args.top_k)
        return {"question": question, "time": time_json(asked.time.to_dict()), "results": [hit_json(h) for h in hits]}

    def text(engine, question):
        from index.present import byline

        asked, hits = engine.search_understood(question, args.top_k)
        language = asked.language
        # Each result a block: its heading, then every line of the passage indented under it.
        return "\n\n".join(
            f"{h.rank}. [{h.score:.4f}] {byline(h.outlet, h.date, h.date_precision, language)} — {h.title} "
            f"({h.article_id})\n{textwrap.indent(h.text.strip(), '   ', lambda line: True)}"
            for h in hits
        ) or "(no passage found)"

    return _run_questions(args, settings, one, text)


def cmd_ask(args, settings) -> int:
    """`depeche ask`."""
    return _run_questions(
        args, settings,
        lambda engine, q: answer_json(engine.ask(q)),
        lambda engine, q: format_answer(engine.ask(q)),
    )


def cmd_eval(args, settings) -> int:
    """`depeche eval`: its stages on stderr, as they start."""

    def stage(text: str) -> None:
        print(f"depeche eval: {text}", file=sys.stderr, flush=True)

    stage("loading the eval libraries and the model…")
    from index.embeddings import Embedder
    from index.evals.metrics import load_cases
    from index.evals.runner import run_eval

    dataset = args.dataset or EVAL_DIR / "questions.jsonl"
    articles = args.articles or [d for d in (EVAL_DIR / "distractors", EVAL_DIR / "articles") if d.is_dir()]
    if not dataset.is_file():
        print(f"depeche: no question set at {dataset}", file=sys.stderr)
        return 2
    try:
        load_cases(dataset)
    except ValueError as exc:
        print(f"depeche: {exc}", file=sys.stderr)
        return 2
    embedder = Embedder(settings.embedding)
    report = run_eval(
        settings, embedder, dataset, articles, settings.data_dir / "eval",
        stage=stage, progress=_progress(True, level=logging.WARNING),
    )
    data = report.to_dict()
    # The categories with corpora of their own, each indexed apart so the news categories don't move.
    categories = (
        ("time", "news over time, over a dated corpus of its own", "index.evals.timecases", "run_time_eval"),
        ("piaf", "crowd-written questions over French Wikipedia, over a corpus of its own",
         "index.evals.piafcases", "run_piaf_eval"),
    )
    tables = [report.table()]
    for name, what, module, function in categories if args.dataset is None else ():
        if not (EVAL_DIR / name / "questions.jsonl").is_file():
            continue
        run = getattr(importlib.import_module(module), function)
        stage(f"the {name} category: {what}")
        category = run(settings, embedder, EVAL_DIR / name / "questions.jsonl", EVAL_DIR / name / "articles",
                       settings.data_dir / f"eval-{name}")
        data[name] = category.to_dict()
        tables.append(category.table())
    stage(f"done in {report.seconds:.0f} s")
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=1))
    else:
        print("\n\n".join(tables))
    return 0


def cmd_bot(args, settings) -> int:
    """`depeche bot`."""
    if not settings.telegram.token.get_secret_value():
        print("depeche: no bot token: set DEPECHE_TELEGRAM__TOKEN (see docs/telegram.md).", file=sys.stderr)
        return 2
    from bot.tgbot.app import run

    run(settings, _serving_engine(settings))
    return 0


def cmd_chat(args, settings) -> int:
    """`depeche chat`."""
    from bot.chat import chat

    return chat(settings, _serving_engine)


def run_main(args, settings) -> int:
    """No command: the bot when a token is set, otherwise the terminal chat."""
    if settings.telegram.token.get_secret_value():
        return cmd_bot(args, settings)
    return cmd_chat(args, settings)


if __name__ == "__main__":
    sys.exit(main())
