"""GET /metrics: Prometheus text format."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from service.metrics import CONTENT_TYPE, Metrics

router = APIRouter(tags=["operations"])


@router.get("/metrics", response_class=Response, responses={200: {"content": {CONTENT_TYPE: {}}}})
def metrics(request: Request) -> Response:
    """Prometheus 指标：请求数与延迟、检索各阶段耗时、拒答、LLM 回退、索引条目数。"""
    collectors: Metrics = request.app.state.metrics
    return Response(collectors.exposition(), media_type=CONTENT_TYPE)
