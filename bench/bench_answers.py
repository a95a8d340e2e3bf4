"""Answer quality on tests/devset.json: the trade-off table on the tuning part and on the held-out third.

    python bench/bench_answers.py              # the table (answered right / declined right / false answers /
                                               #   false declines, top-3 hit rate) for tune, held_out and all
    python bench/bench_answers.py --sweep      # the same by coverage threshold (the calibration)
    python bench/bench_answers.py --misses     # list the tuning part's misses (--misses held_out: the others)

The knowledge is knowledge/ plus the invented samples of tests/fixtures/knowledge, indexed with the configured
embedding model (LOA_EMBEDDING_MODEL…). Re-run after a change of ranking or model, on the tuning part first.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bot.config import Settings  # noqa: E402
from indexer import KnowledgeBase  # noqa: E402
from indexer.evaluation import HELD_OUT, TUNE, TradeOff, load_devset, run, small_talk_recognised, trade_off  # noqa: E402
from indexer.evidence import MIN_COVERAGE  # noqa: E402

DEVSET = ROOT / "tests" / "devset.json"


def sample_kb(tmp: Path) -> KnowledgeBase:
    spec = importlib.util.spec_from_file_location("loa_knowledge_samples", ROOT / "tests/fixtures/knowledge/build.py")
    samples = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(samples)
    folder = samples.build_knowledge(tmp / "knowledge")
    config = replace(Settings.from_env().index_config, knowledge_dir=folder, index_dir=tmp / "index",
                     extra_dirs=())
    kb = KnowledgeBase(config)
    kb.build()
    return kb


def table(outcomes, label: str = "") -> None:
    print(TradeOff.HEADER)
    for part in (TUNE, HELD_OUT, None):
        chosen = [o for o in outcomes if part is None or o.question.split == part]
        print(trade_off(chosen).row(part or "all"))
    got, total = small_talk_recognised(outcomes)
    print(f"small talk recognised: {got}/{total}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sweep", action="store_true", help="trade-off by coverage threshold")
    parser.add_argument("--misses", nargs="?", const=TUNE, choices=[TUNE, HELD_OUT, "all"],
                        help="list the misses of one part")
    args = parser.parse_args()
    questions = load_devset(DEVSET)
    with tempfile.TemporaryDirectory() as tmp:
        kb = sample_kb(Path(tmp))
        docs = len(kb.documents())
        print(f"{len(questions)} questions ({sum(q.split == HELD_OUT for q in questions)} held out) over {docs} "
              f"documents; model {kb.config.model}; coverage threshold {MIN_COVERAGE}")
        started = time.perf_counter()
        outcomes = run(kb, questions)
        print(f"({(time.perf_counter() - started) / len(questions) * 1000:.0f} ms per question)\n")
        table(outcomes)
        if args.sweep:
            for part in (TUNE, HELD_OUT):
                subset = [q for q in questions if q.split == part]
                print(f"\ncoverage threshold sweep, {part}:")
                print("threshold  " + TradeOff.HEADER)
                for t in (0.2, 0.25, 0.3, 0.32, 0.35, 0.4, 0.45, 0.5):
                    print(f"{t:9.2f}  " + trade_off(run(kb, subset, min_coverage=t)).row(part))
        if args.misses:
            print(f"\nmisses ({args.misses}):")
            for o in outcomes:
                if args.misses != "all" and o.question.split != args.misses:
                    continue
                q = o.question
                if q.answerable and o.right:
                    continue
                if not q.answerable and not o.found:
                    continue
                verdict = "FALSE ANSWER" if not q.answerable else ("declined" if not o.found else "wrong passage")
                print(f"- [{q.type}] {q.question!r}: {verdict} ({o.reason or 'answered'}; top3 {o.top3}); "
                      f"first: {o.first}; want {q.expect[:2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
