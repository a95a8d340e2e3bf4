"""Results of a question: ranked hits, citations and the answer text that quotes the sources verbatim."""

from __future__ import annotations

from dataclasses import dataclass, field

NOT_FOUND_TEXT = "Tài liệu hiện có chưa có nội dung trả lời câu hỏi này."


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

    def to_json(self) -> dict:
        return {
            "text": self.text, "document": self.document, "section": self.section, "score": round(self.score, 4),
            "chunk_id": self.chunk_id, "doc_id": self.doc_id, "lexical_score": round(self.lexical_score, 4),
            "dense_score": round(self.dense_score, 4), "coverage": round(self.coverage, 4),
        }


@dataclass
class Citation:
    """Where a quoted passage comes from."""

    document: str
    section: str
    doc_id: str
    date: str | None = None

    def to_json(self) -> dict:
        return {"document": self.document, "section": self.section, "doc_id": self.doc_id, "date": self.date}


@dataclass
class Answer:
    """The reply to one question: verbatim passages with citations, or a plain "not covered"."""

    question: str
    found: bool
    answer: str
    citations: list[Citation] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "found": self.found,
            "answer": self.answer,
            "citations": [c.to_json() for c in self.citations],
            "hits": [h.to_json() for h in self.hits],
        }


def citation_line(citation: Citation) -> str:
    return f"(Nguồn: {citation.document}; mục: {citation.section})"


def compose(question: str, passages: list[Hit], hits: list[Hit], dates: dict[str, str | None]) -> Answer:
    """Quote each passage under its heading path and follow it with its citation line."""
    if not passages:
        return Answer(question, False, NOT_FOUND_TEXT, [], hits)
    blocks: list[str] = []
    citations: list[Citation] = []
    for hit in passages:
        citation = Citation(hit.document, hit.section, hit.doc_id, dates.get(hit.doc_id))
        citations.append(citation)
        blocks.append(f"{hit.section}\n{hit.text}\n{citation_line(citation)}")
    return Answer(question, True, "\n\n".join(blocks), citations, hits)
