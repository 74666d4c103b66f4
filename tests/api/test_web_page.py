"""The chat page at / in Debian's headless Chromium, driven by Playwright against the live service."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright


ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
README_SHOT = ROOT / "docs" / "screenshot.png"  # rewritten only when asked: POLICY_RAG_UPDATE_SCREENSHOT=1
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ANSWER_TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless; missing is a failure, not a skip."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install it with `apt-get install chromium` (CI installs it).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser: Browser, live_server: str) -> Iterator[Page]:
    """A fresh desktop-sized page on the service's base URL."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 640}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(ANSWER_TIMEOUT_MS)
    yield page
    context.close()


def ask(page: Page, question: str) -> dict:  # type: ignore[type-arg]
    """Type a question, press Enter, and return the JSON body the page posted to /v1/ask."""
    page.get_by_test_id("question").fill(question)
    with page.expect_request(lambda r: r.url.endswith("/v1/ask") and r.method == "POST") as request:
        page.get_by_test_id("question").press("Enter")
    body: dict = request.value.post_data_json  # type: ignore[type-arg]
    return body


def test_chat_page_answers_cites_and_fits_a_phone(page: Page) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    README_SHOT.parent.mkdir(exist_ok=True)
    page.goto("/")
    expect(page.get_by_test_id("region").locator("option", has_text="济源市")).to_have_count(1)
    expect(page.get_by_test_id("region").locator("option").first).to_have_text("全部地区")

    # First question: streamed answer with the figure and a citation chip that opens the full measure.
    first = ask(page, "济源市储能装机容量目标是多少？谁负责？")
    assert first["stream"] is True and first["top_k"] == 5 and first["history"] == []
    assert "filters" not in first
    answers = page.get_by_test_id("answer")
    expect(answers.nth(0)).to_contain_text("25兆瓦")
    chip = answers.nth(0).get_by_test_id("citation-chip").filter(has_text="济源市 第46条").first
    expect(chip).to_be_visible()
    expect(answers.nth(0)).not_to_contain_text("【济源市 第46条】")  # the inline reference became a chip
    chip.click()
    panel = answers.nth(0).get_by_test_id("measure-panel")
    expect(panel).to_contain_text("责任单位：发展改革和统计局")
    expect(panel).to_contain_text("四、突出集群发展")
    expect(panel).to_contain_text("（一）全面推进产业集群建设")
    expect(panel).not_to_contain_text("牵头单位")  # this measure names no lead unit
    # The document states no validity: its chip in the citation list says so.
    expect(answers.nth(0).get_by_test_id("citation-status").first).to_have_text("未注明")
    page.screenshot(path=str(ARTIFACTS / "desktop-answer.png"))
    if os.environ.get("POLICY_RAG_UPDATE_SCREENSHOT") == "1":  # the README's picture, when the page changed
        page.screenshot(path=str(README_SHOT))

    # Follow-up: the page sends the conversation so far, and shows the rewritten query.
    follow_up = ask(page, "那开封呢？")
    assert [m["role"] for m in follow_up["history"]] == ["user", "assistant"]
    assert follow_up["history"][0]["content"] == "济源市储能装机容量目标是多少？谁负责？"
    expect(answers).to_have_count(2)
    expect(answers.nth(1).get_by_test_id("rewritten")).to_contain_text("已检索：开封市")
    expect(answers.nth(1).get_by_test_id("citation-chip").first).to_contain_text("开封市")

    # Out of the corpus: the not-found state, and no citations.
    ask(page, "上海市的人才政策是什么？")
    expect(answers).to_have_count(3)
    expect(answers.nth(2).get_by_test_id("not-found")).to_have_text("未找到")
    expect(answers.nth(2).get_by_test_id("citation-chip")).to_have_count(0)

    # A region filter is sent as filters.region; a measure with a lead unit shows 牵头单位.
    page.get_by_test_id("region").select_option("济源市")
    filtered = ask(page, "全社会研发投入强度目标是多少？")
    assert filtered["filters"] == {"region": "济源市"}
    assert len(filtered["history"]) == 6
    expect(answers).to_have_count(4)
    expect(answers.nth(3)).to_contain_text("2.1%")
    answers.nth(3).get_by_test_id("citation-chip").filter(has_text="济源市 第9条").first.click()
    expect(answers.nth(3).get_by_test_id("measure-panel")).to_contain_text("牵头单位：工业信息和科技局")
    page.screenshot(path=str(ARTIFACTS / "desktop-conversation.png"))

    # A 422 from the service appears in the chat as a red message with its detail.
    ask(page, "问" * 1001)
    error = page.get_by_test_id("error")
    expect(error).to_contain_text("422")
    expect(error).to_contain_text("1000")
    assert error.evaluate("e => getComputedStyle(e).color") == "rgb(180, 35, 24)"

    # Phone width: no horizontal scroll, and the question box stays on screen.
    page.set_viewport_size({"width": 375, "height": 740})
    answers.nth(0).get_by_test_id("citation-chip").first.scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    box = page.get_by_test_id("question").bounding_box()
    assert box is not None and box["y"] + box["height"] <= 740 and box["x"] >= 0
    expect(page.get_by_test_id("send")).to_be_in_viewport()
    page.screenshot(path=str(ARTIFACTS / "phone.png"))

    # 新对话 clears the conversation; the next question goes out without history.
    page.get_by_test_id("new-chat").click()
    expect(answers).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "phone-new-chat.png"))
    fresh = ask(page, "济源市储能装机容量目标是多少？")
    assert fresh["history"] == []
    expect(answers.nth(0)).to_contain_text("25兆瓦")


@pytest.fixture()
def lifecycle_page(browser: Browser, lifecycle_server: str) -> Iterator[Page]:
    """A fresh page on the service over an expired notice and the notice repealing it."""
    context = browser.new_context(base_url=lifecycle_server, viewport={"width": 1280, "height": 640}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(ANSWER_TIMEOUT_MS)
    yield page
    context.close()


def test_citation_chips_show_whether_the_document_is_in_force(lifecycle_page: Page) -> None:
    page = lifecycle_page
    page.goto("/")
    answers = page.get_by_test_id("answer")
    ask(page, "洛阳市临时救助标准是多少？")
    expect(answers.nth(0)).to_contain_text("3000元")
    status = answers.nth(0).get_by_test_id("citation-status")
    expect(status).to_have_text(["现行有效"])
    chip = answers.nth(0).locator(".cites").get_by_test_id("citation-chip").first
    expect(chip).to_have_attribute("title", "洛阳市城乡居民临时救助实施办法（2024-01-01起施行）")

    ask(page, "《洛阳市城乡居民临时救助办法》现在还有效吗？")
    expect(answers.nth(1)).to_contain_text("已被《洛阳市城乡居民临时救助实施办法》（洛政办〔2023〕18号）废止")
    expect(answers.nth(1).get_by_test_id("citation-status")).to_have_text(["已失效", "现行有效"])
    off = answers.nth(1).get_by_test_id("citation-status").first
    assert off.evaluate("e => getComputedStyle(e).color") == "rgb(180, 35, 24)"  # the danger colour
    page.screenshot(path=str(ARTIFACTS / "lifecycle-chips.png"))
