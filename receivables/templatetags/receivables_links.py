"""``{{ open_transaction|document_url }}``: the page of the document an open item stands for."""

from django import template

from ..links import open_transaction_url

register = template.Library()


@register.filter
def document_url(open_transaction) -> str:
    return open_transaction_url(open_transaction)
