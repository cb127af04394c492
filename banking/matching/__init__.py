"""Automatic matching of bank statement lines to open transactions (SPEC section 10).

The rooms: ``references`` (the document numbers and RF references a line names), ``combinations``
(which few open amounts add up to a payment), ``names`` (the party names a line's name is
similar to, found without scoring every name), ``engine`` (the rules, pure: no database) and
``candidates`` (the open transactions a statement's lines may pay, read in bulk)."""
