"""Scoring answers on a dev set of questions: the right passage, and declining what the documents don't answer.

Used by bench/bench_answers.py (the trade-off table and the calibration sweep) and by the tests' floors.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from indexer.answer import DECLINED_SMALL_TALK, Hit
from indexer.service import Fusion, KnowledgeBase
from indexer.text import nfc

TUNE, HELD_OUT = "tune", "held_out"


@dataclass(frozen=True)
class DevQuestion:
    question: str
    type: str  # answerable, no_diacritics, abbreviation, who, when… ; unanswerable, not_held, small_talk
    expect: tuple[tuple[str, str], ...]  # (doc_id, section substring); empty = not answerable
    split: str = TUNE  # "held_out": never used to tune anything
    doc: str = ""  # the document the question is about (expect_text questions)
    expect_text: tuple[str, ...] = ()  # verbatim snippets: a passage of `doc` holding one is a right passage

    @property
    def answerable(self) -> bool:
        return bool(self.expect or self.expect_text)

    def matches(self, hit) -> bool:
        if any(hit.doc_id == doc and section in hit.section for doc, section in self.expect):
            return True
        if self.expect_text and (not self.doc or hit.doc_id == self.doc):
            text = _squash(hit.text)
            return any(_squash(snippet) in text for snippet in self.expect_text)
        return False


def _squash(text: str) -> str:
    return " ".join(nfc(text).split())


@dataclass(frozen=True)
class Outcome:
    """What `ask` did with one dev question: (a) sure, (b) a related passage shown, (c) nothing."""

    question: DevQuestion
    found: bool  # (a): quoted as the answer
    right: bool  # (a) with an expected passage first
    top3: bool  # an expected passage among the first three candidates
    reason: str
    first: str  # "doc_id | section" of the first candidate (quoted or not), for reading misses
    related: bool = False  # (b): "not sure, the most related passage:" shown, the member decides
    related_right: bool = False  # (b) with an expected passage among those shown
    score: float = 0.0  # the decision's confidence in its best passage

    @property
    def outcome(self) -> str:
        return "a" if self.found else ("b" if self.related else "c")


@dataclass(frozen=True)
class TradeOff:
    """The answer ledger: answered right, wrong passage, related-and-right, false declines; declined right,
    false answers; and the top-3 hit rate."""

    n: int
    answerable: int
    unanswerable: int
    answered_right: int  # answerable, (a), the right passage quoted first
    wrong_passage: int  # answerable, (a), another passage (a false answer too)
    related_right: int  # answerable, (b), the right passage among those shown
    false_declines: int  # answerable, (b) without the right passage, or (c)
    declined_right: int  # unanswerable (incl. not held, small talk): (b) or (c)
    false_answers: int  # unanswerable: (a)
    top3: int  # answerable: right passage in the top 3
    not_held: int  # questions about documents not held
    not_held_answered: int
    hit1: int
    related_shown: int = 0  # unanswerable: (b), a related passage shown as such

    def rate(self, count: int, of: int) -> float:
        return count / of if of else 1.0

    @property
    def hit_at_3(self) -> float:
        return self.rate(self.top3, self.answerable)

    @property
    def declined_rate(self) -> float:
        return self.rate(self.declined_right, self.unanswerable)

    @property
    def shown_right(self) -> int:
        """Answerable questions whose right passage was shown, as the answer (a) or as related (b)."""
        return self.answered_right + self.related_right

    def row(self, label: str) -> str:
        a, u = self.answerable, self.unanswerable
        return (f"{label:16} {self.n:4}  {a:4} {self.hit_at_3:6.3f}  "
                f"{self.answered_right:4} ({self.rate(self.answered_right, a):.3f})  {self.wrong_passage:3}  "
                f"{self.related_right:4}  {self.false_declines:4} ({self.rate(self.false_declines, a):.3f})  "
                f"{self.rate(self.shown_right, a):6.3f}  |  "
                f"{u:4} {self.declined_right:4} ({self.declined_rate:.3f}) {self.related_shown:4}  "
                f"{self.false_answers:3} ({self.rate(self.false_answers, u):.3f})  |  "
                f"{self.not_held_answered}/{self.not_held}")

    HEADER = ("part                n  answ  top3    answered right  wrong  rel.right  false decl  shown  |  "
              "unan  declined right  rel  false ans      |  not held answered")


def load_devset(path: Path) -> list[DevQuestion]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return [DevQuestion(q["question"], q["type"], tuple(tuple(e) for e in q.get("expect", ())), q.get("split", TUNE),
                        q.get("doc", ""), tuple(q.get("expect_text", ())))
            for q in data["questions"]]


def run(kb: KnowledgeBase, questions: list[DevQuestion], fusion: Fusion | None = None,
        model=None) -> list[Outcome]:
    out = []
    for q in questions:
        answer = kb.ask(q.question, fusion=fusion, model=model)
        hits: list[Hit] = answer.hits
        right = answer.found and q.answerable and bool(answer.quotes) and q.matches(answer.quotes[0])
        related = list(getattr(answer, "related", []) or [])
        related_right = not answer.found and q.answerable and any(q.matches(r) for r in related)
        top3 = q.answerable and any(q.matches(h) for h in hits[:3])
        first = f"{hits[0].doc_id} | {hits[0].section[:60]}" if hits else "-"
        out.append(Outcome(q, answer.found, right, top3, answer.reason, first, bool(related) and not answer.found,
                           related_right, float(getattr(answer, "confidence", 0.0) or 0.0)))
    return out


def trade_off(outcomes: list[Outcome]) -> TradeOff:
    ans = [o for o in outcomes if o.question.answerable]
    una = [o for o in outcomes if not o.question.answerable]
    not_held = [o for o in outcomes if o.question.type == "not_held"]
    return TradeOff(
        n=len(outcomes), answerable=len(ans), unanswerable=len(una),
        answered_right=sum(o.right for o in ans), wrong_passage=sum(o.found and not o.right for o in ans),
        related_right=sum(o.related_right for o in ans),
        false_declines=sum(not o.found and not o.related_right for o in ans),
        declined_right=sum(not o.found for o in una),
        false_answers=sum(o.found for o in una), top3=sum(o.top3 for o in ans),
        not_held=len(not_held), not_held_answered=sum(o.found for o in not_held),
        hit1=sum(o.right for o in ans), related_shown=sum(o.related for o in una),
    )


def small_talk_recognised(outcomes: list[Outcome]) -> tuple[int, int]:
    talk = [o for o in outcomes if o.question.type == "small_talk"]
    return sum(o.reason == DECLINED_SMALL_TALK for o in talk), len(talk)


# --- the older summary (bench/bench_index.py --devset) ---------------------------------------------------

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


def evaluate(kb: KnowledgeBase, questions: list[DevQuestion], fusion: Fusion | None = None,
             model=None) -> Scores:
    outcomes = run(kb, questions, fusion, model)
    t = trade_off(outcomes)
    h1 = 0
    per_type: dict[str, list[int]] = {}
    for o in outcomes:
        per_type.setdefault(o.question.type, []).append(int(o.top3 if o.question.answerable else not o.found))
    for o in outcomes:
        h1 += o.question.answerable and o.first != "-" and o.top3 and o.right
    correct = sum(o.found == o.question.answerable for o in outcomes)
    na = max(t.answerable, 1)
    return Scores(
        n=t.n, hit_at_1=t.hit1 / na, hit_at_3=t.top3 / na, abstention_accuracy=correct / max(t.n, 1),
        answered_right=t.answered_right / na, declined_right=t.declined_rate,
        by_type={k: sum(v) / len(v) for k, v in sorted(per_type.items())},
    )


def with_alpha(fusion: Fusion, alpha: float) -> Fusion:
    return replace(fusion, alpha=alpha)
