"""Command-line subcommands of the knowledge engine: index, search, ask, keypoints, chat."""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from pathlib import Path
from typing import Callable

from indexer.answer import DECLINED_SMALL_TALK, Answer, Citation, citation_line
from indexer.errors import IndexerError
from indexer.service import IndexConfig, KnowledgeBase

EXIT_USAGE = 1
EXIT_INDEXER = 2


Config = Callable[[argparse.Namespace], IndexConfig]


def register(subparsers: argparse._SubParsersAction, config: Config) -> None:
    """Add the indexer subcommands to a parent parser; each sets `func(args) -> int`.

    `config(args)` gives the IndexConfig (the `loa` command derives it from its settings)."""
    _guard = functools.partial(_guarded, config=config)
    p = subparsers.add_parser("index", help="lập hoặc cập nhật chỉ mục văn bản (chỉ đọc lại tệp đã đổi)")
    p.add_argument("--force", action="store_true", help="đọc lại và tính lại mọi tệp")
    p.set_defaults(func=_guard(cmd_index))

    p = subparsers.add_parser("search",
                              help="các đoạn văn bản sát nhất với câu hỏi (hoặc từng dòng của tệp)")
    p.add_argument("query", nargs="?")
    p.add_argument("--batch", metavar="FILE", help="mỗi dòng một câu hỏi (UTF-8; - là đầu vào chuẩn); "
                   "với --json in mỗi dòng một đối tượng JSON, theo thứ tự")
    p.add_argument("--k", type=int, default=5, help="số đoạn (mặc định 5)")
    p.add_argument("--json", action="store_true", help="in JSON")
    p.set_defaults(func=_guard(cmd_search))

    p = subparsers.add_parser("ask", help="trả lời câu hỏi bằng trích dẫn văn bản")
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="in một đối tượng JSON")
    p.set_defaults(func=_guard(cmd_ask))

    p = subparsers.add_parser("keypoints", help="dàn ý điểm chính của một văn bản (hoặc mọi văn bản)")
    p.add_argument("document", nargs="?", help="mã, tên tệp hoặc số thứ tự văn bản")
    p.set_defaults(func=_guard(cmd_keypoints))

    p = subparsers.add_parser("chat", help="hỏi đáp trên máy (gõ q hoặc Ctrl-D để thoát)")
    p.set_defaults(func=_guard(cmd_chat))


def _guarded(command: Callable[[argparse.Namespace, KnowledgeBase], int], config: Config) -> Callable[[argparse.Namespace], int]:
    """Run a command against the configured knowledge base; indexer errors become one line on stderr."""

    def run(args: argparse.Namespace) -> int:
        try:
            return command(args, KnowledgeBase(config(args)))
        except IndexerError as exc:
            print(f"lỗi: {exc}", file=sys.stderr)
            return EXIT_INDEXER

    run.__doc__ = command.__doc__
    return run


class BuildProgress:
    """Prints how far the embedding of a long build is, every few seconds, on standard error.

    A build of a few files ends before the first line; a big folder (20,000 chunks: over half an
    hour on two cores) shows the count, the rate and the time left, so nobody stops it as hung.
    """

    def __init__(self, stream=None, every: float = 5.0):
        self.stream = stream if stream is not None else sys.stderr
        self.every = every
        self.started = self.last = time.monotonic()
        self.first: int | None = None
        self.printed = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if self.first is None:
            self.first, self.started, self.last = done, now, now
            if done:
                self._print(f"tiếp tục: {done:,}/{total:,} đoạn đã được tính ở lần lập chỉ mục bị ngắt")
            return
        if now - self.last < self.every and not (done == total and self.printed):
            return
        self.last = now
        rate = (done - self.first) / max(now - self.started, 1e-9)
        left = (total - done) / rate if rate > 0 else 0.0
        tail = f", còn khoảng {_duration(left)}" if done < total else ""
        self._print(f"tính vector: {done:,}/{total:,} đoạn ({rate:.1f}/giây{tail})")

    def _print(self, line: str) -> None:
        print(line, file=self.stream, flush=True)
        self.printed = True


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    return f"{minutes} phút" if minutes else f"{int(seconds)} giây"


def cmd_index(args: argparse.Namespace, kb: KnowledgeBase) -> int:
    """Build the index and print what was done; unreadable files make the exit code non-zero."""
    report = kb.build(force=args.force, progress=BuildProgress(), merge=True)
    for line in report.lines():
        print(line)
    for name, reason in report.errors:
        print(f"lỗi: {name}: {reason}", file=sys.stderr)
    return EXIT_USAGE if report.errors else 0


def cmd_search(args: argparse.Namespace, kb: KnowledgeBase) -> int:
    """Print the ranked passages for one query, or for every line of a file (--batch)."""
    if args.k < 1:
        print("lỗi: --k phải từ 1 trở lên", file=sys.stderr)
        return EXIT_USAGE
    if args.batch is not None:
        if args.query is not None:
            print("lỗi: chỉ dùng một trong hai: câu hỏi hoặc --batch TỆP", file=sys.stderr)
            return EXIT_USAGE
        return _search_batch(args, kb)
    if args.query is None:
        print("lỗi: hãy cho một câu hỏi, hoặc --batch TỆP", file=sys.stderr)
        return EXIT_USAGE
    hits = kb.search(args.query, k=args.k)
    if args.json:
        print(json.dumps([h.to_json() for h in hits], ensure_ascii=False, indent=2))
        return 0
    _print_hits(hits)
    return 0


def _print_hits(hits) -> None:
    for rank, h in enumerate(hits, 1):
        print(f"{rank}. [{h.score:.3f} bm25={h.lexical_score:.2f} cos={h.dense_score:.2f}] {h.document}")
        print(f"   {h.section}")
        print("   " + h.text.replace("\n", "\n   "))
        print()


BATCH_SIZE = 256  # questions embedded together; output is written after each group


def _search_batch(args: argparse.Namespace, kb: KnowledgeBase) -> int:
    """One question per input line, results in the same order; blank lines are skipped."""
    try:
        if args.batch == "-":
            lines = sys.stdin.buffer.read().decode("utf-8-sig").splitlines()
        else:
            lines = Path(args.batch).read_bytes().decode("utf-8-sig").splitlines()
    except OSError as exc:
        print(f"lỗi: không đọc được {args.batch}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    except UnicodeDecodeError:
        print(f"lỗi: {args.batch} không phải văn bản UTF-8", file=sys.stderr)
        return EXIT_USAGE
    questions = [line.strip() for line in lines if line.strip()]
    for start in range(0, len(questions), BATCH_SIZE):
        group = questions[start:start + BATCH_SIZE]
        for q, hits in zip(group, kb.search_many(group, k=args.k)):
            if args.json:
                print(json.dumps({"q": q, "hits": [_batch_hit(h) for h in hits]}, ensure_ascii=False))
            else:
                print(f"## {q}")
                _print_hits(hits)
        sys.stdout.flush()
    return 0


def _batch_hit(h) -> dict:
    return {"doc_id": h.doc_id, "document": h.document, "section": h.section, "score": round(h.score, 4),
            "text": h.text}


RELATED_TEXT = "Loa chưa chắc đoạn này trả lời đúng câu hỏi của bạn. Đoạn liên quan nhất:"
# A greeting, thanks or "ok" typed at the console is not a question the documents fail to answer.
SMALL_TALK_TEXT = ("Loa trả lời câu hỏi về các văn bản: hãy gõ một câu hỏi (có dấu hoặc không dấu), "
                   "ví dụ: nhiem vu cua ban tuyen giao thi uy la gi")


def answer_text(answer: Answer) -> str:
    """The answer as the console shows it: the quote, the most related passage marked as not sure, or
    "not covered"."""
    if answer.reason == DECLINED_SMALL_TALK:
        return SMALL_TALK_TEXT
    if answer.outcome != "related":
        return answer.answer
    q = answer.related[0]
    source = citation_line(Citation(q.document, q.section, q.doc_id, label=q.label))
    return "\n".join(p for p in (RELATED_TEXT, q.heading, q.excerpt, source) if p)


def cmd_ask(args: argparse.Namespace, kb: KnowledgeBase) -> int:
    """Print the answer (or the JSON: "found" only when sure, "outcome" sure/related/none, "related" the
    passages shown as not sure)."""
    answer = kb.ask(args.question)
    print(json.dumps(answer.to_json(), ensure_ascii=False, indent=2) if args.json else answer_text(answer))
    return 0


def cmd_keypoints(args: argparse.Namespace, kb: KnowledgeBase) -> int:
    """Print the outline of one document, or of each."""
    docs = [kb.document(args.document)] if args.document else kb.documents()
    for doc in docs:
        print(f"{doc.display}  [{doc.doc_id}]")
        if doc.title:
            print(doc.title)
        for kp in kb.keypoints(doc.doc_id):
            print("  " * (kp.level + 1) + f"{kp.label} {kp.text}".strip())
        print()
    return 0


def cmd_chat(args: argparse.Namespace, kb: KnowledgeBase) -> int:
    """Read questions from the console until EOF or "q"."""
    kb.load()
    print("Hỏi về các tài liệu (gõ q để thoát).")
    while True:
        try:
            question = input("> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if question.lower() in ("q", "quit", "exit", "thoát"):
            return 0
        if not question:
            continue
        kb.reload_if_changed()
        print(answer_text(kb.ask(question)))
        print()


def _settings_config(args: argparse.Namespace) -> IndexConfig:
    # The project's one settings object (environment and .env) also configures the indexer.
    from bot.config import Settings, SettingsError

    try:
        return Settings.from_env().index_config
    except SettingsError as exc:
        raise IndexerError(str(exc)) from exc


def main(argv: list[str] | None = None) -> int:
    """`python -m indexer`: the same subcommands without the bot."""
    parser = argparse.ArgumentParser(prog="python -m indexer", description=__doc__)
    register(parser.add_subparsers(dest="command", required=True), config=_settings_config)
    args = parser.parse_args(argv)
    return args.func(args)
