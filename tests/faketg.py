"""A fake Telegram Bot API HTTP server for driving the real PTB Application in tests and benches.

It speaks the Bot API's HTTP shape on 127.0.0.1 (``/bot<token>/<method>`` and
``/file/bot<token>/<path>``), hands queued updates to ``getUpdates`` long-polling, records every
call the bot makes, and can inject latency, 429 RetryAfter and 403 Forbidden answers. With
``limits=True`` it enforces Telegram's flood limits as strictly as they are documented: a
message (send*/copy/forward) arriving when 30 were accepted in the last second, or within a
second of the last one to the same chat, is answered 429 (``throttled`` counts them). Text sent
with ``parse_mode=HTML`` is parsed as Telegram does: an unsupported tag, a bare "<" or a tag left
open or closed out of order is answered 400 "can't parse entities".
"""
from __future__ import annotations

import asyncio
import collections
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from aiohttp import web

BOT_ID = 777000111
BOT_USERNAME = "loa_test_bot"
TOKEN = "123456:TEST-TOKEN-abcdefghijklmnopqrstuv"

# Parameters that are plain strings on the wire and must not be JSON-decoded.
_STRING_KEYS = {
    "text", "caption", "query", "inline_query_id", "callback_query_id", "secret_token", "url",
    "parse_mode", "file_id", "switch_pm_text", "switch_pm_parameter", "next_offset", "emoji",
    "description", "short_description", "name", "action", "document", "photo",
}


# What Telegram's HTML parse mode accepts (core.telegram.org/bots/api#html-style).
HTML_TAGS = frozenset({"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span",
                       "tg-spoiler", "a", "tg-emoji", "code", "pre", "blockquote"})
_HTML_TAG = re.compile(r"""<(/?)([a-zA-Z][a-zA-Z0-9-]*)            # name
                           ((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*)  # attributes
                           \s*>""", re.X)


def html_error(text: str) -> str | None:
    """Why Telegram would refuse `text` in HTML parse mode, or None when it parses."""
    stack: list[str] = []
    i = 0
    while (k := text.find("<", i)) >= 0:
        m = _HTML_TAG.match(text, k)
        if m is None:
            return f"can't parse entities: unexpected \"<\" at offset {k}"
        closing, name = m.group(1), m.group(2).lower()
        if name not in HTML_TAGS:
            return f"can't parse entities: unsupported {'end' if closing else 'start'} tag \"{name}\""
        if closing:
            if not stack:
                return f"can't parse entities: unexpected end tag \"{name}\" at offset {k}"
            if stack[-1] != name:
                return (f"can't parse entities: end tag \"{name}\" doesn't match start tag "
                        f"\"{stack[-1]}\" at offset {k}")
            stack.pop()
        else:
            stack.append(name)
        i = m.end()
    if stack:
        return f"can't parse entities: can't find end tag corresponding to start tag \"{stack[-1]}\""
    return None


def utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def is_message(method: str) -> bool:
    """Methods that put a message in a chat (what Telegram's flood limits count)."""
    return ((method.startswith("send") and method != "sendChatAction")
            or method in ("copyMessage", "forwardMessage"))


@dataclass
class Call:
    method: str
    params: dict
    files: dict = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)
    status: int = 200
    result: Any = None
    done: bool = False  # the response has been decided (result/status final)
    held: bool = False  # answered only when a test lets it (see FakeTelegram.hold)

    @property
    def chat_id(self) -> int | None:
        v = self.params.get("chat_id")
        try:
            return int(v) if v is not None else None
        except (TypeError, ValueError):
            return None

    @property
    def text(self) -> str:
        return self.params.get("text") or self.params.get("caption") or ""

    @property
    def markup(self) -> dict:
        return self.params.get("reply_markup") or {}

    def buttons(self) -> list[dict]:
        """Flattened inline keyboard buttons of this call (text and callback_data)."""
        rows = self.markup.get("inline_keyboard") or []
        return [b for row in rows for b in row]

    def button(self, label_part: str) -> dict:
        for b in self.buttons():
            if label_part in b.get("text", ""):
                return b
        raise AssertionError(f"no button containing {label_part!r} in {self.buttons()!r}")


@dataclass
class Fault:
    method: str
    code: int
    description: str
    chat_id: int | None = None
    retry_after: int | None = None
    times: int = 1


class FakeTelegram:
    """The server. Start with ``await tg.start()``; the bot uses ``tg.api_url``/``tg.file_url``."""

    def __init__(self, token: str = TOKEN, latency: float = 0.0, send_latency: float = 0.0,
                 limits: bool = False, overall_limit: int = 30, chat_gap: float = 1.0):
        self.token = token
        self.limits = limits
        self.overall_limit = overall_limit
        self.chat_gap = chat_gap
        self.throttled = 0
        self._accepted: collections.deque[float] = collections.deque()  # arrivals, last second
        self._chat_last: dict[int, float] = {}
        # Awaited with each answered call before its response goes out (tests use them to act
        # "the instant" a message arrives, or to hold its answer back).
        self.before_reply: list[Callable[[Call], Awaitable[None]]] = []
        self._waiters: list[tuple[Callable[[Call], bool], asyncio.Future]] = []
        self.latency = latency            # added to every call
        self.send_latency = send_latency  # added to send*/copyMessage calls (simulates 0.1–0.3 s RTT)
        self.calls: list[Call] = []
        self.updates: list[dict] = []
        self.blocked: set[int] = set()    # chats answering 403
        self.slow_chats: dict[int, float] = {}  # extra seconds before answering sends to a chat
        self.faults: list[Fault] = []
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, content)
        self.webhook: str = ""
        self._update_ids = itertools.count(1)
        self.last_update_id = 0     # the latest update pushed …
        self.acked_offset = 0       # … and the highest offset getUpdates asked for (all below
                                    # it were fetched)
        self._message_ids = itertools.count(1000)
        self._file_ids = itertools.count(1)
        self._cond: asyncio.Condition | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.poll_seq = 0

    # ------------------------------------------------------------------ lifecycle
    async def start(self, port: int = 0) -> "FakeTelegram":
        self._cond = asyncio.Condition()
        app = web.Application(client_max_size=200 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.*}", self._file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ------------------------------------------------------------------ updates in
    async def push(self, update: dict) -> int:
        update = {"update_id": next(self._update_ids), **update}
        self.last_update_id = update["update_id"]
        async with self._cond:
            self.updates.append(update)
            self._cond.notify_all()
        return update["update_id"]

    def new_message_id(self) -> int:
        return next(self._message_ids)

    def add_file(self, content: bytes, name: str = "file.bin") -> str:
        n = next(self._file_ids)
        file_id = f"FILE{n:06d}"
        self.files[file_id] = (f"documents/{n}_{name}", content)
        return file_id

    # ------------------------------------------------------------------ observing
    def sent(self, chat_id: int | None = None, method: str | None = None,
             since: int = 0) -> list[Call]:
        out = []
        for c in self.calls[since:]:
            if method and c.method != method:
                continue
            if method is None and not (c.method.startswith("send") or c.method in
                                       ("copyMessage", "forwardMessage", "editMessageText",
                                        "editMessageReplyMarkup", "answerInlineQuery")):
                continue
            if chat_id is not None and c.chat_id != chat_id:
                continue
            if c.status != 200 or not c.done:
                continue
            out.append(c)
        return out

    async def wait_for(self, pred: Callable[[Call], bool], since: int = 0,
                       timeout: float = 20.0) -> Call:
        deadline = time.monotonic() + timeout
        i = since
        while True:
            while i < len(self.calls):
                c = self.calls[i]
                if not c.done and not c.held and c.method != "getUpdates":
                    break  # keep the log's order: wait until this call is answered
                i += 1
                if c.status == 200 and pred(c):
                    return c
            if time.monotonic() > deadline:
                recent = [(c.method, c.chat_id, c.text[:80]) for c in self.calls[since:][-10:]]
                raise AssertionError(f"timed out waiting for a call; recent calls: {recent}")
            await asyncio.sleep(0.01)

    def mark(self) -> int:
        return len(self.calls)

    def hold(self, pred: Callable[[Call], bool]) -> asyncio.Event:
        """Answer calls matching `pred` only once the returned event is set (`wait_for` looks
        past them meanwhile): a deterministic "slow Telegram" for the calls a test chooses."""
        gate = asyncio.Event()

        async def hook(call: Call) -> None:
            if pred(call):
                call.held = True
                await gate.wait()
                call.held = False
        self.before_reply.append(hook)
        return gate

    def expect(self, pred: Callable[[Call], bool]) -> asyncio.Future:
        """A future resolved with the next successful call matching `pred` (no polling)."""
        fut = asyncio.get_running_loop().create_future()
        self._waiters.append((pred, fut))
        return fut

    def _resolve(self, call: Call) -> None:
        if call.status != 200 or not self._waiters:
            return
        keep = []
        for pred, fut in self._waiters:
            if not fut.done() and pred(call):
                fut.set_result(call)
            elif not fut.done():
                keep.append((pred, fut))
        self._waiters = keep

    # ------------------------------------------------------------------ HTTP
    async def _params(self, request: web.Request) -> tuple[dict, dict]:
        files: dict = {}
        raw: dict = {}
        ctype = request.content_type or ""
        if ctype.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if part.filename:
                    files[part.name] = (part.filename, await part.read())
                else:
                    raw[part.name] = await part.text()
        elif ctype == "application/json":
            body = await request.read()
            raw = json.loads(body) if body else {}
            return raw, files
        else:
            data = await request.post()
            raw = {k: v for k, v in data.items()}
            raw.update(request.query)
        params = {}
        for k, v in raw.items():
            if isinstance(v, str) and k not in _STRING_KEYS:
                try:
                    v = json.loads(v)
                except ValueError:
                    pass
            params[k] = v
        for name, (filename, content) in files.items():
            params.setdefault(name, {"filename": filename, "size": len(content)})
        return params, files

    def _error(self, call: Call, code: int, description: str, retry_after: int | None = None):
        call.status = code
        body: dict = {"ok": False, "error_code": code, "description": description}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        return web.json_response(body, status=code)

    def _fault_for(self, call: Call) -> Fault | None:
        for f in self.faults:
            if f.method == call.method and (f.chat_id is None or f.chat_id == call.chat_id):
                f.times -= 1
                if f.times <= 0:
                    self.faults.remove(f)
                return f
        return None

    def fail(self, method: str, code: int = 429, retry_after: int | None = 1,
             chat_id: int | None = None, times: int = 1, description: str = "") -> None:
        if not description:
            description = ("Too Many Requests: retry after %s" % retry_after if code == 429
                           else "Forbidden: bot was blocked by the user" if code == 403
                           else "Internal Server Error")
        self.faults.append(Fault(method, code, description, chat_id,
                                 retry_after if code == 429 else None, times))

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401,
                                      "description": "Unauthorized"}, status=401)
        params, files = await self._params(request)
        call = Call(method, params, files)
        self.calls.append(call)
        if method == "getUpdates":
            try:
                return await self._get_updates(call)
            finally:
                call.done = True
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.limits and is_message(method) and not self._within_limits(call):
                self.throttled += 1
                return self._error(call, 429, "Too Many Requests: retry after 1", 1)
            delay = self.latency
            if method.startswith("send") or method in ("copyMessage", "forwardMessage"):
                delay += self.send_latency + self.slow_chats.get(call.chat_id, 0.0)
            if delay:
                await asyncio.sleep(delay)
            fault = self._fault_for(call)
            if fault:
                return self._error(call, fault.code, fault.description, fault.retry_after)
            if call.chat_id is not None and call.chat_id in self.blocked and method != "getChat":
                return self._error(call, 403, "Forbidden: bot was blocked by the user")
            if call.params.get("parse_mode") == "HTML" and (why := html_error(call.text)):
                return self._error(call, 400, "Bad Request: " + why)
            if method == "sendPoll" and (why := self._poll_error(call)):
                return self._error(call, 400, why)
            handler = getattr(self, "_m_" + method, None)
            result = handler(call) if handler else True
            call.result = result
            for hook in list(self.before_reply):
                await hook(call)
            return web.json_response({"ok": True, "result": result})
        finally:
            call.done = True
            self.in_flight -= 1
            self._resolve(call)

    def _within_limits(self, call: Call) -> bool:
        """Telegram's limits, checked on arrival: 30 messages a second overall, one a second per
        chat. An accepted message is counted; a refused one is not."""
        now = time.monotonic()
        while self._accepted and now - self._accepted[0] >= 1.0:
            self._accepted.popleft()
        chat = call.chat_id
        if len(self._accepted) >= self.overall_limit:
            return False
        if chat is not None and now - self._chat_last.get(chat, -1e9) < self.chat_gap:
            return False
        self._accepted.append(now)
        if chat is not None:
            self._chat_last[chat] = now
        return True

    async def _get_updates(self, call: Call) -> web.Response:
        offset = int(call.params.get("offset") or 0)
        self.acked_offset = max(self.acked_offset, offset)
        timeout = float(call.params.get("timeout") or 0)
        limit = int(call.params.get("limit") or 100)
        deadline = time.monotonic() + min(timeout, 2.0)
        async with self._cond:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            while not self.updates and time.monotonic() < deadline:
                try:
                    await asyncio.wait_for(self._cond.wait(), deadline - time.monotonic())
                except asyncio.TimeoutError:
                    break
            batch = self.updates[:limit]
        call.result = batch
        return web.json_response({"ok": True, "result": batch})

    async def _file(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        for file_path, content in self.files.values():
            if file_path == path:
                return web.Response(body=content)
        return web.Response(status=404)

    # ------------------------------------------------------------------ methods
    def bot_user(self) -> dict:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Loa", "username": BOT_USERNAME,
                "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": True}

    def _m_getMe(self, call):
        return self.bot_user()

    def _m_getWebhookInfo(self, call):
        return {"url": self.webhook, "has_custom_certificate": False, "pending_update_count": 0}

    def _m_setWebhook(self, call):
        self.webhook = call.params.get("url", "")
        return True

    def _m_deleteWebhook(self, call):
        self.webhook = ""
        return True

    def _message(self, call: Call, **extra) -> dict:
        chat_id = call.chat_id or 0
        msg = {"message_id": self.new_message_id(), "date": int(time.time()),
               "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group",
                        "title" if chat_id < 0 else "first_name": "chat"},
               "from": {"id": BOT_ID, "is_bot": True, "first_name": "Loa",
                        "username": BOT_USERNAME}}
        if call.params.get("reply_markup") and isinstance(call.params["reply_markup"], dict) \
                and "inline_keyboard" in call.params["reply_markup"]:
            msg["reply_markup"] = call.params["reply_markup"]
        msg.update(extra)
        return msg

    def _m_sendMessage(self, call):
        return self._message(call, text=call.params.get("text", ""))

    @staticmethod
    def _poll_options(call) -> list[str]:
        options = call.params.get("options") or []
        if isinstance(options, str):
            options = json.loads(options)
        return [o["text"] if isinstance(o, dict) else str(o) for o in options]

    def _poll_error(self, call) -> str | None:
        """Telegram's limits on a poll: a question of 1–300 characters, 2–10 options of 1–100."""
        texts = self._poll_options(call)
        question = call.params.get("question", "")
        if not 1 <= len(question) <= 300 or not 2 <= len(texts) <= 10 or any(not 1 <= len(t) <= 100 for t in texts):
            return "Bad Request: poll question or options are too long or too few"
        return None

    def _m_sendPoll(self, call):
        """A poll as Telegram returns it; its id is what a member's poll answer names."""
        texts = self._poll_options(call)
        question = call.params.get("question", "")
        self.poll_seq += 1
        poll = {"id": f"poll-{self.poll_seq}", "question": question,
                # Bot API 9.6: each option has a persistent id, named again in a poll answer.
                "options": [{"text": t, "voter_count": 0, "persistent_id": f"poll-{self.poll_seq}-{i}"}
                            for i, t in enumerate(texts)], "total_voter_count": 0,
                "is_closed": False, "is_anonymous": str(call.params.get("is_anonymous", "true")).lower() == "true",
                "type": call.params.get("type", "regular"),
                "allows_multiple_answers": str(call.params.get("allows_multiple_answers", "")).lower() == "true",
                "allows_revoting": str(call.params.get("allows_revoting", "")).lower() == "true",
                "members_only": False}
        return self._message(call, poll=poll)

    def _store_upload(self, call: Call, key: str) -> dict:
        if key in call.files:
            filename, content = call.files[key]
            file_id = self.add_file(content, filename)
            return {"file_id": file_id, "file_unique_id": file_id + "u", "file_name": filename,
                    "file_size": len(content)}
        return {"file_id": str(call.params.get(key)), "file_unique_id": "u"}

    def _m_sendDocument(self, call):
        return self._message(call, document=self._store_upload(call, "document"),
                             caption=call.params.get("caption", ""))

    def _m_sendPhoto(self, call):
        info = self._store_upload(call, "photo")
        info.update(width=800, height=600)
        return self._message(call, photo=[info], caption=call.params.get("caption", ""))

    def _m_copyMessage(self, call):
        return {"message_id": self.new_message_id()}

    def _m_forwardMessage(self, call):
        return self._message(call, text="(forwarded)")

    def _m_editMessageText(self, call):
        if call.params.get("inline_message_id"):
            return True
        return self._message(call, text=call.params.get("text", ""),
                             message_id=int(call.params.get("message_id", 0)))

    def _m_editMessageReplyMarkup(self, call):
        if call.params.get("inline_message_id"):
            return True
        return self._message(call, text="", message_id=int(call.params.get("message_id", 0)))

    def _m_getFile(self, call):
        file_id = call.params.get("file_id")
        if file_id not in self.files:
            return None
        path, content = self.files[file_id]
        return {"file_id": file_id, "file_unique_id": file_id + "u", "file_size": len(content),
                "file_path": path}

    def _m_getChat(self, call):
        return {"id": call.chat_id, "type": "private"}


class FakeUser:
    """A simulated Telegram user talking to the bot in a private chat."""

    def __init__(self, tg: FakeTelegram, user_id: int, first_name: str = "Người dùng",
                 username: str | None = None, last_name: str | None = None):
        self.tg = tg
        self.id = user_id
        self.first_name = first_name
        self.username = username
        self.last_name = last_name

    @property
    def user(self) -> dict:
        u = {"id": self.id, "is_bot": False, "first_name": self.first_name, "language_code": "vi"}
        if self.username:
            u["username"] = self.username
        if self.last_name:
            u["last_name"] = self.last_name
        return u

    def _chat(self, chat_id: int | None = None) -> dict:
        if chat_id is not None and chat_id < 0:
            return {"id": chat_id, "type": "group", "title": "Nhóm"}
        return {"id": self.id, "type": "private", "first_name": self.first_name}

    def message(self, text: str | None = None, chat_id: int | None = None, **extra) -> dict:
        msg = {"message_id": self.tg.new_message_id(), "date": int(time.time()),
               "chat": self._chat(chat_id), "from": self.user}
        if text is not None:
            msg["text"] = text
            if text.startswith("/"):
                cmd = text.split()[0] if text.split() else text
                msg["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(cmd)}]
        msg.update(extra)
        return msg

    async def send(self, text: str, **extra) -> int:
        """Send a text message; returns the call-log mark to wait for replies after."""
        mark = self.tg.mark()
        await self.tg.push({"message": self.message(text, **extra)})
        return mark

    def expect_message(self) -> asyncio.Future:
        """A future for the bot's next text message to this user (registered before sending)."""
        return self.tg.expect(lambda c: c.method == "sendMessage" and c.chat_id == self.id)

    async def answer_poll(self, poll_id: str, option_ids: list[int]) -> int:
        """Vote in a (non-anonymous) poll the bot sent: Telegram tells the bot with a poll_answer."""
        return await self.send_update({"poll_answer": {
            "poll_id": poll_id, "user": self.user, "option_ids": list(option_ids),
            "option_persistent_ids": [f"{poll_id}-{i}" for i in option_ids]}})

    async def send_update(self, update: dict) -> int:
        mark = self.tg.mark()
        await self.tg.push(update)
        return mark

    async def reply(self, text: str, timeout: float = 20.0, **extra) -> Call:
        """Send text and wait for the bot's first message to this chat."""
        mark = await self.send(text, **extra)
        return await self.next_reply(mark, timeout)

    async def next_reply(self, since: int, timeout: float = 20.0,
                         method: str | None = None) -> Call:
        return await self.tg.wait_for(
            lambda c: c.chat_id == self.id and (c.method == method if method else
                                                c.method.startswith("send")),
            since, timeout)

    async def press(self, call: Call, label_part: str, timeout: float = 20.0,
                    wait: bool = True) -> Call | int:
        """Press an inline button of a message the bot sent; waits for the answerCallbackQuery."""
        button = call.button(label_part)
        return await self.press_data(button["callback_data"], call, timeout=timeout, wait=wait)

    async def press_data(self, data: str, call: Call | None = None, timeout: float = 20.0,
                         wait: bool = True):
        mark = self.tg.mark()
        message = dict(call.result) if call is not None and isinstance(call.result, dict) else \
            {"message_id": self.tg.new_message_id(), "date": int(time.time()),
             "chat": self._chat(), "text": ""}
        cq_id = f"cq{self.tg.new_message_id()}"
        await self.tg.push({"callback_query": {"id": cq_id, "from": self.user,
                                               "chat_instance": "ci", "message": message,
                                               "data": data}})
        if not wait:
            return mark
        await self.tg.wait_for(lambda c: c.method == "answerCallbackQuery"
                               and c.params.get("callback_query_id") == cq_id, mark, timeout)
        return mark

    async def send_document(self, filename: str, content: bytes, caption: str | None = None,
                            mime_type: str = "application/octet-stream") -> int:
        file_id = self.tg.add_file(content, filename)
        doc = {"file_id": file_id, "file_unique_id": file_id + "u", "file_name": filename,
               "mime_type": mime_type, "file_size": len(content)}
        extra = {"document": doc}
        if caption:
            extra["caption"] = caption
        mark = self.tg.mark()
        await self.tg.push({"message": self.message(None, **extra)})
        return mark

    async def send_photo(self, content: bytes = b"\x89PNG fake", caption: str | None = None) -> int:
        file_id = self.tg.add_file(content, "photo.jpg")
        extra = {"photo": [{"file_id": file_id, "file_unique_id": file_id + "u",
                            "width": 90, "height": 90, "file_size": len(content)}]}
        if caption:
            extra["caption"] = caption
        mark = self.tg.mark()
        await self.tg.push({"message": self.message(None, **extra)})
        return mark

    async def inline(self, query: str, timeout: float = 20.0) -> Call:
        iq_id = f"iq{self.tg.new_message_id()}"
        mark = self.tg.mark()
        await self.tg.push({"inline_query": {"id": iq_id, "from": self.user, "query": query,
                                             "offset": ""}})
        return await self.tg.wait_for(lambda c: c.method == "answerInlineQuery"
                                      and c.params.get("inline_query_id") == iq_id, mark, timeout)
