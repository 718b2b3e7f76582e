"""Organiser announcements: drafts, audiences, scheduling and the paced outbox."""
