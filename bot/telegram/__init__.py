"""Telegram-facing infrastructure: the typed context, keyboards, delivery, rate limits and the
update processor. Everything here may import ``telegram``; feature code outside its own adapter
module may not."""
