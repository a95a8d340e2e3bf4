"""The desk's HTTP server: aiohttp on the bot's own event loop, started and stopped with PTB.

aiohttp because it is already what PTB's stack and our tests speak asynchronously, it runs on
the loop `loa run` already has (no second process, no ASGI server to add), and its client is the
tests' HTTP client. Handlers here parse the request, call DeskService in the bot's worker
threads (`loa.run`) and render a page, like the chat handlers.
"""
from __future__ import annotations

import functools
import html
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlparse

from aiohttp import web
from multidict import MultiDictProxy

from bot.context import Loa
from bot.errors import InvalidInput, LoaError, NotFound
from bot.scope import Scope
from bot.text import parse_id, plain
from bot.texts import broadcast as TB
from bot.services.desk import Refused
from bot.web import auth, pages

log = logging.getLogger(__name__)

LOA_KEY = web.AppKey("loa", Loa)
BOT_KEY = web.AppKey("bot", object)   # the Application's bot: sends on the asker's channel
MAX_BODY = 64 * 1024   # init data is a few hundred bytes; an answer up to ~3,500 characters
MEDIA_BODY = 21 * 1024 * 1024   # a broadcast's preview with its attached file (bot/media.py)
# Only Telegram's web client may show the desk in a frame (a Mini App there is an iframe).
FRAME_ANCESTORS = "'self' https://web.telegram.org"


def _own_origins(request: web.Request) -> set[str]:
    """This desk's origins: LOA_WEB_URL's, and the one the request came in on."""
    public = urlparse(request.app[LOA_KEY].settings.web_url)
    return {f"{public.scheme}://{public.netloc}", f"{request.scheme}://{request.host}"}


def _same_origin(request: web.Request) -> bool:
    """A sign-in POST must come from the desk's own pages (against login CSRF): browsers send
    Origin on a POST ("null" from a page that hides it: refused); a request without one is
    taken only with a same-origin Referer."""
    origin = request.headers.get("Origin")
    if origin is None:
        ref = urlparse(request.headers.get("Referer", ""))
        if not ref.scheme:
            return False
        origin = f"{ref.scheme}://{ref.netloc}"
    return origin in _own_origins(request)


async def _no_server_header(request: web.Request, response: web.StreamResponse) -> None:
    """No software versions in the answers (aiohttp's default Server header names them)."""
    response.headers["Server"] = "Loa"


def _headers(nonce: str) -> dict[str, str]:
    # Scripts only with this response's nonce; nothing loaded from anywhere else.
    return {
        "Content-Security-Policy": (
            "default-src 'none'; style-src 'unsafe-inline'; img-src data: 'self'; "
            f"script-src 'nonce-{nonce}'; connect-src 'self'; form-action 'self'; "
            f"base-uri 'self'; frame-ancestors {FRAME_ANCESTORS}"),
        "Cache-Control": "no-store",
        # Same-origin: the desk's own POSTs carry their Origin (checked against login CSRF);
        # no address ever leaves for another site.
        "Referrer-Policy": "same-origin",
        "X-Content-Type-Options": "nosniff",
    }


def _root(request: web.Request) -> str:
    """The path the reverse proxy serves the desk under (LOA_WEB_URL's path; "" at the root)."""
    return urlparse(request.app[LOA_KEY].settings.web_url).path.rstrip("/")


def _html(request: web.Request, body_fn, status: int = 200) -> web.Response:
    nonce = secrets.token_urlsafe(12)
    return web.Response(text=body_fn(nonce, _root(request)), status=status, content_type="text/html",
                        charset="utf-8", headers=_headers(nonce))


def _refusal(request: web.Request, reason: str, status: int = 403) -> web.Response:
    return _html(request, lambda n, r: pages.refusal_page(reason, n, r), status)


def _set_session(resp: web.StreamResponse, loa: Loa, telegram_id: int) -> None:
    resp.set_cookie(auth.COOKIE, auth.make_session(telegram_id, loa.settings.secret_key),
                    max_age=auth.SESSION_SECONDS, httponly=True, samesite="Lax", path="/",
                    secure=loa.settings.web_url.startswith("https://"))


async def _viewer(request: web.Request) -> int | None:
    """Who this browser is signed in as: a genuine, unexpired cookie not signed out since."""
    loa = request.app[LOA_KEY]
    cookie = request.cookies.get(auth.COOKIE)
    tid = auth.read_session(cookie, loa.settings.secret_key)
    if tid is None:
        return None
    if not await loa.run(loa.desk.session_valid, tid, auth.session_issued(cookie)):
        return None
    return tid


async def _period(request: web.Request):
    """The period in the address (`?ky=`), or this month when it cannot be read."""
    loa = request.app[LOA_KEY]
    try:
        return await loa.run(loa.desk.period, request.query.get("ky", ""))
    except InvalidInput:
        return await loa.run(loa.desk.period, "")


def _csrf(request: web.Request) -> str:
    """This session's token for the forms of the page being rendered (see auth.csrf_token)."""
    return auth.csrf_token(request.cookies.get(auth.COOKIE), request.app[LOA_KEY].settings.secret_key)


def _query_number(request: web.Request, name: str) -> int | None:
    """A record number in the address after a redirect ("?nhac=12"), or None."""
    return parse_id(request.query.get(name))


@dataclass(frozen=True)
class _View:
    """A board page's viewer: the services, who, their scope and board name (read fresh)."""
    loa: Loa
    tid: int
    scope: Scope
    title: str


def board_view(fn):
    """A page of the board's work: the handler gets the viewer (`_View`) after the sign-in and
    role checks; the sign-in page or the refusal otherwise."""
    @functools.wraps(fn)
    async def page(request: web.Request, *args, **kwargs):
        board, refused = await _board(request)
        if refused is not None:
            return refused
        tid, scope, title = board
        return await fn(request, _View(request.app[LOA_KEY], tid, scope, title), *args, **kwargs)
    return page


@dataclass(frozen=True)
class _Post:
    """A state-changing request that passed the checks: who, their scope read fresh, the form,
    and the record number in the path (None when the route has none)."""
    tid: int
    scope: Scope
    form: MultiDictProxy
    id: int | None


async def _form(request: web.Request) -> tuple[_Post | None, web.StreamResponse | None]:
    """A state-changing POST, or the refusal: not from the desk's own page (Origin), no
    session, no token of this session (CSRF), not a board member, or a record number in the
    path that is not one."""
    loa = request.app[LOA_KEY]
    if not _same_origin(request):
        return None, _refusal(request, "origin")
    tid = await _viewer(request)
    if tid is None:
        return None, _refusal(request, "signin", 401)
    form = await request.post()
    if not auth.csrf_ok(form.get("csrf"), request.cookies.get(auth.COOKIE),
                        loa.settings.secret_key):
        return None, _refusal(request, "csrf")
    number = None
    if "id" in request.match_info:
        number = parse_id(request.match_info["id"])
        if number is None:
            return None, _refusal(request, "notfound", 404)
    try:
        scope = await loa.run(loa.desk.scope, tid)
    except Refused as e:
        return None, _refusal(request, e.reason)
    return _Post(tid, scope, form, number), None


async def overview(request: web.Request) -> web.Response:
    """The board's own overview, or (`/donvi/{id}`) a unit below it; refused outside the scope."""
    loa = request.app[LOA_KEY]
    tid = await _viewer(request)
    if tid is None:
        return _html(request, pages.signin_page)
    unit_id = None
    if "unit" in request.match_info:
        try:
            unit_id = int(request.match_info["unit"])
        except ValueError:
            return _refusal(request, "notfound", 404)
    period = await _period(request)
    try:
        ov = await loa.run(loa.desk.overview, tid, period, unit_id)
    except Refused as e:
        return _refusal(request, e.reason)
    today = await loa.run(loa.reports.today)
    now = datetime.now(timezone.utc)
    notice = ""
    if (done := _query_number(request, "nhac")) is not None:
        notice = pages.T.REMINDED.format(id=done, count=_query_number(request, "n") or 0)
    csrf = _csrf(request)
    quizzes = []
    if unit_id is None:   # the board's quizzes still open, with how many took each (its own page: results)
        try:
            scope = await loa.run(loa.members.scope, tid)
            quizzes = [(info, took) for info, took in await loa.run(loa.quizzes.listing, scope)
                       if info.status == "open"]
        except LoaError:
            quizzes = []
    return _html(request, lambda n, r: pages.overview_page(ov, today, loa.settings.tz, n, now, r,
                                                           csrf, notice, quizzes))


async def remind(request: web.Request) -> web.StreamResponse:
    """POST /phatdi/{id}/nhac: remind the board's own people who have not acknowledged (the
    chat's "🔔 Nhắc"), once at a time."""
    loa = request.app[LOA_KEY]
    post, refused = await _form(request)
    if refused is not None:
        return refused
    try:
        info = await loa.run(functools.partial(loa.broadcasts.remind, post.scope, post.id,
                                               via="desk"))
    except LoaError as e:
        error = e.plain()
        return _html(request, lambda n, r: pages.error_page(error, n, r), 400)
    return web.HTTPSeeOther(f"{_root(request)}/?nhac={post.id}&n={info.recipients}")


async def questions(request: web.Request, notice: str = "", error: str = "",
                    status: int = 200) -> web.Response:
    """The open questions of the viewer's scope, each with a form to answer it."""
    loa = request.app[LOA_KEY]
    tid = await _viewer(request)
    if tid is None:
        return _html(request, pages.signin_page)
    try:
        qs = await loa.run(loa.desk.questions, tid)
    except Refused as e:
        return _refusal(request, e.reason)
    if not notice and (done := _query_number(request, "da_tra_loi")) is not None:
        notice = (pages.T.ANSWERED_OK if request.query.get("gui") != "0"
                  else pages.T.ANSWERED_NOT_DELIVERED).format(id=done)
    if not notice and (done := _query_number(request, "hoidap")) is not None:
        notice = pages.T.FAQ_SAVED_OK.format(qid=_query_number(request, "cau") or 0, id=done)
    scope = await loa.run(loa.desk.scope, tid)
    answered = await loa.run(loa.questions.answered, scope)
    csrf = _csrf(request)
    return _html(request, lambda n, r: pages.questions_page(
        qs, loa.settings.bot_username, loa.settings.tz, n, r, csrf, notice, error, answered), status)


async def save_faq(request: web.Request) -> web.StreamResponse:
    """POST /cauhoi/{id}/hoidap: the board's answer kept for similar questions (once), logged."""
    loa = request.app[LOA_KEY]
    post, refused = await _form(request)
    if refused is not None:
        return refused
    try:
        faq_id, _ = await loa.run(functools.partial(loa.questions.save_faq, post.scope, post.id,
                                                    via="desk"))
    except LoaError as e:
        return await questions(request, error=e.plain(), status=400)
    return web.HTTPSeeOther(f"{_root(request)}/cauhoi?hoidap={faq_id}&cau={post.id}")


@board_view
async def faq_list(request: web.Request, v: _View, notice: str = "", error: str = "",
                   status: int = 200) -> web.Response:
    """GET /hoidap: the board's FAQ entries (its own and its sub-boards')."""
    loa, scope, title = v.loa, v.scope, v.title
    entries = await loa.run(loa.questions.faq_entries, scope)
    csrf = _csrf(request)
    return _html(request, lambda n, r: pages.faq_page(entries, title, csrf, n, r, notice, error),
                 status)


async def faq_change(request: web.Request) -> web.StreamResponse:
    """POST /hoidap/{id}/sua (new wording) or /hoidap/{id}/ngung (retire)."""
    loa = request.app[LOA_KEY]
    post, refused = await _form(request)
    if refused is not None:
        return refused
    retire = request.path.endswith("/ngung")
    try:
        if retire:
            await loa.run(functools.partial(loa.questions.retire_faq, post.scope, post.id,
                                            via="desk"))
        else:
            await loa.run(functools.partial(
                loa.questions.edit_faq, post.scope, post.id, str(post.form.get("question", "")),
                str(post.form.get("answer", "")), via="desk"))
    except LoaError as e:
        return await faq_list(request, error=e.plain(), status=400)
    done = pages.T.FAQ_RETIRED_OK if retire else pages.T.FAQ_EDITED
    return await faq_list(request, notice=done.format(id=post.id))


async def answer_question(request: web.Request) -> web.StreamResponse:
    """POST /cauhoi/{id}/traloi: the board's answer, delivered to the asker on their channel
    (the same path as /traloi in the chat: scope re-read, one answer per question), logged."""
    from bot.relay import deliver_answer
    loa = request.app[LOA_KEY]
    post, refused = await _form(request)
    if refused is not None:
        return refused
    text = str(post.form.get("text", "")).strip()
    if not text:
        return await questions(request, error=pages.T.ANSWER_EMPTY, status=400)
    try:
        name = await loa.run(loa.desk.viewer_name, post.tid)
        _, delivered = await deliver_answer(request.app[BOT_KEY], loa, post.scope, post.id, text,
                                            None, name, "desk")
    except LoaError as e:
        return await questions(request, error=e.plain(), status=400)
    return web.HTTPSeeOther(
        f"{_root(request)}/cauhoi?da_tra_loi={post.id}&gui={1 if delivered else 0}")


def _broadcast_fields(form) -> tuple[str, list[int], str, str]:
    """(text as typed, unit ids, time as typed, attached file's stored name) from a broadcast
    form; forged ids are dropped here, units outside the scope refused by the service, and a
    file name that is not one of the store's refused by `_draft`."""
    text = str(form.get("text", "")).strip()[:8000]
    units = sorted({u for u in (parse_id(str(v)) for v in form.getall("unit", [])) if u is not None})
    return (text, units[:500], str(form.get("gio", "")).strip()[:40],
            str(form.get("media", "")).strip()[:64])


def _about(request: web.Request, form=None) -> int | None:
    """The phản ánh (a false post) a broadcast orients about: `?phananh=` or the carried field."""
    raw = form.get("phananh") if form is not None else request.query.get("phananh")
    return parse_id(str(raw or ""))


async def _draft(loa: Loa, text: str, units: list[int], when: str, media: str = ""):
    from bot.media import media_id as stored_id
    from bot.services.broadcasts import Draft
    at = await loa.run(loa.broadcasts.parse_time, when) if when else None
    audience = {"units": units} if units else {"all": True}
    kind, media_id = "text", None
    if media:
        if loa.media.path(media) is None:
            raise InvalidInput(pages.T.MEDIA_GONE)
        kind, media_id = loa.media.kind_of(media), stored_id(media)
    return loa.broadcasts.check_content(Draft(kind=kind, text=html.escape(text, quote=False),
                                              media_file_id=media_id, audience=audience,
                                              scheduled_at=at))


async def _attached(loa: Loa, post: "_Post", media: str) -> str:
    """The stored name of a file chosen in the form (kept now, once), else the one carried."""
    field = post.form.get("tep")
    if not isinstance(field, web.FileField) or not field.filename:
        return media
    kind = loa.media.kind_of(field.filename)
    if kind is None:
        raise InvalidInput(pages.T.MEDIA_BAD_TYPE)
    data = field.file.read()
    if len(data) > loa.media.limit_mb(kind) * 1024 * 1024:
        raise InvalidInput(pages.T.MEDIA_TOO_BIG.format(limit=loa.media.limit_mb(kind)))
    if not data:
        raise InvalidInput(pages.T.MEDIA_EMPTY)
    stored = await loa.run(loa.media.save, field.filename, data)
    return stored.name


async def _board(request: web.Request):
    """(viewer, scope, board name) of a board page, or the response that refuses it."""
    loa = request.app[LOA_KEY]
    tid = await _viewer(request)
    if tid is None:
        return None, _html(request, pages.signin_page)
    try:
        scope = await loa.run(loa.desk.scope, tid)
        title = await loa.run(loa.desk.board_name, tid)
    except Refused as e:
        return None, _refusal(request, e.reason)
    return (tid, scope, title), None


@board_view
async def broadcast_form(request: web.Request, v: _View, text: str = "", units=(), when: str = "",
                         media: str = "", notice: str = "", error: str = "",
                         status: int = 200, about_id: int | None = None) -> web.Response:
    """GET /phatdi: write a broadcast to the board's people (or some of its units)."""
    loa, scope, title = v.loa, v.scope, v.title
    if not notice and (done := _query_number(request, "da_gui")) is not None:
        notice = pages.T.BROADCAST_QUEUED.format(id=done, count=_query_number(request, "n") or 0)
    if not notice and (done := _query_number(request, "da_huy")) is not None:
        notice = pages.T.CANCELLED.format(id=done)
    if (done := _query_number(request, "dinhhuong")) is not None:
        notice = (notice + " " if notice else "") + pages.T.ORIENTED_OK.format(count=done)
    about = None
    if (share := parse_id(request.query.get("nhanrong", ""))) is not None and not text:
        try:   # a good practice shared: its words and unit, its photo when Telegram keeps it
            text, media, about = await _model_share(request, scope, share)
        except LoaError as e:
            error = error or e.plain()
    if about is None and (rid := _about(request) or about_id) is not None:
        try:
            about = await loa.run(loa.reflections.get, scope, rid)
        except LoaError as e:
            error = error or e.plain()
    listing = await loa.run(loa.members.units, False, scope)
    waiting = await loa.run(loa.broadcasts.waiting, scope)
    csrf = _csrf(request)
    return _html(request, lambda n, r: pages.broadcast_page(
        listing, title, csrf, n, r, text, frozenset(units), when, notice, error, waiting,
        loa.broadcasts.local, media, about), status)


async def _model_share(request: web.Request, scope, reflection_id: int):
    """(text, stored photo name or "", the phản ánh) to broadcast a mô hình hay from."""
    from bot.texts import reflections as TF
    loa = request.app[LOA_KEY]
    r = await loa.run(loa.reflections.get, scope, reflection_id)
    if r.kind != "mo_hinh":
        raise InvalidInput(TF.NOT_A_MODEL, id=r.id)
    media = ""
    on_web = bool(r.photo) and r.photo.startswith(("http://", "https://"))   # Zalo's photo URL
    if r.photo and not on_web:   # a Telegram file id: fetched into the media store
        try:
            f = await request.app[BOT_KEY].get_file(r.photo)
            data = bytes(await f.download_as_bytearray())
            media = (await loa.run(loa.media.save, "mo-hinh.jpg", data)).name
        except Exception as e:  # noqa: BLE001 - the photo could not be fetched: the words go alone
            log.info("could not fetch the photo of phản ánh %s: %s", r.id, e)
    text = TF.MODEL_SHARE.format(unit=r.unit or TF.NO_UNIT, text=r.text)
    if on_web:
        text += "\n" + r.photo
    return text, media, r


async def broadcast_cancel(request: web.Request) -> web.StreamResponse:
    """POST /phatdi/{id}/huy: stop a scheduled or running broadcast of the board's (what was
    sent stays sent), logged."""
    loa = request.app[LOA_KEY]
    post, refused = await _form(request)
    if refused is not None:
        return refused
    try:
        await loa.run(functools.partial(loa.broadcasts.cancel, post.scope, post.id, via="desk"))
    except LoaError as e:
        return await broadcast_form(request, error=e.plain(), status=400)
    return web.HTTPSeeOther(f"{_root(request)}/phatdi?da_huy={post.id}")


async def broadcast_preview(request: web.Request) -> web.StreamResponse:
    """POST /phatdi/xemtruoc: the broadcast as members will receive it, and who will."""
    loa = request.app[LOA_KEY]
    post, refused = await _form(request.clone(client_max_size=MEDIA_BODY))
    if refused is not None:
        return refused
    text, units, when, media = _broadcast_fields(post.form)
    tid, scope = post.tid, post.scope
    try:
        media = await _attached(loa, post, media)
        title = await loa.run(loa.desk.board_name, tid)
        draft = await _draft(loa, text, units, when, media)
        await loa.run(loa.broadcasts.resolve_units, [str(u) for u in units], scope)
        telegram, zalo = await loa.run(loa.broadcasts.recipients_by_channel, draft.audience, tid,
                                       scope)
        if telegram + zalo == 0:
            raise InvalidInput(TB.NO_RECIPIENTS)
        label = await loa.run(loa.broadcasts.audience_label, draft.audience, scope)
        shown = await loa.run(loa.broadcasts.as_received, scope, draft.content)
    except Refused as e:
        return _refusal(request, e.reason)
    except LoaError as e:
        return await broadcast_form(request, text, units, when, media, error=e.plain(),
                                    status=400, about_id=_about(request, post.form))
    when_text = loa.broadcasts.local(draft.scheduled_at) if draft.scheduled_at \
        else TB.WHEN_NOW
    summary = pages.T.PREVIEW_TO.format(audience=label, count=telegram + zalo, telegram=telegram,
                                        zalo=zalo, when=when_text)
    csrf = str(post.form.get("csrf"))
    return _html(request, lambda n, r: pages.broadcast_preview_page(
        plain(shown.text), summary, title, csrf, text, units, when, n, r, media,
        draft.kind, _about(request, post.form)))


async def broadcast_edit(request: web.Request) -> web.StreamResponse:
    """POST /phatdi/sua: back to the form with what was written."""
    post, refused = await _form(request)
    if refused is not None:
        return refused
    return await broadcast_form(request, *_broadcast_fields(post.form),
                                about_id=_about(request, post.form))


async def broadcast_send(request: web.Request) -> web.StreamResponse:
    """POST /phatdi/gui: queue it on the same ledger as the chat's /phatdi (each member once,
    on their channel), logged."""
    loa = request.app[LOA_KEY]
    post, refused = await _form(request)
    if refused is not None:
        return refused
    text, units, when, media = _broadcast_fields(post.form)
    about = _about(request, post.form)
    try:
        if about is not None:   # in scope before anything is sent
            await loa.run(loa.reflections.get, post.scope, about)
        draft = await _draft(loa, text, units, when, media)
        info = await loa.run(functools.partial(loa.broadcasts.queue, post.scope, draft,
                                               via="desk"))
    except LoaError as e:
        return await broadcast_form(request, text, units, when, media, error=e.plain(),
                                    status=400, about_id=about)
    if about is not None:
        from bot import reflect
        try:
            told = await reflect.orient(request.app[BOT_KEY], loa, post.scope, about, info.id,
                                        text, "desk")
        except LoaError as e:
            return await broadcast_form(request, error=e.plain(), status=400)
        return web.HTTPSeeOther(f"{_root(request)}/phatdi?da_gui={info.id}&n={info.recipients}"
                                f"&dinhhuong={told}")
    return web.HTTPSeeOther(f"{_root(request)}/phatdi?da_gui={info.id}&n={info.recipients}")


async def media_file(request: web.Request) -> web.StreamResponse:
    """GET /tep/{name}: a file attached to a broadcast, for Zalo's servers and members' phones
    (no session: its name is 96 bits of its content's hash, and nothing else is served)."""
    from bot.media import PHOTO_TYPES
    loa = request.app[LOA_KEY]
    name = request.match_info.get("name", "")
    path = loa.media.path(name)
    if path is None:
        return _refusal(request, "notfound", 404)
    inline = any(name.endswith(ext) for ext in PHOTO_TYPES)
    return web.FileResponse(path, headers={
        "Content-Type": loa.media.content_type(name), "X-Content-Type-Options": "nosniff",
        "Cache-Control": "public, max-age=604800",
        "Content-Disposition": "inline" if inline else f'attachment; filename="{name}"'})


EXPORT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


async def export(request: web.Request) -> web.StreamResponse:
    """GET /xuat/{xlsx|csv|docx}?ky=&donvi=: the reports of the viewed unit's subtree for the
    period, or the periodic report draft — the same files and numbers as /xuatbaocao and
    /baocaodinhky in the chat."""
    from bot.services import exports, periodic
    loa = request.app[LOA_KEY]
    tid = await _viewer(request)
    if tid is None:
        return _html(request, pages.signin_page)
    kind = request.match_info.get("kind", "")
    if kind not in EXPORT_TYPES:
        return _refusal(request, "notfound", 404)
    unit_id = None
    if request.query.get("donvi"):
        unit_id = parse_id(request.query["donvi"])
        if unit_id is None:
            return _refusal(request, "notfound", 404)
    period = await _period(request)
    try:
        scope = await loa.run(loa.desk.scope_of_view, tid, unit_id)
    except Refused as e:
        return _refusal(request, e.reason)
    tz = loa.settings.tz
    stem = f"bao-cao-{period.key}" + (f"-{unit_id}" if unit_id else "")
    if kind == "docx":
        f = await loa.run(loa.periodic.figures, period, scope, unit_id)
        data = await loa.run(periodic.to_docx, f, loa.reports.today(), loa.settings.report_signer)
        stem = "du-thao-" + stem
    else:
        items = await loa.run(functools.partial(loa.reports.reports, period, scope=scope,
                                                unit_id=unit_id))
        data = await loa.run(exports.to_xlsx if kind == "xlsx" else exports.to_csv, items, tz,
                             *((period.label,) if kind == "xlsx" else ()))
    return web.Response(body=data, headers={
        "Content-Type": EXPORT_TYPES[kind], "Cache-Control": "no-store",
        "Content-Disposition": f'attachment; filename="{stem}.{kind}"',
        "X-Content-Type-Options": "nosniff"})


async def escalate_question(request: web.Request) -> web.StreamResponse:
    """POST /cauhoi/{id}/chuyenlen: pass a question up to the next board (told at once)."""
    from bot.relay import escalate
    loa = request.app[LOA_KEY]
    post, refused = await _form(request)
    if refused is not None:
        return refused
    try:
        up = await escalate(request.app[BOT_KEY], loa, post.scope, post.id, "desk")
    except LoaError as e:
        return await questions(request, error=e.plain(), status=400)
    return await questions(request, notice=pages.T.ESCALATED.format(id=post.id, board=up.board))


@board_view
async def units(request: web.Request, v: _View, notice: str = "", error: str = "", status: int = 200,
                made=None) -> web.Response:
    """GET /tochuc: the board's units and invites, with the forms that change them."""
    loa, scope, title = v.loa, v.scope, v.title
    listing = await loa.run(loa.members.units, False, scope)
    invites = await loa.run(loa.members.invites, False, scope)
    username = loa.settings.bot_username or _bot_username(request)
    link = f"https://t.me/{username}?start={made.code}" if made is not None and username else ""
    own = None if scope.is_top else scope.unit_id
    csrf = _csrf(request)
    return _html(request, lambda n, r: pages.units_page(
        listing, invites, title, csrf, loa.settings.tz, n, r, own, made, link,
        bool(loa.settings.zalo_token), notice, error), status)


def _bot_username(request: web.Request) -> str:
    """The bot's username from Telegram (LOA_BOT_USERNAME unset); "" without Telegram."""
    try:
        return request.app[BOT_KEY].username or ""
    except Exception:  # no Telegram bot (a Zalo-only install), or not initialised yet
        return ""


async def _unit_action(request: web.Request, action) -> web.StreamResponse:
    """A POST on the tree or the invites: checks (origin, session, CSRF, scope re-read), then
    `action(post) -> notice` in a worker thread; its refusal is shown on the page, nothing changed."""
    loa = request.app[LOA_KEY]
    post, refused = await _form(request)
    if refused is not None:
        return refused
    try:
        result = await loa.run(action, post)
    except LoaError as e:
        return await units(request, error=e.plain(), status=400)
    notice, made = result if isinstance(result, tuple) else (result, None)
    return await units(request, notice=notice, made=made)


def _count(form, name: str) -> int | None:
    """A positive whole number typed in a form, None when left empty (InvalidInput otherwise)."""
    raw = str(form.get(name, "")).strip()
    if not raw:
        return None
    value = parse_id(raw)
    if value is None:
        raise InvalidInput(pages.T.NUMBER_BAD)
    return value


async def unit_add(request: web.Request) -> web.StreamResponse:
    """POST /tochuc/donvi/them: a new unit under one of the board's units."""
    members = request.app[LOA_KEY].members

    def act(post: _Post) -> str:
        name = str(post.form.get("name", ""))
        parent = parse_id(str(post.form.get("parent", "")))
        unit, created = members.add_unit(name, None, str(parent) if parent else None, post.scope,
                                         via="desk")
        return (pages.T.UNIT_ADDED if created else pages.T.UNIT_EXISTS).format(name=unit.name)
    return await _unit_action(request, act)


async def unit_rename(request: web.Request) -> web.StreamResponse:
    """POST /tochuc/donvi/{id}/doiten."""
    members = request.app[LOA_KEY].members

    def act(post: _Post) -> str:
        unit = members.rename_unit(str(post.id), str(post.form.get("name", "")), post.scope,
                                   via="desk")
        return pages.T.UNIT_RENAMED.format(name=unit.name)
    return await _unit_action(request, act)


async def unit_deactivate(request: web.Request) -> web.StreamResponse:
    """POST /tochuc/donvi/{id}/ngung: out of lists, audiences and invites; refused while active
    units are under it."""
    members = request.app[LOA_KEY].members

    def act(post: _Post) -> str:
        unit = members.deactivate_unit(str(post.id), post.scope, via="desk")
        return pages.T.UNIT_DEACTIVATED.format(name=unit.name)
    return await _unit_action(request, act)


async def unit_move(request: web.Request) -> web.StreamResponse:
    """POST /tochuc/donvi/{id}/chuyen: under another unit of the board (with what is under it)."""
    members = request.app[LOA_KEY].members

    def act(post: _Post) -> str:
        parent = parse_id(str(post.form.get("parent", "")))
        if parent is None:
            raise InvalidInput(pages.T.NUMBER_BAD)
        unit = members.move_unit(str(post.id), str(parent), post.scope, via="desk")
        return pages.T.UNIT_MOVED.format(name=unit.name)
    return await _unit_action(request, act)


IMPORT_LIMIT = 2 * 1024 * 1024   # a province's units as CSV: a few hundred KB at most


async def _import_form(request: web.Request):
    """(post, csv text) of an import request — from the uploaded file (preview) or the text the
    preview carried (confirm) — or the response refusing it."""
    if (request.content_length or 0) > IMPORT_LIMIT:
        return None, None, await units(request, error=pages.T.IMPORT_TOO_BIG.format(
            limit=IMPORT_LIMIT // 1024), status=413)
    post, refused = await _form(request.clone(client_max_size=IMPORT_LIMIT))
    if refused is not None:
        return None, None, refused
    field = post.form.get("file")
    if isinstance(field, web.FileField):
        try:
            return post, field.file.read().decode("utf-8-sig"), None
        except UnicodeDecodeError:
            return None, None, await units(request, error=pages.T.IMPORT_ENCODING, status=400)
    text = str(post.form.get("csv", ""))
    if not text.strip():
        return None, None, await units(request, error=pages.T.IMPORT_NO_FILE, status=400)
    return post, text, None


async def unit_import_preview(request: web.Request) -> web.StreamResponse:
    """POST /tochuc/nhap/xem: what the CSV would add under the board (nothing is changed)."""
    loa = request.app[LOA_KEY]
    post, text, refused = await _import_form(request)
    if refused is not None:
        return refused
    try:
        result = await loa.run(functools.partial(loa.members.import_units, text, post.scope,
                                                 dry_run=True))
        title = await loa.run(loa.desk.board_name, post.tid)
    except LoaError as e:
        return await units(request, error=e.plain(), status=400)
    known = [u.id for u, created in result if not created]
    paths = await loa.run(loa.members.unit_paths, known) if known else {}
    csrf = str(post.form.get("csrf"))
    return _html(request, lambda n, r: pages.import_preview_page(result, paths, text, title,
                                                                 csrf, n, r))


async def unit_import(request: web.Request) -> web.StreamResponse:
    """POST /tochuc/nhap: the import itself (all or nothing, the line of any problem), logged."""
    loa = request.app[LOA_KEY]
    post, text, refused = await _import_form(request)
    if refused is not None:
        return refused
    try:
        result = await loa.run(functools.partial(loa.members.import_units, text, post.scope,
                                                 via="desk"))
    except LoaError as e:
        return await units(request, error=e.plain(), status=400)
    new = sum(created for _, created in result)
    return await units(request, notice=pages.T.IMPORT_DONE.format(new=new, known=len(result) - new))


MEMBERS_SHOWN = 200   # one page of people; a province filters by unit


@board_view
async def members_list(request: web.Request, v: _View, notice: str = "", error: str = "",
                       status: int = 200) -> web.Response:
    """GET /tochuc/thanhvien?donvi=: the board's people, of one unit when chosen."""
    loa, scope, title = v.loa, v.scope, v.title
    chosen = parse_id(request.query.get("donvi", ""))
    listing = await loa.run(loa.members.units, False, scope)
    try:
        people = await loa.run(loa.members.members, str(chosen) if chosen else None, scope)
    except LoaError as e:
        people, chosen, error = [], None, error or e.plain()
    people.sort(key=lambda m: (not m.active, m.unit_name or "", m.full_name))
    csrf = _csrf(request)
    return _html(request, lambda n, r: pages.members_page(
        people[:MEMBERS_SHOWN], len(people), listing, chosen, title, csrf, n, r, notice, error),
        status)


async def member_action(request: web.Request) -> web.StreamResponse:
    """POST /tochuc/thanhvien/{id}/{chuyen|baocao|thoibaocao|vaoban|raban|ngung}: the chat's
    /thanhvien_* verbs, the person's scope re-checked, logged."""
    loa = request.app[LOA_KEY]
    action = request.match_info.get("action", "")
    if action not in pages.MEMBER_ACTIONS + ("chuyen",):
        return _refusal(request, "notfound", 404)
    post, refused = await _form(request)
    if refused is not None:
        return refused
    m = loa.members
    verbs = {
        "baocao": lambda p: m.set_reporter(p.scope, p.id, True, via="desk"),
        "thoibaocao": lambda p: m.set_reporter(p.scope, p.id, False, via="desk"),
        "vaoban": lambda p: m.set_admin(p.scope, p.id, True, via="desk"),
        "raban": lambda p: m.set_admin(p.scope, p.id, False, via="desk"),
        "ngung": lambda p: m.deactivate(p.scope, p.id, via="desk"),
        "chuyen": lambda p: m.move(p.scope, p.id, str(parse_id(str(p.form.get("unit", ""))) or ""),
                                   via="desk"),
    }
    try:
        info = await loa.run(verbs[action], post)
    except LoaError as e:
        return await members_list(request, error=e.plain(), status=400)
    return await members_list(request, notice=pages.T.MEMBER_DONE.format(
        name=info.full_name, flags=pages.member_flags(info), unit=info.unit_name or "–"))


async def invite_new(request: web.Request) -> web.StreamResponse:
    """POST /tochuc/moi: an invite for one of the board's units (member, reporter or board)."""
    loa = request.app[LOA_KEY]

    def act(post: _Post):
        unit = parse_id(str(post.form.get("unit", "")))
        if unit is None:
            raise InvalidInput(pages.T.NUMBER_BAD)
        role = str(post.form.get("role", "member"))
        days = _count(post.form, "days")
        inv = loa.members.create_invite(str(unit), post.tid, days if days else -1,
                                        is_reporter=role == "reporter", max_uses=_count(post.form, "uses"),
                                        admin=role == "board", scope=post.scope, via="desk")
        return pages.T.INVITE_MADE.format(unit=inv.unit_name), inv
    return await _unit_action(request, act)


async def invite_revoke(request: web.Request) -> web.StreamResponse:
    """POST /tochuc/moi/thuhoi: revoke a code of the board's units (another board's code is
    answered as one that does not exist)."""
    members = request.app[LOA_KEY].members

    def act(post: _Post) -> str:
        inv = members.revoke_invite(str(post.form.get("code", "")), post.scope, via="desk")
        if inv is None:
            raise InvalidInput(pages.T.INVITE_GONE)
        return pages.T.INVITE_REVOKED.format(unit=inv.unit_name)
    return await _unit_action(request, act)


@board_view
async def documents(request: web.Request, v: _View, notice: str = "", error: str = "",
                    status: int = 200) -> web.Response:
    """GET /vanban: the documents this board's people are answered from, with upload and
    remove (the same checks as a file sent in the chat)."""
    loa, tid, scope, title = v.loa, v.tid, v.scope, v.title
    try:
        visible = frozenset(d.doc_id for d in await loa.run(loa.questions.documents, tid))
        rows = await loa.run(loa.knowledge.listing, scope, visible)
    except LoaError as e:
        rows, error = [], error or e.plain()
    csrf = _csrf(request)
    return _html(request, lambda n, r: pages.documents_page(
        rows, title, csrf, loa.settings.max_upload_mb, n, r, notice, error), status)


async def document_upload(request: web.Request) -> web.StreamResponse:
    """POST /vanban/tai (multipart): a document into the index at once; the only request whose
    body may pass MAX_BODY (up to LOA_MAX_UPLOAD_MB)."""
    loa = request.app[LOA_KEY]
    limit = loa.settings.max_upload_mb * 1024 * 1024
    if (request.content_length or 0) > limit + MAX_BODY:
        return await documents(request, error=pages.T.DOC_TOO_BIG.format(
            size=f"{request.content_length / 1024 / 1024:.1f}", limit=loa.settings.max_upload_mb),
            status=413)
    request = request.clone(client_max_size=limit + MAX_BODY)
    post, refused = await _form(request)
    if refused is not None:
        return refused
    field = post.form.get("file")
    if not isinstance(field, web.FileField) or not field.filename:
        return await documents(request, error=pages.T.DOC_NO_FILE, status=400)
    try:
        data = field.file.read()
        name = await loa.run(loa.knowledge.check, post.scope, field.filename, len(data))
        r = await loa.run(functools.partial(loa.knowledge.install, post.scope, name, data,
                                            via="desk"))
    except LoaError as e:
        return await documents(request, error=e.plain(), status=400)
    action = pages.T.DOC_ACTION_REPLACED if r.replaced else pages.T.DOC_ACTION_NEW
    return await documents(request, notice=pages.T.DOC_UPLOADED.format(
        action=action, name=r.file_name, chunks=r.chunks))


async def document_remove(request: web.Request) -> web.StreamResponse:
    """POST /vanban/go: out of the index at once; only the board's own uploads (or those of the
    units under it)."""
    loa = request.app[LOA_KEY]
    post, refused = await _form(request)
    if refused is not None:
        return refused
    try:
        name = await loa.run(functools.partial(loa.knowledge.remove, post.scope,
                                               str(post.form.get("file", "")), via="desk"))
    except LoaError as e:
        return await documents(request, error=e.plain(), status=400)
    return await documents(request, notice=pages.T.DOC_REMOVED.format(name=name))


TREND_DAYS = 28
REFLECTION_STATUSES = ("moi", "dang_xu_ly", "chuyen_len", "da_tra_loi", "luu")


@board_view
async def reflections(request: web.Request, v: _View, notice: str = "", error: str = "",
                      status: int = 200) -> web.Response:
    """GET /phananh?tt=: the phản ánh the board sees (those still open by default)."""
    loa, scope, title = v.loa, v.scope, v.title
    which = request.query.get("tt", "")
    which = which if which in REFLECTION_STATUSES else ""
    items, counts = await loa.run(loa.reflections.listing, scope, which or None)
    topics, total = await loa.run(loa.reflections.topics, scope, TREND_DAYS)
    csrf = _csrf(request)
    return _html(request, lambda n, r: pages.reflections_page(
        items, counts, which, title, csrf, loa.settings.tz, n, r, notice, error,
        (topics, total, TREND_DAYS)), status)


@board_view
async def reflections_export(request: web.Request, v: _View) -> web.StreamResponse:
    """GET /phananh/xuat.xlsx: every phản ánh the board sees (boards only, as the page)."""
    from bot.services.exports import reflections_xlsx
    loa, scope = v.loa, v.scope
    items, _ = await loa.run(functools.partial(loa.reflections.listing, scope, None,
                                               limit=100_000, everything=True))
    return _workbook(await loa.run(reflections_xlsx, items, loa.settings.tz), "phan-anh.xlsx")


def _workbook(data: bytes, filename: str) -> web.Response:
    """An .xlsx download that is never cached (it holds people's names)."""
    return web.Response(body=data, headers={
        "Content-Type": EXPORT_TYPES["xlsx"], "Cache-Control": "no-store",
        "Content-Disposition": f'attachment; filename="{filename}"', "X-Content-Type-Options": "nosniff"})


async def _verb_post(request: web.Request, verbs: tuple[str, ...]):
    """(the checked POST, its verb, None) for `/…/{id}/{verb}`, or (None, verb, the refusal)."""
    verb = request.match_info.get("verb", "")
    if verb not in verbs:
        return None, verb, _refusal(request, "notfound", 404)
    post, refused = await _form(request)
    return post, verb, refused


async def reflection_action(request: web.Request) -> web.StreamResponse:
    """POST /phananh/{id}/{traloi|chuyenlen|xuly|luu}: the chat's verbs, logged."""
    from bot import reflect
    from bot.db.models import R_FILED, R_WORKING
    from bot.texts import reflections as TF
    loa = request.app[LOA_KEY]
    post, verb, refused = await _verb_post(request, ("traloi", "chuyenlen", "xuly", "luu"))
    if refused is not None:
        return refused
    try:
        if verb == "traloi":
            text = str(post.form.get("text", "")).strip()
            done, _ = await reflect.answer(request.app[BOT_KEY], loa, post.scope, post.id, text,
                                           "desk")
        elif verb == "chuyenlen":
            up = await reflect.escalate(request.app[BOT_KEY], loa, post.scope, post.id, "desk")
            done = TF.PASSED.format(id=up.id, board=up.board)
        else:
            r = await loa.run(functools.partial(
                loa.reflections.set_status, post.scope, post.id,
                R_WORKING if verb == "xuly" else R_FILED, via="desk"))
            done = TF.MARKED.format(id=r.id, status=TF.STATUS[r.status])
    except LoaError as e:
        return await reflections(request, error=e.plain(), status=400)
    return await reflections(request, notice=plain(done))


@board_view
async def quizzes(request: web.Request, v: _View, notice: str = "", error: str = "",
                  status: int = 200) -> web.Response:
    """GET /tracnghiem: the board's quizzes; make one from a file or from a document's drafts."""
    loa, tid, scope, title = v.loa, v.tid, v.scope, v.title
    items = await loa.run(loa.quizzes.listing, scope)
    documents = await loa.run(loa.questions.documents, tid)
    csrf = _csrf(request)
    return _html(request, lambda n, r: pages.quizzes_page(items, documents, title, csrf, n, r, notice, error),
                 status)


@board_view
async def quiz(request: web.Request, v: _View, quiz_id: int | None = None, notice: str = "", error: str = "",
               status: int = 200) -> web.Response:
    """GET /tracnghiem/{id}: a draft's questions to edit and publish, or a published quiz's results."""
    loa, scope, title = v.loa, v.scope, v.title
    quiz_id = quiz_id if quiz_id is not None else parse_id(request.match_info.get("id"))
    if quiz_id is None:
        return _refusal(request, "notfound", 404)
    try:
        info, questions = await loa.run(loa.quizzes.questions, scope, quiz_id)
        results = None if info.status == "draft" else await loa.run(loa.quizzes.results, scope, quiz_id)
    except LoaError as e:
        return await quizzes(request, error=e.plain(), status=404 if isinstance(e, NotFound) else 403)
    units = await loa.run(functools.partial(loa.members.units, scope=scope))
    csrf = _csrf(request)
    return _html(request, lambda n, r: pages.quiz_page(
        info, questions, results, units, title, csrf, loa.settings.tz, n, r, notice, error), status)


@board_view
async def quiz_export(request: web.Request, v: _View) -> web.StreamResponse:
    """GET /tracnghiem/{id}/xuat.xlsx: the results per unit and per member (boards only, as the page)."""
    from bot.services.exports import quiz_xlsx
    loa, scope = v.loa, v.scope
    quiz_id = parse_id(request.match_info.get("id"))
    if quiz_id is None:
        return _refusal(request, "notfound", 404)
    try:
        results = await loa.run(loa.quizzes.results, scope, quiz_id)
        rows = await loa.run(loa.quizzes.member_rows, scope, quiz_id)
    except LoaError:
        return _refusal(request, "outside")
    return _workbook(await loa.run(quiz_xlsx, results, rows, loa.settings.tz), f"trac-nghiem-{quiz_id}.xlsx")


async def quiz_new(request: web.Request) -> web.StreamResponse:
    """POST /tracnghiem/tai (a file of questions) or /tracnghiem/soan (drafts from a document): a draft."""
    from bot.services.quizzes import draft_questions, read_file
    from bot.texts import quizzes as TQZ
    loa = request.app[LOA_KEY]
    from_file = request.path.endswith("/tai")
    if from_file:
        request = request.clone(client_max_size=loa.settings.max_upload_mb * 1024 * 1024 + MAX_BODY)
    post, refused = await _form(request)
    if refused is not None:
        return refused
    title = str(post.form.get("title", "")).strip()
    try:
        if from_file:
            field = post.form.get("file")
            if not isinstance(field, web.FileField) or not field.filename:
                return await quizzes(request, error=TQZ.DESK_NO_FILE, status=400)
            questions = read_file(field.file.read(), field.filename)
            title = title or field.filename.rsplit(".", 1)[0]
        else:
            visible = {d.doc_id for d in await loa.run(loa.questions.documents, post.tid)}
            doc_id = str(post.form.get("doc", ""))
            if doc_id not in visible:   # a forged or another commune's document
                return await quizzes(request, error=TQZ.DRAFT_NOTHING, status=400)
            doc = await loa.run(loa.kb.document, doc_id)
            count = parse_id(str(post.form.get("count", "5"))) or 5
            chunks = await loa.run(loa.kb.passages, doc.doc_id)
            questions = await loa.run(draft_questions, chunks, lambda c: f"{doc.display}, {c.section}",
                                      min(count, 30))
            if not questions:
                return await quizzes(request, error=TQZ.DRAFT_NOTHING, status=400)
            title = title or doc.title[:200] or doc.display
        info = await loa.run(functools.partial(loa.quizzes.create, post.scope, title, questions, via="desk"))
    except LoaError as e:
        return await quizzes(request, error=e.plain(), status=400)
    return await quiz(request, quiz_id=info.id, notice=TQZ.DESK_CREATED.format(id=info.id, count=info.count))


async def quiz_action(request: web.Request) -> web.StreamResponse:
    """POST /tracnghiem/{id}/{sua|bo|phathanh|dong}: edit or drop a draft's question, publish, close."""
    from bot.services.quizzes import LETTERS, QuestionDraft
    from bot.texts import quizzes as TQZ
    loa = request.app[LOA_KEY]
    post, verb, refused = await _verb_post(request, ("sua", "bo", "phathanh", "dong"))
    if refused is not None:
        return refused
    form = post.form
    number = parse_id(str(form.get("number", ""))) or 0
    try:
        if verb == "sua":
            options = [o.strip() for o in str(form.get("options", "")).split("\n") if o.strip()]
            letters = [c.upper() for c in str(form.get("right", "")) if c.upper() in LETTERS]
            draft = QuestionDraft(str(form.get("text", "")), tuple(options),
                                  tuple(LETTERS.index(c) for c in letters), str(form.get("explanation", "")),
                                  str(form.get("source", "")))
            await loa.run(functools.partial(loa.quizzes.edit_question, post.scope, post.id, number, draft,
                                            via="desk"))
            done = TQZ.DESK_SAVED.format(number=number)
        elif verb == "bo":
            await loa.run(functools.partial(loa.quizzes.edit_question, post.scope, post.id, number, None,
                                            via="desk"))
            done = TQZ.DESK_DROPPED.format(number=number)
        elif verb == "phathanh":
            which = str(form.get("audience", "all"))
            audience = ({"units": [int(u) for u in form.getall("units", []) if str(u).isdigit()]}
                        if which == "units" else {"role": "reporter"} if which == "reporters" else {"all": True})
            until_text = str(form.get("until", "")).strip()
            until = loa.broadcasts.parse_time(until_text) if until_text else None
            attempts = parse_id(str(form.get("attempts", ""))) or None
            await loa.run(functools.partial(loa.quizzes.publish, post.scope, post.id, via="desk",
                                            audience=audience, closes_at=until, attempts=attempts))
            done = TQZ.DESK_PUBLISHED.format(id=post.id)
        else:
            await loa.run(functools.partial(loa.quizzes.close, post.scope, post.id, via="desk"))
            done = TQZ.DESK_CLOSED.format(id=post.id)
    except LoaError as e:
        return await quiz(request, quiz_id=post.id, error=e.plain(), status=400)
    return await quiz(request, quiz_id=post.id, notice=done)


@board_view
async def audit(request: web.Request, v: _View) -> web.Response:
    """The log of the board's actions (and those of the boards under it)."""
    loa, scope, title = v.loa, v.scope, v.title
    lines = await loa.run(loa.audit.recent, scope)
    return _html(request, lambda n, r: pages.audit_page(lines, title, loa.settings.tz, n, r))


async def session(request: web.Request) -> web.Response:
    """Trade Mini App init data (the page's POST body) for a session cookie."""
    loa = request.app[LOA_KEY]
    if request.headers.get("X-Loa-Signin") != "1" or not _same_origin(request):
        return web.Response(text=pages.refusal_box("origin"), status=403,
                            content_type="text/html", charset="utf-8",
                            headers={"Cache-Control": "no-store"})
    data = (await request.text())[:MAX_BODY]
    try:
        user = auth.verify_init_data(data, loa.settings.token)
        await loa.run(loa.desk.scope, user.telegram_id)
    except (auth.AuthError, Refused) as e:
        resp = web.Response(text=pages.refusal_box(e.reason), status=403,
                            content_type="text/html", charset="utf-8",
                            headers={"Cache-Control": "no-store"})
        resp.del_cookie(auth.COOKIE, path="/")
        return resp
    resp = web.json_response({"ok": True}, headers={"Cache-Control": "no-store"})
    _set_session(resp, loa, user.telegram_id)
    return resp


async def link_landing(request: web.Request) -> web.Response:
    """The one-time link: whose desk it opens and a button that posts the token (a GET never
    spends it)."""
    loa = request.app[LOA_KEY]
    token = request.query.get("t", "")[:100]
    try:
        owner, board = await loa.run(loa.desk.link_owner, token)
    except Refused as e:
        return _refusal(request, e.reason)
    return _html(request, lambda n, r: pages.link_page(token, owner, board, n, r))


async def link_redeem(request: web.Request) -> web.StreamResponse:
    """Spend a one-time link and sign the browser in."""
    loa = request.app[LOA_KEY]
    if not _same_origin(request):
        return _refusal(request, "origin")
    form = await request.post()
    try:
        tid = await loa.run(loa.desk.redeem_link, str(form.get("t", ""))[:100])
    except Refused as e:
        return _refusal(request, e.reason)
    resp = web.HTTPSeeOther(_root(request) + "/")
    _set_session(resp, loa, tid)
    return resp


async def sign_out(request: web.Request) -> web.StreamResponse:
    """"Đăng xuất": every desk session of this person ends, on every device."""
    loa = request.app[LOA_KEY]
    if not _same_origin(request):
        return _refusal(request, "origin")
    tid = await _viewer(request)
    if tid is not None:
        await loa.run(loa.desk.sign_out, tid)
    resp = _refusal(request, "signed_out", 200)
    resp.del_cookie(auth.COOKIE, path="/")
    return resp


async def not_found(request: web.Request) -> web.Response:
    return _refusal(request, "notfound", 404)


def build_web_app(loa: Loa, routes=(), bot=None) -> web.Application:
    """The desk's pages, plus `routes` ((method, path, handler)) of the channels it serves,
    e.g. the Zalo webhook; `bot` (the Application's) sends what the board does from the desk."""
    app = web.Application(client_max_size=MAX_BODY)
    app[LOA_KEY] = loa
    if bot is not None:
        app[BOT_KEY] = bot
    app.on_response_prepare.append(_no_server_header)
    for method, route, handler in routes:
        app.router.add_route(method, route, handler)
    app.router.add_get("/", overview)
    app.router.add_get("/donvi/{unit}", overview)
    app.router.add_get("/cauhoi", questions)
    app.router.add_post("/cauhoi/{id}/traloi", answer_question)
    app.router.add_post("/cauhoi/{id}/chuyenlen", escalate_question)
    app.router.add_post("/cauhoi/{id}/hoidap", save_faq)
    app.router.add_get("/hoidap", faq_list)
    app.router.add_post("/hoidap/{id}/sua", faq_change)
    app.router.add_post("/hoidap/{id}/ngung", faq_change)
    app.router.add_get("/nhatky", audit)
    app.router.add_get("/tochuc", units)
    app.router.add_get("/phananh", reflections)
    app.router.add_get("/phananh/xuat.xlsx", reflections_export)
    app.router.add_post("/phananh/{id}/{verb}", reflection_action)
    app.router.add_get("/tracnghiem", quizzes)
    app.router.add_post("/tracnghiem/tai", quiz_new)
    app.router.add_post("/tracnghiem/soan", quiz_new)
    app.router.add_get("/tracnghiem/{id}", quiz)
    app.router.add_get("/tracnghiem/{id}/xuat.xlsx", quiz_export)
    app.router.add_post("/tracnghiem/{id}/{verb}", quiz_action)
    app.router.add_get("/vanban", documents)
    app.router.add_post("/vanban/tai", document_upload)
    app.router.add_post("/vanban/go", document_remove)
    app.router.add_post("/tochuc/donvi/them", unit_add)
    app.router.add_post("/tochuc/donvi/{id}/doiten", unit_rename)
    app.router.add_post("/tochuc/donvi/{id}/ngung", unit_deactivate)
    app.router.add_post("/tochuc/donvi/{id}/chuyen", unit_move)
    app.router.add_get("/tochuc/thanhvien", members_list)
    app.router.add_post("/tochuc/nhap/xem", unit_import_preview)
    app.router.add_post("/tochuc/nhap", unit_import)
    app.router.add_post("/tochuc/thanhvien/{id}/{action}", member_action)
    app.router.add_post("/tochuc/moi", invite_new)
    app.router.add_post("/tochuc/moi/thuhoi", invite_revoke)
    app.router.add_get("/phatdi", broadcast_form)
    app.router.add_get("/xuat/{kind}", export)
    app.router.add_post("/phatdi/xemtruoc", broadcast_preview)
    app.router.add_post("/phatdi/sua", broadcast_edit)
    app.router.add_post("/phatdi/gui", broadcast_send)
    app.router.add_post("/phatdi/{id}/nhac", remind)
    app.router.add_post("/phatdi/{id}/huy", broadcast_cancel)
    app.router.add_get("/tep/{name}", media_file)
    app.router.add_post("/api/session", session)
    app.router.add_get("/dangnhap", link_landing)
    app.router.add_post("/dangnhap", link_redeem)
    app.router.add_post("/dangxuat", sign_out)
    app.router.add_route("*", "/{tail:.*}", not_found)
    return app


class DeskServer:
    """The web app's lifecycle inside the bot's event loop (post_init / post_shutdown)."""

    def __init__(self, loa: Loa, routes=(), bot=None):
        self.loa = loa
        self.routes = tuple(routes)
        self.bot = bot
        self.runner: web.AppRunner | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        """Where this process actually listens (LOA_WEB_PORT=0 picks a free port)."""
        return f"http://{self.loa.settings.web_listen}:{self.port}"

    async def start(self) -> None:
        s = self.loa.settings
        self.runner = web.AppRunner(build_web_app(self.loa, self.routes, self.bot),
                                    access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, s.web_listen, s.web_port)
        try:
            await site.start()
        except OSError as e:
            # The bot's own work (answers, broadcasts, reports) goes on without the dashboard.
            log.error("dashboard not started: cannot listen on %s:%s: %s",
                      s.web_listen, s.web_port, e)
            await self.runner.cleanup()
            self.runner = None
            return
        self.port = self.runner.addresses[0][1]
        log.info("dashboard listening on %s:%s (public URL %s)", s.web_listen, self.port, s.web_url)

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None
