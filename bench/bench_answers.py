"""Answer quality on the dev sets: the ledger of both kinds of failure, per document set and per part.

    python bench/bench_answers.py                    # every set: plan, samples, real
    python bench/bench_answers.py --set real         # one set (repeat --set for several)
    python bench/bench_answers.py --misses           # list the tuning parts' misses (--misses held_out: the others)
    python bench/bench_answers.py --outcomes FILE    # write every question's outcome as JSON lines (for fitting)

Document sets (each indexed on its own with the configured embedding model, LOA_EMBEDDING_MODEL…):
- plan:    knowledge/ alone (the plan for Directive 30), tests/devset_plan.json (a new user's questions);
- samples: knowledge/ + the invented samples of tests/fixtures/knowledge, tests/devset.json;
- real:    knowledge/ + the 40 real 2025 documents of tests/fixtures/real-docs, tests/devset_real.json.
Each set has a tuning part and a held-out part written before any tuning and never tuned on. Outcomes: (a) the
quote as the answer, (b) "not sure, the most related passage:" (the member decides whether to ask the board),
(c) nothing related: to the board. Answered right = (a) with the right passage; shown = (a) or (b) with it; false
answers = (a) on a question the documents do not answer.

Indexes are kept in var/bench/<set>/ and passage vectors in var/bench/vectors.npz, so a re-run after a change of
the decision takes seconds and one after a change of the chunker re-embeds only the passages whose text changed.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bot.config import Settings  # noqa: E402
from indexer import KnowledgeBase  # noqa: E402
from indexer.evaluation import HELD_OUT, TUNE, TradeOff, load_devset, run, small_talk_recognised, trade_off  # noqa: E402

TESTS = ROOT / "tests"
REAL_DOCS = TESTS / "fixtures" / "real-docs"
SETS = {
    "plan": TESTS / "devset_plan.json",
    "samples": TESTS / "devset.json",
    "real": TESTS / "devset_real.json",
}
WORK = ROOT / "var" / "bench"


class CachedEmbedder:
    """The configured embedder, its passage vectors remembered on disk by text (bench runs only)."""

    def __init__(self, inner, path: Path):
        self.inner = inner
        self.dimension = inner.dimension
        self.path = path
        self.vectors: dict[str, np.ndarray] = {}
        if path.exists():
            with np.load(path, allow_pickle=False) as z:
                self.vectors = dict(zip(z["keys"].tolist(), z["vectors"]))

    def __getattr__(self, name):
        return getattr(self.inner, name)

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]

    def encode_queries(self, texts):
        return self.inner.encode_queries(texts)

    def encode_passages(self, texts):
        keys = [self.key(t) for t in texts]
        todo = [i for i, k in enumerate(keys) if k not in self.vectors]
        if todo:
            fresh = self.inner.encode_passages([texts[i] for i in todo])
            for i, v in zip(todo, fresh):
                self.vectors[keys[i]] = np.asarray(v, dtype=np.float32)
            self.save()
        return np.vstack([self.vectors[k] for k in keys]) if keys else np.zeros((0, self.dimension), np.float32)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp.npz")
        keys = list(self.vectors)
        np.savez(tmp, keys=np.array(keys), vectors=np.vstack([self.vectors[k] for k in keys]))
        os.replace(tmp, self.path)


def knowledge_of(name: str) -> tuple[Path, tuple[Path, ...]]:
    """(knowledge folder, extra folders) of a document set."""
    if name == "plan":
        return ROOT / "knowledge", ()
    if name == "real":
        return ROOT / "knowledge", (REAL_DOCS,)
    spec = importlib.util.spec_from_file_location("loa_knowledge_samples", TESTS / "fixtures/knowledge/build.py")
    samples = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(samples)
    folder = WORK / "samples" / "knowledge"
    shutil.rmtree(folder, ignore_errors=True)
    return samples.build_knowledge(folder), ()


def set_kb(name: str) -> KnowledgeBase:
    """The document set's knowledge base, built (incrementally) under var/bench/<name>/."""
    knowledge, extra = knowledge_of(name)
    config = replace(Settings.from_env().index_config, knowledge_dir=knowledge, index_dir=WORK / name / "index",
                     extra_dirs=extra)
    kb = KnowledgeBase(config)
    embedder = CachedEmbedder(kb._embedder(), WORK / f"vectors-{config.model.replace('/', '_')}.npz")
    kb._embedder = lambda: embedder  # noqa: SLF001 - a bench-only cache of passage vectors
    kb.build()
    return kb


def table(outcomes, label: str) -> None:
    print(TradeOff.HEADER)
    for part in (TUNE, HELD_OUT, None):
        chosen = [o for o in outcomes if part is None or o.question.split == part]
        if chosen:
            print(trade_off(chosen).row(f"{label} {part or 'all'}"))
    got, total = small_talk_recognised(outcomes)
    if total:
        print(f"small talk recognised: {got}/{total}")


def describe(o) -> str:
    q = o.question
    if q.answerable:
        verdict = {"a": "answered" if o.right else "WRONG PASSAGE", "b": "related" + ("" if o.related_right else
                   " (wrong)"), "c": "declined"}[o.outcome]
    else:
        verdict = {"a": "FALSE ANSWER", "b": "related shown", "c": "declined"}[o.outcome]
    want = q.expect[:2] if q.expect else [t[:60] for t in q.expect_text[:1]]
    return (f"- [{q.type}] {q.question!r}: {verdict} ({o.reason or 'answered'}; p={o.score:.2f}; top3 {o.top3}); "
            f"first: {o.first}; want {q.doc + ' ' if q.doc else ''}{want}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", action="append", choices=list(SETS), help="document set(s); default all")
    parser.add_argument("--misses", nargs="?", const=TUNE, choices=[TUNE, HELD_OUT, "all"],
                        help="list the misses of one part")
    parser.add_argument("--outcomes", type=Path, help="write each question's outcome as JSON lines")
    args = parser.parse_args()
    everything = []
    for name in args.set or list(SETS):
        questions = load_devset(SETS[name])
        started = time.perf_counter()
        kb = set_kb(name)
        built = time.perf_counter() - started
        print(f"\n== {name}: {len(questions)} questions ({sum(q.split == HELD_OUT for q in questions)} held out) "
              f"over {len(kb.documents())} documents, {kb.stats().chunks} passages; model {kb.config.model} "
              f"(index ready in {built:.0f} s)")
        started = time.perf_counter()
        outcomes = run(kb, questions)
        print(f"({(time.perf_counter() - started) / len(questions) * 1000:.0f} ms per question)")
        table(outcomes, name)
        everything += [(name, o) for o in outcomes]
        if args.misses:
            print(f"\nmisses ({args.misses}):")
            for o in outcomes:
                if args.misses != "all" and o.question.split != args.misses:
                    continue
                if (o.question.answerable and o.right) or (not o.question.answerable and not o.found):
                    continue
                print(describe(o))
    if len(args.set or SETS) > 1:
        print("\n== all sets")
        table([o for _, o in everything], "all")
    if args.outcomes:
        with open(args.outcomes, "w", encoding="utf-8") as f:
            for name, o in everything:
                f.write(json.dumps({"set": name, "question": o.question.question, "split": o.question.split,
                                    "type": o.question.type, "answerable": o.question.answerable,
                                    "outcome": o.outcome, "right": o.right, "related_right": o.related_right,
                                    "top3": o.top3, "reason": o.reason}, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
