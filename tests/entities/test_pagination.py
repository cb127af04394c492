"""The page links of every paginated list keep the list's filters."""

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory


def test_pagination_links_keep_the_filters_and_set_the_page():
    request = RequestFactory().get("/invoices/", {"status": "posted", "q": "a&b", "page": "2"})
    page = Paginator(list(range(30)), 10).get_page(2)
    html = render_to_string("pagination.html", {"page": page, "request": request})
    assert 'href="?status=posted&amp;q=a%26b&amp;page=1">Previous' in html
    assert 'href="?status=posted&amp;q=a%26b&amp;page=3">Next' in html
    assert "Page 2 of 3" in html


def test_pagination_without_a_request_links_the_page_alone():
    page = Paginator(list(range(30)), 10).get_page(1)
    html = render_to_string("pagination.html", {"page": page})
    assert 'href="?page=2">Next' in html
