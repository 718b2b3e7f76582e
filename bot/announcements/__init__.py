"""Organiser announcements: the draft, its audience and send time, and the paced outbox.

Owns the ``announcements``, ``announcement_versions`` and ``announcement_outbox`` tables
(``storage/announcements.py``) and every change of an announcement's state: ``service.py``
drafts, schedules, starts, cancels and finishes sending through its ``Sending`` port;
``telegram.py`` (the Broadcaster) implements that port over the Bot API; ``render.py`` has the
draft, the menus, the list, progress and report; ``model.py`` the records. What an organiser is
about to type is this feature's conversation in the awaited-input engine (``bot.awaiting``).
"""
