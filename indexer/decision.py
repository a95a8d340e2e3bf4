"""Whether a passage answers a question: one calibrated probability from a few signals, fitted on the dev sets.

Each candidate passage of the fused ranking gets a handful of signals — how much of the question's topical
weight it holds (coverage), how close its embedding is to the question's (the semantic signal: paraphrases
and words the documents do not use), how close its closest sentence is next to the best candidate's (one
line of a long passage that says what is asked: indexer.sentences), its place in the ranking, whether it holds the kind of answer asked (a
date for "khi nào", an amount for "bao nhiêu tiền"…), whether it names what the question names (a body, a
group of people, a part of the document), whether the question names its document, and how much of the
question is words no document uses. A linear score over them ranks the candidates (fitted to put a right
passage first), and the best passage's score and its margin over the next give the probability that it
answers; the weights, the calibration and the two thresholds live in decision.json, written by
`bench/fit_decision.py` from the tuning parts of the dev sets (the held-out parts are never read by the fit).

The best passage's probability decides among three outcomes: SURE (quote it as the answer), RELATED (show
it labelled "not sure", the member decides whether to ask the board) and NONE (nothing related: the board).
A few checks stay absolute, because they say what a passage is, not how well it matches: a signature
block answers only "who signed", a "Nơi nhận" list only "sent to whom", a date named in the question must
be in the document, and a document named in the question is answered from itself.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from indexer.answer import Hit
from indexer.catalogue import Catalogue
from indexer.evidence import (
    _ACTIVITY_KINDS, _SECTION_ORDINALS, PHONE, ROLE_GROUPS, _activity_share, _names_document, _section_has_ordinal,
    body_section, coverage, holds_kind, preference, subject_weight,
)
from indexer.question import HOW_MANY, HOW_MUCH, WHEN, WHERE, WHO_ISSUED, WHO_SIGNED, QuestionInfo, body_named
from indexer.text import fold

MODEL_FILE = Path(__file__).with_name("decision.json")
SURE, RELATED, NONE = "sure", "related", "none"

# The signals, in the model's order.
FEATURES = ("coverage", "own", "rest", "short", "focus", "dense", "dense_gap", "fused", "first", "failed", "failed_any",
            "passed", "form", "subject", "preference", "document", "unknown", "terms", "rest_dense", "rest_focus",
            "sentence_gap", "form_named")
# Signals of the question, not of the passage (the same for all its candidates): they cannot rank, but they
# weigh on whether the best passage answers — how much of the question is words no document uses, how long it is.
QUESTION_SIGNALS = ("unknown", "terms")
# A question with this share of its topical weight in words no document uses is never answered as sure ("mẫu
# danh sách …": the documents have the list, never a template of it).
UNKNOWN_SURE = 0.15
# Below this share of the question's topical weight a passage rarely answers (`short` measures how far below).
SHORT_OF = 0.5
# Kinds of question whose answer has a form of its own a passage either holds or not.
FORMED_KINDS = {WHEN, HOW_MUCH, HOW_MANY, WHERE}


# The score margin over the next candidate is read up to this (in score units): beyond it, no more certain.
MARGIN_CAP = 5.0


@dataclass(frozen=True)
class Model:
    """A ranking score over standardised signals, and the probability that a passage answers from its score and
    its margin over the best other candidate of the same question; two thresholds on the best passage's
    probability.

    The score's weights are fitted to put a right passage first among each question's candidates (a
    conditional logit: a softmax over the candidates); the probability (three numbers) is fitted on the first
    candidate of each tuning question, right or not, answerable or not. Ranking and confidence are two
    questions: which passage is the best here, and whether the best is good enough."""

    weights: tuple[float, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    calibration: tuple[float, ...]  # (score, margin, *QUESTION_SIGNALS, bias)
    sure: float
    related: float
    fitted_on: str = ""

    def scores(self, x: np.ndarray) -> np.ndarray:
        return ((x - np.asarray(self.mean)) / np.asarray(self.scale)) @ np.asarray(self.weights)

    def probability(self, x: np.ndarray) -> np.ndarray:
        """The probability of each of one question's candidates (the rows of x) that it answers."""
        s = self.scores(x)
        return self.calibrated(s, x)

    def calibrated(self, s: np.ndarray, x: np.ndarray) -> np.ndarray:
        """From the candidates' scores `s` and signals `x` (rows of one question)."""
        return 1.0 / (1.0 + np.exp(-(calibration_inputs(s, x) @ np.asarray(self.calibration[:-1])
                                     + self.calibration[-1])))

    def to_json(self) -> dict:
        return {"features": list(FEATURES), "weights": [round(w, 5) for w in self.weights],
                "mean": [round(m, 5) for m in self.mean], "scale": [round(s, 5) for s in self.scale],
                "calibration": [round(c, 5) for c in self.calibration], "sure": self.sure,
                "related": self.related, "fitted_on": self.fitted_on}

    @classmethod
    def from_json(cls, d: dict) -> "Model":
        if list(d.get("features", [])) != list(FEATURES) or len(d.get("calibration", ())) != 3 + len(QUESTION_SIGNALS):
            raise ValueError("decision.json was fitted on other signals; run bench/fit_decision.py")
        return cls(tuple(d["weights"]), tuple(d["mean"]), tuple(d["scale"]), tuple(d["calibration"]), d["sure"],
                   d["related"], d.get("fitted_on", ""))


def calibration_inputs(s: np.ndarray, x: np.ndarray) -> np.ndarray:
    """What the probability reads of each candidate: its score, its margin and the question's own signals."""
    return np.column_stack([s, margins(s)] + [x[:, FEATURES.index(f)] for f in QUESTION_SIGNALS])


def margins(s: np.ndarray) -> np.ndarray:
    """The best score's margin over the next (up to MARGIN_CAP; a lone candidate: the cap); 0 for the others, so
    that whether another passage also answers (the "more" button) is read on its own score, as if it led."""
    out = np.zeros(len(s))
    if len(s):
        order = np.argsort(-s)
        out[order[0]] = min(s[order[0]] - s[order[1]], MARGIN_CAP) if len(s) > 1 else MARGIN_CAP
    return out


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_FILE) -> Model:
    """The fitted decision (read once per file: it never changes while the process runs)."""
    return Model.from_json(json.loads(path.read_text(encoding="utf-8")))


@dataclass
class Candidate:
    """One passage of the ranking, its signals and the model's probability that it answers."""

    hit: Hit
    signals: np.ndarray | None  # None: ruled out by an absolute check (see `reason`)
    reason: str = ""
    probability: float = 0.0
    score: float = 0.0  # the ranking score (Model.scores)


def _absolute(info: QuestionInfo, hit: Hit, catalogue: Catalogue, bases_asked: bool) -> str:
    """Why a passage can never answer this question ("" when it may). `bases_asked`: whether the bases of a
    document may answer (`_bases_asked`)."""
    if hit.kind == "signature" and info.kind != WHO_SIGNED:
        return "signature"  # a name and a title answer "who signed", nothing else
    if info.kind == WHO_SIGNED and hit.kind != "signature":
        return "not the signature"
    if hit.kind == "recipients" and not info.asks_recipients:
        return "recipients"
    if hit.kind == "header" and not hit.part and not (info.about_document or info.kind == WHO_ISSUED or info.asks_issue):
        return "header"  # the type, number, date and title answer what the document is, not what it says
    if hit.kind == "basis" and not bases_asked:
        return "bases"  # "Căn cứ …" answers what the document rests on (or what it says of another), not its content
    if info.dates:
        dates = catalogue.document_dates(hit.doc_id)
        for d, m, y in info.dates:
            if not any(d == dd and m == mm and (y is None or yy is None or y == yy) for dd, mm, yy in dates):
                return f"date {d}/{m}"
    if info.years:
        doc_text = catalogue.folded_document(hit.doc_id)
        for year in info.years:
            if str(year) not in doc_text:
                return f"year {year}"
    return ""


def _bases_asked(info: QuestionInfo, catalogue: Catalogue) -> bool:
    """Whether the bases may answer: what a document rests on, what it is, or what it says of a document
    the knowledge does not hold."""
    return (info.asks_basis or info.about_document or info.kind == WHO_ISSUED
            or any(not catalogue.held(ref) for ref in info.references))


def signals(info: QuestionInfo, hit: Hit, rank: int, catalogue: Catalogue, terms, unknown: float,
            best_dense: float, best_sentence: float) -> np.ndarray:
    """The signals of one passage for one question, in FEATURES order."""
    held = catalogue.terms(hit.chunk_id)
    if hit.kind in ("signature", "recipients"):
        held = catalogue.document_terms(hit.doc_id)  # they answer for the whole document
    elif hit.kind == "header" and (info.kind in (WHO_ISSUED, WHEN) or info.about_document):
        held = held | catalogue.name_terms(hit.doc_id)  # the header is about its document
    share = coverage(terms, held, catalogue)
    own_terms = catalogue.own_terms(hit.chunk_id)
    own = coverage(terms, own_terms, catalogue)
    # What the question asks beyond naming the document: a header holds the name, not the "hiệu lực".
    name = catalogue.name_terms(hit.doc_id)
    rest_terms = tuple((t, w) for t, w in terms if t not in name)
    rest = coverage(rest_terms, own_terms, catalogue) if rest_terms else 1.0
    folded = catalogue.folded(hit.chunk_id)
    checks = _checks(info, hit, catalogue, folded, terms)
    weight = preference(info, hit, folded, catalogue)
    subject = subject_weight(info, catalogue.folded_heading(hit.chunk_id))
    focus = _focus(info, hit, catalogue, terms)
    form = _form(info, hit, folded)
    named = _names_document(terms, hit, catalogue)
    return np.array([
        share,
        own,
        rest,
        max(0.0, SHORT_OF - rest),
        focus,
        hit.dense_score,
        hit.dense_score - best_dense,
        hit.score,
        1.0 if rank == 0 else 0.0,
        float(sum(not c for c in checks)),
        float(not all(checks)),
        float(sum(checks)),
        form,
        math.log(subject),
        math.log(weight / subject),
        named,
        unknown,
        math.log1p(len(terms)),
        rest * hit.dense_score,
        rest * focus,  # all the question asks, in one sentence
        hit.sentence_score - best_sentence,
        form * named,  # the part of the document asked for (signature, header, bases) of the one it names
    ], dtype=np.float64)


def _checks(info: QuestionInfo, hit: Hit, catalogue: Catalogue, folded: str, terms) -> list[bool]:
    """What the question names that an answer must hold, each passed or failed: the kind of answer ("ngày
    nào" wants a date), the office ("bí thư"), the group of people, the body, a phone number, an ordinal
    ("quý IV"), the part of the document ("phần III"), and for a named body's date, count or amount, the
    task asked about."""
    checks: list[bool] = []
    if info.kind in FORMED_KINDS:
        checks.append(holds_kind(info, hit, folded))
    where = folded + "\n" + catalogue.folded_name(hit.doc_id)
    for role in info.roles:  # "ai là bí thư": the office named, "Ban Bí thư" is a body
        checks.append(bool(re.search(rf"(?<!ban )\b{role}\b", folded)))
    for group in info.groups:
        named_here = bool(re.search(rf"\b{group}\b", folded))
        other = any(re.search(rf"\b{o}\b", folded) for o in ROLE_GROUPS if o != group)
        checks.append(named_here or (bool(re.search(rf"\b{group}\b", where)) and not other))
    for body in info.bodies:
        checks.append(body_named(where, body))
    if info.asks_phone:
        checks.append(bool(PHONE.search(folded)))
    held_ordinals = catalogue.ordinals(hit.chunk_id) if info.ordinals else set()
    item = {"phan", "muc"} <= {h for h, _ in info.ordinals}  # "phần II mục 2": "mục 2" is an item of part II
    for head, n in info.ordinals:
        if head in _SECTION_ORDINALS:
            inside = _section_has_ordinal(body_section(hit), head, n, item)
            if inside or catalogue.has_section(hit.doc_id, (head, n, item),
                                               lambda s, h=head, k=n: _section_has_ordinal(s, h, k, item)):
                checks.append(inside)
        else:
            checks.append((head, n) in held_ordinals)
    # "Kế hoạch 1026 … ban hành ngày nào": a held document named by its number is dated by its header;
    # its bases and its body hold the dates of other documents and of tasks.
    # So is the plan named by what it carries out ("Kế hoạch thực hiện Chỉ thị 30 … ban hành ngày nào").
    if info.kind == WHEN and info.asks_issue and info.references:
        named = {d for ref in info.references
                 for d in catalogue.held(ref) + (catalogue.carried_out_by(ref) if ref.context else ())}
        if hit.doc_id in named:
            checks.append(hit.kind == "header")
    # The header answers what the document itself is (its date, number, issuer): the task words of
    # its title are not on its date line, and need not be.
    about_itself = hit.kind == "header" and (info.asks_issue or info.about_document)
    if info.kind in _ACTIVITY_KINDS and info.bodies and not about_itself:
        checks.append(_activity_share(info, hit, catalogue, terms) >= 0.25)
    return checks


def _focus(info: QuestionInfo, hit: Hit, catalogue: Catalogue, terms) -> float:
    """The share of the question's topical weight in the one sentence or line that says most of it.

    For a question with an answer of its own form ("ngày nào", "bao nhiêu tiền"), only the lines that hold
    such an answer count: a list of a body's tasks with some date does not date the task asked about
    unless that line names it. The heading path counts with every line.
    """
    total = sum(w for _, w in terms)
    if total <= 0:
        return 0.0
    wanted = [(fold(t.lstrip("~")).replace(" ", "_"), w) for t, w in terms]
    heading = catalogue.heading_tokens(hit.chunk_id)
    best = 0.0
    formed = info.kind in FORMED_KINDS
    for unit, held in catalogue.units(hit.chunk_id):
        if formed and not holds_kind(info, hit, unit):
            continue
        got = sum(w for t, w in wanted if t in held or t in heading)
        best = max(best, got / total)
    return best


def _form(info: QuestionInfo, hit: Hit, folded: str) -> float:
    """+1 when the passage is the part of a document the question asks for: the signature for "ai ký",
    "Nơi nhận" / "Kính gửi" for "gửi cho ai", the bases for "căn cứ", the header for who issued it or what
    the document is (not its bases: they name other documents), the article on taking effect for "hiệu lực từ
    ngày nào" / "thay thế quyết định nào", a notice's "Địa điểm:" / "Thời gian:" for "ở đâu" / "khi nào";
    0 otherwise."""
    if info.kind == WHO_SIGNED and hit.kind == "signature":
        return 1.0
    if info.asks_recipients and hit.kind == "recipients":
        return 1.0
    if info.asks_basis and hit.kind == "basis":
        return 1.0
    if (info.kind == WHO_ISSUED or info.about_document) and hit.kind == "header":
        return 1.0
    if info.asks_effect and hit.kind == "body" and _TAKES_EFFECT.search(folded):
        return 1.0
    if info.kind in _FIELDS and _FIELDS[info.kind].match(folded):
        return 1.0  # a notice's labelled field: "2. Địa điểm: Hội trường …" for "họp ở đâu"
    return 0.0


# The labelled fields of a notice or an invitation that answer a kind of question by themselves.
_FIELDS = {WHERE: re.compile(r"^(?:[0-9ivx]+[.)]?\s+|[a-z][)]\s+)?dia diem\b"),
           WHEN: re.compile(r"^(?:[0-9ivx]+[.)]?\s+|[a-z][)]\s+)?thoi gian\b")}


# The article on taking effect: "Quyết định này có hiệu lực kể từ …", "… thay thế Quyết định số …".
_TAKES_EFFECT = re.compile(r"\b(co hieu luc|het hieu luc|thay the (quyet dinh|nghi quyet|quy dinh|quy che|chi thi|"
                           r"ke hoach|huong dan|van ban|thong tu)|bai bo)\b")


def rank_candidates(info: QuestionInfo, hits: list[Hit], catalogue: Catalogue, terms, unknown: float,
                    model: Model | None, allowed=None) -> list[Candidate]:
    """Every candidate with its probability, best first; those ruled out last, with their reason.

    `allowed(hit) -> str` names why a passage is outside the documents the question names ("" if inside).
    """
    best_dense = max((h.dense_score for h in hits), default=0.0)
    best_sentence = max((h.sentence_score for h in hits), default=0.0)
    bases_asked = _bases_asked(info, catalogue)  # once per question, not per passage
    out: list[Candidate] = []
    for rank, hit in enumerate(hits):
        reason = (allowed(hit) if allowed is not None else "") or _absolute(info, hit, catalogue, bases_asked)
        if reason:
            out.append(Candidate(hit, None, reason))
            continue
        out.append(Candidate(hit, signals(info, hit, rank, catalogue, terms, unknown, best_dense, best_sentence)))
    scored = [c for c in out if c.signals is not None]
    if scored and model is not None:
        x = np.vstack([c.signals for c in scored])
        s = model.scores(x)
        p = model.calibrated(s, x)
        for c, si, pi in zip(scored, s, p):
            c.score, c.probability = float(si), float(pi)
    scored.sort(key=lambda c: -c.score)
    return scored + [c for c in out if c.signals is None]


def lacks(x: np.ndarray) -> bool:
    """Whether a passage lacks something the question names (a failed check)."""
    return bool(x[FEATURES.index("failed_any")])


def capped(x: np.ndarray) -> bool:
    """Whether a passage can at most be related: it lacks something the question names, or the question is
    much in words no document uses."""
    return lacks(x) or x[FEATURES.index("unknown")] >= UNKNOWN_SURE


def decide(candidates: list[Candidate], model: Model) -> str:
    """SURE, RELATED or NONE from the best candidate's probability. A passage that lacks something the
    question names (the date for "ngày nào", the body, the office, the part of the document) is never
    quoted as sure, however close it is: it is shown as related. Nor is one for a question that much of is
    words no document uses ("thủ tục cấp sổ đỏ": the documents have "thủ tục", never "sổ đỏ")."""
    best = candidates[0] if candidates and candidates[0].signals is not None else None
    if best is None:
        return NONE
    if best.probability >= model.sure and not capped(best.signals):
        return SURE
    if best.probability >= model.related:
        return RELATED
    return NONE
