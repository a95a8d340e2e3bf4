"""Fusion of the two channels: per question, how much to trust BM25 and how much the embeddings.

A fixed weight does not travel: on the public Vietnamese sets the best fixed weight of the dense
channel ranged from 0.3 to 0.8, and a high one hurt the sets where the embeddings are weak. So the
weight is decided per question from what the two score lists say about themselves:

- lexical confidence: how far the best BM25 score stands above the runner-up candidates (a question
  whose rare words all sit in one passage has a clear lexical winner);
- dense confidence: the same margin for the cosine similarities;
- the question's length in topical terms, and whether it was typed without diacritics (the dense
  channel then reads a restored text). The search below gave both a weight of zero: with the
  diacritics restored, unmarked questions need no different trust, and length added nothing the
  margins do not already say. They stay available for other models.

Each channel's scores are standardised over the candidates (z-scores; the cosines' spread is taken
as at least `dense_spread`), then mixed with the weight
w = sigmoid(bias + sum of coefficients x features). The coefficients were tuned once on half of each
public set in `bench/bench_retrieval.py --tune` (the other half is reported separately) and serve
every set, with Loa's own dev set (tests/devset.json) as a constraint; see that script for the numbers.
For a typical question the weight ranges from ~0.2 (one passage holds all the rare words) to ~0.9
(BM25 finds nothing that stands out while one passage is clearly closest in meaning).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Fusion:
    """How the two channels are combined and when the evidence is too weak to answer."""

    alpha: float | None = None  # a fixed dense weight (0 = lexical only, 1 = dense only); None = adaptive
    second_ratio: float = 0.85  # quote a second passage when it scores this close to the first
    candidates: int = 50  # per channel, before fusion
    # Adaptive weight: w = sigmoid(bias + lexical_margin * m_lex + dense_margin * m_dense
    #                              + length * n_terms + unmarked * [typed without diacritics])
    bias: float = 0.5
    lexical_margin: float = -1.5
    dense_margin: float = 2.0
    length: float = 0.0
    unmarked: float = 0.0
    # Cosines of the candidates spread by about 0.02 (median standard deviation 0.018-0.022 on the public
    # sets). In a small knowledge folder a handful of similar chunks can spread by half that, and
    # standardising by it would turn noise into confidence: the spread is never taken below this.
    # 0.025 rather than 0.02: on the 7-document dev set a 0.01 cosine margin otherwise outvoted a
    # 45 % BM25 margin (a fire-safety directive quoted for the plan's own "chi bộ" section); the
    # public sets lose 0.1 P@1 (ViMedAQA, ViQuAD2) and the dev set gains one held-out answer.
    dense_spread: float = 0.025


@dataclass
class Channels:
    """What both channels found for one question: candidate rows and their raw scores."""

    rows: np.ndarray  # chunk rows of the candidates (union of both channels' top lists)
    lexical: np.ndarray  # BM25 of each candidate
    dense: np.ndarray  # cosine similarity of each candidate
    terms: int  # topical terms in the question
    marked: bool  # the question was typed with diacritics


def _z(x: np.ndarray, floor: float = 0.0) -> np.ndarray:
    if len(x) < 2:
        return np.zeros_like(x)
    sd = max(float(x.std()), floor)
    return (x - float(x.mean())) / sd if sd > 1e-9 else np.zeros_like(x)


def _margin(z: np.ndarray) -> float:
    """How far the best standardised score stands above the second best."""
    if len(z) < 2:
        return 0.0
    top2 = np.partition(-z, 1)[:2]
    return float(top2[1] - top2[0])


def dense_weight(ch: Channels, fusion: Fusion, z_lex: np.ndarray | None = None,
                 z_dense: np.ndarray | None = None) -> float:
    """The weight of the dense channel for this question (0..1)."""
    if fusion.alpha is not None:
        return fusion.alpha
    z_lex = _z(ch.lexical) if z_lex is None else z_lex
    z_dense = _z(ch.dense, fusion.dense_spread) if z_dense is None else z_dense
    x = (fusion.bias + fusion.lexical_margin * _margin(z_lex) + fusion.dense_margin * _margin(z_dense)
         + fusion.length * math.log1p(ch.terms) + fusion.unmarked * (not ch.marked))
    return 1.0 / (1.0 + math.exp(-x))


def fuse(ch: Channels, fusion: Fusion) -> np.ndarray:
    """One score per candidate; higher is better. Scores are comparable within one question only."""
    if len(ch.rows) == 0:
        return np.zeros(0, dtype=np.float64)
    if fusion.alpha is not None:  # the fixed-weight min-max fusion (baseline and ablations)
        lex = ch.lexical.astype(np.float64)
        bmax = float(lex.max())
        lex_n = lex / bmax if bmax > 0 else np.zeros_like(lex)
        dense = ch.dense.astype(np.float64)
        span = float(dense.max() - dense.min())
        dense_n = (dense - dense.min()) / span if span > 1e-6 else np.zeros_like(dense)
        return (1.0 - fusion.alpha) * lex_n + fusion.alpha * dense_n
    z_lex = _z(ch.lexical.astype(np.float64))
    z_dense = _z(ch.dense.astype(np.float64), fusion.dense_spread)
    w = dense_weight(ch, fusion, z_lex, z_dense)
    return (1.0 - w) * z_lex + w * z_dense
