"""The web side: the Telegram Mini App (the programme and agenda in a browser view), the
webhook, /healthz and /metrics, served by one aiohttp server inside the bot's process.

``service.py`` holds the Mini App's rules, ``server.py`` the HTTP routes, ``initdata.py`` the
check of Telegram's signed init data, ``health.py`` the liveness, ``telegram.py`` the adapter
that runs the webhook and the server beside the Application.
"""
