"""The Zalo conversation: one event in, the same service calls as on Telegram, plain-text
replies with typed choices ("Gõ 1 …") where Telegram has buttons.

Where a person is in a typed exchange (the choices just offered under an answer, a report
waiting for "1 = lưu / 2 = hủy", a step of the guided report) lives in the database
(ZaloSession), so a restart does not lose it. Wording shared with Telegram comes from the same
bot/texts and the same renderers, turned into plain text (bot/zalo/render.py).
"""
from __future__ import annotations

import logging
import re
import unicodedata
from datetime import date
from typing import Awaitable, Callable

from bot.context import Loa
from bot.db.models import Q_ANSWERED_BY_DOCS, Q_ANSWERED_BY_FAQ, Q_RELATED
from bot.errors import LoaError
from bot.flood import FloodGate
from bot import quiz, reflect
from bot.relay import deliver_answer, notify_board, tell_board_of_join
from bot.render import (
    duplicate_warning, faq_blocks, hand_off_text, keypoints_text, notice_body, own_report_line,
    preview_text, quote_message, small_talk_text,
)
from bot.render import report_block as render_report
from bot.services.questions import QUERY_CHARS, Q_SMALL_TALK, QuestionResult
from bot.services.reports import (
    CONFIRM_ALREADY, CONFIRM_CANCELLED, CONFIRM_DUPLICATE, CONFIRM_LARGE, MAX_PHOTOS,
    PLAUSIBLE_PARTICIPANTS, FieldError, ParsedReport,
    check_content, check_note, match_form, parse_date, parse_participants,
)
from bot.text import esc, esc_short, fmt_date, fmt_datetime, number_and_text, parse_id
from bot.texts import common as TC
from bot.texts import qa as TQ
from bot.texts import quizzes as TZQ
from bot.texts import reflections as TF
from bot.texts import reports as TR
from bot.texts import zalo as T
from bot.zalo.render import plain
from bot.services.zalo import Account
from indexer.text import fold

log = logging.getLogger(__name__)
Replier = Callable[[str, str], Awaitable[object]]   # (Zalo chat id, plain text)

_ACK = re.compile(r"^(?:em |toi |minh |chau )?da (?:nam|nhan)(?: duoc)?(?: roi)?"
                  r"(?: a| nhe| nha| ah| ak)?[.!]*$")
_CODE = re.compile(r"^[A-Za-z0-9_-]{6,64}$")
_COMMAND = re.compile(r"^/([A-Za-z_]+)(?:@\S+)?\s*(.*)$", re.S)


def is_ack(text: str) -> bool:
    """"đã nắm", "da nam roi", "em đã nắm ạ": the member acknowledges the latest broadcast."""
    return bool(_ACK.match(" ".join(fold(text).split())))


class ZaloConversation:
    """Handles one Zalo event at a time per person (the channel serialises a person's events)."""

    def __init__(self, loa: Loa, bot, replier: Replier, flood: FloodGate):
        self.loa = loa
        self.bot = bot              # RoutingBot: notices and answers to others, on any channel
        self.replier = replier
        self.flood = flood

    # ------------------------------------------------------------ entry
    async def handle(self, event: dict) -> None:
        name = str(event.get("event_name") or "")
        msg = event.get("message") or {}
        sender = msg.get("from") or {}
        chat = msg.get("chat") or {}
        if not sender.get("id") or not chat.get("id") or sender.get("is_bot"):
            return
        if str(chat.get("chat_type") or "PRIVATE").upper() != "PRIVATE":
            return   # groups are beta on Zalo: Loa answers in private chats only
        loa = self.loa
        account = await loa.run(loa.zalo_store.account, str(sender["id"]), str(chat["id"]),
                                str(sender.get("display_name") or ""))
        wait = self.flood.check(account.key)
        if wait:
            if self.flood.warn_due(account.key):
                await self.reply(account, TC.FLOOD.format(seconds=int(wait) + 1))
            return
        try:
            if name == "message.text.received":
                await self._text(account, _nfc(msg.get("text")))
            elif name == "message.image.received":
                await self._photo(account, str(msg.get("photo") or msg.get("url") or ""),
                                  _nfc(msg.get("caption")))
            elif name.startswith("message."):
                await self.reply(account, T.UNSUPPORTED)
        except LoaError as e:
            template = ZALO_WORDING.get(e.template, e.template)
            await self.reply(account, type(e)(template, **e.values).user_message)

    async def reply(self, account: Account, html_text: str | list[str]) -> None:
        blocks = html_text if isinstance(html_text, list) else [html_text]
        await self.replier(account.chat_id, "\n\n".join(plain(b) for b in blocks if b))

    # ------------------------------------------------------------ state
    async def _session(self, account: Account) -> dict:
        return await self.loa.run(self.loa.zalo_store.session, account.key)

    async def _save(self, account: Account, data: dict) -> None:
        await self.loa.run(self.loa.zalo_store.save_session, account.key, data)

    # ------------------------------------------------------------ text
    async def _text(self, account: Account, text: str) -> None:
        if not text:
            return
        m = _COMMAND.match(text)
        if m:
            await self._command(account, m.group(1).lower(), m.group(2).strip())
            return
        session = await self._session(account)
        choice = text.strip().rstrip(".")
        if session.get("reflect"):
            await self._reflect_step(account, session, text)
            return
        if session.get("quiz"):
            await self._quiz_answer(account, session, text)
            return
        if session.get("step"):
            await self._guided(account, session, text)
            return
        if session.get("confirm") and choice in ("1", "2"):
            await self._confirm(account, session, choice == "1")
            return
        if session.get("q") and choice in ("1", "2", "3"):
            await self._choice(account, session, int(choice))
            return
        if session.get("docs") and parse_id(choice) is not None:
            await self._keypoints(account, session, parse_id(choice))
            return
        if is_ack(text):
            await self._ack(account)
            return
        member = await self.loa.run(self.loa.members.get, account.key)
        if member is None and _CODE.match(text.strip()) and not text.strip().isdigit():
            await self._join(account, text.strip())
            return
        if member is not None:
            draft = await self.loa.run(self.loa.reports.draft_free_text, account.key, text)
            if draft is not None:   # a report typed as a message: offered as one
                await self._preview(account, draft, TR.FREE_REPORT_LEAD)
                return
        await self._ask(account, text)

    async def _command(self, account: Account, cmd: str, args: str) -> None:
        loa = self.loa
        if cmd == "start":
            if args:
                await self._join(account, args.split()[0])
            else:
                await self._welcome(account)
        elif cmd in ("huongdan", "help"):
            await self.reply(account, await self._help(account))
        elif cmd == "hoi":
            if args:
                await self._ask(account, args)
            else:
                await self.reply(account, TC.ASK_PROMPT)
        elif cmd == "baocao":
            await self._report(account, args)
        elif cmd == "baocao_cua_toi":
            await self._my_reports(account)
        elif cmd == "diemchinh":
            await self._documents(account)
        elif cmd == "huy":
            await self._cancel(account)
        elif cmd == "traloi":
            await self._answer(account, args)
        elif cmd == "phananh":
            await self._reflect(account, args)
        elif cmd == "phananh_cuatoi":
            items = await loa.run(loa.reflections.mine, account.key)
            await self.reply(account, reflect.mine_blocks(items, loa.settings.tz))
        elif cmd == "phananh_ds":
            scope = await loa.run(loa.members.scope, account.key)
            items, counts = await loa.run(loa.reflections.listing, scope, None)
            await self.reply(account, reflect.list_blocks(items, counts, loa.settings.tz))
        elif cmd == "phananh_traloi":
            await self._answer_reflection(account, args)
        elif cmd == "tracnghiem":
            await self._quiz(account, args)
        elif cmd == "tracnghiem_kq":
            scope = await loa.run(loa.members.scope, account.key)
            number, _ = number_and_text(args)
            if number is None:
                items = await loa.run(loa.quizzes.listing, scope)
                await self.reply(account, TZQ.USAGE_RESULTS.format(lines=quiz.listing(items)))
            else:
                await self.reply(account, quiz.results(await loa.run(loa.quizzes.results, scope, number)))
        elif cmd == "lienket":
            if not args:
                await self.reply(account, T.LINK_USAGE)
                return
            name = await loa.run(loa.zalo_store.link, account, args.split()[0])
            await self.reply(account, T.LINK_DONE.format(name=esc(name)))
        elif cmd == "bangdieukhien":
            await self._desk(account)
        elif cmd in _BOARD_COMMANDS:
            await self.reply(account, T.DESK_ONLY)
        else:
            await self.reply(account, TC.UNKNOWN_COMMAND)

    # ------------------------------------------------------------ joining
    async def _help(self, account: Account) -> str:
        is_admin = await self.loa.run(self.loa.members.is_admin, account.key)
        return T.HELP_MEMBER + (T.HELP_ADMIN_EXTRA if is_admin else "")

    async def _welcome(self, account: Account) -> None:
        member = await self.loa.run(self.loa.members.get, account.key)
        if member is None:
            text = T.WELCOME_UNREGISTERED + (TC.WELCOME_OPEN_QA if self.loa.settings.open_qa
                                             else "")
            await self.reply(account, text)
        elif not member.active:
            board = await self.loa.run(self.loa.members.serving_board, account.key)
            await self.reply(account, TC.DEACTIVATED.format(board=esc(board)))
        else:
            await self.reply(account, TC.WELCOME_BACK.format(
                unit=esc(member.unit_name or TC.NO_UNIT), help=await self._help(account)))

    async def _join(self, account: Account, code: str) -> None:
        loa = self.loa
        result = await loa.run(loa.members.join, code, account.key, account.address,
                               account.name, None)
        if result.board and not result.already:
            await tell_board_of_join(self.bot, loa, result.member.id)
        if result.already:
            await self.reply(account, TC.ALREADY_JOINED.format(unit=esc(result.unit_name)))
        elif result.moved:
            await self.reply(account, TC.MOVED_BY_INVITE.format(unit=esc(result.unit_name)))
        else:
            help_ = await self._help(account)
            if result.member.is_reporter and not result.board:
                help_ = TC.JOINED_REPORTER.format(day=loa.settings.reminder_day) + help_
            template = T.JOINED_BOARD if result.board else T.JOINED
            board = await loa.run(loa.members.serving_board, account.key) if result.board else ""
            await self.reply(account, template.format(unit=esc(result.unit_name), help=help_,
                                                      board=esc(board)))

    # ------------------------------------------------------------ questions
    async def _ask(self, account: Account, text: str) -> None:
        loa = self.loa
        result = await loa.run(loa.questions.ask, account.key, account.address, account.name,
                               text, None)
        if result.log is not None:
            try:
                await loa.run(loa.questions.record, result.log)
            except Exception:  # noqa: BLE001 - an answer needs no write
                log.exception("question %s not stored", result.log.id)
        await self._answer_result(account, result)

    async def _answer_result(self, account: Account, result: QuestionResult) -> None:
        note = [TQ.LONG_QUESTION_NOTE.format(chars=QUERY_CHARS)] if result.truncated else []
        if result.status == Q_SMALL_TALK:
            await self.reply(account, small_talk_text(result))
            return
        if result.status == Q_ANSWERED_BY_DOCS:
            text = quote_message(TQ.ANSWER_HEADER, result.passages[0], note)
            choices = T.CHOICES_ANSWER_MORE if result.more else T.CHOICES_ANSWER
            await self._offer(account, result.question_id, 0, result.more, related=False)
            await self.reply(account, [text, choices])
            return
        if result.status == Q_RELATED:
            text = quote_message(TQ.RELATED_HEADER, result.passages[0], note)
            await self._offer(account, result.question_id, 0, False, related=True)
            await self.reply(account, [text, T.CHOICES_RELATED])
            return
        if result.status == Q_ANSWERED_BY_FAQ:
            faq = result.faq
            await self._offer(account, None, 0, False, related=False)
            await self.reply(account, faq_blocks(faq) + note)
            return
        await self._hand_off(account, result)

    async def _hand_off(self, account: Account, result: QuestionResult,
                        nothing_found: bool = True) -> None:
        await self.reply(account, hand_off_text(result, nothing_found))
        body = notice_body(result)
        if body is not None:
            await notify_board(self.bot, self.loa, result.notice, body)

    async def _offer(self, account: Account, question_id: int | None, index: int, more: bool,
                     related: bool) -> None:
        session = await self._session(account)
        session.pop("docs", None)
        if question_id is None:
            session.pop("q", None)
        else:
            session["q"] = {"id": question_id, "index": index, "more": more,
                            "related": related}
        await self._save(account, session)

    async def _choice(self, account: Account, session: dict, choice: int) -> None:
        loa = self.loa
        q = session["q"]
        qid, index = int(q["id"]), int(q.get("index", 0))
        if choice == 1:
            sec = await loa.run(loa.questions.section_of, account.key, qid, None, index)
            owner = f" ({sec.owner})" if sec.owner else ""
            blocks = [TQ.SECTION_HEADER.format(document=esc(sec.document + owner),
                                               section=esc(sec.section))]
            blocks += [esc(line) for line in sec.text.splitlines() if line.strip()]
            await self.reply(account, "\n".join(blocks))
        elif choice == 2:
            if not q.get("more"):
                await self.reply(account, T.NO_MORE)
                return
            more = await loa.run(loa.questions.more, account.key, qid, index + 1)
            q.update(index=index + 1, more=more.more)
            await self._save(account, session)
            await self.reply(account, [quote_message(TQ.MORE_HEADER, more.passage),
                                       T.CHOICES_MORE if more.more else T.CHOICES_MORE_LAST])
        else:
            result = await loa.run(loa.questions.send_to_board, qid, account.key,
                                   account.address, account.name)
            session.pop("q", None)
            await self._save(account, session)
            await self._hand_off(account, result, nothing_found=False)

    # ------------------------------------------------------------ the board
    async def _answer(self, account: Account, args: str) -> None:
        loa = self.loa
        qid, text = number_and_text(args)
        if qid is None or not text:
            await self.reply(account, T.ANSWER_USAGE)
            return
        scope = await loa.run(loa.members.scope, account.key)
        confirm, _ = await deliver_answer(self.bot, loa, scope, qid, text,
                                       account.address, account.name or "Ban")
        await self.reply(account, confirm)

    async def _reflect(self, account: Account, args: str, photo: str | None = None) -> None:
        """/phananh LOẠI | nội dung: the same line as on Telegram, the same number back."""
        loa = self.loa
        if not args:   # the guided form: a number for the kind, then the words
            await loa.run(loa.members.require_member, account.key)
            board = await loa.run(loa.members.serving_board, account.key)
            await self._save(account, {"reflect": "kind"})
            await self.reply(account, T.REFLECT_HOW.format(board=board) + "\n\n" + TF.GUIDED_KIND_ZALO)
            return
        await self.reply(account, await reflect.submit(self.bot, loa, account.key, account.address,
                                                       args, None, photo))

    async def _reflect_step(self, account: Account, session: dict, text: str) -> None:
        """The guided phản ánh: first the kind (1–4), then the words, sent as that kind."""
        from bot.services.reflections import kind_of
        step = session.get("reflect")
        if step == "kind":
            kind = kind_of(text)
            if kind is None:
                await self.reply(account, TF.KIND_UNKNOWN)
                return
            await self._save(account, {"reflect": kind})
            await self.reply(account, TF.GUIDED_TEXT.format(kind=TF.KINDS[kind]))
            return
        await self._save(account, {})
        await self.reply(account, await reflect.submit(
            self.bot, self.loa, account.key, account.address, reflect.guided_line(step, text), None))

    # ------------------------------------------------------------ quizzes
    async def _quiz(self, account: Account, args: str) -> None:
        """/tracnghiem [số bài]: the next question, its options numbered, answered by typing numbers."""
        loa = self.loa
        step = await loa.run(loa.quizzes.start, account.key, parse_id(args))
        if step is None:
            await self.reply(account, quiz.choose(await loa.run(loa.quizzes.available, account.key)))
            return
        await self._quiz_step(account, step)

    async def _quiz_step(self, account: Account, step, lead: str = "") -> None:
        if step.finished is not None:
            await self._save(account, {})
            await self.reply(account, [lead, quiz.finished(step)])
            return
        q = step.question
        await self._save(account, {"quiz": [step.attempt_id, q.id, len(q.options)]})
        await self.reply(account, [quiz.lead(step, lead), quiz.typed_question(step)])

    async def _quiz_answer(self, account: Account, session: dict, text: str) -> None:
        """A typed answer to the question waiting ("2", "1,3"): stored once, then the next question."""
        attempt_id, question_id, n = session["quiz"]
        chosen = quiz.chosen_numbers(text, n)
        if chosen is None:
            await self.reply(account, TZQ.ANSWER_BAD.format(n=n) + "\n" + TZQ.STOPPED_HOW)
            return
        try:
            step = await self.loa.run(self.loa.quizzes.answer, account.key, attempt_id, question_id, chosen)
        except LoaError:
            await self._save(account, {})   # late, or no longer a member: said, and the quiz is left
            raise
        await self._quiz_step(account, step, quiz.feedback(step))

    async def _answer_reflection(self, account: Account, args: str) -> None:
        loa = self.loa
        rid, text = number_and_text(args)
        if rid is None or not text:
            await self.reply(account, TF.ANSWER_USAGE)
            return
        scope = await loa.run(loa.members.scope, account.key)
        confirm, _ = await reflect.answer(self.bot, loa, scope, rid, text)
        await self.reply(account, confirm)

    async def _desk(self, account: Account) -> None:
        from bot.services.desk import Refused
        from bot.texts import desk as TD
        loa = self.loa
        try:
            link = await loa.run(loa.desk.create_link, account.key)
        except Refused:
            await self.reply(account, TC.ADMIN_ONLY)
            return
        s = loa.settings
        url = f"{s.web_url}/dangnhap?t={link.token}"
        await self.reply(account, TD.LINK.format(expires=fmt_datetime(link.expires_at, s.tz),
                                                 link=esc(url)))

    # ------------------------------------------------------------ broadcasts
    async def _ack(self, account: Account) -> None:
        loa = self.loa
        await loa.run(loa.members.require_member, account.key)
        got = await loa.run(loa.broadcasts.ack_latest, account.key)
        if got is None:
            await self.reply(account, T.NOTHING_TO_ACK)
            return
        when = fmt_datetime(got.sent_at, loa.settings.tz) if got.sent_at else ""
        await self.reply(account, T.ACKED.format(when=when, text=esc_short(plain(got.text), 120)))

    # ------------------------------------------------------------ key points
    async def _documents(self, account: Account) -> None:
        loa = self.loa
        docs = await loa.run(loa.questions.documents, account.key)
        if not docs:
            await self.reply(account, TQ.KP_EMPTY)
            return
        session = await self._session(account)
        session["docs"] = [d.key for d in docs]
        session.pop("q", None)
        await self._save(account, session)
        lines = [TQ.KP_CHOOSE] + [f"{i}. {esc(d.label)}" for i, d in enumerate(docs, 1)]
        await self.reply(account, "\n".join(lines) + "\n\n" + T.KP_PICK)

    async def _keypoints(self, account: Account, session: dict, n: int) -> None:
        keys = session.get("docs") or []
        if not 1 <= n <= len(keys):
            await self.reply(account, T.FORM_BAD.format(n=len(keys)))
            return
        loa = self.loa
        page = await loa.run(loa.questions.keypoints_page, keys[n - 1], 1, account.key)
        text = keypoints_text(page)
        pages = 1
        while pages < page.pages and pages < 3:   # Zalo has no "next" button: a few pages at once
            pages += 1
            nxt = await loa.run(loa.questions.keypoints_page, keys[n - 1], pages, account.key)
            text += "\n" + "\n".join(keypoints_text(nxt).split("\n")[1:])
        await self.reply(account, text)

    # ------------------------------------------------------------ reports
    async def _report(self, account: Account, args: str) -> None:
        loa = self.loa
        if args:
            draft = await loa.run(loa.reports.draft_quick, account.key, "/baocao " + args)
            await self._preview(account, draft)
            return
        await loa.run(loa.reports.reporter, account.key)
        session = {"step": "date", "draft": {"photos": []}}
        await self._save(account, session)
        await self.reply(account, T.ASK_DATE.format(today=fmt_date(loa.reports.today())))

    async def _preview(self, account: Account, draft, lead: str = "") -> None:
        await self._save(account, {"confirm": draft.id})
        await self.reply(account, [preview_text(draft, lead), T.CONFIRM_CHOICES])

    async def _confirm(self, account: Account, session: dict, save: bool) -> None:
        loa = self.loa
        draft_id = int(session["confirm"])
        force = bool(session.get("force"))
        if not save:
            result = await loa.run(loa.reports.cancel, account.key, draft_id)
            await self._save(account, {})
            if result.status == CONFIRM_ALREADY:
                await self.reply(account, TR.ALREADY_SAVED.format(
                    id=result.report.id if result.report else "?"))
            else:
                await self.reply(account, TR.CANCELLED)
            return
        result = await loa.run(loa.reports.confirm, account.key, draft_id, force)
        if result.status == CONFIRM_LARGE:
            await self._save(account, {"confirm": draft_id, "force": True})
            await self.reply(account, [TR.LARGE_WARNING.format(
                limit=PLAUSIBLE_PARTICIPANTS).split("\n\n")[0], T.CONFIRM_FORCE_CHOICES])
            return
        if result.status == CONFIRM_DUPLICATE:
            await self._save(account, {"confirm": draft_id, "force": True})
            await self.reply(account, [duplicate_warning(result.duplicate).split("\n\n")[0],
                                       T.CONFIRM_FORCE_CHOICES])
            return
        await self._save(account, {})
        if result.status == CONFIRM_ALREADY:
            await self.reply(account, TR.ALREADY_SAVED.format(
                id=result.report.id if result.report else "?"))
        elif result.status == CONFIRM_CANCELLED:
            await self.reply(account, TR.ALREADY_CANCELLED)
        else:
            r = result.report
            await self.reply(account, TR.SAVED.format(id=r.id,
                                                      block=render_report(r.parsed, r.unit_name)))

    async def _guided(self, account: Account, session: dict, text: str) -> None:
        loa = self.loa
        step = session["step"]
        draft = session.setdefault("draft", {"photos": []})
        rules = loa.reports.rules()
        forms = loa.settings.report_forms
        value = text.strip()
        if step == "date":
            got = parse_date("hôm nay" if value == "1" else value, rules)
            if isinstance(got, FieldError):
                await self.reply(account, got.message)
                return
            draft["date"] = got.isoformat()
            session["step"] = "form"
            await self._save(account, session)
            listing = "\n".join(f"{i}. {f}" for i, f in enumerate(forms, 1))
            await self.reply(account, T.ASK_FORM.format(forms=esc(listing)))
        elif step == "form":
            n = parse_id(value)
            if n is not None and 1 <= n <= len(forms):
                got = forms[n - 1]
            else:
                got = match_form(value, forms)
            if isinstance(got, FieldError):
                await self.reply(account, T.FORM_BAD.format(n=len(forms)))
                return
            draft["form"] = got
            session["step"] = "content"
            await self._save(account, session)
            await self.reply(account, T.ASK_CONTENT)
        elif step == "content":
            got = check_content(value, rules)
            if isinstance(got, FieldError):
                await self.reply(account, got.message)
                return
            draft["content"] = got
            session["step"] = "participants"
            await self._save(account, session)
            await self.reply(account, T.ASK_PARTICIPANTS)
        elif step == "participants":
            got = parse_participants(value)
            if isinstance(got, FieldError):
                await self.reply(account, got.message)
                return
            draft["participants"] = got
            session["step"] = "note"
            await self._save(account, session)
            await self.reply(account, T.ASK_NOTE)
        else:   # note: "0" for none; then the preview
            note = None if value in ("0", "khong", "không", "bo qua", "bỏ qua") else value
            got = check_note(note, rules)
            if isinstance(got, FieldError):
                await self.reply(account, got.message)
                return
            report = ParsedReport(date.fromisoformat(draft["date"]), draft["form"],
                                  draft["content"], int(draft["participants"]), got,
                                  tuple(draft.get("photos") or ()))
            view = await loa.run(loa.reports.create_draft, account.key, report)
            await self._preview(account, view)

    async def _photo(self, account: Account, url: str, caption: str) -> None:
        m = _COMMAND.match(caption or "")
        if m and m.group(1).lower() == "phananh" and url:   # a phản ánh with its photo
            await self._reflect(account, m.group(2).strip(), url[:500])
            return
        session = await self._session(account)
        if session.get("step") and url:
            draft = session.setdefault("draft", {"photos": []})
            photos = draft.setdefault("photos", [])
            if len(photos) >= MAX_PHOTOS:
                await self.reply(account, T.PHOTO_FULL)
                return
            photos.append(url[:500])
            await self._save(account, session)
            if session["step"] == "note":
                await self.reply(account, T.PHOTO_KEPT.format(count=len(photos)))
            return
        if caption and url:
            draft = await self.loa.run(self.loa.reports.draft_free_text, account.key, caption,
                                       (url[:500],))
            if draft is not None:
                await self._preview(account, draft, TR.FREE_REPORT_LEAD)
                return
        await self.reply(account, T.PHOTO_NOT_NOW)

    async def _cancel(self, account: Account) -> None:
        session = await self._session(account)
        if session.get("confirm"):
            try:
                await self.loa.run(self.loa.reports.cancel, account.key, int(session["confirm"]))
            except LoaError:
                pass
        if session.get("reflect"):
            await self._save(account, {})
            await self.reply(account, TF.GUIDED_CANCELLED)
            return
        if session.get("quiz"):
            await self._save(account, {})
            await self.reply(account, TZQ.STOPPED)
            return
        if not (session.get("step") or session.get("confirm")):
            await self._save(account, {})
            await self.reply(account, TC.NOTHING_TO_CANCEL)
            return
        await self._save(account, {})
        await self.reply(account, T.CANCELLED)

    async def _my_reports(self, account: Account) -> None:
        loa = self.loa
        own = await loa.run(loa.reports.recent, account.key)
        if not own.items:
            await self.reply(account, TR.MY_EMPTY.format(unit=esc(own.unit_name)))
            return
        blocks = [TR.MY_HEADER.format(unit=esc(own.unit_name), count=len(own.items))]
        blocks += [own_report_line(r) for r, _ in own.items]
        await self.reply(account, blocks)


# Service messages that speak of Telegram's links and buttons, as a Zalo user must read them.
ZALO_WORDING = {
    TC.NOT_REGISTERED: T.NOT_REGISTERED,
    TC.INVITE_INVALID: T.INVITE_INVALID,
}

_BOARD_COMMANDS = frozenset({
    "cauhoi", "phatdi", "phatdi_ds", "diemchinh_dinhky", "tonghop", "xuatbaocao", "bieudo",
    "baocaodinhky", "donvi", "donvi_them", "moi", "moi_ds", "thanhvien", "thanhvien_chuyen",
    "thanhvien_ngung", "thanhvien_baocao", "thanhvien_admin", "trangthai", "moi_huy",
    "thanhvien_bo_admin", "donvi_doiten", "donvi_chuyen", "donvi_ngung", "donvi_tenban",
})


def _nfc(value) -> str:
    return unicodedata.normalize("NFC", str(value or "")).strip()


