"""Documents the collections room prints, as PDF rendered from the HTML the browser shows: a
collection letter as it was sent (its HTML is kept on the letter). The collections list's CSV
and XLSX exports are in ``services.exports``; customer statements in ``statements``."""

from core.pdf import html_to_pdf


def letter_pdf(letter) -> bytes:
    """The letter as it was sent: the HTML kept on it, laid out on A4 pages."""
    return html_to_pdf(letter.html)
