"""forum-bot: the Telegram bot of an international dialogue forum."""

__version__ = "0.1.0"
