"""A fake Zalo Bot API HTTP server for driving Loa's Zalo channel in tests and benches."""
from __future__ import annotations

import asyncio
import bisect
import collections
import hashlib
import ipaddress
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlsplit

from aiohttp import web

TOKEN = "zalo-test-token-0123456789"
BOT_ID = "9a1f3c5e7b0d2468ace0"
BOT_NAME = "Bot Loa"  # Zalo requires a bot's name to begin with "Bot"

TEXT_MAX = 2000  # characters (Python str length) for text and captions

# Methods that put a message in a chat: what `sent()` lists and what the limits count.
MESSAGE_METHODS = frozenset({"sendMessage", "sendPhoto", "sendSticker", "sendVoice"})

# Every field each method accepts; anything else is refused, so code that carries Telegram habits
# over (reply_markup, offset, disable_web_page_preview, ...) fails loudly here instead of on Zalo.
FIELDS: dict[str, frozenset[str]] = {
    "getMe": frozenset(),
    "getUpdates": frozenset({"timeout"}),
    "setWebhook": frozenset({"url", "secret_token"}),
    "deleteWebhook": frozenset(),
    "getWebhookInfo": frozenset(),
    "sendMessage": frozenset({"chat_id", "text", "parse_mode"}),
    "sendPhoto": frozenset({"chat_id", "photo", "caption"}),
    "sendSticker": frozenset({"chat_id", "sticker"}),
    "sendChatAction": frozenset({"chat_id", "action"}),
    "sendVoice": frozenset({"chat_id", "voice_url"}),
}

PARSE_MODES = frozenset({"markdown", "html"})

_DESCRIPTIONS = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
                 408: "Request timeout", 409: "Conflict", 429: "Too many requests",
                 500: "Internal server error"}


def now_ms() -> int:
    return int(time.time() * 1000)


def _is_url(v: Any) -> bool:
    return (isinstance(v, str) and v.startswith(("http://", "https://"))
            and bool(urlsplit(v).hostname))


def _private_host(host: str) -> bool:
    """Whether Zalo would refuse `host` as a webhook target (not publicly reachable)."""
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_unspecified


class Invalid(Exception):
    """A request Zalo would refuse as malformed (answered error_code 400)."""


@dataclass
class Call:
    method: str
    params: dict
    at: float = field(default_factory=time.monotonic)
    http_status: int = 200
    ok: bool = False
    error_code: int = 0
    description: str = ""
    result: Any = None
    done: bool = False  # the answer has been decided

    @property
    def chat_id(self) -> str | None:
        v = self.params.get("chat_id")
        return v if isinstance(v, str) else None

    @property
    def text(self) -> str:
        """The text the user sees: a message's text or a photo's caption."""
        v = self.params.get("text") or self.params.get("caption") or ""
        return v if isinstance(v, str) else ""


@dataclass
class Fault:
    method: str
    code: int
    description: str
    chat_id: str | None = None
    times: int = 1
    http_status: int = 200


class FakeZalo:
    """The server. Start with ``await zalo.start()``; the bot uses ``zalo.api_url`` and ``TOKEN``.

    Choices where the spec (/work/shared/zalo-bot-api.md) is silent, so tests know what they get:
    - Malformed input (missing/empty/mistyped field, text over 2,000 characters, a parse_mode other
      than "markdown"/"html", any field the method does not take) answers HTTP 400 with
      ``ok:false, error_code:400``; a wrong token HTTP 401 (401), an unknown method HTTP 404 (404).
      Other failures — ``getUpdates`` timing out (408) or running while a webhook is set (409), the
      limits' 429 and faults injected with ``fail()`` — answer HTTP 200 with ``ok:false``, as Zalo
      does for application errors; an injected code >= 500 answers HTTP 500.
    - ``getUpdates`` hands out ONE queued event (the ``result`` part of a webhook body) and waits
      at most ``min(timeout, poll_cap)`` seconds; when nothing arrived it answers
      ``ok:false, error_code:408, "Request timeout"``. It takes no offset: handing out dequeues.
    - ``setWebhook`` requires ``secret_token`` (8–256 characters), since Loa must always check it.
    - An optional field sent as JSON null counts as absent; an empty caption is refused (1–2,000).
    - ``sendVoice`` is refused for a chat an event builder made with ``chat_type="GROUP"``.
    - With limits on, at most ``rate`` message sends are accepted in any 1-second window (and,
      when ``chat_gap`` > 0, one per chat per ``chat_gap`` seconds); the rest answer 429
      "Too many requests" and are counted in ``throttled``. ``sendChatAction`` is not counted.
    The token is never logged or recorded (no access log; calls keep only method and body).
    """

    def __init__(self, token: str = TOKEN, latency: float = 0.0, send_latency: float = 0.0,
                 limits: bool = False, rate: float | None = None, chat_gap: float = 0.0,
                 poll_cap: float = 1.0):
        self.token = token
        self.latency = latency            # added to every call but getUpdates
        self.send_latency = send_latency  # added to send* calls (simulates the network's RTT)
        self.limits = limits or rate is not None
        self.rate = rate if rate is not None else 10.0
        self.chat_gap = chat_gap
        self.poll_cap = poll_cap
        self.throttled = 0
        # (monotonic arrival, chat_id) of each send answered ok, in arrival order
        self.arrivals: list[tuple[float, str]] = []
        self._window: collections.deque[float] = collections.deque()  # accepted sends, last second
        self._chat_last: dict[str, float] = {}
        self.calls: list[Call] = []
        self.updates: collections.deque[dict] = collections.deque()
        self.faults: list[Fault] = []
        self.chat_types: dict[str, str] = {}   # chat id -> "PRIVATE"/"GROUP", from event builders
        self.webhook: str = ""
        self.webhook_secret: str = ""
        self.webhook_updated_at: int = 0
        self._ids = itertools.count(1)
        self._cond = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.in_flight = 0
        self.max_in_flight = 0

    # ------------------------------------------------------------------ lifecycle
    async def start(self, port: int = 0) -> "FakeZalo":
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)  # the URL holds the token
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
        return f"http://127.0.0.1:{self.port}"

    # ------------------------------------------------------------------ events in
    def new_id(self) -> str:
        """A fresh 20-hex-character id (deterministic, looks like Zalo's)."""
        return hashlib.sha1(f"loa-fake-{next(self._ids)}".encode()).hexdigest()[:20]

    def event(self, event_name: str, user_id: str, name: str = "Người dùng",
              message_id: str | None = None, chat_type: str = "PRIVATE",
              chat_id: str | None = None, **content) -> dict:
        """A full webhook body for any event; `content` goes into the message (text, photo, ...)."""
        user_id = str(user_id)
        chat_id = str(chat_id) if chat_id is not None else user_id
        self.chat_types[chat_id] = chat_type
        message = {"message_id": message_id or self.new_id(), "date": now_ms(),
                   "from": {"id": user_id, "display_name": name, "is_bot": False},
                   "chat": {"id": chat_id, "chat_type": chat_type}}
        message.update({k: v for k, v in content.items() if v is not None})
        return {"ok": True, "result": {"event_name": event_name, "message": message}}

    def text_event(self, user_id: str, text: str, name: str = "Người dùng",
                   message_id: str | None = None, chat_type: str = "PRIVATE",
                   chat_id: str | None = None) -> dict:
        return self.event("message.text.received", user_id, name, message_id, chat_type,
                          chat_id, text=text)

    def image_event(self, user_id: str, photo_url: str, caption: str | None = None,
                    name: str = "Người dùng", message_id: str | None = None,
                    chat_type: str = "PRIVATE", chat_id: str | None = None) -> dict:
        return self.event("message.image.received", user_id, name, message_id, chat_type,
                          chat_id, photo=photo_url, caption=caption)

    def unsupported_event(self, user_id: str, name: str = "Người dùng",
                          message_id: str | None = None, chat_type: str = "PRIVATE",
                          chat_id: str | None = None) -> dict:
        return self.event("message.unsupported.received", user_id, name, message_id, chat_type,
                          chat_id)

    async def push(self, event: dict) -> int:
        """Queue an event for getUpdates (a full webhook body or just its `result`); returns the
        call-log mark to wait for the bot's replies after."""
        if "result" in event and "event_name" not in event:
            event = event["result"]
        mark = self.mark()
        async with self._cond:
            self.updates.append(event)
            self._cond.notify_all()
        return mark

    # ------------------------------------------------------------------ observing
    def sent(self, chat_id: str | None = None, method: str | None = None,
             since: int = 0) -> list[Call]:
        """Message sends answered ok (sendChatAction only when asked for by `method`)."""
        out = []
        for c in self.calls[since:]:
            if method is not None and c.method != method:
                continue
            if method is None and c.method not in MESSAGE_METHODS:
                continue
            if chat_id is not None and c.chat_id != str(chat_id):
                continue
            if c.done and c.ok:
                out.append(c)
        return out

    def texts(self, chat_id: str, since: int = 0) -> list[str]:
        """What the user in `chat_id` read: each message's text or photo's caption, in order."""
        return [c.text for c in self.sent(chat_id, since=since) if c.text]

    async def wait_for(self, pred: Callable[[Call], bool], since: int = 0,
                       timeout: float = 10.0) -> Call:
        """The first call from `since` on answered ok and matching `pred`."""
        deadline = time.monotonic() + timeout
        i = since
        while True:
            while i < len(self.calls):
                c = self.calls[i]
                if not c.done and c.method != "getUpdates":
                    break  # keep the log's order: wait until this call is answered
                i += 1
                if c.ok and pred(c):
                    return c
            if time.monotonic() > deadline:
                recent = [(c.method, c.chat_id, c.error_code, c.text[:80])
                          for c in self.calls[since:][-10:]]
                raise AssertionError(f"timed out waiting for a call; recent calls: {recent}")
            await asyncio.sleep(0.01)

    def mark(self) -> int:
        return len(self.calls)

    # ------------------------------------------------------------------ faults
    def fail(self, method: str, code: int = 429, times: int = 1, chat_id: str | None = None,
             description: str = "", http_status: int | None = None) -> None:
        """Answer the next `times` calls of `method` (to `chat_id`, if given) ok:false with
        `code`: HTTP 200 for codes below 500, HTTP 500 from 500 on, unless `http_status` says."""
        if http_status is None:
            http_status = 500 if code >= 500 else 200
        self.faults.append(Fault(method, code, description or _DESCRIPTIONS.get(code, "Error"),
                                 str(chat_id) if chat_id is not None else None, times,
                                 http_status))

    def _fault_for(self, call: Call) -> Fault | None:
        for f in self.faults:
            if f.method == call.method and (f.chat_id is None or f.chat_id == call.chat_id):
                f.times -= 1
                if f.times <= 0:
                    self.faults.remove(f)
                return f
        return None

    # ------------------------------------------------------------------ HTTP
    @staticmethod
    def _envelope(ok: bool, result: Any = None, code: int = 0, description: str = "") -> dict:
        return {"ok": ok, "result": result, "error_code": code, "description": description}

    def _answer(self, call: Call | None, code: int, description: str,
                http_status: int) -> web.Response:
        if call is not None:
            call.ok, call.error_code, call.description = False, code, description
            call.http_status = http_status
        return web.json_response(self._envelope(False, None, code, description),
                                 status=http_status)

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._answer(None, 401, "Unauthorized", 401)
        method = request.match_info["method"]
        body = await request.read()
        try:
            params = json.loads(body) if body.strip() else {}
        except ValueError:
            params = None
        call = Call(method, params if isinstance(params, dict) else {})
        self.calls.append(call)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if method not in FIELDS:
                return self._answer(call, 404, f"method {method} not found", 404)
            if not isinstance(params, dict):
                return self._answer(call, 400, "request body must be a JSON object", 400)
            try:
                self._validate(call)
            except Invalid as e:
                return self._answer(call, 400, str(e), 400)
            if method == "getUpdates":
                return await self._get_updates(call)
            if self.limits and method in MESSAGE_METHODS and not self._within_limits(call):
                self.throttled += 1
                return self._answer(call, 429, "Too many requests", 200)
            delay = self.latency + (self.send_latency if method.startswith("send") else 0.0)
            if delay:
                await asyncio.sleep(delay)
            fault = self._fault_for(call)
            if fault:
                return self._answer(call, fault.code, fault.description, fault.http_status)
            result = getattr(self, "_m_" + method)(call)
            call.ok, call.result = True, result
            if method in MESSAGE_METHODS:
                bisect.insort(self.arrivals, (call.at, call.chat_id))
            return web.json_response(self._envelope(True, result))
        finally:
            call.done = True
            self.in_flight -= 1

    def _within_limits(self, call: Call) -> bool:
        """Checked on arrival: `rate` accepted sends in any second overall, one per `chat_gap`
        per chat. A refused send is not counted."""
        now = call.at
        while self._window and now - self._window[0] >= 1.0:
            self._window.popleft()
        if len(self._window) >= self.rate:
            return False
        chat = call.chat_id
        if self.chat_gap > 0 and now - self._chat_last.get(chat, -1e9) < self.chat_gap:
            return False
        self._window.append(now)
        self._chat_last[chat] = now
        return True

    async def _get_updates(self, call: Call) -> web.Response:
        if self.webhook:
            return self._answer(call, 409, "webhook is active", 200)
        timeout = float(call.params.get("timeout") or 0)
        deadline = time.monotonic() + min(timeout, self.poll_cap)
        async with self._cond:
            while not self.updates and time.monotonic() < deadline:
                try:
                    await asyncio.wait_for(self._cond.wait(), deadline - time.monotonic())
                except asyncio.TimeoutError:
                    break
            event = self.updates.popleft() if self.updates else None
        if event is None:
            return self._answer(call, 408, "Request timeout", 200)
        call.ok, call.result = True, event
        return web.json_response(self._envelope(True, event))

    # ------------------------------------------------------------------ validation
    def _validate(self, call: Call) -> None:
        p = call.params
        for key in p:
            if key not in FIELDS[call.method]:
                raise Invalid(f"{key} is not supported")
        check = getattr(self, "_check_" + call.method, None)
        if call.method.startswith("send"):
            chat = p.get("chat_id")
            if not isinstance(chat, str) or not chat:
                raise Invalid("chat_id is required and must be a non-empty string")
        if check:
            check(p)

    @staticmethod
    def _text(p: dict, key: str, required: bool) -> None:
        v = p.get(key)
        if v is None:
            if required:
                raise Invalid(f"{key} is required")
            return
        if not isinstance(v, str):
            raise Invalid(f"{key} must be a string")
        if not 1 <= len(v) <= TEXT_MAX:
            raise Invalid(f"{key} must be 1-{TEXT_MAX} characters (got {len(v)})")

    def _check_getUpdates(self, p: dict) -> None:
        t = p.get("timeout")
        if t is None:
            return
        if isinstance(t, str) and t.isdigit():
            return
        if isinstance(t, bool) or not isinstance(t, (int, float)) or t < 0:
            raise Invalid("timeout must be a non-negative number of seconds")

    def _check_setWebhook(self, p: dict) -> None:
        url = p.get("url")
        if not isinstance(url, str) or not url.startswith("https://"):
            raise Invalid("url must be an https:// URL")
        host = urlsplit(url).hostname
        if not host:
            raise Invalid("url has no host")
        if _private_host(host):
            raise Invalid("url must be publicly reachable (localhost and private addresses are "
                          "refused)")
        secret = p.get("secret_token")
        if not isinstance(secret, str) or not 8 <= len(secret) <= 256:
            raise Invalid("secret_token must be 8-256 characters")

    def _check_sendMessage(self, p: dict) -> None:
        self._text(p, "text", required=True)
        mode = p.get("parse_mode")
        if mode is not None and mode not in PARSE_MODES:
            raise Invalid(f"parse_mode must be one of {sorted(PARSE_MODES)}")

    def _check_sendPhoto(self, p: dict) -> None:
        if not _is_url(p.get("photo")):
            raise Invalid("photo is required and must be a URL")
        self._text(p, "caption", required=False)

    def _check_sendSticker(self, p: dict) -> None:
        v = p.get("sticker")
        if not isinstance(v, str) or not v:
            raise Invalid("sticker is required")

    def _check_sendChatAction(self, p: dict) -> None:
        if p.get("action") != "typing":
            raise Invalid('action must be "typing"')

    def _check_sendVoice(self, p: dict) -> None:
        url = p.get("voice_url")
        if not _is_url(url) or not urlsplit(url).path.lower().endswith(".aac"):
            raise Invalid("voice_url is required and must be a URL of an .aac file")
        if self.chat_types.get(p["chat_id"]) == "GROUP":
            raise Invalid("sendVoice is only available in private chats")

    # ------------------------------------------------------------------ methods
    def _m_getMe(self, call):
        return {"id": BOT_ID, "account_name": BOT_NAME, "account_type": "BASIC",
                "can_join_groups": True}

    def _m_setWebhook(self, call):
        self.webhook = call.params["url"]
        self.webhook_secret = call.params["secret_token"]
        self.webhook_updated_at = now_ms()
        return {"url": self.webhook, "updated_at": self.webhook_updated_at}

    def _m_deleteWebhook(self, call):
        self.webhook = self.webhook_secret = ""
        self.webhook_updated_at = now_ms()
        return {"url": "", "updated_at": self.webhook_updated_at}

    def _m_getWebhookInfo(self, call):
        return {"url": self.webhook, "updated_at": self.webhook_updated_at}

    def _sent_message(self, call) -> dict:
        return {"message_id": self.new_id(), "date": now_ms()}

    _m_sendMessage = _m_sendPhoto = _m_sendSticker = _m_sendVoice = _sent_message

    def _m_sendChatAction(self, call):
        return True
