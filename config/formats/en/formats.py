"""English dates as the pages have always shown them (ISO 8601); the rest is Django's.

Every language's first date input format must stay ISO 8601 (see ``fr``): Norwegian's is."""

SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
