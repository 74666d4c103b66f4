"""POST /v1/ask: a cited answer, as JSON or as Server-Sent Events."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from service.api.convert import to_ask_response, to_filters
from service.api.deps import check_limits, get_app_settings, get_runtime
from service.api.schemas import AskRequest, AskResponse
from service.qa import AskOutcome
from service.runtime import Runtime
from service.settings import Settings

router = APIRouter(tags=["ask"])


def _sse(event: str, data: object) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _events(items: Iterator[str | AskOutcome]) -> Iterator[str]:
    for item in items:
        if isinstance(item, AskOutcome):
            yield _sse("final", to_ask_response(item).model_dump())
        else:
            yield _sse("delta", {"text": item})


@router.post("/v1/ask", response_model=AskResponse,
             responses={200: {"content": {"text/event-stream": {}},
                              "description": "JSON, or with stream=true: `delta` events then one `final` event "
                                             "carrying the whole answer, citations and verification"}})
def ask(body: AskRequest, settings: Settings = Depends(get_app_settings),
        runtime: Runtime = Depends(get_runtime)) -> AskResponse | StreamingResponse:
    """回答问题并引用具体条目（如【济源市 第46条】）；证据不足时回答「文件中没有找到相关内容。」"""
    check_limits(settings, text=("question", body.question), top_k=body.top_k)
    if body.stream:
        history = [m.model_dump() for m in body.history]
        items = runtime.qa.ask_stream(body.question, body.top_k, to_filters(body.filters), history,
                                      min_answerability=body.min_answerability)
        first = next(items)  # retrieval runs here, so an unreachable index is a 503, not a broken stream
        return StreamingResponse(_events(itertools.chain([first], items)), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    history = [m.model_dump() for m in body.history]
    outcome = runtime.qa.ask(body.question, body.top_k, to_filters(body.filters), history,
                             min_answerability=body.min_answerability)
    return to_ask_response(outcome)
