"""The board's desk over plain HTTP (no browser): Telegram's init-data check, the one-time link,
refusals, scoping, and /bangdieukhien through the fake Bot API."""
from __future__ import annotations

import contextlib
import re
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import urlparse

import aiohttp
import pytest
from sqlalchemy import select, update

from bot.db.models import DeskLink, Member
from bot.services.desk import Refused
from bot.texts import common as TC
from bot.web import auth
from tests.conftest import make_settings, start_harness, stop_harness
from tests.deskdata import ADMIN_A, ADMIN_B, MEMBER_A1, init_data, seed
from tests.faketg import TOKEN


# ------------------------------------------------------------------ the signature, alone
def test_init_data_is_checked_as_telegram_documents():
    now = time.time()
    user = auth.verify_init_data(init_data(ADMIN_A, "Bảo"), TOKEN, now)
    assert (user.telegram_id, user.first_name) == (ADMIN_A, "Bảo")
    # Telegram's own example construction, spelled out: the data-check-string and both HMACs.
    import hashlib
    import hmac
    from urllib.parse import parse_qsl
    pairs = dict(parse_qsl(init_data(ADMIN_A)))
    dcs = "\n".join(f"{k}={pairs[k]}" for k in sorted(pairs) if k != "hash")
    secret = hmac.new(b"WebAppData", TOKEN.encode(), hashlib.sha256).digest()
    assert hmac.new(secret, dcs.encode(), hashlib.sha256).hexdigest() == pairs["hash"]

    for bad in (init_data(ADMIN_A, tamper=True), init_data(ADMIN_A, token="1:other"),
                init_data(ADMIN_A) + "&auth_date=1", "", "hash=abc", "a=%ZZ&&="):
        with pytest.raises(auth.AuthError) as e:
            auth.verify_init_data(bad, TOKEN, now)
        assert e.value.reason == "signature", bad
    with pytest.raises(auth.AuthError) as e:
        auth.verify_init_data(init_data(ADMIN_A, auth_date=int(now) - 2 * 86400), TOKEN, now)
    assert e.value.reason == "expired"
    assert auth.verify_init_data(init_data(ADMIN_A, auth_date=int(now) - 23 * 3600), TOKEN, now)


def test_session_cookie_is_signed_and_expires():
    value = auth.make_session(ADMIN_A, TOKEN, now=1000)
    assert auth.read_session(value, TOKEN, now=1001) == ADMIN_A
    assert auth.read_session(value, "1:other", now=1001) is None
    forged = value.replace(str(ADMIN_A), str(ADMIN_B), 1)
    assert auth.read_session(forged, TOKEN, now=1001) is None
    assert auth.read_session(value, TOKEN, now=1000 + auth.SESSION_SECONDS + 1) is None


# ------------------------------------------------------------------ against a running bot
@contextlib.asynccontextmanager
async def desk_bot(db_url: str, tmp_path, web_url: str = "https://desk.example.vn"):
    """The real Application with its desk on a free port, over the seeded tree (no index needed)."""
    from indexer import IndexConfig, KnowledgeBase
    kb = KnowledgeBase(IndexConfig(knowledge_dir=tmp_path / "none", index_dir=tmp_path / "noidx"))
    settings = make_settings(db_url, kb, web_url=web_url)
    h = await start_harness(settings, kb)
    try:
        h.tree = seed(h.loa.db, h.loa.reports.today())
        h.url = h.app.bot_data["desk"].url
        yield h
    finally:
        await stop_harness(h)


class Client:
    """An HTTP client that keeps the desk's cookie itself (it is Secure: behind HTTPS in real
    use, while the test speaks plain HTTP to 127.0.0.1)."""

    def __init__(self, http: aiohttp.ClientSession):
        self.http = http
        self.cookie: str | None = None
        self.morsel = None

    def _headers(self) -> dict:
        return {"Cookie": f"{auth.COOKIE}={self.cookie}"} if self.cookie else {}

    def _keep(self, r) -> None:
        if auth.COOKIE in r.cookies:
            self.morsel = r.cookies[auth.COOKIE]
            self.cookie = self.morsel.value or None

    @staticmethod
    def _origin(url: str) -> dict:
        """What a browser adds to the desk's own POSTs (the sign-in checks it)."""
        u = urlparse(url)
        return {"Origin": f"{u.scheme}://{u.netloc}", "X-Loa-Signin": "1"}

    async def signin(self, url: str, data: str) -> tuple[int, str]:
        async with self.http.post(f"{url}/api/session", data=data,
                                  headers=self._headers() | self._origin(url)) as r:
            self._keep(r)
            return r.status, await r.text()

    async def get(self, url: str) -> tuple[int, str]:
        async with self.http.get(url, headers=self._headers()) as r:
            return r.status, await r.text()

    async def post(self, url: str, data: dict):
        async with self.http.post(url, data=data, headers=self._headers() | self._origin(url),
                                  allow_redirects=False) as r:
            self._keep(r)
            return r.status, r.headers.get("Location"), await r.text()


@contextlib.asynccontextmanager
async def client():
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        yield Client(http)


def _row(html: str, unit_id: int) -> str:
    m = re.search(rf'<tr data-unit="{unit_id}">(.*?)</tr>', html)
    assert m, f"no row for unit {unit_id}"
    return m.group(1)


async def test_mini_app_sign_in_shows_the_boards_own_units(db_url, tmp_path):
    async with desk_bot(db_url, tmp_path) as h, client() as c:
        ids = h.tree.units
        status, page = await c.get(h.url + "/")
        assert status == 200 and "data-signin" in page and "Ấp 1" not in page   # no session

        status, _ = await c.signin(h.url, init_data(ADMIN_A))
        assert status == 200 and c.cookie
        assert c.morsel["httponly"] and c.morsel["samesite"] == "Lax" and c.morsel["secure"]

        status, page = await c.get(h.url + "/")
        assert status == 200
        assert "Xã An Phú" in page and "Trần Thị Bảo" in page
        a1, a2, a3 = (_row(page, ids[n]) for n in ("Chi bộ Ấp 1", "Chi bộ Ấp 2", "Chi bộ Ấp 3"))
        assert '<td class="count">2</td><td class="people">50</td>' in a1
        assert '<td class="count">1</td><td class="people">15</td>' in a2
        assert '<td class="count">0</td>' in a3
        assert re.search(rf'id="missing-list"><a href="donvi/{ids["Chi bộ Ấp 3"]}[^"]*">Chi bộ Ấp 3'
                         r'</a></p>', page)
        assert 'id="card-share"><b>2/3</b>' in page   # chi bộ that reported / expected to
        assert 'id="card-members"><b>4</b>' in page   # three propagandists and the board member
        # the broadcast's acknowledgement per chi bộ: Ấp 1 received 2, 1 acked, 1 not
        panel = page[page.index(f'id="broadcast-{h.tree.broadcast_id}"'):]
        assert re.search(rf'data-unit="{ids["Chi bộ Ấp 1"]}"><td>Chi bộ Ấp 1</td>'
                         r'<td class="received">2</td><td class="acked">1</td>'
                         r'<td class="pending">1</td>', panel)
        assert "Mức hỗ trợ cho tuyên truyền viên" in page            # An Phú's question
        assert "Ấp Đông" not in page and ">99<" not in page and "Khi nào có tài liệu" not in page
        assert "<svg" in page and "cdn" not in page.lower() and "telegram.org/js" not in page

        # drill-down into a chi bộ of its own, and a refusal for the other commune's
        status, page = await c.get(f"{h.url}/donvi/{ids['Chi bộ Ấp 1']}")
        assert status == 200 and "Chi bộ Ấp 1" in page
        status, page = await c.get(f"{h.url}/donvi/{ids['Chi bộ Ấp Đông']}")
        assert status == 403 and 'data-reason="outside"' in page
        assert "Ấp Đông" not in page and ">99<" not in page
        # the period picker: last year has no report at all
        status, page = await c.get(f"{h.url}/?ky={h.loa.reports.today().year - 1}")
        assert status == 200 and '<td class="count">2</td>' not in page
        assert 'id="card-reports"><b>0</b>' in page
        # the open questions, with the chat link to answer them
        status, page = await c.get(f"{h.url}/cauhoi")
        assert status == 200 and "https://t.me/loa_test_bot" in page and "/traloi" in page
        assert "Mức hỗ trợ" in page and "Khi nào có tài liệu" not in page

        # demoted: the same cookie now shows a refusal (role read on every request)
        with h.loa.db.session() as s:
            s.execute(update(Member).where(Member.telegram_id == ADMIN_A).values(role="member"))
        status, page = await c.get(h.url + "/")
        assert status == 403 and 'data-reason="member"' in page and "Ấp 1" not in page


@pytest.mark.parametrize("who,kw,reason", [
    (ADMIN_A, {"tamper": True}, "signature"),
    (MEMBER_A1, {}, "member"),
    (ADMIN_A, {"auth_date": int(time.time()) - 2 * 86400}, "expired"),
    (9_999_999, {}, "member"),
])
async def test_refused_sign_ins_get_no_session_and_no_data(sqlite_url, tmp_path, who, kw, reason):
    async with desk_bot(sqlite_url, tmp_path) as h, client() as c:
        status, body = await c.signin(h.url, init_data(who, **kw))
        assert status == 403 and f'data-reason="{reason}"' in body and not c.cookie
        status, page = await c.get(h.url + "/")
        assert "Ấp 1" not in page and "data-signin" in page


async def test_top_board_sees_both_communes(sqlite_url, tmp_path):
    async with desk_bot(sqlite_url, tmp_path) as h, client() as c:
        from tests.conftest import ADMIN_ID
        await h.admin.reply("/start")
        assert (await c.signin(h.url, init_data(ADMIN_ID)))[0] == 200
        status, page = await c.get(h.url + "/")
        ids = h.tree.units
        assert '<td class="count">3</td><td class="people">65</td>' in _row(page, ids["Xã An Phú"])
        assert '<td class="count">1</td><td class="people">99</td>' in _row(page, ids["Xã Bình Minh"])
        assert "Khi nào có tài liệu" in page and "Mức hỗ trợ" in page


async def test_bangdieukhien_button_link_once_and_refusal(sqlite_url, tmp_path):
    async with desk_bot(sqlite_url, tmp_path) as h, client() as c:
        board = h.user("Trần Thị Bảo", user_id=ADMIN_A)
        reply = await board.reply("/bangdieukhien")
        button = reply.button("Mở bảng điều khiển")
        assert button["web_app"] == {"url": "https://desk.example.vn"}
        assert "Ban Xây dựng Đảng Đảng ủy xã An Phú" in reply.text

        member = h.user("Nguyễn Văn An", user_id=MEMBER_A1)
        reply = await member.reply("/bangdieukhien")
        assert reply.text == TC.ADMIN_ONLY and not reply.buttons()
        reply = await member.reply("/bangdieukhien web")
        assert reply.text == TC.ADMIN_ONLY
        with h.loa.db.read() as s:
            assert s.scalar(select(DeskLink.id)) is None

        reply = await board.reply("/bangdieukhien web")
        m = re.search(r"https://desk\.example\.vn/dangnhap\?t=([\w-]+)", reply.text)
        assert m, reply.text
        token = m.group(1)
        with h.loa.db.read() as s:    # only a hash of the token is stored
            row = s.scalars(select(DeskLink)).one()
            assert token not in row.token_hash and row.used_at is None
            assert timedelta(minutes=9) < row.expires_at - row.created_at <= timedelta(minutes=10)
        # a GET (what a link preview does) does not spend it
        status, page = await c.get(f"{h.url}/dangnhap?t={token}")
        assert status == 200 and 'action="dangnhap"' in page
        status, location, _ = await c.post(f"{h.url}/dangnhap", {"t": token})
        assert status == 303 and location == "/"
        assert auth.read_session(c.cookie, TOKEN) == ADMIN_A
        status, page = await c.get(h.url + "/")
        assert status == 200 and "Chi bộ Ấp 1" in page
        async with client() as other:   # the same link again, anywhere: refused
            status, _, page = await other.post(f"{h.url}/dangnhap", {"t": token})
            assert status == 403 and 'data-reason="link_used"' in page and not other.cookie
            status, _, page = await other.post(f"{h.url}/dangnhap", {"t": token + "x"})
            assert status == 403 and 'data-reason="link"' in page


def test_links_expire_after_ten_minutes_and_owner_is_rechecked(db):
    from bot.config import Settings
    from bot.context import Loa
    from indexer import IndexConfig, KnowledgeBase
    from pathlib import Path
    seed(db, datetime.now(timezone.utc).date())
    loa = Loa.build(Settings(token=TOKEN), kb=KnowledgeBase(IndexConfig(Path("x"), Path("y"))),
                    db=db)
    try:
        t0 = datetime.now(timezone.utc)
        old = loa.desk.create_link(ADMIN_A, now=t0 - timedelta(minutes=11))
        with pytest.raises(Refused) as e:
            loa.desk.redeem_link(old.token, now=t0)
        assert e.value.reason == "link_expired"
        fresh = loa.desk.create_link(ADMIN_B, now=t0)
        with db.session() as s:   # no longer on the board when the link is used
            s.execute(update(Member).where(Member.telegram_id == ADMIN_B).values(active=False))
        with pytest.raises(Refused) as e:
            loa.desk.redeem_link(fresh.token, now=t0 + timedelta(minutes=1))
        assert e.value.reason == "member"
        with pytest.raises(Refused):
            loa.desk.create_link(MEMBER_A1)
    finally:
        loa.close(dispose_db=False)


async def test_loa_run_serves_the_desk_in_its_own_process(sqlite_url, tmp_path):
    """`python -m bot run` (what `loa run` is): the bot and the desk, one process, one loop."""
    import asyncio
    import socket
    from tests.botproc import spawn_bot, stop_bot
    from tests.conftest import ADMIN_ID
    from tests.faketg import FakeTelegram, FakeUser
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    tg = await FakeTelegram().start()
    proc = spawn_bot(tg, sqlite_url, tmp_path, LOA_ADMIN_IDS=str(ADMIN_ID),
                     LOA_WEB_PORT=str(port), LOA_WEB_URL=url)
    try:
        for _ in range(600):
            assert proc.poll() is None, (tmp_path / "bot.log").read_text()[-2000:]
            if any(call.method == "getUpdates" for call in tg.calls):
                break
            await asyncio.sleep(0.05)
        reply = await FakeUser(tg, ADMIN_ID, "Ban Tuyên giáo").reply("/bangdieukhien", timeout=60)
        assert reply.button("Mở bảng điều khiển")["web_app"] == {"url": url}
        async with client() as c:
            assert (await c.signin(url, init_data(ADMIN_ID)))[0] == 200
            status, page = await c.get(url + "/")
            assert status == 200 and "Ban Tuyên giáo (toàn bộ đơn vị)" in page
    finally:
        stop_bot(proc)
        await tg.stop()
    assert proc.returncode == 0, (tmp_path / "bot.log").read_text()[-2000:]


def test_desk_figures_are_the_roll_up_of_tonghop(db):
    """The desk shows ReportsService.summary's roll-up (what /tonghop prints) for every view."""
    from datetime import date
    from pathlib import Path

    from bot.config import Settings
    from bot.context import Loa
    from bot.services.reports import month_period
    from indexer import IndexConfig, KnowledgeBase
    from tests.conftest import ADMIN_ID
    from tests.rollup_tree import BOARD_A, BOARD_B, ROOT, make_tree
    ids = make_tree(db, date(2026, 6, 10))
    june = month_period(2026, 6)
    loa = Loa.build(Settings(token=TOKEN, admin_ids=frozenset({ADMIN_ID})),
                    kb=KnowledgeBase(IndexConfig(Path("x"), Path("y"))), db=db)
    try:
        for tid, unit in [(ADMIN_ID, None), (BOARD_B, None), (ADMIN_ID, ids["Xã Bình Minh"]),
                          (BOARD_A, ids["Chi bộ An Bình 1"])]:
            ov = loa.desk.overview(tid, june, unit)
            s = loa.reports.summary(june, loa.members.scope(tid), unit)
            assert [(r.unit_id, r.count, r.participants, r.units, r.reported) for r in ov.rows] \
                == [(r.unit_id, r.count, r.participants, r.units_in_subtree, r.units_reported)
                    for r in s.units]
            assert (ov.count, ov.participants, ov.expected, ov.reported) == \
                (s.count, s.participants, s.units_total, s.units_reported)
            assert [u.unit_id for u in ov.silent] == [u.unit_id for u in s.silent]
        top = loa.desk.overview(ADMIN_ID, june)
        assert top.title == ROOT and [r.name for r in top.rows] == ["Xã An Bình", "Xã Bình Minh"]
        assert [u.name for u in top.silent] == ["Xã An Bình › Chi bộ An Bình 2",
                                                "Xã Bình Minh › Chi bộ Bình Minh 2"]
        down = loa.desk.overview(ADMIN_ID, june, ids["Xã Bình Minh"])
        assert [c.name for c in down.crumbs] == [ROOT, "Xã Bình Minh"]
        assert (down.rows[0].name, down.rows[0].count, down.rows[0].participants) == \
            ("Xã Bình Minh (trực tiếp)", 1, 7)
        with pytest.raises(Refused) as e:
            loa.desk.overview(BOARD_A, june, ids["Xã Bình Minh"])
        assert e.value.reason == "outside"

        # What belongs to no unit (an open-QA asker, a member without a unit) is the top-level
        # board's alone, on its own page
        from bot.db.models import B_DONE, D_SENT, Q_OPEN, Broadcast, Delivery, Question
        with db.session() as s:
            s.add(Question(member_id=None, telegram_id=42, chat_id=42, status=Q_OPEN,
                           text="Câu hỏi của người chưa đăng ký"))
            m = Member(telegram_id=43, chat_id=43, full_name="Chưa có đơn vị")
            b = Broadcast(text="Định hướng", audience={"all": True}, status=B_DONE)
            s.add_all([m, b])
            s.flush()
            s.add(Delivery(broadcast_id=b.id, member_id=m.id, chat_id=43, state=D_SENT,
                           acked_at=datetime.now(timezone.utc)))
        top = loa.desk.overview(ADMIN_ID, june)
        assert top.questions_total == 1 and top.questions[0].text.startswith("Câu hỏi của người")
        assert [(r.name, r.received, r.acked) for r in top.broadcasts[0].rows][-1] == \
            ("Chưa thuộc đơn vị", 1, 1)
        assert loa.desk.questions(ADMIN_ID).total == 1
        a = loa.desk.overview(BOARD_A, june)
        assert a.questions_total == 0 and a.broadcasts == []
        assert loa.desk.questions(BOARD_A).total == 0
    finally:
        loa.close(dispose_db=False)


@pytest.mark.parametrize("key,prev,next_", [
    ("2026-01", "2025-12", "2026-02"), ("2026-Q1", "2025-Q4", "2026-Q2"),
    ("H2/2026", "H1/2026", "H1/2027"), ("2026", "2025", "2027")])
def test_period_picker_steps_and_every_key_parses_back(key, prev, next_):
    from datetime import date

    from bot.services.reports import parse_period
    from bot.web.pages import _key, _shift
    today = date(2026, 11, 30)
    p = parse_period(key, today)
    assert _key(p) == key and (_shift(p, -1), _shift(p, 1)) == (prev, next_)
    assert _key(parse_period(prev, today)) == prev and _key(parse_period(next_, today)) == next_


async def test_a_taken_port_leaves_the_bot_running_without_the_desk(sqlite_url, tmp_path, caplog):
    import socket
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        from indexer import IndexConfig, KnowledgeBase
        kb = KnowledgeBase(IndexConfig(tmp_path / "none", tmp_path / "noidx"))
        h = await start_harness(make_settings(sqlite_url, kb, web_port=port), kb)
        try:
            assert h.app.bot_data["desk"].port is None
            assert any("dashboard not started" in r.getMessage() for r in caplog.records)
            assert "/bangdieukhien" in (await h.admin.reply("/huongdan")).text
        finally:
            await stop_harness(h)


async def test_the_desk_under_a_path_of_the_reverse_proxy(sqlite_url, tmp_path):
    """LOA_WEB_URL=https://bot.example.vn/desk: the proxy strips /desk; every link, the sign-in
    call and the redirect after a one-time link stay under it."""
    async with desk_bot(sqlite_url, tmp_path, "https://bot.example.vn/desk") as h, client() as c:
        board = h.user("Trần Thị Bảo", user_id=ADMIN_A)
        reply = await board.reply("/bangdieukhien")
        assert reply.button("Mở bảng điều khiển")["web_app"] == {"url": "https://bot.example.vn/desk/"}
        reply = await board.reply("/bangdieukhien web")
        token = re.search(r"https://bot\.example\.vn/desk/dangnhap\?t=([\w-]+)", reply.text).group(1)
        status, page = await c.get(h.url + "/")
        assert '<base href="/desk/">' in page and "fetch('api/session'" in page
        status, location, _ = await c.post(f"{h.url}/dangnhap", {"t": token})
        assert status == 303 and location == "/desk/"
        status, page = await c.get(h.url + "/")
        assert '<base href="/desk/">' in page and 'href="cauhoi"' in page
        links = page.replace('<base href="/desk/">', "")
        assert not re.search(r'(href|action)="/', links)   # nothing escapes the base
