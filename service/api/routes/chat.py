"""The OpenAI-compatible chat endpoint: POST /v1/chat/completions and GET /v1/models."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from ingest import InputError
from service.api.chat_schemas import ChatChoice, ChatRequest, ChatResponse, ModelCard, ModelList
from service.api.convert import to_ask_response, to_filters
from service.api.deps import check_limits, get_app_settings, get_runtime
from service.api.security import require_api_key
from service.qa import AskOutcome
from service.runtime import Runtime
from service.settings import Settings

router = APIRouter(tags=["chat"])

MODEL_ID = "policy-rag"
_STARTED = int(time.time())


def _split(body: ChatRequest, max_chars: int) -> tuple[str, list[dict[str, str]]]:
    """The last user message is the question; earlier user/assistant turns are the history."""
    turns = [(m.role, m.text()) for m in body.messages if m.role in ("user", "assistant") and m.text().strip()]
    if not turns or turns[-1][0] != "user":
        raise InputError("messages: the last message must be a non-empty user message.")
    question = turns[-1][1].strip()
    if len(question) > max_chars:
        raise InputError(f"messages: the question is longer than {max_chars} characters.")
    return question, [{"role": r, "content": t} for r, t in turns[:-1]]


def _chunk(cid: str, created: int, delta: dict[str, str], finish: str | None, **extra: object) -> str:
    frame = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
             "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
    return f"data: {json.dumps(frame, ensure_ascii=False)}\n\n"


def _stream(outcome: AskOutcome, cid: str, created: int) -> Iterator[str]:
    # The verified answer is streamed, so the text and the citations on the last frame always agree.
    response = to_ask_response(outcome)
    yield _chunk(cid, created, {"role": "assistant", "content": ""}, None)
    text = response.answer
    for start in range(0, len(text), 24):
        yield _chunk(cid, created, {"content": text[start:start + 24]}, None)
    yield _chunk(cid, created, {}, "stop", citations=[c.model_dump() for c in response.citations],
                 refused=response.refused, rewritten_question=response.rewritten_question)
    yield "data: [DONE]\n\n"


@router.get("/v1/models", response_model=ModelList)
def models(_key: str = Depends(require_api_key)) -> ModelList:
    """OpenAI 兼容的模型列表（只有 policy-rag）。"""
    return ModelList(data=[ModelCard(id=MODEL_ID, created=_STARTED)])


@router.post("/v1/chat/completions", response_model=ChatResponse,
             responses={200: {"content": {"text/event-stream": {}},
                              "description": "JSON, or with stream=true `chat.completion.chunk` frames then [DONE]; "
                                             "the last chunk carries `citations`"}})
def chat_completions(body: ChatRequest, settings: Settings = Depends(get_app_settings),
                     runtime: Runtime = Depends(get_runtime),
                     _key: str = Depends(require_api_key)) -> ChatResponse | StreamingResponse:
    """OpenAI 兼容的对话接口：回答带【地区 第N条】引用，响应另含结构化 citations。"""
    check_limits(settings, top_k=body.top_k)
    question, history = _split(body, settings.api.max_question_chars)
    outcome = runtime.qa.ask(question, body.top_k, to_filters(body.filters), history)
    cid, created = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())
    if body.stream:
        return StreamingResponse(_stream(outcome, cid, created), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache"})
    response = to_ask_response(outcome)
    return ChatResponse(
        id=cid, created=created, model=MODEL_ID,
        choices=[ChatChoice(message={"role": "assistant", "content": response.answer})],
        usage={"prompt_tokens": len(question), "completion_tokens": len(response.answer),
               "total_tokens": len(question) + len(response.answer)},
        citations=response.citations, refused=response.refused, rewritten_question=response.rewritten_question,
    )
