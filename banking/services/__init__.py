"""Banking services: every write of the banking room."""
