"""Insight for organisers: /stats with charts, exports and the PDF report.

Owns the group message counter (``storage/insight.py``). ``service.py`` computes the figures
(counts under five shown as "< 5"), ``charts.py`` and ``documents.py`` draw charts and write the
PDF, CSV and XLSX files, ``render.py`` has the texts and buttons, ``model.py`` the records.
"""
