"""Quizzes through any channel: the same wording of a question, an answer's feedback, the end of a
quiz and the board's results, for Telegram (a poll per question) and Zalo (numbered typed answers)."""
from __future__ import annotations

import re

from bot.services.quizzes import LETTERS, Finished, Results, Step
from bot.text import esc, esc_short
from bot.texts import quizzes as T

PASSAGE_CHARS = 400   # the source passage under a wrong answer, cut at a word beyond this


def feedback(step: Step) -> str:
    """What the member is told of the answer just given ("" when the step only starts the quiz)."""
    if step.repeated and step.right is not None:
        return T.ALREADY
    if step.right is None:
        return ""
    return T.RIGHT if step.right else T.WRONG.format(right=esc(step.right_answer))


def lead(step: Step, given: str = "") -> str:
    """What goes before the next question: how the last answer went (`given`), and where a quiz left
    half-way goes on."""
    if step.resumed and step.question is not None:
        q = step.question
        given = "\n".join(p for p in (given, T.RESUMED.format(title=esc(step.quiz.title), number=q.number,
                                                              count=q.count)) if p)
    return given


def typed_question(step: Step) -> str:
    """A question for a channel without polls: numbered options, answered by typing their numbers."""
    q = step.question
    options = "\n".join(f"{i}. {esc(o)}" for i, o in enumerate(q.options, start=1))
    return T.QUESTION_TYPED.format(number=q.number, count=q.count, text=esc(q.text), options=options,
                                   n=len(q.options), several=T.SEVERAL if q.several else "")


def finished(step: Step) -> str:
    """The score and, for each wrong answer, the right one with the verbatim source passage."""
    f: Finished = step.finished
    text = T.DONE.format(title=esc(step.quiz.title), score=f.score, count=f.count)
    if not f.wrong:
        text += T.DONE_PERFECT
    else:
        text += T.DONE_REVIEW
        for r in f.wrong:
            explanation = T.REVIEW_EXPLANATION.format(explanation=esc(r.explanation)) if r.explanation else ""
            source = (T.REVIEW_SOURCE.format(source=esc(r.source), passage=esc_short(r.source_text, PASSAGE_CHARS))
                      if r.source and r.source_text else "")
            text += T.REVIEW_LINE.format(number=r.number, text=esc(r.text), right=esc(r.right),
                                         explanation=explanation, source=source)
    if f.attempts_left:
        text += T.AGAIN.format(left=f.attempts_left, id=step.quiz.id)
    return text


def choose(available) -> str:
    """Several quizzes open for the member: which, and where they stand in each."""
    if not available:
        return T.NONE_OPEN
    lines = "\n".join(T.CHOOSE_LINE.format(id=info.id, title=esc(info.title), state=state)
                      for info, state in available)
    return T.CHOOSE.format(count=len(available), first=available[0][0].id, lines=lines)


def results(r: Results) -> str:
    """The board's view: took part / expected and the average, per unit, and the most missed questions."""
    q = r.quiz
    pct = round(100 * r.took / r.expected) if r.expected else 0
    text = T.RESULTS_HEAD.format(title=esc(q.title), id=q.id, status=T.STATUS.get(q.status, q.status),
                                 took=r.took, expected=r.expected, pct=pct, average=f"{r.average:.1f}",
                                 count=q.count)
    for u in r.units:
        text += T.RESULTS_UNIT.format(unit=esc(u.unit), took=u.took, expected=u.expected,
                                      average=f"{u.average:.1f}", count=q.count)
    if r.missed:
        text += T.RESULTS_MISSED
        for m in r.missed:
            text += T.RESULTS_MISSED_LINE.format(number=m.number, text=esc_short(m.text, 120), wrong=m.wrong,
                                                 answered=m.answered)
    elif not r.took:
        text += T.RESULTS_NONE
    return text


def listing(items) -> str:
    if not items:
        return T.LIST_EMPTY
    return "\n".join(T.LIST_LINE.format(id=info.id, title=esc(info.title), status=T.STATUS.get(info.status, ""),
                                        count=info.count, took=took) for info, took in items)


def chosen_numbers(text: str, n: int) -> list[int] | None:
    """"2", "1,3", "1 và 3", "b", "A, C" typed as an answer: 0-based option indexes; None for anything
    else (words are not an answer: the member is asked again)."""
    tokens = [t for t in re.split(r"[\s,;.+&/]+|\bvà\b|\bva\b", (text or "").strip()) if t]
    picked = []
    for token in tokens:
        if token.isdigit():
            i = int(token) - 1
        elif len(token) == 1 and token.upper() in LETTERS:
            i = LETTERS.index(token.upper())
        else:
            return None
        if not 0 <= i < n:
            return None
        picked.append(i)
    return sorted(set(picked)) or None
