"""Models of the OpenAI-compatible chat endpoint and the helpdesk bot webhook."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from service.api.schemas import CitationModel, SearchFilters

__all__ = ["ChatMessage", "ChatRequest", "ChatChoice", "ChatResponse", "ModelCard", "ModelList",
           "BotRequest", "BotResponse"]


class ChatMessage(BaseModel):
    """An OpenAI chat message; content parts are joined as text."""

    model_config = ConfigDict(extra="allow")

    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        """The message as plain text."""
        if isinstance(self.content, list):
            return "".join(str(part.get("text", "")) for part in self.content)
        return self.content or ""


class ChatRequest(BaseModel):
    """The OpenAI chat-completions request; sampling parameters are accepted and ignored."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [
        {"model": "policy-rag", "messages": [{"role": "user", "content": "济源市储能装机容量目标是多少？谁负责？"}]}]})

    model: str = "policy-rag"
    messages: list[ChatMessage] = Field(..., min_length=1, max_length=200)
    stream: bool = False
    top_k: int = Field(5, ge=1, description="扩展字段：检索条数（1 至 api.max_top_k，默认 50）")
    filters: SearchFilters | None = Field(None, description="扩展字段：检索过滤条件")


class ChatChoice(BaseModel):
    """One choice; there is always exactly one."""

    index: int = 0
    message: dict[str, str]
    finish_reason: str = "stop"


class ChatResponse(BaseModel):
    """The OpenAI chat.completion object plus `citations`, `refused` and `rewritten_question`."""

    id: str
    object: str = "chat.completion"
    created: int
    model: str
    choices: list[ChatChoice]
    usage: dict[str, int]
    citations: list[CitationModel]
    refused: bool
    rewritten_question: str


class ModelCard(BaseModel):
    """One model of GET /v1/models."""

    id: str
    object: str = "model"
    created: int
    owned_by: str = "policy-rag"


class ModelList(BaseModel):
    """GET /v1/models."""

    object: str = "list"
    data: list[ModelCard]


class BotRequest(BaseModel):
    """A message from the helpdesk chat tool."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"conversation_id": "c-1001", "user_id": "u-42", "text": "济源市储能装机容量目标是多少？"}]})

    conversation_id: str = Field(..., min_length=1, max_length=200)
    user_id: str = Field(..., min_length=1, max_length=200)
    text: str = Field(..., min_length=1, description="用户消息（最多 api.max_question_chars 字，默认 1000）")


class BotResponse(BaseModel):
    """A reply the chat tool can post as-is."""

    reply: str
    citations: list[CitationModel]
    refused: bool
    rewritten_question: str
