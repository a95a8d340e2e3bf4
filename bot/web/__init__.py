"""The board's desk: a small aiohttp web app (the dashboard, also a Telegram Mini App) run by `loa run`."""
