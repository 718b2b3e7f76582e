"""Introductions: profiles, the directory, double opt-in requests, /meet and self-introductions."""
