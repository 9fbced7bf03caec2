"""The interactive API documentation at ``/docs``: Swagger UI served from the package, not from a CDN.

FastAPI's own page loads Swagger UI from jsDelivr and starts it with an inline script; both break a strict
Content-Security-Policy (``headers.PAGE_CSP``). This page loads the vendored copy in
``static/vendor/swagger-ui`` (its README names the version and the licence) and starts it from ``static/docs.js``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from cuakhau.adapters.web.pages.render import environment

router = APIRouter()


@router.get("/docs", include_in_schema=False, response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    app = request.app
    html = environment("en").get_template("docs.html").render(title=app.title, openapi_url=app.openapi_url)
    return HTMLResponse(html, headers={"Content-Language": "en"})
