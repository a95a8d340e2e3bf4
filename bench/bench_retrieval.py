"""Retrieval quality on public Vietnamese sets, through Loa's own indexer, beside the published numbers.

    python bench/bench_retrieval.py                 # every set, lexical / dense / fused, with and without diacritics
    python bench/bench_retrieval.py --sets vimedaqa --limit 200
    python bench/bench_retrieval.py --tune          # also search the adaptive-fusion coefficients

The sets live outside the repository (see ../shared/bench-data/vi-retrieval/README.md; never copy them
in). Each passage becomes one knowledge file, indexed by `KnowledgeBase.build()` with the configured
model, exactly as a board's documents would be; questions go through the product's search. Metrics
are per passage (a passage split into several chunks counts at its best chunk): P@1, R@10, MRR@10.

"folded" asks the same questions lower-cased and without diacritics, as many cadres type; "same top"
is the share of questions whose first passage is the same either way.

Embedding ~2,500 passages takes minutes, so each set's knowledge folder, index and question vectors
are kept under bench/out/retrieval/ (gitignored); a rerun only embeds what it has not seen.

Tuning (--tune): the questions of each set are split by a hash of their id into two halves; the fusion
coefficients are chosen on the "tune" halves of all sets together (one configuration for every set,
scored by the mean of the per-set P@1, questions with and without diacritics) and reported on both
halves, so over-fitting shows. Loa's own dev set (tests/devset.json) is a constraint: a configuration
must keep its ranking at least as good as BM25 alone. The defaults in indexer/fusion.py came out of
this search with the BM25 parameters in indexer/lexical.py.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indexer import IndexConfig, KnowledgeBase  # noqa: E402
from indexer.embeddings import DEFAULT_MODEL  # noqa: E402
from indexer.evaluation import evaluate, load_devset  # noqa: E402
from indexer.fusion import Channels, Fusion, _margin, _z, fuse  # noqa: E402
from indexer.service import DEFAULT_FUSION  # noqa: E402
from indexer.text import fold  # noqa: E402

OUT = ROOT / "bench" / "out" / "retrieval"
SETS = ("vimedaqa", "viquad2_dev", "vire4mrc")
# P@1 (%) from the data README: (paper's BM25, best dense alone, best of any method).
PUBLISHED = {
    "vimedaqa": (65.4, 83.3, 84.1),
    "viquad2_dev": (63.85, None, None),  # BM25 by the paper's protocol on this sample; the paper's own
    "vire4mrc": (6.6, 12.4, 13.0),       # ViQuAD sample (83.6 dense, 88.3 best) is another, easier one
}
DEPTH = 10


def find_data() -> Path | None:
    for base in (ROOT, *ROOT.parents):
        candidate = base / "shared" / "bench-data" / "vi-retrieval"
        if candidate.is_dir():
            return candidate
    return None


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def half(qid: str) -> str:
    return "tune" if hashlib.sha1(qid.encode()).digest()[0] % 2 == 0 else "held-out"


class BenchSet:
    """One set: its knowledge folder (a file per passage), its index and cached question vectors."""

    def __init__(self, data: Path, name: str, model: str, limit: int | None):
        self.name = name
        self.folder = OUT / name
        corpus = read_jsonl(data / name / "corpus.jsonl")
        self.questions = read_jsonl(data / name / "questions.jsonl")[:limit]
        knowledge = self.folder / "knowledge"
        knowledge.mkdir(parents=True, exist_ok=True)
        for p in corpus:
            f = knowledge / f"{p['id']}.txt"
            if not f.exists():
                f.write_text(p["text"], encoding="utf-8")
        tag = model.replace("/", "_")
        self.kb = KnowledgeBase(IndexConfig(knowledge, self.folder / f"index-{tag}", model=model))
        t = time.perf_counter()
        report = self.kb.build()
        self.build_line = (f"{report.documents} passages, {report.chunks} chunks; build {report.seconds:.0f} s"
                           + (f" ({report.chunks_embedded / max(report.seconds, 1e-9):.1f} chunks/s embedded)"
                              if report.chunks_embedded else " (reused)"))
        self.build_seconds = time.perf_counter() - t
        snapshot = self.kb._current()
        by_doc = {entry["doc_id"]: Path(name).stem for name, entry in snapshot.stored.manifest["files"].items()}
        self.passage_of_row = [by_doc[c.doc_id] for c in snapshot.chunks]
        self.cache_file = self.folder / f"queries-{tag}.npz"
        self.vectors = self._load_cache()

    def _load_cache(self) -> dict[str, np.ndarray]:
        if not self.cache_file.exists():
            return {}
        with np.load(self.cache_file, allow_pickle=False) as z:
            return dict(zip(z["texts"].tolist(), z["vectors"]))

    def vector(self, text: str) -> np.ndarray:
        return self.vectors[text]

    def embed(self, questions: list[str]) -> None:
        """Embed (and cache) what the dense channel reads for each question."""
        snapshot = self.kb._current()
        todo = sorted({snapshot.dense_text(q) for q in questions} - set(self.vectors))
        if not todo:
            return
        t = time.perf_counter()
        for i in range(0, len(todo), 256):
            part = todo[i:i + 256]
            self.vectors.update(zip(part, snapshot.embedder.encode_queries(part)))
            np.savez(self.cache_file, texts=np.array(list(self.vectors)), vectors=np.vstack(list(self.vectors.values())))
        print(f"  embedded {len(todo)} questions in {time.perf_counter() - t:.0f} s", flush=True)

    def channels(self, questions: list[str]) -> list[Channels]:
        snapshot = self.kb._current()
        return [snapshot.channels(q, DEFAULT_FUSION, self.vector(snapshot.dense_text(q))) for q in questions]

    def rank(self, ch: Channels, fusion: Fusion) -> list[str]:
        """Passages in the order the fused search ranks their chunks."""
        scores = fuse(ch, fusion)
        out: list[str] = []
        for j in np.argsort(-scores, kind="stable"):
            p = self.passage_of_row[int(ch.rows[j])]
            if p not in out:
                out.append(p)
                if len(out) == DEPTH:
                    break
        return out

    def search_ranks(self, questions: list[str], fusion: Fusion) -> list[list[str]]:
        """The same through KnowledgeBase.search (the product path), for the final numbers."""
        snapshot = self.kb._current()
        out = []
        for q in questions:
            hits = snapshot.search(q, 3 * DEPTH, fusion, self.vector(snapshot.dense_text(q)))
            ranked: list[str] = []
            for h in hits:
                p = self.passage_of_row[snapshot.by_id[h.chunk_id]]
                if p not in ranked:
                    ranked.append(p)
            out.append(ranked[:DEPTH])
        return out


def metrics(ranked: list[list[str]], gold: list[str]) -> tuple[float, float, float]:
    """P@1, R@10, MRR@10 in percent."""
    p1 = r10 = mrr = 0.0
    for ranks, g in zip(ranked, gold):
        if g in ranks:
            pos = ranks.index(g)
            p1 += pos == 0
            r10 += 1
            mrr += 1.0 / (pos + 1)
    n = max(1, len(gold))
    return 100 * p1 / n, 100 * r10 / n, 100 * mrr / n


LEXICAL = replace(DEFAULT_FUSION, alpha=0.0)
DENSE = replace(DEFAULT_FUSION, alpha=1.0)


def report(sets: list[BenchSet], fusion: Fusion) -> None:
    print(f"\n{'set':12} {'questions':9} {'channel':8} {'P@1':>6} {'R@10':>6} {'MRR@10':>6}   "
          f"{'folded P@1':>10} {'R@10':>6} {'MRR@10':>6}   {'same top':>9}   published P@1: BM25 / best dense / best any")
    for s in sets:
        marked = [q["q"] for q in s.questions]
        folded = [fold(q) for q in marked]
        gold = [q["positives"][0] for q in s.questions]
        bm25, dense_best, best = PUBLISHED.get(s.name, (None, None, None))
        pub = " / ".join("–" if v is None else f"{v:.1f}" for v in (bm25, dense_best, best))
        for label, f in (("lexical", LEXICAL), ("dense", DENSE), ("fused", fusion)):
            ranked_marked, ranked_folded = s.search_ranks(marked, f), s.search_ranks(folded, f)
            a, b = metrics(ranked_marked, gold), metrics(ranked_folded, gold)
            same = 100 * np.mean([bool(x) and bool(y) and x[0] == y[0] for x, y in zip(ranked_marked, ranked_folded)])
            print(f"{s.name:12} {len(gold):9} {label:8} {a[0]:6.1f} {a[1]:6.1f} {a[2]:6.1f}   "
                  f"{b[0]:10.1f} {b[1]:6.1f} {b[2]:6.1f}   {same:9.1f}   {pub if label == 'fused' else ''}")


class Padded:
    """Every question's candidates in (questions x candidates) arrays, so a configuration scores in milliseconds."""

    def __init__(self, s: BenchSet, chans: list[Channels], gold: list[str]):
        width = max(len(c.rows) for c in chans)
        n = len(chans)
        self.z_lex = np.full((n, width), -1e9)
        self.z_dense = np.full((n, width), -1e9)
        self.gold = np.zeros((n, width), dtype=bool)
        self.m_lex = np.zeros(n)
        self.m_dense = np.zeros(n)
        self.terms = np.array([np.log1p(c.terms) for c in chans])
        self.unmarked = np.array([0.0 if c.marked else 1.0 for c in chans])
        for i, (c, g) in enumerate(zip(chans, gold)):
            k = len(c.rows)
            zl, zd = _z(c.lexical.astype(np.float64)), _z(c.dense.astype(np.float64), DEFAULT_FUSION.dense_spread)
            self.z_lex[i, :k], self.z_dense[i, :k] = zl, zd
            self.m_lex[i], self.m_dense[i] = _margin(zl), _margin(zd)
            self.gold[i, :k] = [s.passage_of_row[int(r)] == g for r in c.rows]

    def p_at_1(self, f: Fusion, idx: np.ndarray) -> float:
        x = f.bias + f.lexical_margin * self.m_lex + f.dense_margin * self.m_dense + f.length * self.terms \
            + f.unmarked * self.unmarked
        w = (1.0 / (1.0 + np.exp(-x)))[:, None]
        fused = (1 - w) * self.z_lex + w * self.z_dense
        top = np.argmax(fused[idx], axis=1)
        return 100.0 * float(self.gold[idx, top].mean())


def tune(sets: list[BenchSet]) -> Fusion:
    """Grid search of the adaptive coefficients on the tune halves; print both halves for the best ones."""
    data = []
    t = time.perf_counter()
    for s in sets:
        marked = [q["q"] for q in s.questions]
        questions = marked + [fold(q) for q in marked]
        gold = [q["positives"][0] for q in s.questions] * 2
        halves = np.array([half(q["id"]) == "tune" for q in s.questions] * 2)
        chans = s.channels(questions)
        data.append((s, chans, Padded(s, chans, gold), gold, halves))
    print(f"\ntuning: candidates of {sum(len(d[3]) for d in data)} questions gathered in {time.perf_counter() - t:.0f} s")

    def score(fusion: Fusion, tune_half: bool) -> list[float]:
        out = []
        for s, chans, padded, gold, halves in data:
            idx = np.flatnonzero(halves == tune_half)
            if fusion.alpha is None:
                out.append(padded.p_at_1(fusion, idx))
            else:
                out.append(metrics([s.rank(chans[i], fusion) for i in idx], [gold[i] for i in idx])[0])
        return out

    grid = {
        "bias": [-1.0, -0.5, 0.0, 0.5, 1.0],
        "lexical_margin": [-2.0, -1.5, -1.0, -0.5, 0.0],
        "dense_margin": [0.0, 0.5, 1.0, 1.5, 2.0, 3.0],
        "length": [-0.5, 0.0, 0.25, 0.5],
        "unmarked": [-0.5, 0.0],
    }
    results = []
    t = time.perf_counter()
    for values in itertools.product(*grid.values()):
        f = replace(DEFAULT_FUSION, alpha=None, **dict(zip(grid, values)))
        per_set = score(f, True)
        results.append((float(np.mean(per_set)), f, per_set))
    results.sort(key=lambda r: -r[0])
    print(f"{len(results)} configurations in {time.perf_counter() - t:.0f} s; P@1 per set "
          f"({', '.join(d[0].name for d in data)}), questions with and without diacritics together")
    for label, f in [("lexical", LEXICAL), ("fixed 0.3", replace(DEFAULT_FUSION, alpha=0.3)),
                     ("fixed 0.5", replace(DEFAULT_FUSION, alpha=0.5)), ("fixed 0.7", replace(DEFAULT_FUSION, alpha=0.7)),
                     ("default", DEFAULT_FUSION)]:
        print(f"  {label:28} tune {' '.join(f'{v:5.1f}' for v in score(f, True))}   "
              f"held-out {' '.join(f'{v:5.1f}' for v in score(f, False))}")
    # The dev set (tests/devset.json, Loa's own documents) is a constraint, not an objective: the chosen
    # configuration must rank there at least as well as BM25 alone (hit@1 and hit@3). (Until stop 18 the bar
    # was hit@1 >= 0.93; the dev set has since grown by hard questions, and even BM25 alone is below it.)
    dev_kb, dev_questions = devset_kb()
    lexical_dev = evaluate(dev_kb, dev_questions, LEXICAL)
    print(f"  dev set, lexical only: hit@1 {lexical_dev.hit_at_1:.3f} hit@3 {lexical_dev.hit_at_3:.3f}")
    print("  best configurations that keep the dev set (bias, lexical_margin, dense_margin, length, unmarked):")
    chosen, shown = None, 0
    for mean, f, per_set in results[:400]:
        dev = evaluate(dev_kb, dev_questions, f)
        if dev.hit_at_3 < lexical_dev.hit_at_3 or dev.hit_at_1 < lexical_dev.hit_at_1:
            continue
        held = score(f, False)
        print(f"  {f.bias:+.2f} {f.lexical_margin:+.2f} {f.dense_margin:+.2f} {f.length:+.2f} {f.unmarked:+.2f}  "
              f"tune {' '.join(f'{v:5.1f}' for v in per_set)}   held-out {' '.join(f'{v:5.1f}' for v in held)}"
              f"   dev hit@1 {dev.hit_at_1:.3f} hit@3 {dev.hit_at_3:.3f}")
        chosen = chosen or f
        shown += 1
        if shown == 5:
            break
    return chosen or DEFAULT_FUSION


def devset_kb():
    """tests/devset.json over knowledge/ plus the sample documents, indexed under bench/out/retrieval/devset."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("loa_knowledge_samples", ROOT / "tests/fixtures/knowledge/build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    folder = module.build_knowledge(OUT / "devset" / "knowledge")
    kb = KnowledgeBase(IndexConfig(folder, OUT / "devset" / "index"))
    kb.build()
    return kb, load_devset(ROOT / "tests" / "devset.json")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated set names")
    parser.add_argument("--limit", type=int, default=None, help="first N questions of each set")
    parser.add_argument("--model", default=DEFAULT_MODEL, help="embedding model (default: the product's)")
    parser.add_argument("--tune", action="store_true", help="grid-search the adaptive fusion on half of each set")
    args = parser.parse_args()
    data = find_data()
    if data is None:
        print("skipped: the public sets are not here (expected shared/bench-data/vi-retrieval beside the repository)")
        return 0
    sets = []
    for name in args.sets.split(","):
        t = time.perf_counter()
        print(f"== {name}", flush=True)
        s = BenchSet(data, name, args.model, args.limit)
        print(f"  {s.build_line}", flush=True)
        marked = [q["q"] for q in s.questions]
        s.embed(marked + [fold(q) for q in marked])
        print(f"  ready in {time.perf_counter() - t:.0f} s", flush=True)
        sets.append(s)
    fusion = DEFAULT_FUSION
    if args.tune:
        chosen = tune(sets)
        print(f"\nchosen by this search: {chosen}\nthe report below uses the product's default: {fusion}")
    print(f"\nmodel {args.model}; E5 prefixes {'on (added by the engine)' if args.model == DEFAULT_MODEL else 'as configured'};"
          f" folded questions: dense channel reads them with diacritics restored")
    report(sets, fusion)
    return 0


if __name__ == "__main__":
    sys.exit(main())
