"""The desk in a real browser: headless Chromium opens the Mini App URL the bot's button gives,
signed as Telegram signs it, and the one-time desktop link. Skipped loudly without Chromium."""
from __future__ import annotations

import contextlib
import re
import socket
import time

import pytest

from tests import conftest
from tests.browser import Browser, find_chromium
from tests.conftest import make_settings, start_harness, stop_harness
from tests.deskdata import ADMIN_A, ADMIN_B, MEMBER_A1, init_data, mini_app_url, seed

CHROMIUM = find_chromium()


@pytest.fixture
async def browser(request):
    if CHROMIUM is None:
        conftest.browser_skips.append(request.node.nodeid)
        pytest.skip("Chromium not found (apt-get install chromium, or LOA_TEST_CHROMIUM=path)")
    b = await Browser(CHROMIUM).start()
    try:
        yield b
    finally:
        await b.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.asynccontextmanager
async def desk_bot(db_url: str, tmp_path):
    """The bot with its desk at LOA_WEB_URL = where it listens (so the button's URL opens)."""
    from indexer import IndexConfig, KnowledgeBase
    kb = KnowledgeBase(IndexConfig(knowledge_dir=tmp_path / "none", index_dir=tmp_path / "noidx"))
    port = _free_port()
    settings = make_settings(db_url, kb, web_port=port, web_url=f"http://127.0.0.1:{port}")
    h = await start_harness(settings, kb)
    try:
        h.tree = seed(h.loa.db, h.loa.reports.today())
        yield h
    finally:
        await stop_harness(h)


async def _button_url(h, telegram_id: int, name: str) -> str:
    reply = await h.user(name, user_id=telegram_id).reply("/bangdieukhien")
    return reply.button("Mở bảng điều khiển")["web_app"]["url"]


OVERVIEW = "document.querySelector('#reports') !== null"
# Every bar chart label inside its chart and left of its own bar ("ok", else the first one that is not).
LABELS_INSIDE = """(function(){
  var bad = [];
  document.querySelectorAll('svg.chart').forEach(function(svg){
    var box = svg.getBoundingClientRect();
    svg.querySelectorAll('g').forEach(function(g){
      var t = g.querySelector('text').getBoundingClientRect(), bar = g.querySelector('rect').getBoundingClientRect();
      if (t.left < box.left - 0.5 || t.right > bar.left + 0.5 || t.top < box.top - 0.5)
        bad.push(g.querySelector('text').textContent);
    });
  });
  return bad.length ? bad.join(' | ') : 'ok';
})()"""
REFUSAL = "document.querySelector('#refusal') && document.querySelector('#refusal').dataset.reason"
ROW = ("(function(id){var r=document.querySelector('#reports tr[data-unit=\"'+id+'\"]');"
       "return r && Array.from(r.cells).map(function(c){return c.innerText.trim()});})(%d)")
ACK = ("(function(id){var r=document.querySelector('.broadcast tr[data-unit=\"'+id+'\"]');"
       "return r && Array.from(r.cells).map(function(c){return c.innerText.trim()});})(%d)")


async def test_signed_mini_app_url_shows_the_overview_at_360px(sqlite_url, tmp_path, browser):
    async with desk_bot(sqlite_url, tmp_path) as h:
        # A long unit name: its chart label must stay inside the chart, left of its bar.
        h.loa.members.add_unit("ĐẢNG BỘ CÔNG TY MAY MẶC ĐỒNG THÁP – KHỐI DOANH NGHIỆP", parent="Xã An Phú")
        url = await _button_url(h, ADMIN_A, "Trần Thị Bảo")
        assert url == h.loa.settings.web_url
        page = await browser.page(width=360, height=740, mobile=True)
        await page.goto(mini_app_url(url, init_data(ADMIN_A, "Bảo")))
        await page.wait_for(OVERVIEW)
        ids = h.tree.units
        assert await page.eval("location.hash") == ""       # the init data left the address
        assert await page.eval(ROW % ids["Chi bộ Ấp 1"]) == ["Chi bộ Ấp 1", "2", "50", "1/1"]
        assert await page.eval(ROW % ids["Chi bộ Ấp 2"]) == ["Chi bộ Ấp 2", "1", "15", "1/1"]
        assert await page.eval(ROW % ids["Chi bộ Ấp 3"]) == ["Chi bộ Ấp 3", "0", "0", "0/1"]
        # the latest broadcast: received / acknowledged / not yet, per chi bộ
        assert await page.eval(ACK % ids["Chi bộ Ấp 1"]) == ["Chi bộ Ấp 1", "2", "1", "1"]
        assert await page.eval(ACK % ids["Chi bộ Ấp 2"]) == ["Chi bộ Ấp 2", "1", "1", "0"]
        text = await page.text()
        assert "Xã Bình Minh" not in text and "Ấp Đông" not in text
        assert "Chưa có báo cáo" in text and "Câu hỏi chờ Ban trả lời (1)" in text
        # readable on a phone: nothing wider than the screen
        assert await page.eval("document.documentElement.scrollWidth") <= 360
        assert await page.eval("document.querySelector('svg.chart').getBoundingClientRect()"
                               ".width") <= 360
        assert await page.eval(LABELS_INSIDE) == "ok"
        # … and says enough of it to tell the unit apart (two lines, not 20 characters).
        assert "ĐỒNG THÁP" in await page.eval("document.querySelector('svg.chart').textContent")
        shot = await page.screenshot(tmp_path / "desk-360.png")
        assert shot.stat().st_size > 5000
        # a drill-down link is followed with the session cookie, no fragment needed any more
        await page.goto(f"{url}/donvi/{ids['Chi bộ Ấp 1']}")
        await page.wait_for("document.querySelector('header h1') && "
                            "document.querySelector('header h1').innerText.includes('Ấp 1')")
        # and a desktop width has no horizontal scroll either
        wide = await browser.page(width=1280, height=800)
        await wide.goto(mini_app_url(url, init_data(ADMIN_A)))
        await wide.wait_for(OVERVIEW)
        assert await wide.eval("document.documentElement.scrollWidth") <= 1280
        assert await wide.eval(LABELS_INSIDE) == "ok"
        # The board's forms (answer a question, write a broadcast, units and invites) fit a phone.
        for path, ready in (("/cauhoi", "document.querySelector('form.answer textarea')"),
                            ("/phatdi", "document.querySelector('#units input')"),
                            ("/tochuc", "document.querySelector('#invite-new select')"),
                            ("/vanban", "document.querySelector('#doc-upload input')"),
                            ("/tochuc/thanhvien", "document.querySelector('#members li form')"),
                            ("/hoidap", "document.querySelector('#faq')"),
                            ("/phananh", "document.querySelector('#tabs')")):
            await page.goto(url + path)
            await page.wait_for(f"{ready} !== null")
            assert await page.eval("document.documentElement.scrollWidth") <= 360, path


@pytest.mark.parametrize("case", ["tampered", "member", "two_days_old", "other_commune"])
async def test_refusals_show_no_data(sqlite_url, tmp_path, browser, case):
    async with desk_bot(sqlite_url, tmp_path) as h:
        url = h.loa.settings.web_url
        page = await browser.page(width=360, mobile=True)
        if case == "other_commune":   # Bình Minh's board, asking for An Phú's chi bộ
            await page.goto(mini_app_url(url, init_data(ADMIN_B)))
            await page.wait_for(OVERVIEW)
            await page.goto(f"{url}/donvi/{h.tree.units['Chi bộ Ấp 1']}")
            expected = "outside"
        else:
            # a session of An Phú's board already open in this browser does not survive a
            # refused sign-in: the fragment always decides
            await page.goto(mini_app_url(url, init_data(ADMIN_A)))
            await page.wait_for(OVERVIEW)
            data, expected = {
                "tampered": (init_data(ADMIN_A, tamper=True), "signature"),
                "member": (init_data(MEMBER_A1), "member"),
                "two_days_old": (init_data(ADMIN_A, auth_date=int(time.time()) - 2 * 86400),
                                 "expired"),
            }[case]
            await page.goto(mini_app_url(url, data))
        assert await page.wait_for(REFUSAL) == expected
        text = await page.text()
        for secret in ("Chi bộ Ấp 1", "Ấp 2", "50", "Mức hỗ trợ", "Trần Thị Bảo"):
            assert secret not in text
        assert await page.eval("document.querySelector('#reports')") is None
        if case != "other_commune":   # and no session is left behind
            await page.goto(url + "/")
            assert await page.wait_for(REFUSAL) == "signin"


async def test_one_time_link_works_once(sqlite_url, tmp_path, browser):
    async with desk_bot(sqlite_url, tmp_path) as h:
        reply = await h.user("Trần Thị Bảo", user_id=ADMIN_A).reply("/bangdieukhien web")
        link = re.search(r"http://127\.0\.0\.1:\d+/dangnhap\?t=[\w-]+", reply.text).group(0)
        desk = await browser.page(width=1280, height=800)
        await desk.goto(link)
        # The landing page says whose desk it opens and waits for a click (login CSRF).
        assert "Trần Thị Bảo" in await desk.wait_for("document.getElementById('go') && "
                                                      "document.getElementById('go').innerText")
        await desk.eval("document.querySelector('#go button').click()")
        await desk.wait_for(OVERVIEW)
        assert await desk.eval(ROW % h.tree.units["Chi bộ Ấp 1"]) == ["Chi bộ Ấp 1", "2", "50",
                                                                       "1/1"]
        again = await browser.page(width=1280, height=800)
        await again.goto(link)
        assert await again.wait_for(REFUSAL) == "link_used"
        assert "Ấp 1" not in await again.text()


async def test_sign_in_from_a_path_starting_with_two_slashes_stays_on_the_desk(
        sqlite_url, tmp_path, browser):
    """`http://desk//evil.example/phish#tgWebAppData=…` signed in, then followed the path to
    another host (an open redirect): the page now reloads its own full address."""
    async with desk_bot(sqlite_url, tmp_path) as h:
        page = await browser.page(width=1280, height=800)
        base = h.app.bot_data["desk"].url
        await page.goto(mini_app_url(base + "//evil.example/phish", init_data(ADMIN_A, "Bảo")))
        # Signed in (the desk's root now shows the overview to this browser) …
        await page.wait_for("fetch('/', {credentials: 'same-origin'}).then(function(r){"
                            "return r.text();}).then(function(t){"
                            "return t.indexOf('id=\"reports\"') >= 0;}).catch(function(){"
                            "return false;})")
        # … the script has reloaded the page: it is still on the desk's host.
        host = await page.wait_for("document.readyState === 'complete' && location.host")
        assert host == base.split("//", 1)[1], host
        assert (await page.eval("location.pathname")).startswith("//evil.example/phish")
