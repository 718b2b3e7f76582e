"""The forum programme: one model, importers, diffs, question understanding and calendars."""
