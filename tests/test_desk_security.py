"""The desk's sign-in against login CSRF and leaks: the sign-in POSTs only from the desk's own
pages, whose link shows whose desk it opens; a future auth_date refused; no software versions
in the answers; framing only by Telegram's web client; signing out ends every session."""
from __future__ import annotations

import time

import aiohttp
import pytest

from bot.web import auth
from tests.deskdata import ADMIN_A, init_data
from tests.faketg import TOKEN
from tests.test_desk import client, desk_bot


def test_a_future_auth_date_is_refused():
    now = time.time()
    with pytest.raises(auth.AuthError):
        auth.verify_init_data(init_data(ADMIN_A, auth_date=int(now) + 3600), TOKEN, now)
    assert auth.verify_init_data(init_data(ADMIN_A, auth_date=int(now) + 60), TOKEN, now)


async def test_sign_in_posts_only_from_the_desks_own_pages(sqlite_url, tmp_path):
    async with desk_bot(sqlite_url, tmp_path) as h, aiohttp.ClientSession() as http:
        data = init_data(ADMIN_A, "Bảo")
        own = {"Origin": h.url, "X-Loa-Signin": "1"}
        for headers in ({}, {"X-Loa-Signin": "1"}, {"Origin": h.url},
                        {"Origin": "https://evil.example", "X-Loa-Signin": "1"},
                        {"Origin": "null", "X-Loa-Signin": "1"}):
            async with http.post(f"{h.url}/api/session", data=data, headers=headers) as r:
                assert r.status == 403, headers
                assert auth.COOKIE not in r.cookies
        async with http.post(f"{h.url}/api/session", data=data, headers=own) as r:
            assert r.status == 200 and auth.COOKIE in r.cookies

        # The one-time link: a form posted from another site spends nothing.
        link = h.loa.desk.create_link(ADMIN_A)
        async with http.get(f"{h.url}/dangnhap?t={link.token}") as r:
            page = await r.text()
            assert "Trần Thị Bảo" in page or "Bảo" in page    # whose desk it opens
        async with http.post(f"{h.url}/dangnhap", data={"t": link.token},
                             headers={"Origin": "https://evil.example"},
                             allow_redirects=False) as r:
            assert r.status == 403 and auth.COOKIE not in r.cookies
        async with http.post(f"{h.url}/dangnhap", data={"t": link.token},
                             headers={"Origin": h.url}, allow_redirects=False) as r:
            assert r.status == 303 and auth.COOKIE in r.cookies


async def test_headers_name_no_software_and_allow_only_telegram_to_frame(sqlite_url, tmp_path):
    async with desk_bot(sqlite_url, tmp_path) as h, aiohttp.ClientSession() as http:
        for path in ("/", "/cauhoi", "/nowhere"):
            async with http.get(h.url + path) as r:
                assert r.headers.get("Server") == "Loa", r.headers.get("Server")
                csp = r.headers["Content-Security-Policy"]
                assert "frame-ancestors 'self' https://web.telegram.org" in csp


async def test_signing_out_ends_the_session_everywhere(sqlite_url, tmp_path):
    async with desk_bot(sqlite_url, tmp_path) as h, client() as c, client() as other:
        data = init_data(ADMIN_A, "Bảo")
        assert (await c.signin(h.url, data))[0] == 200
        assert (await other.signin(h.url, data))[0] == 200   # a second device
        status, page = await c.get(h.url + "/")
        assert 'id="reports"' in page and 'id="signout"' in page
        kept = other.cookie
        time.sleep(1.1)   # sessions are stamped to the second
        status, _, page = await c.post(h.url + "/dangxuat", {})
        assert status == 200 and "Đã đăng xuất" in page
        other.cookie = kept
        status, page = await other.get(h.url + "/")
        assert 'id="reports"' not in page                    # signed out on every device
        assert (await other.signin(h.url, init_data(ADMIN_A, "Bảo")))[0] == 200
        status, page = await other.get(h.url + "/")
        assert 'id="reports"' in page                        # and can sign in again
