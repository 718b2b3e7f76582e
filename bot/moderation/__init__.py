"""Moderation of the community group: verified joins, warnings, mutes, bans, reports, log."""
