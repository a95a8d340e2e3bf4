"""Headless Chromium (Debian's `chromium`) driven over the Chrome DevTools protocol with aiohttp.

No selenium or chromedriver: one websocket, a handful of CDP commands. Each `page()` gets its
own browser context (its own cookies), like a fresh phone or desktop browser.
"""
from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import aiohttp

CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")


def find_chromium() -> str | None:
    """LOA_TEST_CHROMIUM when set (and nothing else: `LOA_TEST_CHROMIUM=none` skips the
    browser tests), else Debian's chromium."""
    env = os.environ.get("LOA_TEST_CHROMIUM")
    if env:
        return env if os.access(env, os.X_OK) else None
    for path in CANDIDATES:
        if os.access(path, os.X_OK):
            return path
    return shutil.which("chromium")


class Browser:
    def __init__(self, binary: str):
        self.binary = binary
        self.proc: subprocess.Popen | None = None
        self.profile = tempfile.mkdtemp(prefix="loa-chromium-")
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future] = {}
        self.http: aiohttp.ClientSession | None = None
        self.ws = None
        self._reader: asyncio.Task | None = None

    async def start(self) -> "Browser":
        self.proc = subprocess.Popen(
            [self.binary, "--headless=new", "--no-sandbox", "--disable-gpu",
             "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
             "--disable-extensions", "--disable-background-networking", "--disable-sync",
             "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
             f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        url = await asyncio.to_thread(self._devtools_url)
        self.http = aiohttp.ClientSession()
        self.ws = await self.http.ws_connect(url, max_msg_size=64 * 1024 * 1024)
        self._reader = asyncio.create_task(self._read())
        return self

    def _devtools_url(self) -> str:
        seen = []
        for raw in self.proc.stderr:
            line = raw.decode(errors="replace")
            seen.append(line)
            m = re.search(r"DevTools listening on (ws://\S+)", line)
            if m:
                return m.group(1)
        raise RuntimeError("chromium did not start: " + "".join(seen)[-2000:])

    async def _read(self) -> None:
        async for msg in self.ws:
            data = json.loads(msg.data)
            fut = self._waiting.pop(data.get("id"), None)
            if fut is not None and not fut.done():
                fut.set_result(data)

    async def send(self, method: str, session: str | None = None, timeout: float = 30,
                   **params) -> dict:
        i = next(self._ids)
        fut = asyncio.get_running_loop().create_future()
        self._waiting[i] = fut
        msg = {"id": i, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        await self.ws.send_str(json.dumps(msg))
        data = await asyncio.wait_for(fut, timeout)
        if "error" in data:
            raise RuntimeError(f"{method}: {data['error']}")
        return data.get("result", {})

    async def page(self, width: int = 390, height: int = 800, mobile: bool = False) -> "Page":
        ctx = (await self.send("Target.createBrowserContext"))["browserContextId"]
        target = (await self.send("Target.createTarget", url="about:blank",
                                  browserContextId=ctx))["targetId"]
        session = (await self.send("Target.attachToTarget", targetId=target,
                                   flatten=True))["sessionId"]
        p = Page(self, session, target, ctx)
        await self.send("Page.enable", session)
        await self.send("Runtime.enable", session)
        await self.send("Emulation.setDeviceMetricsOverride", session, width=width,
                        height=height, deviceScaleFactor=1, mobile=mobile)
        return p

    async def stop(self) -> None:
        if self._reader:
            self._reader.cancel()
        if self.ws is not None:
            await self.ws.close()
        if self.http is not None:
            await self.http.close()
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                await asyncio.to_thread(self.proc.wait, 10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


class Page:
    def __init__(self, browser: Browser, session: str, target: str, context: str):
        self.browser, self.session, self.target, self.context = browser, session, target, context

    async def goto(self, url: str) -> None:
        await self.browser.send("Page.navigate", self.session, url=url)

    async def eval(self, expression: str):
        r = await self.browser.send("Runtime.evaluate", self.session, expression=expression,
                                    returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            return None
        return r["result"].get("value")

    async def wait_for(self, expression: str, timeout: float = 20.0):
        """The value of a JS expression once truthy (polled); AssertionError with the page's
        text after `timeout`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            try:
                value = await self.eval(expression)
            except RuntimeError as e:   # evaluated while the page navigates (a redirect)
                if "navigated" not in str(e) and "context" not in str(e):
                    raise
                value = None
            if value:
                return value
            if loop.time() > deadline:
                text = await self.eval("document.body ? document.body.innerText : ''")
                raise AssertionError(f"timed out waiting for {expression!r}; page: {text!r}")
            await asyncio.sleep(0.1)

    async def text(self) -> str:
        return await self.eval("document.body.innerText") or ""

    async def html(self) -> str:
        return await self.eval("document.documentElement.outerHTML") or ""

    async def screenshot(self, path: Path) -> Path:
        r = await self.browser.send("Page.captureScreenshot", self.session, format="png")
        path.write_bytes(base64.b64decode(r["data"]))
        return path

    async def close(self) -> None:
        await self.browser.send("Target.closeTarget", targetId=self.target)
        await self.browser.send("Target.disposeBrowserContext", browserContextId=self.context)
