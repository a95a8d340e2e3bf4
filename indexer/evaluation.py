"""Scoring retrieval and abstention on a dev set of questions (used by the bench and the tests)."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from indexer.answer import Hit
from indexer.service import Fusion, KnowledgeBase


@dataclass(frozen=True)
class DevQuestion:
    question: str
    type: str  # answerable | no_diacritics | paraphrase | abbreviation | unanswerable
    expect: tuple[tuple[str, str], ...]  # (doc_id, section substring); empty = not answerable

    @property
    def answerable(self) -> bool:
        return bool(self.expect)

    def matches(self, hit: Hit) -> bool:
        return any(hit.doc_id == doc and section in hit.section for doc, section in self.expect)


@dataclass(frozen=True)
class Scores:
    n: int
    hit_at_1: float  # over answerable questions
    hit_at_3: float
    abstention_accuracy: float  # found == answerable, over all questions
    answered_right: float  # answerable, found and the first quoted passage is an expected one
    declined_right: float  # unanswerable and declined
    by_type: dict[str, float]  # hit@3 per question type (unanswerable: share declined)

    def line(self) -> str:
        return (f"hit@1 {self.hit_at_1:.3f}  hit@3 {self.hit_at_3:.3f}  abstention acc {self.abstention_accuracy:.3f}"
                f"  (answered right {self.answered_right:.3f}, declined right {self.declined_right:.3f})")


def load_devset(path: Path) -> list[DevQuestion]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return [DevQuestion(q["question"], q["type"], tuple(tuple(e) for e in q["expect"])) for q in data["questions"]]


def evaluate(kb: KnowledgeBase, questions: list[DevQuestion], fusion: Fusion) -> Scores:
    answerable = [q for q in questions if q.answerable]
    unanswerable = [q for q in questions if not q.answerable]
    h1 = h3 = right_found = right_declined = correct_decision = 0
    per_type: dict[str, list[int]] = {}
    for q in questions:
        answer = kb.ask(q.question, fusion=fusion)
        correct_decision += answer.found == q.answerable
        top3 = answer.hits[:3]
        if q.answerable:
            hit3 = any(q.matches(h) for h in top3)
            h1 += bool(top3) and q.matches(top3[0])
            h3 += hit3
            right_found += answer.found and q.matches(answer.hits[0])
            per_type.setdefault(q.type, []).append(int(hit3))
        else:
            right_declined += not answer.found
            per_type.setdefault(q.type, []).append(int(not answer.found))
    na, nu = max(len(answerable), 1), max(len(unanswerable), 1)
    return Scores(
        n=len(questions), hit_at_1=h1 / na, hit_at_3=h3 / na, abstention_accuracy=correct_decision / len(questions),
        answered_right=right_found / na, declined_right=right_declined / nu,
        by_type={t: sum(v) / len(v) for t, v in sorted(per_type.items())},
    )


def calibrate(kb: KnowledgeBase, questions: list[DevQuestion], fusion: Fusion,
              thresholds: list[float] | None = None) -> list[tuple[float, float]]:
    """Abstention accuracy for each coverage threshold (the ranking does not depend on it)."""
    thresholds = thresholds or [round(0.3 + 0.05 * i, 2) for i in range(13)]
    tops = [(kb.search(q.question, 1, fusion=fusion) or [None])[0] for q in questions]
    out = []
    for t in thresholds:
        ok = sum(1 for q, h in zip(questions, tops) if (h is not None and h.coverage >= t) == q.answerable)
        out.append((t, ok / len(questions)))
    return out


def with_alpha(fusion: Fusion, alpha: float) -> Fusion:
    return replace(fusion, alpha=alpha)
