"""Message texts both channels send: a quoted passage, a hand-off to the board, the board's
notice, key points. Telegram-HTML; the Zalo channel turns them into plain text."""
from __future__ import annotations

from bot.db.models import Q_HELD
from bot.services.questions import FaqAnswer, KeyPointPage, Passage, QuestionResult
from bot.services.reports import ParsedReport
from bot.text import esc, esc_short, fit_escaped, fmt_date, plain
from bot.texts import province as TP
from bot.texts import qa as T
from bot.texts import reports as TR

NOTICE_QUESTION_CHARS = 2500   # the notice must stay one message (a reply to it answers)
DELIVERY_QUESTION_CHARS = 600

LIMIT = 4096
SAFE_LIMIT = 4000  # leave room for a header or page marker


def pack_html(blocks: list[str], limit: int = SAFE_LIMIT) -> list[str]:
    """Pack self-contained (tag-balanced) HTML blocks into messages under the limit.

    A block that alone is too long is split on line and then word boundaries after its tags
    are dropped, so no message ever carries a broken tag or entity.
    """
    pieces: list[str] = []
    for block in blocks:
        if len(block) <= limit:
            pieces.append(block)
            continue
        for part in _split_plain(plain(block), limit):
            pieces.append(esc(part))
    messages: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current}\n\n{piece}" if current else piece
        if len(candidate) <= limit:
            current = candidate
        else:
            if current:
                messages.append(current)
            current = piece
    if current:
        messages.append(current)
    return messages or [""]


def _split_plain(text: str, limit: int) -> list[str]:
    # Escaping can grow text (& -> &amp;): split the raw text with a margin.
    limit = max(100, limit // 2)
    out, current = [], ""
    for line in text.splitlines(keepends=True):
        while len(line) > limit:
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            if current:
                out.append(current)
                current = ""
            out.append(line[:cut])
            line = line[cut:].lstrip(" ")
        if len(current) + len(line) > limit:
            out.append(current)
            current = ""
        current += line
    if current.strip():
        out.append(current)
    return [p.strip("\n") for p in out if p.strip()]


REPLY_CHARS = 900  # a first reply fits one phone screen or two


def quote_message(header: str, p: Passage, notes: list[str] = ()) -> str:
    """Header, the heading path once, the part of the passage that answers, one source line."""
    # The source line names the section; a heading that says no more than it is left out.
    shown = p.heading if p.heading and p.heading != (p.label or p.section) else ""
    heading = T.QUOTE_HEADING.format(heading=esc_short(shown, 160)) if shown else ""
    source = T.SOURCE.format(document=esc_short(p.document, 180), label=esc_short(p.label or p.section, 90))
    if p.owner:   # a unit's own document: say whose it is
        source += TP.OWNER.format(unit=esc_short(p.owner, 120))
    fixed = [x for x in (header, heading, source, *notes) if x]
    budget = REPLY_CHARS - sum(len(x) + 1 for x in fixed) - len(T.QUOTE_TEXT.format(text=""))
    quote = T.QUOTE_TEXT.format(text=marked(p.excerpt or p.text, p.focus, max(budget, 80)))
    return "\n".join(x for x in (header, heading, quote, source, *notes) if x)


BOLD_OPEN, BOLD_CLOSE = "<b>", "</b>"


def marked(text: str, focus: str, limit: int) -> str:
    """`text` escaped for Telegram HTML within `limit` characters, with `focus` (the sentence that
    answers) in bold when the shortened text still holds all of it. The tags are put in after
    shortening and escaping, so no cut ever falls inside a tag or leaves one open."""
    if focus and focus.strip() and focus in text:
        short = fit_escaped(text, limit - len(BOLD_OPEN) - len(BOLD_CLOSE))
        kept = len(short) - (short != text)   # a cut text ends in the "…" it gained
        i = short.find(focus)
        if 0 <= i and i + len(focus) <= kept:
            j = i + len(focus)
            return esc(short[:i]) + BOLD_OPEN + esc(focus) + BOLD_CLOSE + esc(short[j:])
    return esc_short(text, limit)


def hand_off_text(result: QuestionResult, nothing_found: bool = True) -> str:
    """What the asker reads when their question goes (or went, or waits) to the board."""
    notice = result.notice
    lead = not_held(result) + (T.NO_ANSWER + "\n\n" if nothing_found else "")
    board = esc(result.board)
    if result.status == Q_HELD:
        return lead + T.SENT_HELD.format(id=result.question_id, limit=result.handoff_limit,
                                         board=board)
    if notice is None:
        return lead + T.SENT_AGAIN.format(id=result.question_id, board=board)
    return lead + (T.SENT if notice.chat_ids else T.SENT_NO_ADMIN).format(
        id=result.question_id, board=board)


def notice_text(notice) -> str:
    """A question for the board: its number, who asked from where, the question, how to answer."""
    return T.NOTICE.format(id=notice.question_id, name=esc_short(notice.asker_name, 200),
                           unit=esc_short(notice.unit_name or T.NOTICE_NO_UNIT, 200),
                           question=esc_short(notice.question, NOTICE_QUESTION_CHARS))


def notice_body(result: QuestionResult) -> str | None:
    """The board's notice of a question handed to it (None: no notice is due)."""
    notice = result.notice
    if result.status == Q_HELD or notice is None:
        return None
    body = notice_text(notice)
    if result.missing:
        body += T.NOTICE_NOT_HELD.format(documents=esc_short(", ".join(result.missing), 300))
    return body


def faq_blocks(faq: FaqAnswer) -> list[str]:
    """A saved answer of the board: the question it answered, the answer, who and when."""
    board = esc(faq.board)
    return [T.FAQ_HEADER.format(question=esc_short(faq.question, 300), board=board),
            T.FAQ_BODY.format(answer=esc(faq.answer)),
            T.FAQ_CITATION.format(date=fmt_date(faq.answered_on), board=board)]


def small_talk_text(result: QuestionResult) -> str:
    """The friendly reply to a greeting, thanks, "ok", or symbols."""
    text = T.SMALL_TALK.get(result.small_talk or "", T.SMALL_TALK["symbols"])
    return text.format(board=esc(result.board))


def not_held(result: QuestionResult) -> str:
    """A line naming the documents asked about that the knowledge does not hold (empty if none)."""
    if not result.missing:
        return ""
    return T.NOT_HELD_NOTE.format(documents=esc_short(", ".join(result.missing), 300)) + "\n\n"


def keypoints_text(page: KeyPointPage) -> str:
    lines = [T.KP_HEADER.format(document=esc(page.document), page=page.page, pages=page.pages), ""]
    if not page.lines:
        lines.append(T.KP_NONE)
    for level, label, text in page.lines:
        item = esc(f"{label} {text}".strip())
        if level == 0:
            lines.append(f"\n<b>{item}</b>")
        elif level == 1:
            lines.append(f"• {item}")
        else:
            lines.append(f"    ◦ {item}")
    return "\n".join(lines).replace("\n\n\n", "\n\n")


def report_block(report: ParsedReport, unit_name: str) -> str:
    """A report as an HTML block (user strings escaped and clipped so one message holds it)."""
    text = TR.REPORT_BLOCK.format(unit=esc_short(unit_name, 200),
                                 date=fmt_date(report.activity_date),
                                 form=esc_short(report.form, 200),
                                 content=esc_short(report.content, 1800),
                                 participants=report.participants)
    if report.note:
        text += TR.REPORT_NOTE.format(note=esc_short(report.note, 900))
    if report.photos:
        text += TR.REPORT_PHOTOS.format(count=len(report.photos))
    return text


def preview_text(draft, lead: str = "") -> str:
    """A report waiting for its check (each channel adds how to save or cancel it)."""
    text = lead + TR.PREVIEW_HEADER + "\n\n" + report_block(draft.report, draft.unit_name)
    if draft.duplicate:
        text += TR.DUPLICATE_HINT.format(id=draft.duplicate.id,
                                         content=esc_short(draft.duplicate.content, 80))
    return text


def duplicate_warning(dup) -> str:
    """The unit already has a report much like this one: shown before it is saved anyway."""
    return TR.DUPLICATE_WARNING.format(id=dup.id, date=fmt_date(dup.activity_date),
                                       form=esc(dup.form), content=esc_short(dup.content, 80))


def own_report_line(r) -> str:
    """One of the unit's recent reports in /baocao_cua_toi."""
    return TR.MY_LINE.format(id=r.id, date=fmt_date(r.activity_date), form=esc(r.form),
                             participants=r.participants, content=esc_short(r.content, 200),
                             reporter=esc(r.reporter_name),
                             edited=TR.MY_EDITED if r.updated_at else "")
