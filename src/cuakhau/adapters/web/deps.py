"""Dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from cuakhau import i18n
from cuakhau.services.context import ServiceContext


# Dependencies that do no I/O are coroutines: FastAPI runs a plain function in its thread pool, and each such
# hand-off cost more CPU than the function itself (measured on the booking path, docs/benchmarks.md).
async def get_context(request: Request) -> ServiceContext:
    context: ServiceContext = request.app.state.context
    return context


async def get_language(request: Request) -> str:
    return i18n.negotiate(request.headers.get("accept-language"))


class Page:
    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=500, description="Items per page")] = 50,
        offset: Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip")] = 0,
    ) -> None:
        self.limit = limit
        self.offset = offset


ContextDep = Annotated[ServiceContext, Depends(get_context)]
LanguageDep = Annotated[str, Depends(get_language)]
PageDep = Annotated[Page, Depends(Page)]
