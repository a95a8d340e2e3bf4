"""Sign-in to the desk: Telegram Mini App init data checked as Telegram documents, and session cookies.

Telegram's rule (core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app):
secret = HMAC_SHA256(key="WebAppData", msg=bot_token); the data-check-string is every received
field except `hash`, as `key=value`, sorted by key, joined by "\\n"; the data is genuine when
hex(HMAC_SHA256(key=secret, msg=data_check_string)) equals `hash`. We also refuse data whose
`auth_date` is more than 24 hours old.

A session cookie only says who signed in and until when (signed with a key derived from the bot
token); the role and scope are read from the database on every request, never from the cookie.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl

MAX_AGE = 24 * 3600          # oldest auth_date accepted
CLOCK_SKEW = 300             # seconds an auth_date may lie ahead of this server's clock
SESSION_SECONDS = 8 * 3600   # a desk session, after which the board member opens it again
COOKIE = "loa_desk"


class AuthError(Exception):
    """Why a sign-in was refused: `reason` is a key of bot/texts/desk.REFUSAL."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class WebAppUser:
    telegram_id: int
    first_name: str
    auth_date: int


def data_check_string(pairs: list[tuple[str, str]]) -> str:
    return "\n".join(f"{k}={v}" for k, v in sorted(pairs) if k != "hash")


def sign_init_data(fields: dict[str, str], token: str) -> str:
    """The `hash` Telegram would put on these fields (tests and the bench sign with it)."""
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    return hmac.new(secret, data_check_string(list(fields.items())).encode(),
                    hashlib.sha256).hexdigest()


def verify_init_data(init_data: str, token: str, now: float | None = None) -> WebAppUser:
    """The user of genuine, fresh init data; AuthError('signature' | 'expired') otherwise."""
    try:
        pairs = parse_qsl(init_data or "", keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise AuthError("signature") from None
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):      # a repeated field could mean two different things
        raise AuthError("signature")
    fields = dict(pairs)
    given = fields.get("hash", "")
    if not token or not given or not hmac.compare_digest(sign_init_data(fields, token),
                                                         given.lower()):
        raise AuthError("signature")
    try:
        auth_date = int(fields["auth_date"])
        user = json.loads(fields["user"])
        telegram_id = int(user["id"])
    except (KeyError, ValueError, TypeError):
        raise AuthError("signature") from None
    now = time.time() if now is None else now
    if now - auth_date > MAX_AGE:
        raise AuthError("expired")
    if auth_date - now > CLOCK_SKEW:   # from the future: not what Telegram signs
        raise AuthError("signature")
    return WebAppUser(telegram_id, str(user.get("first_name", "")), auth_date)


def _session_key(token: str) -> bytes:
    return hmac.new(b"LoaDeskSession", token.encode(), hashlib.sha256).digest()


def make_session(telegram_id: int, token: str, now: float | None = None) -> str:
    expires = int((time.time() if now is None else now) + SESSION_SECONDS)
    body = f"{telegram_id}.{expires}"
    sig = hmac.new(_session_key(token), body.encode(), hashlib.sha256).hexdigest()
    return f"{body}.{sig}"


def session_issued(value: str) -> float:
    """When a (verified) session cookie was issued."""
    return float(int(value.split(".")[1]) - SESSION_SECONDS)


def read_session(value: str | None, token: str, now: float | None = None) -> int | None:
    """The Telegram id a cookie was made for, or None when it is absent, forged or old."""
    if not value or not token:
        return None
    try:
        tid, expires, sig = value.split(".")
        body = f"{int(tid)}.{int(expires)}"
    except ValueError:
        return None
    want = hmac.new(_session_key(token), body.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, sig):
        return None
    if int(expires) < (time.time() if now is None else now):
        return None
    return int(tid)


def csrf_token(session_cookie: str | None, token: str) -> str:
    """The token every state-changing form of the desk carries: bound to this browser's session
    (a new sign-in, a new token), made with the bot's secret; nothing to store."""
    return hmac.new(_session_key(token), b"csrf:" + (session_cookie or "").encode(),
                    hashlib.sha256).hexdigest()[:32]


def csrf_ok(sent: str | None, session_cookie: str | None, token: str) -> bool:
    if not sent or not session_cookie:
        return False
    return hmac.compare_digest(str(sent), csrf_token(session_cookie, token))
