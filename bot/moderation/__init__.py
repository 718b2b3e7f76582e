"""Moderation of the community group: verified joins, warnings, measures, reports, the log.

Owns the moderation tables (``storage/moderation.py``). ``service.py`` holds the rules (who
moderates, the warning ladder, the measures of one table, flood and link rules) and posts every
logged action to the modlog chat and reports to the moderators through the notifier;
``telegram.py`` acts on the group over the Bot API (the ``GroupControl`` port);
``render.py`` has log entries, warnings, rules and the newcomer's button; ``model.py`` the
records.
"""
