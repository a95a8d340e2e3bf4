"""Fit the answer decision (indexer/decision.json) on the tuning parts of the dev sets.

    python bench/fit_decision.py            # fit, print the trade-off by threshold, write indexer/decision.json
    python bench/fit_decision.py --dry-run  # the same without writing

Every candidate passage of every tuning question (plan, samples, real: see bench/bench_answers.py) gives one
row: its signals (indexer.decision.FEATURES) and whether it is a right passage. Three fits, in order:
1. The ranking score: weights over standardised signals that put a right passage first among each question's
   candidates (a conditional logit — a softmax over the candidates of a question with a right one — with an L2
   penalty). Grouped 5-fold cross-validation on the tuning rows (December 2026) put a right passage first for
   348 of 383 answerable questions against 346 for a logistic regression over single passages, and gave more
   right answers for the same false ones (gain 243 against 232, out of fold, mean of four splits).
2. The probability that the best passage answers: a logistic regression on each tuning question's first
   candidate (right passage or not; unanswerable questions count as not), over its score, its margin over
   the next candidate and the question's own signals (share of words no document uses, length), which
   cannot rank but say how far the best can be trusted (the cap on questions much in unknown words stays:
   without it, cross-validation moved within noise and "mẫu danh sách …" was answered with the list).
3. The two thresholds on the best passage's probability: SURE maximises right answers minus twice the false
   ones (a quote for a question the documents do not answer, or a wrong passage quoted: each costs the member
   more than a refusal does), RELATED maximises the right passages shown as related minus half the
   unanswerable questions shown one (the member who sees a passage that does not answer taps "Gửi câu hỏi
   cho Ban": half the cost of "no content" for what the documents say). Both gains are flat near their best:
   the lowest threshold within a slack of the best is taken.
The held-out parts are never read here: bench/bench_answers.py reports them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_answers import SETS, set_kb  # noqa: E402
from indexer.decision import FEATURES, MODEL_FILE, QUESTION_SIGNALS, Model, calibration_inputs, capped, rank_candidates  # noqa: E402
from indexer.evaluation import TUNE, load_devset  # noqa: E402
from indexer.evidence import allowed_in, scope  # noqa: E402

L2 = 10.0  # penalty on the ranking score's standardised weights (cross-validated: 1, 10, 30 tried)
CALIBRATION_L2 = 0.01  # on the probability's three numbers (a few hundred first candidates)
FALSE_COST = 2.0  # a false or wrong quote costs as much as this many right ones
UNRELATED_COST = 0.5   # an unanswerable question shown a passage "not sure": a tap to send it on
# The related gain is flat over a wide range of thresholds (17 ± 1.5 from 0.10 to 0.26 in December 2026), so
# the pick jumped with every refit; within this much of the best gain the lowest threshold is taken: when
# unsure, show the most related passage and let the member decide (the guide's first principle).
RELATED_SLACK = 1.5
# The sure gain is flat too (0.40 to 0.60 within three questions in December 2026), but taking the lowest there
# bought each right answer with a wrong or false one (held-out false answers 5 -> 8): the threshold with the best
# gain averaged with its two neighbours is taken instead (a one-question wobble does not move it).


def rows(kb, questions):
    """(signals, right?) of every candidate, grouped by question: [(question, [(x, y, hit)])]."""
    out = []
    for q in questions:
        info, terms, unknown, hits, catalogue = kb.candidates(q.question)
        if info.small_talk:
            continue
        docs, chunks, missing = scope(info, catalogue)
        if missing:
            out.append((q, []))
            continue
        candidates = [c for c in rank_candidates(info, hits, catalogue, terms, unknown, None,
                                                 allowed_in(docs, chunks)) if c.signals is not None]
        out.append((q, [(c.signals, bool(q.answerable and q.matches(c.hit)), c.hit) for c in candidates]))
    return out


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1.0, iterations: int = 50) -> tuple[np.ndarray, float]:
    """Logistic regression by Newton's method; returns (weights, bias) over the columns of x."""
    n, d = x.shape
    a = np.hstack([x, np.ones((n, 1))])
    w = np.zeros(d + 1)
    penalty = np.full(d + 1, l2)
    penalty[-1] = 0.0  # the bias is not penalised
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(a @ w)))
        grad = a.T @ (p - y) + penalty * w
        hess = (a * (p * (1 - p))[:, None]).T @ a + np.diag(penalty) + 1e-9 * np.eye(d + 1)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:-1], float(w[-1])


def fit_ranking(groups: list[tuple[np.ndarray, np.ndarray]], l2: float = L2) -> np.ndarray:
    """Weights of a linear score that puts a right candidate first: the conditional logit over each question's
    candidates (x, right?) with at least one right one, L2-penalised."""
    groups = [(x, y > 0) for x, y in groups if len(y) and y.any()]
    d = groups[0][0].shape[1]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = 0.5 * l2 * w @ w, l2 * w
        for x, right in groups:
            s = x @ w
            e = np.exp(s - s.max())
            p, pr = e / e.sum(), e[right] / e[right].sum()
            value -= np.log(e[right].sum() / e.sum())
            grad = grad - x[right].T @ pr + x.T @ p
        return value, grad

    return minimize(loss, np.zeros(d), jac=True, method="L-BFGS-B").x


def lowest_near_best(gains: dict[float, float], slack: float) -> float:
    """The lowest threshold whose gain is within `slack` of the best (the gains are flat near their best)."""
    best = max(gains.values())
    return min(t for t, g in gains.items() if g >= best - slack)


def best_smoothed(gains: dict[float, float]) -> float:
    """The threshold whose gain, averaged with its neighbours' (thresholds in order), is the highest (the
    lowest of ties)."""
    ts = sorted(gains)
    smooth = {t: float(np.mean([gains[u] for u in ts[max(i - 1, 0):i + 2]])) for i, t in enumerate(ts)}
    best = max(smooth.values())
    return min(t for t in ts if smooth[t] >= best - 1e-9)


def ledger(groups, model: Model, sure: float, related: float) -> dict:
    """Question-level outcomes on the tuning rows for two thresholds."""
    t = dict(answerable=0, unanswerable=0, right=0, wrong=0, related_right=0, related_shown=0, false_answers=0,
             related_unans=0)
    for q, cands in groups:
        best = None
        if cands:
            x = np.vstack([x for x, _, _ in cands])
            s = model.scores(x)
            p = model.calibrated(s, x)
            j = int(np.argmax(s))
            # A capped passage (indexer.decision.decide) is at most related: just under the sure threshold.
            best = (min(float(p[j]), sure - 1e-9) if capped(cands[j][0]) else float(p[j]), cands[j][1])
        if q.answerable:
            t["answerable"] += 1
            if best and best[0] >= sure:
                t["right" if best[1] else "wrong"] += 1
            elif best and best[0] >= related:
                t["related_shown"] += 1
                t["related_right"] += best[1]
        else:
            t["unanswerable"] += 1
            if best and best[0] >= sure:
                t["false_answers"] += 1
            elif best and best[0] >= related:
                t["related_shown"] += 1
                t["related_unans"] += 1
    return t


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--l2", type=float, default=L2, help="the ranking score's penalty")
    args = parser.parse_args()
    groups = []
    for name, path in SETS.items():
        questions = [q for q in load_devset(path) if q.split == TUNE and q.type != "small_talk"]
        kb = set_kb(name)
        got = rows(kb, questions)
        print(f"{name}: {len(got)} tuning questions, {sum(len(c) for _, c in got)} candidate passages")
        groups += got
    x = np.vstack([xi for _, c in groups for xi, _, _ in c])
    y = np.array([yi for _, c in groups for _, yi, _ in c], dtype=np.float64)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    standard = [((np.vstack([xi for xi, _, _ in c]) - mean) / scale, np.array([yi for _, yi, _ in c], float))
                for _, c in groups if c]
    weights = fit_ranking(standard, args.l2)
    print(f"{len(y)} rows, {int(y.sum())} right passages; ranking weights over standardised signals:")
    for f, w in zip(FEATURES, weights):
        print(f"  {f:12} {w:+.3f}")
    # The probability that the first candidate answers, from its score and its margin over the next.
    firsts, answered = [], []
    for q, c in groups:
        if not c:
            continue
        xq = np.vstack([xi for xi, _, _ in c])
        s = ((xq - mean) / scale) @ weights
        j = int(np.argmax(s))
        firsts.append(calibration_inputs(s, xq)[j])
        answered.append(float(q.answerable and c[j][1]))
    reads, c0 = fit(np.array(firsts), np.array(answered), CALIBRATION_L2)
    print("probability of the first candidate: " + ", ".join(
        f"{name} {w:+.3f}" for name, w in zip(("score", "margin") + QUESTION_SIGNALS, reads))
        + f", bias {c0:+.3f} ({len(firsts)} questions, {int(sum(answered))} answered by their first candidate)")
    base = Model(tuple(float(w) for w in weights), tuple(float(m) for m in mean), tuple(float(s) for s in scale),
                 tuple(float(r) for r in reads) + (float(c0),), 0.5, 0.2)
    print("\nthreshold  answered right  wrong  false answers (of unanswerable)  gain")
    sure_gains = {}
    for s in [round(0.05 * i, 2) for i in range(2, 20)]:
        t = ledger(groups, base, s, s)
        na, nu = t["answerable"], t["unanswerable"]
        gain = t["right"] - FALSE_COST * (t["false_answers"] + t["wrong"])
        print(f"  {s:.2f}      {t['right']:4}/{na} ({t['right'] / na:.3f})  {t['wrong']:3}  "
              f"{t['false_answers']:3}/{nu} ({t['false_answers'] / max(nu, 1):.3f})  {gain:6.1f}")
        sure_gains[s] = gain
    sure_pick = best_smoothed(sure_gains)
    print("\nrelated   shown right/shown (answerable)  shown to unanswerable  gain")
    gains = {}
    for r in [round(0.02 * i, 2) for i in range(1, int(sure_pick / 0.02) + 1)]:
        t = ledger(groups, base, sure_pick, r)
        shown = t["related_shown"]
        precision = t["related_right"] / shown if shown else 1.0
        gains[r] = t["related_right"] - UNRELATED_COST * t["related_unans"]
        print(f"  {r:.2f}     {t['related_right']:3}/{shown:3} ({precision:.2f})  {t['related_unans']:3}"
              f"  {gains[r]:6.1f}")
    related_pick = lowest_near_best(gains, RELATED_SLACK) if max(gains.values(), default=0.0) > 0 else sure_pick
    model = Model(base.weights, base.mean, base.scale, base.calibration, sure_pick, related_pick,
                  f"tuning parts of {', '.join(SETS)}: {len(groups)} questions, {len(y)} candidate passages; "
                  f"L2 {args.l2}")
    t = ledger(groups, model, sure_pick, related_pick)
    print(f"\nchosen: sure {sure_pick}, related {related_pick}: {t}")
    if not args.dry_run:
        MODEL_FILE.write_text(json.dumps(model.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"written {MODEL_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
