"""The helpdesk webhook: POST /v1/bot/messages with server-side conversation history."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from service.api.chat_schemas import BotRequest, BotResponse
from service.api.convert import to_ask_response
from service.api.deps import check_limits, get_app_settings, get_runtime
from service.api.schemas import CitationModel
from service.api.security import require_api_key
from service.conversations import ConversationStore
from service.runtime import Runtime
from service.settings import Settings

router = APIRouter(tags=["bot"])


def plain_reply(answer: str, refs: list[str]) -> str:
    """The answer with a short 「来源：…」 line a chat tool can post as-is."""
    return f"{answer}\n来源：{'；'.join(refs)}" if refs else answer


def source_ref(citation: CitationModel) -> str:
    """A citation as the 来源 line names it: 「X市 第3条（已失效）」 when its document is not in force."""
    return f"{citation.ref}（已失效）" if citation.in_force is False else citation.ref


@router.post("/v1/bot/messages", response_model=BotResponse)
def bot_message(body: BotRequest, request: Request, settings: Settings = Depends(get_app_settings),
                runtime: Runtime = Depends(get_runtime), key: str = Depends(require_api_key)) -> BotResponse:
    """客服机器人接口：按 conversation_id 在服务端保存对话，回复纯文本并附「来源」行。"""
    check_limits(settings, text=("text", body.text))
    store: ConversationStore = request.app.state.conversations
    conversation = f"{key}:{body.conversation_id}"  # keys never see each other's conversations
    outcome = runtime.qa.ask(body.text, history=store.history(conversation))
    response = to_ask_response(outcome)
    store.append(conversation, body.text, response.answer)
    return BotResponse(reply=plain_reply(response.answer, [source_ref(c) for c in response.citations]),
                       citations=response.citations, refused=response.refused,
                       rewritten_question=response.rewritten_question)
