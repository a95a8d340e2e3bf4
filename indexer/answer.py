"""Results of a question: ranked hits, citations and the answer text that quotes the sources verbatim."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.text import fold

NOT_FOUND_TEXT = "Tài liệu hiện có chưa có nội dung trả lời câu hỏi này."
NOT_HELD_TEXT = "Kho tài liệu chưa có {documents}, nên không trích dẫn được nội dung của văn bản này."
EXCERPT_CHARS = 520  # the quoted part of a phone-length first reply
CELL = " | "  # how the cells of a table row are shown (the index keeps the document's tabs)
ELLIPSIS = "…"

# Why an answer was declined (Answer.reason); "" when it was answered.
DECLINED_NOT_FOUND = "not_found"  # no passage holds what is asked
DECLINED_NOT_HELD = "document_not_held"  # asks what a document says that the knowledge does not hold
DECLINED_SMALL_TALK = "small_talk"  # a greeting, thanks, "ok": not a question
DECLINED_UNSURE = "unsure"  # a passage is related but may not answer: shown as such, the member decides


@dataclass
class Hit:
    """One retrieved passage with its provenance and scores."""

    chunk_id: str
    text: str
    document: str  # citation display of the document
    doc_id: str
    section: str  # heading path joined with " › "
    score: float  # fused score used for ranking (0..1)
    lexical_score: float  # BM25
    dense_score: float  # cosine similarity
    coverage: float = 0.0  # share of the question's topical terms found in the passage
    kind: str = "body"
    part: str = ""  # the document issued with a decision that the passage is in ("Quy chế ban hành kèm theo …")
    sentence_score: float = 0.0  # best cosine between the question and one sentence of the passage
    answers: bool | None = None  # set by `ask`: whether the passage holds what the question asks
    check: str = ""  # set by `ask`: the absolute check it failed, or its probability
    probability: float = 0.0  # set by `ask`: the decision's probability that it answers

    def to_json(self) -> dict:
        out = {
            "text": self.text, "document": self.document, "section": self.section, "score": round(self.score, 4),
            "chunk_id": self.chunk_id, "doc_id": self.doc_id, "lexical_score": round(self.lexical_score, 4),
            "dense_score": round(self.dense_score, 4), "coverage": round(self.coverage, 4),
        }
        if self.answers is not None:
            out["answers"] = self.answers
            out["check"] = self.check
            out["probability"] = round(self.probability, 4)
        return out


@dataclass
class Citation:
    """Where a quoted passage comes from."""

    document: str
    section: str
    doc_id: str
    date: str | None = None
    label: str = ""  # short form of the section: "mục III.1", "Điều 4", "Căn cứ ban hành"

    def to_json(self) -> dict:
        return {"document": self.document, "section": self.section, "doc_id": self.doc_id, "date": self.date,
                "label": self.label}


@dataclass
class Quote:
    """One passage that answers, with the part of it worth showing first (verbatim, "…" where cut)."""

    chunk_id: str
    doc_id: str
    document: str
    section: str
    label: str
    excerpt: str
    text: str
    score: float
    heading: str = ""  # the heading path to show above the excerpt (without a last heading the excerpt repeats)
    focus: str = ""  # the sentence of the excerpt that answers (verbatim), to mark; "" when none stands out

    def to_json(self) -> dict:
        return {"chunk_id": self.chunk_id, "doc_id": self.doc_id, "document": self.document,
                "section": self.section, "heading": self.heading, "label": self.label, "excerpt": self.excerpt,
                "focus": self.focus, "score": round(self.score, 4)}


@dataclass
class Answer:
    """The reply to one question: verbatim passages with citations, or a plain "not covered"."""

    question: str
    found: bool
    answer: str
    citations: list[Citation] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)  # the first answers, then others that also answer
    reason: str = ""  # why it was declined (DECLINED_*), "" when found
    kind: str = ""  # question type (indexer.question): who, when, how_much…
    missing: list[str] = field(default_factory=list)  # documents named in the question and not held
    related: list[Quote] = field(default_factory=list)  # not sure: the most related passages, shown as such
    confidence: float = 0.0  # the decision's probability that the best passage answers

    @property
    def outcome(self) -> str:
        """"sure" (quoted as the answer), "related" (shown as not sure) or "none" (nothing related)."""
        return "sure" if self.found else ("related" if self.related else "none")

    def to_json(self) -> dict:
        return {
            "found": self.found,
            "answer": self.answer,
            "citations": [c.to_json() for c in self.citations],
            "hits": [h.to_json() for h in self.hits],
            "quotes": [q.to_json() for q in self.quotes],
            "reason": self.reason,
            "kind": self.kind,
            "missing_documents": self.missing,
            "outcome": self.outcome,
            "related": [q.to_json() for q in self.related],
            "confidence": round(self.confidence, 4),
        }


def citation_line(citation: Citation) -> str:
    return f"(Nguồn: {citation.document}; mục: {citation.label or citation.section})"


# --- short section labels -------------------------------------------------------------------------

_LABEL = re.compile(r"^(?:(Chương|CHƯƠNG|Phần|PHẦN|Mục|MỤC)\s+([IVXLC]+|\d+)\.?|(Điều\s+\d+[a-z]?)\.?|([IVXLC]+)[.\-–]|"
                    r"(\d+(?:\.\d+)*)\.?|([a-zđ])\))(?=\s|$)")


def section_label(section: str, part: str = "") -> str:
    """A short name of where a passage is, for the source line.

    "III. TỔ CHỨC THỰC HIỆN › 1. Ban Tuyên giáo Thị ủy" → "mục III.1"; "Chương II › Điều 5. … › 2. …" →
    "Điều 5, khoản 2"; in a document issued with a decision, its name first: "Quy chế ban hành kèm theo
    Quyết định số 98/2025/QĐ-UBND, Điều 5, khoản 2".
    """
    parts = [p.strip() for p in section.split(" › ") if p.strip()]
    if part and parts and parts[0] == part:
        rest = _label(parts[1:], " › ".join(parts[1:]))
        return f"{part}, {rest}" if rest else part
    return _label(parts, section)


def _label(parts: list[str], section: str) -> str:
    labels: list[str] = []
    article = ""
    below: list[str] = []
    for part in parts:
        m = _LABEL.match(part)
        if not m:
            break
        if m.group(3):
            article, below = " ".join(m.group(3).split()), []
            continue
        if article:  # inside an article: its clauses (khoản 2) and points (điểm a)
            below.append(f"khoản {m.group(5)}" if m.group(5) else (f"điểm {m.group(6)}" if m.group(6) else ""))
            continue
        if m.group(1):
            labels = [f"{m.group(1).capitalize()} {m.group(2)}"]
            continue
        labels.append(next(g for g in m.groups()[3:] if g))
    if article:
        return ", ".join([article] + [b for b in below if b])
    if not labels:
        return section
    if labels[0].startswith(("Chương", "Phần", "Mục")):
        return labels[0] + ("." + ".".join(labels[1:]) if len(labels) > 1 else "")
    return "mục " + ".".join(labels)


# --- the part of a passage worth showing --------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\-–+•A-ZĐÀ-Ỹ0-9])|(?<=;)\s+")  # a clause after ";" stands alone
_WORD = re.compile(r"[a-z0-9]+")
_VALUE_LINE = re.compile(r"^[\d.,]+\s*\S*|^(theo|tối đa|tối thiểu)\b", re.IGNORECASE)


def _units(lines: list[str]) -> list[tuple[int, str]]:
    """(line number, text) of each bullet, or of each sentence of a long line."""
    out = []
    for i, line in enumerate(lines):
        if len(line) <= 260:
            out.append((i, line))
            continue
        for sentence in _SENTENCE_END.split(line):
            if sentence.strip():
                out.append((i, sentence.strip()))
    return out


def _drop_heading(lines: list[str], section: str) -> list[str]:
    """The first line repeats the last heading of the path (shown above the quote): leave it out."""
    if len(lines) < 2:
        return lines
    heading = fold(section.split(" › ")[-1]).strip(" .:;")
    first = fold(lines[0]).strip(" .:;")
    if first == heading or (first.startswith(heading) and len(first) - len(heading) <= 3):
        return lines[1:]
    return lines


def excerpt(text: str, section: str, terms: tuple[str, ...] = (), prefer=None, limit: int = EXCERPT_CHARS) -> str:
    """The sentences or bullets of a passage that answer, verbatim, in their order, "…" where something is cut.

    `terms` are the question's folded content words; `prefer(folded unit) -> bool` marks the units that hold
    the kind of answer asked (a date, an amount…). A passage that fits `limit` is shown whole.
    """
    lines = _drop_heading([ln for ln in text.split("\n") if ln.strip()], section)
    whole = "\n".join(lines)
    if len(whole) <= limit:
        return whole
    units = _units(lines)
    folded = [" ".join(_WORD.findall(fold(u))) for _, u in units]
    wanted = set(terms)

    def score(k: int) -> float:
        words = set(folded[k].split())
        s = len(words & wanted) + 0.5 * sum(1 for a, b in zip(terms, terms[1:]) if f"{a} {b}" in folded[k])
        if prefer is not None and prefer(folded[k]):
            s += 2.0
        return s - 0.01 * k  # ties go to the earlier unit

    order = sorted(range(len(units)), key=score, reverse=True)
    chosen: set[int] = set()
    size = 0
    for k in order:
        if chosen and score(k) <= 0:
            break  # the rest shares nothing with the question
        group = {k}
        # A table value ("300.000 đồng/buổi") means nothing without its row's label, and the other way round.
        if k + 1 < len(units) and len(units[k + 1][1]) <= 60 and _VALUE_LINE.match(units[k + 1][1]):
            group.add(k + 1)
        if k > 0 and len(units[k][1]) <= 60 and _VALUE_LINE.match(units[k][1]):
            group.add(k - 1)
        extra = sum(len(units[j][1]) + 2 for j in group - chosen)
        if chosen and size + extra > limit - 4:
            continue
        if not chosen and extra > limit - 4:  # the best unit alone is too long: cut it at a word
            k0 = min(group)
            return _cut(units[k0][1], limit - 4, leading=k0 > 0)
        chosen |= group
        size += extra
    return _render(units, sorted(chosen))


def focus(text: str, terms: tuple[str, ...] = (), prefer=None) -> str:
    """The one sentence or bullet of a shown excerpt that says most of what is asked, verbatim (to mark in
    bold), or "" when the excerpt is a single sentence or nothing stands out."""
    units = [u for _, u in _units([ln for ln in text.split("\n") if ln.strip()])]
    units = [u.strip(" " + ELLIPSIS) for u in units if u.strip(" " + ELLIPSIS)]
    if len(units) < 2 or not terms:
        return ""
    wanted = set(terms)

    def score(u: str) -> float:
        folded = " ".join(_WORD.findall(fold(u)))
        words = set(folded.split())
        s = len(words & wanted) + 0.5 * sum(1 for a, b in zip(terms, terms[1:]) if f"{a} {b}" in folded)
        return s + (2.0 if prefer is not None and prefer(folded) else 0.0)

    scores = [score(u) for u in units]
    best = max(range(len(units)), key=lambda k: (scores[k], -k))
    ranked = sorted(scores, reverse=True)
    if ranked[0] <= 0 or ranked[0] - ranked[1] < 1.0:
        return ""  # nothing stands out: no bold
    return units[best] if units[best] in text else ""


def _cut(text: str, limit: int, leading: bool) -> str:
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    return (ELLIPSIS + " " if leading else "") + cut + " " + ELLIPSIS


def _render(units: list[tuple[int, str]], chosen: list[int]) -> str:
    out = ELLIPSIS + " " if chosen and chosen[0] > 0 else ""
    previous = None
    for k in chosen:
        line, unit = units[k]
        if previous is not None:
            gap = k != previous + 1
            same_line = units[previous][0] == line
            out += (" " + ELLIPSIS + " " if same_line else "\n" + ELLIPSIS + "\n") if gap else (" " if same_line else "\n")
        out += unit
        previous = k
    if chosen and chosen[-1] < len(units) - 1:
        out += " " + ELLIPSIS
    return out.replace("\n" + ELLIPSIS + "\n", "\n" + ELLIPSIS + " ")


def shown_heading(section: str, part: str) -> str:
    """The heading path once: without its last heading when the excerpt starts with that heading's words."""
    parts = section.split(" › ")
    last = fold(parts[-1]).rstrip("…").strip(" .:;")
    if last and fold(part).startswith(last):
        return " › ".join(parts[:-1])
    return section


# --- the answer -----------------------------------------------------------------------------------------

def compose(question: str, passages: list[Hit], hits: list[Hit], dates: dict[str, str | None],
            excerpts: list[str] | None = None, reason: str = "", kind: str = "",
            missing: list[str] | None = None, related: list[Hit] | None = None,
            related_excerpts: list[str] | None = None, confidence: float = 0.0,
            terms: tuple[str, ...] = (), prefer=None) -> Answer:
    """Quote the best passage (trimmed) under its heading path with one source line; others become quotes too.

    With no passage that answers, `related` passages (not sure) become the answer's `related` quotes.
    """
    missing = list(missing or [])
    if not passages:
        text = NOT_HELD_TEXT.format(documents=", ".join(missing)) if missing else NOT_FOUND_TEXT
        shown = _quotes(related or [], related_excerpts, dates, terms, prefer)[1]
        return Answer(question, False, text, [], hits, [], reason or DECLINED_NOT_FOUND, kind, missing, shown,
                      confidence)
    citations, quotes = _quotes(passages, excerpts, dates, terms, prefer)
    first = quotes[0]
    text = "\n".join(p for p in (first.heading, first.excerpt, citation_line(citations[0])) if p)
    return Answer(question, True, text, citations, hits, quotes, "", kind, missing, [], confidence)


def _quotes(passages: list[Hit], excerpts: list[str] | None, dates, terms: tuple[str, ...] = (),
            prefer=None) -> tuple[list[Citation], list[Quote]]:
    excerpts = excerpts or [excerpt(h.text, h.section) for h in passages]
    citations: list[Citation] = []
    quotes: list[Quote] = []
    for hit, part in zip(passages, excerpts):
        part = part.replace("\t", CELL)  # a table row reads "1 | Chi tổ chức hội nghị | 500.000 đồng"
        label = section_label(hit.section, getattr(hit, "part", ""))
        citations.append(Citation(hit.document, hit.section, hit.doc_id, dates.get(hit.doc_id), label))
        quotes.append(Quote(hit.chunk_id, hit.doc_id, hit.document, hit.section, label, part, hit.text, hit.score,
                            shown_heading(hit.section, part), focus(part, terms, prefer)))
    return citations, quotes
