"""Questions to a session's panel: asked from a card, /ask or a reply, voted on, run by hosts."""
