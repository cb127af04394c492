"""Spreadsheet exports, for every app that writes CSV or XLSX: text is written as text.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, after a tab or a
carriage return, what follows) as a formula; a customer name such as
``=HYPERLINK("http://…"&B3,"…")`` would then run on the reader's machine. Every text value is
prefixed with ``'`` when it starts with one of those characters; numbers, dates and amounts are
written as they are (a negative amount is a number, not text). In XLSX every text cell is a
string cell, never a formula.

CSV is streamed a row at a time. XLSX is written by openpyxl's write-only mode, row by row, to
a file or a buffer; large workbooks are written by a job into ``EXPORTS_DIR``, a private folder
that no URL serves directly.
"""

import csv
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.http import FileResponse, Http404, StreamingHttpResponse

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def spreadsheet_text(value: str) -> str:
    """``value`` as a spreadsheet shows it as text: prefixed with ``'`` when it would start a
    formula."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def spreadsheet_value(value: Any) -> Any:
    """A cell's value: text escaped (``spreadsheet_text``), anything else as it is."""
    return spreadsheet_text(value) if isinstance(value, str) else value


class _Echo:
    """A file-like object whose ``write`` returns what it was given (for ``csv.writer``)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(lines: Iterable[Sequence[Any]]) -> Iterator[str]:
    """Each row of ``lines`` as one CSV line; ``None`` is an empty cell, text is escaped."""
    writer = csv.writer(_Echo())
    for line in lines:
        yield writer.writerow(["" if v is None else spreadsheet_value(v) for v in line])


def csv_response(lines: Iterable[Sequence[Any]], *, filename: str) -> StreamingHttpResponse:
    """A CSV download streamed row by row as ``lines`` (an iterator) produces them."""
    response = StreamingHttpResponse(csv_lines(lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_file_response(path: Path, *, filename: str) -> FileResponse:
    """A workbook a job wrote, as a download; 404 once the file is no longer kept."""
    if not path.is_file():
        raise Http404("The export's file is no longer kept.")
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE
    )


def _xlsx_row(sheet, line: Sequence[Any]) -> list[Any]:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    row = []
    for value in line:
        if isinstance(value, str):
            # Control characters an XLSX cannot hold are dropped first, so what remains is
            # what the escaping looks at.
            cell = WriteOnlyCell(
                sheet, value=spreadsheet_text(ILLEGAL_CHARACTERS_RE.sub("", value))
            )
            cell.data_type = "s"
            row.append(cell)
        else:
            row.append(value)
    return row


def xlsx_write(
    target: str | Path | IO[bytes],
    *,
    sheet_name: str,
    lines: Iterable[Sequence[Any]],
) -> int:
    """Write ``lines`` (the first is the header) to a one-sheet workbook at ``target``, row by
    row (write-only mode keeps memory flat). Returns the number of rows written."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name)
    count = 0
    for line in lines:
        sheet.append(_xlsx_row(sheet, line))
        count += 1
    workbook.save(target)
    return count


def exports_dir() -> Path:
    """The private folder export jobs write their files into (created when missing)."""
    folder = Path(settings.EXPORTS_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
