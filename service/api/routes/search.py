"""POST /v1/search."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from service.api.convert import to_filters, to_search_result
from service.api.deps import check_limits, get_app_settings, get_runtime
from service.api.schemas import SearchRequest, SearchResponse
from service.runtime import Runtime
from service.settings import Settings

router = APIRouter(tags=["search"])


@router.post("/v1/search", response_model=SearchResponse)
def search(body: SearchRequest, settings: Settings = Depends(get_app_settings),
           runtime: Runtime = Depends(get_runtime)) -> SearchResponse:
    """检索与查询最相关的措施条目（混合检索：向量 + BM25）。"""
    check_limits(settings, text=("query", body.query), top_k=body.top_k)
    result = runtime.qa.search(body.query, body.top_k, to_filters(body.filters))
    return SearchResponse(results=[to_search_result(h, result.statuses) for h in result.hits],
                          timings={k: round(v, 2) for k, v in result.timings.items()})
