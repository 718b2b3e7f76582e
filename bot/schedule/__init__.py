"""The forum programme: the live programme, importers, diffs, questions and calendars.

Owns the programme tables (``storage/schedule.py``). ``service.py`` holds the live programme,
loads and swaps it (telling listeners what changed) and answers questions; ``importers.py``,
``diff.py``, ``query.py``, ``lexicon.py`` and ``calendar.py`` are its pure helpers;
``render.py`` has cards, day pages, answers and the upload preview; ``model.py`` the records.
"""
