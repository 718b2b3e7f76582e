"""Feedback on sessions (prompts, ratings, comments), the end-of-forum survey, and the
organisers' results: texts, a chart and CSV exports."""
