"""Files for organisers: exports as CSV or XLSX, and the report as PDF.

CSV is UTF-8 with a byte-order mark (so spreadsheet programs read the accents right) and
comma-separated; XLSX is written with openpyxl (bold, frozen header row, filters, column
widths, numbers as numbers). The report is written with fpdf2 rather than matplotlib's
PdfPages: its tables wrap long session titles and break across pages repeating their header,
and sections become PDF bookmarks, which a chart library's pages cannot do. Both the PDF and
the charts use DejaVu Sans from matplotlib's own fonts, so no font is needed on the server.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.i18n import Translator
from bot.insight.charts import drawable, font_files
from bot.insight.model import Section, Table

# A spreadsheet cell holds at most 32,767 characters; more breaks the file for Excel.
_CELL_LIMIT = 32_000
# Characters that make spreadsheet programs treat a text cell as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe_text(value: Any) -> Any:
    """Keep text from being run as a formula when a spreadsheet opens the CSV."""
    if isinstance(value, str):
        value = value[:_CELL_LIMIT]
        if value.startswith(_FORMULA_START) and not _is_number(value):
            return "'" + value
    return value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def to_csv(table: Table) -> bytes:
    """Return a table as CSV, UTF-8 with a BOM, header first."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(["" if cell is None else _safe_text(cell) for cell in row])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(table: Table) -> bytes:
    """Return a table as an XLSX workbook with one sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook has its sheet
    sheet.title = table.title[:31]
    sheet.append(list(table.columns))
    for row in table.rows:
        sheet.append([cell[:_CELL_LIMIT] if isinstance(cell, str) else cell for cell in row])
    for cells in sheet.iter_rows():
        for cell in cells:
            # openpyxl stores text beginning with "=" as a formula: keep it text.
            if cell.data_type == "f":
                cell.data_type = "s"
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="top")
    sheet.freeze_panes = "A2"
    if table.rows:
        sheet.auto_filter.ref = sheet.dimensions
    for index, column in enumerate(table.columns, start=1):
        longest = max(
            [len(str(column)), *(len(str(row[index - 1] or "")) for row in table.rows[:500])]
        )
        sheet.column_dimensions[get_column_letter(index)].width = min(max(longest + 2, 8), 60)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True, slots=True)
class ReportCover:
    """What the report's first page says."""

    event: str
    generated: str  # the moment, already formatted in the event's zone
    period: str  # the programme's days, formatted


def to_pdf(
    cover: ReportCover,
    sections: list[tuple[Section, list[bytes]]],
    tr: Translator,
) -> bytes:
    """Return the report: a cover, then each section's figures, charts and tables."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    regular, bold = font_files()
    page_label = tr("Page {page} of {pages}")

    class Report(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("DejaVu", size=8)
            self.set_text_color(110)
            text = page_label.format(page=self.page_no(), pages="{nb}")
            self.cell(0, 8, drawable(f"{cover.event} · {text}"), align="C")

    pdf = Report(format="A4")
    pdf.set_creator("forum-bot")
    pdf.set_title(f"{cover.event} — {tr('Forum report')}")
    pdf.set_lang(tr.language)
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.alias_nb_pages()

    pdf.add_page()
    pdf.set_font("DejaVu", "B", 22)
    pdf.ln(40)
    pdf.multi_cell(0, 11, drawable(cover.event), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 15)
    pdf.ln(4)
    pdf.multi_cell(0, 8, tr("Forum report"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    pdf.ln(6)
    if cover.period:
        pdf.multi_cell(0, 6, cover.period, new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(
        0,
        6,
        tr("Generated {moment}").format(moment=cover.generated),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(4)
    pdf.set_text_color(90)
    pdf.multi_cell(
        0,
        5,
        tr(
            "Counts from 1 to 4 are shown as “< 5”, so that no figure points at a person. "
            "Every figure is counted from the bot's database when the report is made."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_text_color(0)

    heading = FontFace(emphasis="BOLD", fill_color=(232, 238, 244))
    for section, images in sections:
        pdf.add_page()
        title = drawable(section.title)
        pdf.start_section(title)
        pdf.set_font("DejaVu", "B", 17)
        pdf.multi_cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        pdf.set_font("DejaVu", "", 10)
        if section.figures:
            with pdf.table(
                col_widths=(3, 1), headings_style=heading, first_row_as_headings=False
            ) as figures:
                for label, value in section.figures:
                    figures.row((drawable(label), value))
            pdf.ln(4)
        for image in images:
            width = pdf.epw
            pdf.image(io.BytesIO(image), w=width)
            pdf.ln(3)
        for table in section.tables:
            _pdf_table(pdf, table, heading)
    return bytes(pdf.output())


def _pdf_table(pdf: Any, table: Table, heading: Any) -> None:
    """Write a titled table that breaks across pages, repeating its header row."""
    if pdf.will_page_break(30):
        pdf.add_page()
    pdf.set_font("DejaVu", "B", 12)
    pdf.multi_cell(0, 8, drawable(table.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 8)
    widths = table.widths or tuple(1 for _ in table.columns)
    with pdf.table(col_widths=widths, headings_style=heading, line_height=4.5) as out:
        out.row([drawable(str(c)) for c in table.columns])
        for row in table.rows:
            out.row(["" if cell is None else drawable(str(cell)) for cell in row])
    pdf.ln(5)


def generated_label(moment: datetime) -> str:
    """Return the report's time stamp (ISO-like, in the zone ``moment`` carries)."""
    return moment.strftime("%Y-%m-%d %H:%M %Z").strip()
