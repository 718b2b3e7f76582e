"""Participants, the core: who has talked to the bot, how to address them, and whether they can
be written to.

Owns the ``participants`` and ``missed_notices`` tables (``storage/participants.py``).
``service.py`` is the one recipient rule (language: own choice, else Telegram's, else the
forum's default; zone; translator; reachability) and keeps the staff notices someone missed;
``render.py`` has the welcome, help, language and zone choice and the privacy text;
``model.py`` the records. Handlers: ``handlers/core.py``.
"""
