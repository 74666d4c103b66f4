"""Request limits come from the settings (api.max_top_k, api.max_question_chars), not from the schema."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from service.main import create_app


def test_limits_follow_the_settings(corpus_settings: Any, corpus_runtime: Any) -> None:
    settings = corpus_settings.model_copy(deep=True)
    settings.api.max_top_k = 3
    settings.api.max_question_chars = 20
    with TestClient(create_app(settings, runtime=corpus_runtime)) as client:
        too_many = client.post("/v1/search", json={"query": "储能", "top_k": 4})
        enough = client.post("/v1/search", json={"query": "储能", "top_k": 3})
        too_long = client.post("/v1/ask", json={"question": "问" * 21, "top_k": 3})
        chat = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "储能"}], "top_k": 4})
        bot = client.post("/v1/bot/messages", json={"conversation_id": "c", "user_id": "u", "text": "问" * 21})
        asked = client.post("/v1/ask", json={"question": "济源市储能装机容量目标是多少？", "top_k": 3})

    assert too_many.status_code == 422 and too_many.json()["detail"] == "top_k: Input should be less than or equal to 3"
    assert enough.status_code == 200 and len(enough.json()["results"]) <= 3
    assert too_long.status_code == 422 and too_long.json()["detail"] == "question: String should have at most 20 characters"
    assert chat.status_code == 422 and "top_k" in chat.json()["detail"]
    assert bot.status_code == 422 and "text" in bot.json()["detail"]
    assert asked.status_code == 200 and not asked.json()["refused"]
