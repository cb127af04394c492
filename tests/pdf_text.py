"""What a printable page puts on its PDF pages: WeasyPrint lays the HTML out, and the text of
each page is read back from the laid-out boxes the PDF is drawn from (a PDF's text streams
are compressed and glyph-coded, so reading them back would need another library)."""

from core.pdf import pdf_render


def laid_out_pages(html: str) -> list[str]:
    """The text of each page, its boxes joined by spaces."""
    document = pdf_render(html)
    pages = []
    for page in document.pages:
        texts = [
            box.text for box in page._page_box.descendants() if type(box).__name__ == "TextBox"
        ]
        pages.append(" ".join(texts))
    return pages
