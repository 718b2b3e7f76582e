"""Scheduled backups of the bot's database, made by the running bot (``[storage]`` keys).

``service.py`` makes a consistent copy (``storage/backup.py``) and prunes the old ones; the job
is in ``handlers/backup.py``.
"""
