"""French formats: Django's, but a date input's value first as ISO 8601, the only value an
``<input type="date">`` takes (Django writes a form's date with the first input format)."""

DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # '2006-10-25', what a date input sends and needs
    "%d/%m/%Y",  # '25/10/2006'
    "%d/%m/%y",  # '25/10/06'
]
