"""HTTP API (FastAPI): app factory, routers under /api/v1, one error shape."""
