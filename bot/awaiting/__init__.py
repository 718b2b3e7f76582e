"""Awaited input: the one durable engine behind every multi-step conversation.

A conversation (an announcement's prompts, the profile questions, an introduction note) asks
the user something and ``expect``s their next message as one of its steps. What is awaited is
kept in SQLite, one row per user (a new prompt replaces the last), so a restart between the
question and the answer loses nothing; a set of the awaited users' features is kept in memory
so that a message filter can tell without a query whether a message answers a prompt.

Handlers declare each conversation as a state table (``handlers.awaiting.Conversation``, after
PTB's ``examples/conversationbot.py``): feature name, and a callback per step. The engine holds
no Telegram object.
"""
