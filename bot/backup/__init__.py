"""Scheduled backups of the bot's database, made by the running bot (``[storage]`` keys)."""
