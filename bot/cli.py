"""The `depeche` command: index, search, ask, chat, eval and the bot, over one engine."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path

from index.errors import DepecheError

log = logging.getLogger("depeche")
# The labelled question set and its distractor articles, in a checkout of the repository.
EVAL_DIR = Path(__file__).resolve().parents[1] / "tests" / "eval"


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    args = _parser().parse_args(argv)
    from config import Settings

    try:
        settings = Settings()
    except Exception as exc:  # pydantic's ValidationError names the bad setting
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
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="depeche",
        description="Questions over press articles, every claim cited. With no command: the Telegram "
        "bot when a token is set, otherwise a terminal chat.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command")

    index = sub.add_parser("index", help="build or inspect the index").add_subparsers(dest="index_command", required=True)
    p = index.add_parser("rebuild", help="index new and changed articles, drop removed ones")
    p.add_argument("--seeds", type=Path, help="folder of article files (default: the seeds_dir setting)")
    p.add_argument("--full", action="store_true", help="re-embed every article")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p.set_defaults(handler=cmd_rebuild)
    p = index.add_parser("status", help="what the index holds")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_status)
    p = index.add_parser(
        "gc", help="drop this deployment's collections of other models or chunkings (run once every machine has rebuilt)"
    )
    p.add_argument("--dry-run", action="store_true", help="say what would be dropped, drop nothing")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_gc)

    p = sub.add_parser("search", help="the best passages for a question")
    p.add_argument("question", help="the question, or - to read one per line from stdin (JSON Lines out)")
    p.add_argument("--top-k", type=int, default=None)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_search)

    p = sub.add_parser("ask", help="a cited answer to a question")
    p.add_argument("question", help="the question, or - to read one per line from stdin (JSON Lines out)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_ask)

    p = sub.add_parser("chat", help="an interactive chat with follow-ups")
    p.set_defaults(handler=cmd_chat)

    p = sub.add_parser("eval", help="retrieval and answer quality on a labelled question set")
    p.add_argument("--dataset", type=Path, default=None, help="JSON Lines question set (default: the bundled one)")
    p.add_argument("--distractors", type=Path, default=None, help="extra articles indexed with the seeds")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_eval)

    p = sub.add_parser("bot", help="run the Telegram bot")
    p.set_defaults(handler=cmd_bot)
    return parser


def _setup_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    # Request URLs carry the bot token: keep the HTTP client's request log out.
    for noisy in ("httpx", "httpcore", "chromadb", "bm25s", "sentence_transformers", "transformers", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _engine(settings, build_if_missing: bool = True):
    from index.engine import Engine

    return Engine.open(settings, build_if_missing=build_if_missing)


def _progress(enabled: bool) -> Callable | None:
    if not enabled or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return lambda total: tqdm(total=total, unit="chunk", desc="embedding", file=sys.stderr)


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
    print(
        f"added {len(report.added)}, updated {len(report.updated)}, removed {len(report.removed)}, "
        f"unchanged {len(report.unchanged)}, skipped {len(report.skipped)}; "
        f"{report.chunks_embedded} chunks embedded, {report.chunks_total} in the index; {report.seconds:.1f} s"
    )
    if report.vectors_restored:
        print(f"{report.vectors_restored} vectors were missing from the store and were re-embedded")
    return 0


def cmd_status(args, settings) -> int:
    """`depeche index status`."""
    status = _engine(settings, build_if_missing=False).status()
    if args.json:
        print(json.dumps(asdict(status), ensure_ascii=False))
        return 0
    print(f"articles: {status.articles} ({status.undated} undated)")
    print(f"chunks: {status.chunks}")
    print(f"dates: {status.date_min or '-'} to {status.date_max or '-'}")
    print(f"model: {status.model} (collection {status.collection})")
    print(f"last rebuilt: {status.last_rebuilt}")
    print(f"vectors: {status.vectors_present} of {status.vectors_expected} present")
    if status.vectors_present is not None and status.vectors_present < (status.vectors_expected or 0):
        print("  search uses BM25 alone for the missing ones: run `depeche index rebuild` to re-embed them")
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
    print(f"deployment {report.deployment}: {len(report.dropped)} collection(s) {verb}, kept {report.current}")
    return 0


# --- questions --------------------------------------------------------------------------


def hit_json(hit) -> dict:
    """The `search` result contract."""
    return {
        "rank": hit.rank, "article_id": hit.article_id, "title": hit.title, "date": hit.date,
        "outlet": hit.outlet, "text": hit.text, "score": round(hit.score, 6),
    }


def answer_json(answer) -> dict:
    """The `ask` result contract."""
    return {
        "question": answer.question,
        "answer": answer.text,
        "abstained": answer.abstained,
        "sources": [
            {"n": s.n, "article_id": s.article_id, "title": s.title, "date": s.date, "outlet": s.outlet,
             "passage": s.passage}
            for s in answer.sources
        ],
    }


def format_answer(answer) -> str:
    """An answer and its sources as plain text for the terminal."""
    from index.answers import format_date
    from index.language import phrase

    lines = [answer.text]
    if answer.sources:
        lines += ["", f"{phrase('sources', answer.language)} :" if answer.language == "fr" else "Sources:"]
        for s in answer.sources:
            outlet = s.outlet or phrase("unknown_outlet", answer.language)
            lines.append(f"  [{s.n}] {outlet}, {format_date(s.date, s.date_precision, answer.language)} — {s.title} ({s.article_id})")
    return "\n".join(lines)


def _questions(question: str) -> Iterable[str]:
    if question != "-":
        yield question
        return
    for line in sys.stdin:
        if line.strip():
            yield line.rstrip("\n")


def _run_questions(args, settings, one: Callable[[object, str], dict], text: Callable[[object, str], str]) -> int:
    """Shared by `search` and `ask`: one question or JSON Lines from stdin, in one process."""
    from index.engine import check_question
    from index.errors import BadQuestion

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
        return {"question": question, "results": [hit_json(h) for h in engine.search(question, args.top_k)]}

    def text(engine, question):
        hits = engine.search(question, args.top_k)
        return "\n\n".join(
            f"{h.rank}. [{h.score:.4f}] {h.outlet or '-'}, {h.date or 'undated'} — {h.title} ({h.article_id})\n   {h.text}"
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


def cmd_chat(args, settings, stdin=None, stdout=None) -> int:
    """`depeche chat`: a terminal conversation with follow-ups; /reset, /sources, /quit."""
    from index.answers import format_date
    from index.conversation import Conversation
    from index.errors import BadQuestion

    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    print("Dépêche — chargement du modèle et de l'index…", file=stdout, flush=True)
    engine = _engine(settings)
    status = engine.status()
    print(
        f"{status.articles} articles ({status.date_min or '?'} → {status.date_max or '?'}). "
        "Posez une question ; /reset pour oublier la conversation, /sources pour les passages cités, /quit pour sortir.",
        file=stdout, flush=True,
    )
    conversation = Conversation(max_turns=settings.telegram.history_turns)
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
                when = format_date(s.date, s.date_precision, last.language)
                print(f"[{s.n}] {s.outlet or '-'}, {when} — {s.title}\n{s.passage}\n", file=stdout)
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


def cmd_eval(args, settings) -> int:
    """`depeche eval`."""
    from index.evals.runner import run_cli

    dataset = args.dataset or EVAL_DIR / "questions.jsonl"
    distractors = args.distractors or (EVAL_DIR / "distractors" if (EVAL_DIR / "distractors").is_dir() else None)
    return run_cli(settings, dataset, distractors, args.json)


def cmd_bot(args, settings) -> int:
    """`depeche bot`."""
    if not settings.telegram.token.get_secret_value():
        print("depeche: no bot token: set DEPECHE_TELEGRAM__TOKEN (see README).", file=sys.stderr)
        return 2
    from bot.tgbot.app import run

    run(settings, _engine(settings))
    return 0


def run_main(args, settings) -> int:
    """No command: the bot when a token is set, otherwise the terminal chat."""
    if settings.telegram.token.get_secret_value():
        return cmd_bot(args, settings)
    return cmd_chat(args, settings)


if __name__ == "__main__":
    sys.exit(main())
