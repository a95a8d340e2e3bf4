"""What the knowledge holds and cites: documents by type and number, and the passages that name other documents."""

from __future__ import annotations

import hashlib
import json
import re
import sys
import threading
from collections.abc import Mapping, Set
from dataclasses import dataclass, fields, replace
from itertools import chain
from pathlib import Path

import numpy as np

from indexer.lexical import terms
from indexer.question import DocumentReference, fold_passage, references_in
from indexer.structure import Chunk, DocumentInfo
from indexer.text import dates_in, expand_abbreviations, fold, normalize, ordinals_in, strip_tones, tokens
from indexer.text import (  # the abbreviation tables, for `_abbreviation_across`
    _ABBR_EXACT, _ABBR_FOLDED, _ABBR_FULL, _ABBR_WORD, _START_EXACT, _START_FOLDED, _START_FULL, nfc)


@dataclass(frozen=True)
class Resolution:
    """Where a document named in a question is found: held as a document, and/or cited by passages."""

    reference: DocumentReference
    held: tuple[str, ...]  # doc ids of the held documents it names
    cited_in: "Passages"  # the passages that name it

    @property
    def known(self) -> bool:
        return bool(self.held or self.cited_in)


class Passages(Set):
    """A set of passages kept as their sorted rows, asked about by chunk id: at 100,000 passages "Chỉ thị 30"
    is cited by 23,000 of them, and a question only asks whether its few candidates are among them."""

    def __init__(self, rows: np.ndarray, ids, by_id: Mapping[str, int]):
        self.rows = rows
        self._ids, self._by_id = ids, by_id

    def __contains__(self, chunk_id) -> bool:
        row = self._by_id.get(chunk_id)
        if row is None:
            return False
        at = int(np.searchsorted(self.rows, row))
        return at < len(self.rows) and int(self.rows[at]) == row

    def __iter__(self):
        return (self._ids[r] for r in self.rows.tolist())

    def __len__(self) -> int:
        return len(self.rows)

    def __or__(self, other):
        if isinstance(other, Passages):
            return Passages(np.union1d(self.rows, other.rows), self._ids, self._by_id)
        return super().__or__(other)

    __hash__ = None


@dataclass(frozen=True)
class CitingPairs:
    """The passages naming documents by one number: a (row, reference) pair at each position, as arrays (a
    much-cited number has tens of thousands of them)."""

    rows: np.ndarray  # int64: each pair's row (a row once per reference it names)
    references: tuple[DocumentReference, ...]  # the distinct references
    at: np.ndarray  # intp: each pair's reference, an index into `references`
    dated: np.ndarray | None  # bool: the reference is followed by its date in the passage (None: not read yet)

    def matching(self, test) -> np.ndarray:
        """Whether each pair's reference passes `test(reference)` (each distinct reference tested once)."""
        passes = np.array([bool(test(r)) for r in self.references], dtype=bool)
        return passes[self.at] if len(self.at) else np.zeros(0, dtype=bool)

    @classmethod
    def of(cls, found_at: Mapping[int, list[DocumentReference]], dated=None) -> "CitingPairs":
        """From {row: references} (and {row: dated references}, or None)."""
        rows, at, flags = [], [], []
        distinct: dict[DocumentReference, int] = {}
        for row, refs in found_at.items():
            dated_here = dated.get(row, ()) if dated is not None else ()
            for found in refs:
                rows.append(row)
                at.append(distinct.setdefault(found, len(distinct)))
                flags.append(found in dated_here)
        return cls(np.array(rows, dtype=np.int64), tuple(distinct), np.array(at, dtype=np.intp),
                   np.array(flags, dtype=bool) if dated is not None else None)

    def by_row(self) -> dict[int, list[DocumentReference]]:
        """{row: its references in order}, rows in order (`citations_of`'s form)."""
        out: dict[int, list[DocumentReference]] = {}
        order = np.argsort(self.rows, kind="stable")
        for row, i in zip(self.rows[order].tolist(), self.at[order].tolist()):
            out.setdefault(row, []).append(self.references[i])
        return out

    @staticmethod
    def joined(parts: list[tuple[np.ndarray, "CitingPairs"]]) -> "CitingPairs | None":
        """One set of pairs from several (rows mapped by each part's array: -1 drops the pair)."""
        rows, at, dated, references = [], [], [], []
        for mapping, p in parts:
            logical = mapping[p.rows] if len(p.rows) else p.rows
            keep = logical >= 0
            rows.append(logical[keep].astype(np.int64))
            at.append(p.at[keep] + len(references))
            dated.append(p.dated[keep])
            references += p.references
        if not rows:
            return None
        return CitingPairs(np.concatenate(rows), tuple(references), np.concatenate(at).astype(np.intp),
                           np.concatenate(dated))


_UNIT_END = re.compile(r"(?<=[.;])\s+")
_DATE_NEAR = re.compile(r"^\W*(?:ngay\s*)?\d{1,2}\s*/\s*\d{1,2}\s*/\s*\d{4}|^\W*ngay\s+\d{1,2}\s+thang")


def _abbreviation_across(left: str, right: str) -> bool:
    """Whether an abbreviation or a full form (indexer.text.ABBREVIATIONS) could be read from the last words of
    `left` into the first words of `right`. When none can, `expand_abbreviations` of the two joined by a line
    break finds what it finds in each of them, and their search terms are those of each. (Here, not in
    indexer.text: the stored citations are those of the code of indexer.text, see `references_version`.)"""
    tail = _ABBR_WORD.findall(nfc(left))[-(_LONGEST - 1):] if _LONGEST > 1 else []
    if not tail:
        return False
    words = tail + _ABBR_WORD.findall(nfc(right))[:_LONGEST - 1]
    folded = [fold(w) for w in words]
    for i in range(len(tail)):
        for starts, mapping, seq in ((_START_FOLDED, _ABBR_FOLDED, folded), (_START_EXACT, _ABBR_EXACT, words),
                                     (_START_FULL, _ABBR_FULL, folded)):
            for size in starts.get(seq[i], ()):
                if i + size > len(tail) and tuple(seq[i:i + size]) in mapping:
                    return True
    return False


_LONGEST = max(len(key) for mapping in (_ABBR_EXACT, _ABBR_FOLDED, _ABBR_FULL) for key in mapping)


def _aligned(text: str) -> tuple[str, str]:
    from indexer.question import _aligned_fold
    return _aligned_fold(text)


def _number_parts(number: str | None) -> tuple[str, str]:
    """("8", "ct/tu") from "08-CT/TU"; ("", "") for a placeholder number ("…-KH/TU")."""
    if not number:
        return "", ""
    m = re.match(r"\s*0*(\d+[a-z]?)\s*[-/]?\s*(.*)$", fold(number))
    if not m:
        return "", ""
    return m.group(1), re.sub(r"\s+", "", m.group(2))


def same_suffix(a: str, b: str) -> bool:
    """Suffixes agree when either is missing, they are equal ("ct/tw" vs "ct/tu" do not), or one is the start
    of the other ("2025" typed for "2025/qd-ubnd")."""
    return not a or not b or a == b or b.startswith(a + "/") or a.startswith(b + "/")


# What is kept of the passages and documents a question has looked at. Everything fits in a small install;
# in a large one (100,000 passages) unbounded caches grew by every question's candidates (~30 a question; a
# passage's terms, units and folded text weigh ~30 KB): 8,192 passages kept still added ~300 MB over 500
# questions. Whole documents' facts hold a document's folded text, so fewer of them.
PASSAGES_KEPT = 2048
DOCUMENTS_KEPT = 4096
WHOLE_DOCUMENTS_KEPT = 256


def _distinct(rows: np.ndarray) -> np.ndarray:
    """The distinct values of sorted `rows`."""
    return rows[np.concatenate(([True], rows[1:] != rows[:-1]))] if len(rows) else rows


# A set of search terms as the catalogue keeps it: a dict of the terms (values unused). A dict holding only
# strings is never walked by the garbage collector, a frozenset always is: at 100,000 passages the kept term sets
# held 1.4 million references, and a full collection walking them took ~100 ms of some question.
TermSet = dict[str, None]


def _kept(words) -> TermSet:
    """`words` as a set to keep: each word the one string of that spelling, shared by every passage kept (the
    same few thousand terms recur in every passage; a copy of each per passage made the caches about twice as
    heavy: ~130 MB instead of ~70 MB at 100,000 passages once full)."""
    return dict.fromkeys(map(sys.intern, words))


_OWN_EXTRA = ("header", "signature", "recipients")  # kinds whose hidden words count as the passage's own terms
_LAWS = "\0luat"  # Catalogue._named's key for every law held (numbers and names are never empty nor start so)


def _dated(folded: str, found: DocumentReference) -> bool:
    """Whether the reference is followed by its date in the passage (`folded` as `_aligned` gives it)."""
    at = folded.find(fold(found.text))
    end = at + len(found.text)
    return at >= 0 and bool(_DATE_NEAR.search(folded[end : end + 30]))


CITATIONS = "citations.jsonl"  # one line per number: the passages naming a document by it, with the references
CITATION_NUMBERS = "citations.json"  # the numbers, in the order of those lines, and how they were found
CITATIONS_LAYOUT = 2  # lines of [rows, reference indices, dated flags] (1, unmarked: {row: references} per line)


def references_version() -> str:
    """A fingerprint of the code that finds references in a passage (indexer.question and what it reads): stored
    citations found by other code are found again at load, and rewritten by the next build."""
    global _REFERENCES_VERSION
    if _REFERENCES_VERSION is None:
        import indexer.question
        import indexer.spelling
        import indexer.text
        digest = hashlib.sha256()
        for module in (indexer.question, indexer.spelling, indexer.text):
            digest.update(Path(module.__file__).read_bytes())
        _REFERENCES_VERSION = digest.hexdigest()[:16]
    return _REFERENCES_VERSION


_REFERENCES_VERSION: str | None = None


def citations_of(chunks) -> dict[str, dict[int, list[DocumentReference]]]:
    """Per number, the rows of the passages naming a document by it, with those references (every passage
    read: seconds at 100,000 passages, so done at build time and stored, see `save_citations`)."""
    cited: dict[str, dict[int, list[DocumentReference]]] = {}
    for row, chunk in enumerate(chunks):
        for found in references_in(chunk.text):
            cited.setdefault(found.number, {}).setdefault(row, []).append(found)
    return cited


def moved_citations(old: Mapping[str, dict[int, list[DocumentReference]]], keep, new) -> dict:
    """`citations_of` a new build's passages from an old build's: `keep[old row]` is the row of a passage reused
    (-1: gone); `new` are the (row, chunk) read this time, whose references are found now."""
    cited: dict[str, dict[int, list[DocumentReference]]] = {}
    for number in old:
        for row, refs in old.get(number, {}).items():
            if keep[row] >= 0:
                cited.setdefault(number, {})[int(keep[row])] = refs
    for row, chunk in new:
        for found in references_in(chunk.text):
            cited.setdefault(found.number, {}).setdefault(row, []).append(found)
    return {number: dict(sorted(rows.items())) for number, rows in cited.items()}


def save_citations(folder: Path, cited: dict[str, dict[int, list[DocumentReference]]], chunks) -> None:
    """Write `citations_of` `chunks` (their rows): per number one line [rows, references, dated], a pair of
    (row, reference) at each position (a row once per reference it names), the references as indices into the
    distinct references listed in CITATION_NUMBERS, and whether the passage gives the reference's date right
    after it (`_dated`, read here once rather than by the first question about a much-cited document: at
    100,000 passages "Chỉ thị 30" is cited by 23,000 of them, each to fold)."""
    names = [f.name for f in fields(DocumentReference)]
    numbers = list(cited)
    distinct: dict[DocumentReference, int] = {}
    by_row: dict[int, list[tuple[str, list[DocumentReference]]]] = {}
    for number in numbers:
        for row, refs in cited[number].items():
            by_row.setdefault(row, []).append((number, refs))
    dated: dict[tuple[str, int], list[int]] = {}
    for row, named in by_row.items():
        _, folded = _aligned(chunks[row].text)
        for number, refs in named:
            dated[number, row] = [int(_dated(folded, found)) for found in refs]
    with open(folder / CITATIONS, "w", encoding="utf-8") as f:
        for number in numbers:
            rows, refs_at, flags = [], [], []
            for row, refs in cited[number].items():
                for found, flag in zip(refs, dated[number, row]):
                    rows.append(row)
                    refs_at.append(distinct.setdefault(found, len(distinct)))
                    flags.append(flag)
            f.write(json.dumps([rows, refs_at, flags], separators=(",", ":")) + "\n")
    (folder / CITATION_NUMBERS).write_text(json.dumps(
        {"version": references_version(), "layout": CITATIONS_LAYOUT, "fields": names, "numbers": numbers,
         "references": [[getattr(r, n) for n in names] for r in distinct]}, ensure_ascii=False),
        encoding="utf-8")


class StoredCitations(Mapping):
    """What `citations_of` found at build time, read from the index folder one number at a time."""

    def __init__(self, folder: Path):
        from indexer.store import JsonLines
        head = json.loads((folder / CITATION_NUMBERS).read_text(encoding="utf-8"))
        names = head["fields"]
        self._references = [DocumentReference(**{n: tuple(v) if isinstance(v, list) else v
                                                  for n, v in zip(names, values)}) for values in head["references"]]
        self._line = {number: i for i, number in enumerate(head["numbers"])}
        self._lines = JsonLines(folder / CITATIONS)
        if len(self._lines) != len(self._line):
            raise ValueError(f"{CITATIONS} does not match {CITATION_NUMBERS}")

    @classmethod
    def load(cls, folder: Path) -> "StoredCitations | None":
        """The stored citations, or None when there are none, other code found them or they were written in
        another layout (then found again)."""
        try:
            head = json.loads((folder / CITATION_NUMBERS).read_text(encoding="utf-8"))
            if head.get("version") != references_version() or head.get("layout") != CITATIONS_LAYOUT \
                    or head.get("fields") != [f.name for f in fields(DocumentReference)]:
                return None
            return cls(folder)
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def __getitem__(self, number: str) -> dict[int, list[DocumentReference]]:
        found = self.pairs(number)
        if found is None:
            raise KeyError(number)
        return found.by_row()

    def pairs(self, number: str) -> CitingPairs | None:
        """The number's line as arrays (None: no passage names a document by it)."""
        line = self._line.get(number)
        if line is None:
            return None
        rows, refs_at, flags = self._lines[line]
        distinct, at = np.unique(np.array(refs_at, dtype=np.intp), return_inverse=True)
        return CitingPairs(np.array(rows, dtype=np.int64), tuple(self._references[i] for i in distinct.tolist()),
                           at.reshape(-1).astype(np.intp), np.array(flags, dtype=bool))

    def __iter__(self):
        return iter(self._line)

    def __len__(self) -> int:
        return len(self._line)


class _Recent(dict):
    """A dict that forgets its oldest entry beyond `size` entries (writers hold the catalogue's lock)."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def __setitem__(self, key, value) -> None:
        if key not in self and len(self) >= self.size:
            del self[next(iter(self))]
        super().__setitem__(key, value)


class Catalogue:
    """Reference lookups over one loaded index; passages are folded and scanned only when a question needs them."""

    def __init__(self, documents: list[DocumentInfo], chunks: list[Chunk], lexical):
        self.docs = {d.doc_id: d for d in documents}
        self.dates = {d.doc_id: d.date_display for d in documents}  # for source lines
        self.chunks = chunks
        self.lexical = lexical  # read only: which terms exist, their idf and postings
        if hasattr(chunks, "by_id"):  # indexer.store.StoredChunks: made once when the index is loaded
            self._by_id, self._rows_of_doc, self._ids = chunks.by_id, chunks.rows_of_doc, chunks.ids
            self._doc_of_row, self._doc_names = chunks.doc_of_row, chunks.doc_ids
        else:
            self._ids = [c.id for c in chunks]
            self._by_id = {c: i for i, c in enumerate(self._ids)}
            self._rows_of_doc = {}
            for i, c in enumerate(chunks):
                self._rows_of_doc.setdefault(c.doc_id, []).append(i)
            self._doc_names = list(self._rows_of_doc)
            numbers = {d: j for j, d in enumerate(self._doc_names)}
            self._doc_of_row = np.array([numbers[c.doc_id] for c in chunks], dtype=np.int64)
        self._folded: dict[int, str] = _Recent(PASSAGES_KEPT)
        self._refs: dict[int, list[DocumentReference]] = _Recent(PASSAGES_KEPT)
        # Per number named in a question: the passages naming a document by that number (with the date flags).
        self._cited: dict[str, CitingPairs] = _Recent(DOCUMENTS_KEPT)
        self._every_citation: dict[str, dict[int, list[DocumentReference]]] | None = None  # by prepare()
        self._doc_keys: dict[str, tuple[frozenset[str], str, str, list[DocumentReference]]] | None = None
        self._name_words: dict[str, frozenset[str]] | None = None  # by prepare()
        self._by_number: dict[str, list[str]] | None = None  # by prepare(): held documents by the numbers they carry
        self._dated: dict[int, list[DocumentReference]] = _Recent(PASSAGES_KEPT)
        # A question naming a date or a year reads each candidate's whole document (30 a question): only what it
        # names is made of it (the dates, or the folded text).
        self._doc_dates: dict[str, set] = _Recent(WHOLE_DOCUMENTS_KEPT)
        self._doc_folded: dict[str, str] = _Recent(WHOLE_DOCUMENTS_KEPT)
        self._terms: dict[str, TermSet] = _Recent(PASSAGES_KEPT)
        self._names: dict[str, TermSet] = _Recent(DOCUMENTS_KEPT)
        self._title_terms: dict[str, TermSet] = _Recent(DOCUMENTS_KEPT)  # for `terms`
        self._ordinals: dict[int, set] = _Recent(PASSAGES_KEPT)
        self._headings: dict[int, str] = _Recent(PASSAGES_KEPT)
        self._folded_names: dict[str, str] = _Recent(DOCUMENTS_KEPT)
        self._has_section: dict[tuple[str, object], bool] = _Recent(DOCUMENTS_KEPT)
        self._units: dict[str, list[tuple[str, TermSet]]] = _Recent(PASSAGES_KEPT)
        self._own: dict[str, TermSet] = _Recent(PASSAGES_KEPT)
        self._doc_terms: dict[str, TermSet] = _Recent(WHOLE_DOCUMENTS_KEPT)
        self._shapes: frozenset[str] | None = None
        self._heading_tokens: dict[str, TermSet] = _Recent(PASSAGES_KEPT)
        self._lock = threading.Lock()

    def prepare(self, citations: Mapping[str, dict[int, list[DocumentReference]]] | None = None,
                previous: "Catalogue | None" = None) -> None:
        """Make now what any question may need, so that no question pays for it (the index is being loaded).

        A question naming "Chỉ thị 30" read every document's title for the documents carrying it out, and the
        first question naming a document 30 read every passage holding "30" for the ones citing it: at 100,000
        passages (23,000 of them hold "30") that took seconds. Each title is read once here instead, and the
        passages' citations come from the index folder (`citations`, found at build time); without them (an
        index of format 4) every passage is read here (seconds at 100,000 passages). The titles of documents
        unchanged since the `previous` catalogue (the index before an upload) are not read again.
        """
        self.shaped("")
        self._document_keys(previous)
        self._named("")
        self._document_name_words(previous)
        if citations is not None:
            self._every_citation = citations
            return
        self._every_citation = citations_of(self.chunks)
        if hasattr(self.chunks, "forget"):
            self.chunks.forget()

    def _document_keys(self, previous: "Catalogue | None" = None) \
            -> dict[str, tuple[frozenset[str], str, str, list[DocumentReference]]]:
        """Per document: the types it is or issues (folded), its number's parts, the documents its title names."""
        if self._doc_keys is None:
            def make(d: DocumentInfo):
                types = {fold(t) for t in (d.doc_type, *d.attachments) if t}
                if "thong bao" in types and fold(d.title or "").startswith("ket luan"):
                    types.add("ket luan")  # a "Thông báo kết luận" is "Kết luận 432" to most who cite it
                return frozenset(types), *_number_parts(d.number), references_in(d.title or "")
            self._doc_keys = self._per_document(previous, "_doc_keys", make)
        return self._doc_keys

    def _per_document(self, previous: "Catalogue | None", attribute: str, make) -> dict:
        """`make(document)` for every held document; an unchanged one keeps what `previous` (the catalogue
        of the index served before a reload) made for it, under the same `attribute`."""
        known = (getattr(previous, attribute) if previous is not None else None) or {}
        return {d.doc_id: known[d.doc_id] if d.doc_id in known and previous.docs.get(d.doc_id) == d else make(d)
                for d in self.docs.values()}

    def _document_name_words(self, previous: "Catalogue | None" = None) -> dict[str, frozenset[str]]:
        """Per document, the folded words of its name's search terms (`name_words`), made for every document
        at once: a question asking to see a part of "kế hoạch thực hiện chỉ thị 30" checks the name of every
        document citing Directive 30 (5,000 at 100,000 passages, 1.5 s the first time)."""
        if self._name_words is None:
            def make(d: DocumentInfo) -> frozenset[str]:
                name = self.name_terms(d.doc_id)
                # fold() maps character by character: the terms folded at once, then cut apart again.
                return frozenset(w for t in fold("\n".join(t.lstrip("~") for t in name)).split("\n")
                                 for w in t.split("_")) if name else frozenset()
            self._name_words = self._per_document(previous, "_name_words", make)
        return self._name_words

    def name_words(self, doc_id: str) -> frozenset[str]:
        """The folded words of a document's name's search terms ("chi", "thi" for the term "chi_thi")."""
        words = self._document_name_words().get(doc_id)
        if words is None:  # not a held document
            words = frozenset(w for t in self.name_terms(doc_id) for w in fold(t.lstrip("~")).split("_"))
        return words

    # --- terms -------------------------------------------------------------------------------------

    def known(self, term: str) -> bool:
        return term in self.lexical.term_ids

    def count(self, term: str) -> int:
        """How many passages hold a search term (0: none)."""
        i = self.lexical.term_ids.get(term)
        return 0 if i is None else int(self.lexical.indptr[i + 1] - self.lexical.indptr[i])

    def marked(self, word: str) -> bool:
        """Whether some passage spells a word with exactly these marks ("việc", not "vịec")."""
        return ("~" + normalize(word).lower()) in self.lexical.term_ids

    def shaped(self, word: str) -> bool:
        """Whether some passage has a word with these letters and vowel marks, whatever its tone ("sô" for
        "sổ": "số"; nothing has "viec" without the circumflex of "việc")."""
        shapes = self._shapes
        if shapes is None:
            shapes = frozenset(strip_tones(t[1:]) for t in self.lexical.term_ids if t.startswith("~"))
            self._shapes = shapes
        return strip_tones(normalize(word).lower()) in shapes

    def idf(self, term: str) -> float:
        """A term's weight as evidence; a term no passage has weighs most."""
        i = self.lexical.term_ids.get(term)
        return float(self.lexical.idf[i]) if i is not None else self.lexical.max_idf

    def _postings(self, term: str) -> list[int]:
        return self._posting_rows(term).tolist()

    def _posting_rows(self, term: str) -> np.ndarray:
        i = self.lexical.term_ids.get(term)
        if i is None:
            return np.zeros(0, dtype=np.int64)
        return self.lexical.postings[self.lexical.indptr[i] : self.lexical.indptr[i + 1]].astype(np.int64)

    def name_terms(self, doc_id: str) -> TermSet:
        """Search terms of a document's name: type, number, title, issuer and place."""
        out = self._names.get(doc_id)
        if out is None:
            d = self.docs.get(doc_id)
            parts = (d.doc_type, d.number, d.title, d.issuer, d.place) if d is not None else ()
            out = _kept(terms(expand_abbreviations(" \n".join(p for p in parts if p))))
            with self._lock:
                self._names[doc_id] = out
        return out

    def document_terms(self, doc_id: str) -> TermSet:
        """Search terms of a whole document (its name and every passage): what its signature or its
        recipients list answers for ("công văn … trả lời về thuế TNCN do ai ký")."""
        return self._memo(self._doc_terms, doc_id, lambda: _kept(chain(
            self.name_terms(doc_id), *(self.own_terms(self._ids[i]) for i in self._rows_of_doc.get(doc_id, ())))))

    def _memo(self, cache: dict, key, compute):
        """`compute()`, kept in `cache` under `key`: passages are read only when a question needs them."""
        value = cache.get(key)
        if value is None:
            value = compute()
            with self._lock:
                cache[key] = value
        return value

    def own_terms(self, chunk_id: str) -> TermSet:
        """Search terms of the passage itself: its heading path and text (and, for a header, signature or
        recipients list, the hidden words that say what it is), not its document's name."""
        c = self.chunks[self._by_id[chunk_id]]
        extra = c.search_extra if c.kind in _OWN_EXTRA else ""
        return self._memo(self._own, chunk_id, lambda: _kept(
            terms(expand_abbreviations("\n".join((c.section, c.text, extra))))))

    def terms(self, chunk_id: str) -> TermSet:
        """Search terms of a passage as an answer sees it: heading path, text and its document's name."""
        c = self.chunks[self._by_id[chunk_id]]
        d = self.docs.get(c.doc_id)
        name = " ".join(p for p in (d.doc_type, d.number, d.title) if p) if d is not None else ""

        def make() -> TermSet:
            if c.kind not in _OWN_EXTRA and not c.search_extra \
                    and not _abbreviation_across(c.section + "\n" + c.text, name):
                # `own_terms` of the same text, with the name's terms: each passage's text read once for both
                # (a question's candidates at 100,000 passages are mostly read for the first time).
                return self.own_terms(chunk_id) | self._memo(
                    self._title_terms, c.doc_id, lambda: _kept(terms(expand_abbreviations(name))))
            return _kept(terms(expand_abbreviations("\n".join((c.section, c.text, c.search_extra, name)))))

        return self._memo(self._terms, chunk_id, make)

    # --- passages --------------------------------------------------------------------------------

    def folded(self, chunk_id: str) -> str:
        """The passage with its heading path, folded, abbreviations written out (cached)."""
        i = self._by_id[chunk_id]
        text = self._folded.get(i)
        if text is None:
            c = self.chunks[i]
            text = fold_passage(c.section + "\n" + c.text)
            with self._lock:
                self._folded[i] = text
        return text

    def units(self, chunk_id: str) -> list[tuple[str, TermSet]]:
        """The passage's lines, long ones cut into sentences: (folded text, its search tokens), cached."""

        def cut() -> list[tuple[str, TermSet]]:
            lines = self.folded(chunk_id).split("\n")[1:]  # the first line is the heading path
            return [(unit, _kept(tokens(unit))) for line in lines
                    for unit in (_UNIT_END.split(line) if len(line) > 260 else [line]) if unit.strip()]

        return self._memo(self._units, chunk_id, cut)

    def heading_tokens(self, chunk_id: str) -> TermSet:
        """Search tokens of the passage's heading path, folded like `folded` (cached)."""
        return self._memo(self._heading_tokens, chunk_id,
                          lambda: _kept(tokens(self.folded(chunk_id).split("\n", 1)[0])))

    def folded_heading(self, chunk_id: str) -> str:
        """The passage's own heading (last part of its path), folded like `folded` (cached)."""
        i = self._by_id[chunk_id]
        text = self._headings.get(i)
        if text is None:
            text = fold_passage(self.chunks[i].section.split(" › ")[-1])
            with self._lock:
                self._headings[i] = text
        return text

    def folded_name(self, doc_id: str) -> str:
        """The document's display name and title, folded like `folded` (cached)."""
        text = self._folded_names.get(doc_id)
        if text is None:
            d = self.docs.get(doc_id)
            text = fold_passage(" ".join(p for p in (d.display, d.title) if p)) if d is not None else ""
            with self._lock:
                self._folded_names[doc_id] = text
        return text

    def sections(self, doc_id: str) -> list[str]:
        """The heading paths of a document's passages, in order (below an attached document's own name)."""
        out = []
        for i in self._rows_of_doc.get(doc_id, []):
            c = self.chunks[i]
            prefix = c.part + " › " if c.part else ""
            out.append(c.section[len(prefix):] if prefix and c.section.startswith(prefix) else c.section)
        return out

    def headers(self, doc_ids) -> Passages:
        """The header passages (type, number, title) of the documents."""
        return self._passages(np.unique(np.array(
            [i for d in doc_ids for i in self._rows_of_doc.get(d, [])
             if self.chunks[i].kind == "header" and not self.chunks[i].part], dtype=np.int64)))

    def position(self, chunk_id: str) -> int:
        """The passage's place in the index (documents in order, passages in document order)."""
        return self._by_id[chunk_id]

    def rows_of(self, doc_id: str) -> list[int]:
        """The rows of a document's passages, in document order."""
        return list(self._rows_of_doc.get(doc_id, []))

    def has_section(self, doc_id: str, key: object, test) -> bool:
        """Whether any heading path of a document passes `test` (cached per document and `key`)."""
        found = self._has_section.get((doc_id, key))
        if found is None:
            found = any(test(section) for section in self.sections(doc_id))
            with self._lock:
                self._has_section[(doc_id, key)] = found
        return found

    def document_dates(self, doc_id: str) -> set:
        """The dates of a whole document (its passages, title and date), for checks of "ngày 7/11" (cached)."""
        return self._memo(self._doc_dates, doc_id, lambda: dates_in(self._document_text(doc_id)))

    def folded_document(self, doc_id: str) -> str:
        """A whole document (its passages, title and date) folded, for checks of "năm 2025" (cached)."""
        return self._memo(self._doc_folded, doc_id, lambda: fold(self._document_text(doc_id)))

    def _document_text(self, doc_id: str) -> str:
        doc = self.docs.get(doc_id)
        parts = [self.chunks[i].text for i in self._rows_of_doc.get(doc_id, [])]
        if doc is not None:
            parts += [doc.title or "", doc.date or ""]
        return "\n".join(parts)

    def ordinals(self, chunk_id: str) -> set:
        """Ordinals ("quý IV", "khóa XIII") of a passage, its heading path and its document's title (cached).

        What the document is about as a whole (its title) counts; an ordinal elsewhere in the document
        is about something else ("tình hình quý III" in the notice of the quý IV meeting).
        """
        i = self._by_id[chunk_id]
        out = self._ordinals.get(i)
        if out is None:
            c = self.chunks[i]
            d = self.docs.get(c.doc_id)
            name = " ".join(p for p in (d.display, d.title) if p) if d is not None else ""
            out = ordinals_in("\n".join((c.section, c.text, name)))
            with self._lock:
                self._ordinals[i] = out
        return out

    def _references(self, row: int) -> list[DocumentReference]:
        refs = self._refs.get(row)
        if refs is None:
            c = self.chunks[row]
            refs = references_in(c.text)
            with self._lock:
                self._refs[row] = refs
        return refs

    # --- documents named in a question -------------------------------------------------------------

    def held(self, ref: DocumentReference) -> tuple[str, ...]:
        out = []
        wanted = set(ref.types)
        keys = self._document_keys()
        for doc_id in self._named(_LAWS if ref.types == ("luat",) else ref.number):
            # A decision's attached Quy chế / Quy định carries the decision's number: "Quy định 212".
            types, number, suffix, title_refs = keys[doc_id]
            if not types & wanted:
                continue
            if ref.types == ("luat",):
                if ref.number in fold(self.docs[doc_id].title or ""):
                    out.append(doc_id)
                continue
            if number and number == ref.number and same_suffix(ref.suffix, suffix):
                out.append(doc_id)
            elif not ref.suffix and (not number or number != ref.number) \
                    and any(r.number == ref.number for r in title_refs):
                out.append(doc_id)  # "kế hoạch 30": the plan whose title carries out Directive 30
        return tuple(out)

    def carried_out_by(self, ref: DocumentReference) -> tuple[str, ...]:
        """Held documents whose title names the document as what they carry out or concern: the plan
        "Thực hiện Chỉ thị 30-CT/TW …" for "Chỉ thị 30" (type and number agree, the suffix if typed)."""
        out = []
        keys = self._document_keys()
        for doc_id in self._named(ref.number):
            for found in keys[doc_id][3]:
                if found.number == ref.number and set(found.types) & set(ref.types) \
                        and same_suffix(ref.suffix, found.suffix):
                    out.append(doc_id)
                    break
        return tuple(out)

    def _named(self, key: str) -> list[str]:
        """The held documents, in order, numbered by `key` or whose title names a document by it (a law: by its
        name); `LAWS` for every law. What `held` and `carried_out_by` look through: at 100,000 passages there are
        5,000 documents to skip otherwise, at every check of every candidate."""
        if self._by_number is None:
            by_number: dict[str, list[str]] = {}
            for doc_id, (types, number, _, title_refs) in self._document_keys().items():
                keys = [number, *(r.number for r in title_refs)] + ([_LAWS] if "luat" in types else [])
                for k in dict.fromkeys(keys):
                    if k:
                        by_number.setdefault(k, []).append(doc_id)
            self._by_number = by_number
        return self._by_number.get(key, [])

    def cites_with_date(self, chunk_id: str, ref: DocumentReference) -> bool:
        """Whether the passage gives the date of the cited document right after naming it."""
        row = self._by_id[chunk_id]
        pairs = self._citing(ref.number)
        here = pairs.rows == row
        if here.any():  # a question checks every passage citing the document: by number
            wanted = set(ref.types)
            return bool(np.any(here & self._dated_flags(ref.number) & pairs.matching(lambda f: set(f.types) & wanted)))
        return any(found.number == ref.number and set(found.types) & set(ref.types)
                   for found in self._dated_references(row))

    def dated_citing(self, ref: DocumentReference) -> Passages:
        """Of `cited_in(ref)`, the passages that give the document's date right after naming it (`cites_with_date`
        of each, from the number's arrays rather than passage by passage)."""
        cited = self.cited_in(ref)
        pairs = self._citing(ref.number)
        wanted = set(ref.types)
        dated = pairs.rows[self._dated_flags(ref.number) & pairs.matching(lambda f: set(f.types) & wanted)]
        known = np.isin(cited.rows, pairs.rows, kind="sort")
        rows = cited.rows[known][np.isin(cited.rows[known], dated, kind="sort")]
        others = [r for r in cited.rows[~known].tolist()  # a law, cited by name: its passages read one by one
                  if any(found.number == ref.number and set(found.types) & wanted
                         for found in self._dated_references(r))]
        return self._passages(np.union1d(rows, np.array(others, dtype=np.int64)) if others else rows)

    def _dated_flags(self, number: str) -> np.ndarray:
        """Whether each reference of `_citing(number)` is followed by its date in its passage (flagged at build
        time when the citations are stored, else read here once per number)."""
        pairs = self._citing(number)
        if pairs.dated is None:
            folded: dict[int, str] = {}
            flags = []
            for row, i in zip(pairs.rows.tolist(), pairs.at.tolist()):
                if row not in folded:
                    folded[row] = _aligned(self.chunks[row].text)[1]
                flags.append(_dated(folded[row], pairs.references[i]))
            pairs = replace(pairs, dated=np.array(flags, dtype=bool))
            with self._lock:
                self._cited[number] = pairs
        return pairs.dated

    def _dated_references(self, row: int) -> list[DocumentReference]:
        """The documents a passage names with their date right after (cached)."""
        dated = self._dated.get(row)
        if dated is None:
            dated = []
            refs = self._references(row)
            if refs:
                _, folded = _aligned(self.chunks[row].text)
                dated = [found for found in refs if _dated(folded, found)]
            with self._lock:
                self._dated[row] = dated
        return dated

    def cited_in(self, ref: DocumentReference) -> Passages:
        """The passages that name the document (by type and number, or a law by name)."""
        if ref.types == ("luat",):
            first = ref.number.split()[0]
            rows = [r for r in self._postings(f"luat_{first}")
                    if re.search(r"\bluat " + re.escape(ref.number) + r"\b", self.folded(self._ids[r]))]
            return self._passages(np.array(rows, dtype=np.int64))
        pairs = self._citing(ref.number)
        wanted = set(ref.types)
        match = pairs.matching(lambda f: set(f.types) & wanted and same_suffix(ref.suffix, f.suffix))
        return self._passages(_distinct(pairs.rows[match]))

    def _passages(self, rows: np.ndarray) -> Passages:
        """`rows` (sorted, distinct) as a set of passages."""
        return Passages(rows, self._ids, self._by_id)

    def documents_of(self, passages: Passages) -> set[str]:
        """The doc ids of the passages' documents."""
        mark = np.zeros(len(self._doc_names), dtype=bool)
        mark[self._doc_of_row[passages.rows]] = True
        return {self._doc_names[d] for d in np.flatnonzero(mark).tolist()}

    def _citing(self, number: str) -> CitingPairs:
        """The document references by `number` of each passage holding that number and naming a document by it
        (cached: at 100,000 passages "30" is in 23,000 of them; the next question naming a document 30 of any type
        reads none)."""
        pairs = self._cited.get(number)
        if pairs is None:
            holding = np.zeros(0, dtype=np.int64)
            digits = re.match(r"\d+", number)
            if digits:
                n = int(digits.group(0))
                holding = np.unique(np.concatenate(
                    [holding] + [self._posting_rows(spelled) for spelled in {str(n), f"{n:02d}", f"{n:03d}", number}]))
            every = self._every_citation
            if hasattr(every, "pairs"):  # stored at build time (StoredCitations, SegmentedCitations)
                pairs = every.pairs(number) or CitingPairs.of({}, {})
            elif every is not None:  # found at load
                pairs = CitingPairs.of(every.get(number, {}))
            else:  # read now: the passages holding the number
                found_at = {}
                for r in holding.tolist():
                    refs = self._refs.get(r)  # not kept: thousands of passages would push out the candidates' ones
                    refs = [found for found in (refs if refs is not None else references_in(self.chunks[r].text))
                            if found.number == number]
                    if refs:
                        found_at[r] = refs
                pairs = CitingPairs.of(found_at)
            # The same references, of the same passages; in order of rows, so that a reference's rows are sorted.
            keep = np.isin(pairs.rows, holding)
            if not keep.all() or np.any(pairs.rows[1:] < pairs.rows[:-1]):
                keep = np.flatnonzero(keep)
                keep = keep[np.argsort(pairs.rows[keep], kind="stable")]
                pairs = CitingPairs(pairs.rows[keep], pairs.references, pairs.at[keep],
                                    pairs.dated[keep] if pairs.dated is not None else None)
            with self._lock:
                self._cited[number] = pairs
        return pairs

    def resolve(self, ref: DocumentReference) -> Resolution:
        return Resolution(ref, self.held(ref), self.cited_in(ref))

    def hit(self, row: int):
        """A passage as a search result of its own (an indexer.answer.Hit: for showing a part asked for by
        its number)."""
        from indexer.answer import Hit
        c = self.chunks[row]
        d = self.docs.get(c.doc_id)
        return Hit(chunk_id=c.id, text=c.text, document=d.display if d else c.doc_id, doc_id=c.doc_id,
                   section=c.section, score=1.0, lexical_score=0.0, dense_score=0.0, kind=c.kind, part=c.part)

    def doc_of(self, chunk_id: str) -> str:
        row = self._by_id[chunk_id]
        return self.chunks.doc_id(row) if hasattr(self.chunks, "doc_id") else self.chunks[row].doc_id
