"""Participants: who has talked to the bot, their language, zone and consents."""
