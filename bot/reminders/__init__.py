"""Personal agenda and session reminders: subscriptions, settings, change notices, digests and
the community group's posts.

Owns the reminder tables (``storage/reminders.py``). ``service.py`` holds the rules (when a
reminder is due, what a programme change does, which digests and group posts are due) and hands
out what is due and takes back outcomes; ``telegram.py`` (the Dispatcher) only renders and
sends; ``render.py`` has every text and button; ``model.py`` the records.
"""
