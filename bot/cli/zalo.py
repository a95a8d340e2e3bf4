"""`loa zalo webhook set|delete|info`: register Loa's webhook with Zalo explicitly (never at
start-up: the URL is public HTTPS behind the reverse proxy, which the IT officer sets up first)."""
from __future__ import annotations

import asyncio

from bot.budget import SendBudget


def _client(settings):
    from bot.zalo.client import ZaloClient
    return ZaloClient(settings.zalo_token, settings.zalo_api_url, SendBudget(1.0))


async def _call(settings, method: str, body: dict | None = None):
    client = _client(settings)
    try:
        return await client.call(method, body or {})
    finally:
        await client.close()


def cmd_webhook(args) -> int:
    from bot.zalo.client import ZaloError
    s = args.settings
    if not s.zalo_token:
        print("LOA_ZALO_BOT_TOKEN chưa được đặt (mã bot Zalo nhận từ “Zalo Bot Manager”).")
        return 2
    url = args.url or (s.web_url + "/zalo/webhook")
    try:
        if args.action == "set":
            if not url.startswith("https://"):
                print(f"Zalo chỉ nhận webhook HTTPS công khai; địa chỉ hiện tại: {url}\n"
                      "Đặt LOA_WEB_URL=https://… (địa chỉ của reverse proxy) hoặc dùng --url.")
                return 2
            if not 8 <= len(s.zalo_webhook_secret) <= 256:
                print("LOA_ZALO_WEBHOOK_SECRET phải dài 8–256 ký tự "
                      "(ví dụ: python3 -c 'import secrets; print(secrets.token_urlsafe(32))').")
                return 2
            result = asyncio.run(_call(s, "setWebhook", {"url": url,
                                                          "secret_token": s.zalo_webhook_secret}))
            print(f"Đã đặt webhook Zalo: {result.get('url', url)}")
        elif args.action == "delete":
            asyncio.run(_call(s, "deleteWebhook"))
            print("Đã xóa webhook Zalo (có thể dùng LOA_ZALO_MODE=polling).")
        else:
            result = asyncio.run(_call(s, "getWebhookInfo")) or {}
            now = result.get("url") or "(chưa đặt)"
            print(f"Webhook Zalo hiện tại: {now}")
            print(f"Loa chờ sự kiện tại:   {url}")
            if result.get("url") and result.get("url") != url:
                print("Hai địa chỉ khác nhau: chạy `loa zalo webhook set` để đặt lại.")
    except ZaloError as e:
        print(f"Zalo trả lời lỗi {e.code}: {e.description}")
        return 1
    return 0


def register(sub) -> None:
    z = sub.add_parser("zalo", help="kênh Zalo").add_subparsers(dest="zalo_cmd",
                                                                       required=True)
    w = z.add_parser("webhook", help="đặt, xóa hoặc xem webhook Zalo")
    w.add_argument("action", choices=["set", "delete", "info"])
    w.add_argument("--url", default="", help="mặc định: LOA_WEB_URL + /zalo/webhook")
    w.set_defaults(func=cmd_webhook)
