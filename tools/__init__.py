"""Developer tools (not installed with the bot)."""
