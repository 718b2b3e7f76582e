"""Introductions: profiles, the directory, double opt-in requests, /meet, self-introductions.

Owns the profiles, requests, blocks, /meet suggestions and self-introductions
(``storage/intros.py``). ``service.py`` holds the rules and decides who is told what through
the notifier (the target of a request, both sides of an accepted one, the staff when one is
reported, the community group); ``render.py`` has cards, prompts, relays and buttons;
``model.py`` the records. The profile questions and a request's note are this feature's
conversation in the awaited-input engine. (/mydata, /forget and the purge move to the privacy
feature.)
"""
