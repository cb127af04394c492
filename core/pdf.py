"""Printable documents: HTML rendered to PDF by WeasyPrint, from the same templates the browser
shows (their print stylesheet lays out the page). A document carries its styles inline and
loads nothing: every URL is refused while rendering, so a text that names one cannot make the
server reach out."""


def pdf_render(html: str):
    """The laid-out document (``weasyprint.Document``): its ``pages``, and ``write_pdf()``."""
    # Imported here: WeasyPrint loads Pango when imported, which only printing needs.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=())).render()


def html_to_pdf(html: str) -> bytes:
    """The PDF of a printable page."""
    return pdf_render(html).write_pdf()
