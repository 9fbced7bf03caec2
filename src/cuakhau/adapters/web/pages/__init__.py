"""Server-rendered pages: the public wait board, the officer dashboard, the exporter portal, login."""
