"""An index of two real notices, an expired one and the one repealing it, and the service over it (issue 20)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import ingest_folder, serving


# Both answer 「临时救助标准是多少」, with different figures; the new one repeals the old one by title and 文号.
OLD_NOTICE = """洛阳市城乡居民临时救助办法
洛政办〔2021〕5号

第一条 为规范城乡居民临时救助工作，保障困难群众基本生活，制定本办法。
第二条 临时救助对象为因突发事件导致基本生活暂时出现严重困难的家庭或个人。
第三条 临时救助标准为每人每次最高2000元，由县级民政部门审批。
第四条 申请临时救助应当向户籍所在地乡镇人民政府提出。
第五条 本办法自2021年3月1日起施行，有效期至2023年12月31日。
"""
NEW_NOTICE = """洛阳市城乡居民临时救助实施办法
洛政办〔2023〕18号

第一条 为进一步规范城乡居民临时救助工作，保障困难群众基本生活，制定本办法。
第二条 临时救助对象为因突发事件导致基本生活暂时出现严重困难的家庭或个人。
第三条 临时救助标准为每人每次最高3000元，由县级民政部门审批。
第四条 申请临时救助可以向户籍所在地或经常居住地乡镇人民政府提出。
第五条 本办法自2024年1月1日起施行，《洛阳市城乡居民临时救助办法》（洛政办〔2021〕5号）同时废止。
"""


@pytest.fixture(scope="session")
def lifecycle_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two notices written as .txt files and indexed by `python -m ingest` (bundled embedder)."""
    docs = tmp_path_factory.mktemp("lifecycle-docs")
    (docs / "old.txt").write_text(OLD_NOTICE, encoding="utf-8")
    (docs / "new.txt").write_text(NEW_NOTICE, encoding="utf-8")
    return ingest_folder(docs, tmp_path_factory.mktemp("lifecycle-index"))


@pytest.fixture(scope="session")
def lifecycle_server(lifecycle_index: Path) -> Iterator[str]:
    """The real service under uvicorn on loopback over the two notices."""
    with serving(lifecycle_index) as url:
        yield url
