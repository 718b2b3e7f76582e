"""Insight for organisers: /stats with charts, exports and the PDF report."""
