"""Personal agenda and session reminders: subscriptions, dispatch, digests, group posts."""
