"""SQLAlchemy models for units, members, questions, broadcasts and reports."""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (
    JSON, BigInteger, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text,
    TypeDecorator, UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every backend (SQLite stores them naive)."""
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def _dt(nullable: bool = True, **kw):
    return mapped_column(UTCDateTime(), nullable=nullable, **kw)


# ---------------------------------------------------------------- units & members
ROLE_ADMIN = "admin"
ROLE_MEMBER = "member"


class Unit(Base):
    __tablename__ = "units"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Unique among siblings (two communes may each have a "Chi bộ Thôn 1"); top-level names,
    # whose parent is NULL, are kept apart by MembersService (SQL treats NULLs as distinct).
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40), default="chi_bo")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = _dt(False, default=utcnow)
    # The unit above (None: a top-level unit). See bot/scope.py for how the tree scopes boards.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True, index=True)
    # How this unit's board signs ("Ban Tuyên giáo và Dân vận Tỉnh ủy …"); None: read from the
    # unit's name (bot/scope.py board_title).
    board_name: Mapped[str | None] = mapped_column(String(200), nullable=True)

    members: Mapped[list["Member"]] = relationship(back_populates="unit",
                                                   foreign_keys="Member.unit_id")
    __table_args__ = (UniqueConstraint("parent_id", "name", name="uq_units_parent_name"),)


class Member(Base):
    __tablename__ = "members"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    username: Mapped[str | None] = mapped_column(String(64), nullable=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True, index=True)
    role: Mapped[str] = mapped_column(String(20), default=ROLE_MEMBER)
    # For an admin: the unit whose board they sit on (that unit and everything under it).
    # None with the admin role: the top-level board, which sees the whole tree.
    board_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)
    is_reporter: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set when Telegram answers 403 (blocked the bot / deleted account).
    unreachable: Mapped[bool] = mapped_column(Boolean, default=False)
    joined_at: Mapped[datetime] = _dt(False, default=utcnow)
    last_seen_at: Mapped[datetime | None] = _dt()
    # Desk sessions issued before this time are over ("Đăng xuất" ends them on every device).
    desk_signed_out_at: Mapped[datetime | None] = _dt()

    unit: Mapped[Unit | None] = relationship(back_populates="members", foreign_keys=[unit_id])


class Invite(Base):
    __tablename__ = "invites"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    role: Mapped[str] = mapped_column(String(20), default=ROLE_MEMBER)
    is_reporter: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    created_at: Mapped[datetime] = _dt(False, default=utcnow)
    expires_at: Mapped[datetime | None] = _dt()
    revoked_at: Mapped[datetime | None] = _dt()
    max_uses: Mapped[int | None] = mapped_column(Integer, nullable=True)
    uses: Mapped[int] = mapped_column(Integer, default=0)

    unit: Mapped[Unit] = relationship()


class InviteFailure(Base):
    """An invalid invite code someone sent; recent ones, from all users, rate-limit guessing."""
    __tablename__ = "invite_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = _dt(False, default=utcnow, index=True)


# ---------------------------------------------------------------- questions & FAQ
Q_ANSWERED_BY_DOCS = "docs"       # answered from the indexed documents
Q_ANSWERED_BY_FAQ = "faq"         # answered from a board FAQ entry
Q_OPEN = "open"                   # not found: waiting for the board
Q_ANSWERED_BY_BOARD = "board"     # the board answered it
Q_HELD = "held"                   # for the board, but the asker's daily hand-offs were used up:
                                  # listed for the board (/cauhoi, dashboard), no notice sent
Q_RELATED = "related"             # a related passage was shown as not sure; the asker may still
                                  # send it to the board ("📨 Gửi câu hỏi cho Ban")


class Question(Base):
    __tablename__ = "questions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), index=True)
    top_chunk: Mapped[str | None] = mapped_column(String(200), nullable=True)
    score: Mapped[float | None] = mapped_column(nullable=True)
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)  # +1 / -1
    faq_id: Mapped[int | None] = mapped_column(ForeignKey("faqs.id"), nullable=True)
    answer_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    answered_at: Mapped[datetime | None] = _dt()
    created_at: Mapped[datetime] = _dt(False, default=utcnow)
    # The asker's unit when asking, and the board an unanswered question is handed to (the
    # nearest unit above the asker with an active admin; None: the top-level board).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)
    board_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True,
                                                      index=True)
    # When the board was notified (the daily hand-off limit counts these; None: never sent,
    # e.g. answered, shown as related, or held by the limit).
    handed_off_at: Mapped[datetime | None] = _dt()
    # The asker's message (in `chat_id`): an edit of it is answered again.
    message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class QuestionNotice(Base):
    """The message an admin received about an open question (so replying to it answers)."""
    __tablename__ = "question_notices"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    __table_args__ = (UniqueConstraint("chat_id", "message_id"),)


class Faq(Base):
    __tablename__ = "faqs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    source_question_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    created_at: Mapped[datetime] = _dt(False, default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The board that saved it: it serves askers in that unit's subtree (None: everyone).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)


class Upload(Base):
    """A document a board sent to the bot: whose it is decides who it answers."""
    __tablename__ = "uploads"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(300), unique=True)
    # The uploading board's unit: the document answers that unit's subtree (None: everyone).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    uploaded_at: Mapped[datetime] = _dt(False, default=utcnow)


# ---------------------------------------------------------------- broadcasts
B_DRAFT = "draft"
B_SCHEDULED = "scheduled"
B_RUNNING = "running"
B_DONE = "done"
B_CANCELLED = "cancelled"

D_QUEUED = "queued"
D_SENDING = "sending"        # claimed and handed to Telegram; if we crash here it is "in doubt"
D_SENT = "sent"
D_FAILED = "failed"
D_UNREACHABLE = "unreachable"
D_IN_DOUBT = "in_doubt"      # was in flight during a crash: never re-sent
D_CANCELLED = "cancelled"


class Broadcast(Base):
    __tablename__ = "broadcasts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(20), default="text")  # text | photo | document | copy
    text: Mapped[str] = mapped_column(Text, default="")
    media_file_id: Mapped[str | None] = mapped_column(String(300), nullable=True)
    source_chat_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    source_message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    audience: Mapped[dict] = mapped_column(JSON, default=dict)  # {"all": true} | {"units": [ids]} | {"role": "reporter"}
    status: Mapped[str] = mapped_column(String(20), default=B_DRAFT, index=True)
    scheduled_at: Mapped[datetime | None] = _dt()
    created_at: Mapped[datetime] = _dt(False, default=utcnow)
    started_at: Mapped[datetime | None] = _dt()
    finished_at: Mapped[datetime | None] = _dt()
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("digests.id"), nullable=True)
    # The sending board's unit: the audience is resolved inside its subtree (None: everyone).
    board_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)


class Delivery(Base):
    __tablename__ = "deliveries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(20), default=D_QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = _dt()
    claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    claimed_at: Mapped[datetime | None] = _dt()
    message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    sent_at: Mapped[datetime | None] = _dt()
    acked_at: Mapped[datetime | None] = _dt()
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    __table_args__ = (
        UniqueConstraint("broadcast_id", "member_id"),
        # (broadcast, state, id): claims read due rows in id order and stop at the limit.
        Index("ix_deliveries_state", "broadcast_id", "state", "id"),
    )


class Digest(Base):
    """A recurring key-points digest, e.g. every Monday 07:00."""
    __tablename__ = "digests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    doc_id: Mapped[str] = mapped_column(String(200))
    points: Mapped[list] = mapped_column(JSON, default=list)  # indexes of chosen key points; empty = all
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday
    at_time: Mapped[str] = mapped_column(String(5))  # HH:MM in LOA_TIMEZONE
    audience: Mapped[dict] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    created_at: Mapped[datetime] = _dt(False, default=utcnow)
    last_run_on: Mapped[date | None] = mapped_column(Date, nullable=True)


# ---------------------------------------------------------------- reports
DRAFT_PENDING = "pending"
DRAFT_SAVED = "saved"
DRAFT_CANCELLED = "cancelled"


class ReportDraft(Base):
    """A parsed report waiting for ✅; confirming it creates exactly one Report."""
    __tablename__ = "report_drafts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default=DRAFT_PENDING)  # pending | saved | cancelled
    created_at: Mapped[datetime] = _dt(False, default=utcnow)


class Report(Base):
    __tablename__ = "reports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("report_drafts.id"), unique=True, nullable=True)
    activity_date: Mapped[date] = mapped_column(Date, index=True)
    form: Mapped[str] = mapped_column(String(100))
    content: Mapped[str] = mapped_column(Text)
    participants: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    photos: Mapped[list] = mapped_column(JSON, default=list)  # Telegram file ids
    created_at: Mapped[datetime] = _dt(False, default=utcnow)
    updated_at: Mapped[datetime | None] = _dt()
    deleted_at: Mapped[datetime | None] = _dt()

    unit: Mapped[Unit] = relationship()
    member: Mapped[Member] = relationship()


class ReportAudit(Base):
    __tablename__ = "report_audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    action: Mapped[str] = mapped_column(String(20))  # create | edit | delete
    before: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    at: Mapped[datetime] = _dt(False, default=utcnow)


class Reminder(Base):
    """One reminder sent to a unit for a month (so a restart does not remind twice)."""
    __tablename__ = "reminders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    sent_at: Mapped[datetime] = _dt(False, default=utcnow)
    __table_args__ = (UniqueConstraint("unit_id", "period"),)


class BoardReminder(Base):
    """A board told about its silent units for a month (claimed before sending, so never twice).

    `board` is "top" for the top-level board or "unit:<id>" for the board of that unit."""
    __tablename__ = "board_reminders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    board: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    sent_at: Mapped[datetime] = _dt(False, default=utcnow)
    __table_args__ = (UniqueConstraint("board", "period"),)


# ---------------------------------------------------------------- the board's desk (dashboard)
class DeskLink(Base):
    """A one-time desktop sign-in link: valid a few minutes, used once; only its hash is kept."""
    __tablename__ = "desk_links"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)   # sha256 hex of the token
    telegram_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = _dt(False, default=utcnow)
    expires_at: Mapped[datetime] = _dt(False)
    used_at: Mapped[datetime | None] = _dt()


# ---------------------------------------------------------------- conversation state (PTB persistence)
class ConversationState(Base):
    """Where a user is in a guided form: one row per conversation handler and PTB key."""
    __tablename__ = "conversation_states"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)  # JSON of PTB's key tuple
    state: Mapped[object] = mapped_column(JSON)
    updated_at: Mapped[datetime] = _dt(False, default=utcnow, onupdate=utcnow)


class UserState(Base):
    """What a user typed so far in a guided form (PTB's `user_data`, as JSON)."""
    __tablename__ = "user_states"
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = _dt(False, default=utcnow, onupdate=utcnow)


# ---------------------------------------------------------------- the Zalo channel
class ZaloAccount(Base):
    """A Zalo user who wrote to the bot, and the key the rest of Loa knows the person by.

    Services know people by one integer (`Member.telegram_id`, `Question.telegram_id`, chat ids).
    A Zalo person gets the key `-(ZALO_BASE + id)` (bot/address.py), far from any Telegram
    id, and that same number is their chat address: a send to it goes out through Zalo. Once a
    Telegram member links their Zalo account, `user_key` is their Telegram id: one member."""
    __tablename__ = "zalo_accounts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    zalo_id: Mapped[str] = mapped_column(String(64), unique=True)      # message.from.id
    chat_id: Mapped[str] = mapped_column(String(64))                   # message.chat.id
    display_name: Mapped[str] = mapped_column(String(200), default="")
    user_key: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    created_at: Mapped[datetime] = _dt(False, default=utcnow)
    last_seen_at: Mapped[datetime | None] = _dt()


class ZaloSession(Base):
    """Where a Zalo user is in a typed conversation (a form step, the choices just offered)."""
    __tablename__ = "zalo_sessions"
    user_key: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = _dt(False, default=utcnow, onupdate=utcnow)


class LinkCode(Base):
    """A short code a Telegram member gets (/lienket) to link their Zalo account: one use."""
    __tablename__ = "link_codes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[datetime] = _dt(False)
    used_at: Mapped[datetime | None] = _dt()


class InboxItem(Base):
    """What a person sent, as received on its channel (a Telegram update, a Zalo event), stored
    before the channel is told it arrived (the next getUpdates, the webhook's 200) and marked
    once handled: a crash in between loses nothing, because what was never handled is handled
    at the next start, and the same key received twice is handled once."""
    __tablename__ = "inbox"
    channel: Mapped[str] = mapped_column(String(8), primary_key=True)   # "tg" | "zalo"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)     # update id, message id
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    received_at: Mapped[datetime] = _dt(False, default=utcnow, index=True)
    handled_at: Mapped[datetime | None] = _dt()


class AuditEntry(Base):
    """One board action (from the desk; who, what, when, for which board): the board above reads
    its boards' entries, a board its own."""
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = _dt(False, default=utcnow, index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger)
    # The acting board's unit (None: the top board).
    board_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)
    channel: Mapped[str] = mapped_column(String(20), default="desk")
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[str] = mapped_column(Text, default="")


# Phản ánh (issue 24): what members hear and see, sent up to their board.
R_NEW = "moi"                 # waiting for the board holding it
R_WORKING = "dang_xu_ly"      # the board is on it
R_ANSWERED = "da_tra_loi"     # the board answered the member
R_PASSED_UP = "chuyen_len"    # passed to the board above (which now holds it)
R_FILED = "luu"               # kept for the record, no answer needed
R_KINDS = ("du_luan", "sai_trai", "mo_hinh", "kien_nghi")


class Reflection(Base):
    """One phản ánh of a member: its kind, words, link or photo, whether urgent; the board that
    holds it (the nearest staffed board above the member's unit; None: the top board), its
    status and the board's answer. Visible to the boards above the reporter's unit only."""
    __tablename__ = "reflections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True, index=True)
    board_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True,
                                                      index=True)
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500), nullable=True)
    photo: Mapped[str | None] = mapped_column(String(500), nullable=True)   # file id or URL
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), index=True, default=R_NEW)
    created_at: Mapped[datetime] = _dt(False, default=utcnow)
    answer_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    answered_at: Mapped[datetime | None] = _dt()
    # The member's message it came from ("<chat>:<message>"): a replayed update adds nothing.
    source: Mapped[str | None] = mapped_column(String(80), nullable=True, unique=True)


# ---------------------------------------------------------------- quizzes (học tập số)
QZ_DRAFT = "draft"           # being prepared: questions may be edited, nobody sees it
QZ_OPEN = "open"             # published: members in the audience take it inside its window
QZ_CLOSED = "closed"         # closed early by the board (the window's end closes it too)


class Quiz(Base):
    """A short quiz after a quán triệt: its questions, its window, who is expected to take it and
    how many attempts each may make. Owned by a board (its unit; None: the top board)."""
    __tablename__ = "quizzes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    board_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(20), default=QZ_DRAFT, index=True)
    audience: Mapped[dict] = mapped_column(JSON, default=dict)  # as a broadcast's
    attempts: Mapped[int] = mapped_column(Integer, default=1)   # allowed per member
    opens_at: Mapped[datetime | None] = _dt()
    closes_at: Mapped[datetime | None] = _dt()
    created_at: Mapped[datetime] = _dt(False, default=utcnow)
    published_at: Mapped[datetime | None] = _dt()
    reminded_at: Mapped[datetime | None] = _dt()                # the one reminder before closing
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcasts.id"), nullable=True)


class QuizQuestion(Base):
    """One question: 2–6 options, the right one(s), a short explanation and the verbatim source
    passage it was taken from (document, section, text)."""
    __tablename__ = "quiz_questions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    options: Mapped[list] = mapped_column(JSON, default=list)
    correct: Mapped[list] = mapped_column(JSON, default=list)    # option indexes (0-based)
    explanation: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")        # "document, section": the citation
    source_text: Mapped[str] = mapped_column(Text, default="")   # the passage, verbatim


class QuizAttempt(Base):
    """One member's go at a quiz: started, finished (with its score) or left to resume."""
    __tablename__ = "quiz_attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    number: Mapped[int] = mapped_column(Integer, default=1)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)
    started_at: Mapped[datetime] = _dt(False, default=utcnow)
    finished_at: Mapped[datetime | None] = _dt()
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    __table_args__ = (UniqueConstraint("quiz_id", "member_id", "number"),)


class QuizAnswer(Base):
    """One answer, stored once: a replayed button, poll answer or typed number adds nothing."""
    __tablename__ = "quiz_answers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("quiz_questions.id"))
    chosen: Mapped[list] = mapped_column(JSON, default=list)
    right: Mapped[bool] = mapped_column(Boolean, default=False)
    answered_at: Mapped[datetime] = _dt(False, default=utcnow)
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)


class QuizPoll(Base):
    """A Telegram quiz poll sent for one question of one attempt: its poll answer finds them here."""
    __tablename__ = "quiz_polls"
    poll_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id"))
    question_id: Mapped[int] = mapped_column(ForeignKey("quiz_questions.id"))
