"""The built wheel on its own: installed in a fresh venv outside the source tree, it ingests and answers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import httpx

from helpers import ROOT, start_service, stop_process, wait_http

SOURCES = ["pyproject.toml", "README.md", "ingest", "service", "eval", "prompts"]
DOCUMENT = """济源市关于加快储能产业发展的若干措施

一、扩大储能规模
1.加快储能项目建设，力争储能装机容量达到25兆瓦。（发展改革和统计局负责）
2.支持企业建设用户侧储能设施，全年新增储能企业5家。（工业信息和科技局负责）
二、强化要素保障
3.统筹安排储能项目用地指标，优先保障重点项目。（自然资源和规划局负责）
"""


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_wheel_installs_ingests_and_answers_through_an_llm(tmp_path: Path, llama_server: str) -> None:
    # Build from a copy, so that the build leaves nothing in the source tree.
    src = tmp_path / "src"
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            src.mkdir(exist_ok=True)
            shutil.copy2(ROOT / name, src / name)
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(src)],
         cwd=tmp_path)
    (wheel,) = dist.glob("policy_rag-*.whl")

    # A fresh venv with the wheel; third-party packages come from this interpreter's site-packages (a path
    # appended by a .pth file, so the editable install of the source tree there is not activated).
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp_path)
    python = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)], cwd=tmp_path)
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=tmp_path).strip())
    (site / "shared_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")

    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = _run([str(python), "-c", "import service, prompts, eval.cli as e; from pathlib import Path; "
                  "print(service.__file__); print(Path(prompts.__file__).parent); print(e.DEFAULT_DATASET)"],
                 cwd=work, env=env).split()
    service_file, prompts_dir, dataset = (Path(p) for p in where)
    assert service_file.is_relative_to(venv), service_file  # the wheel's code, not the source tree's
    assert (prompts_dir / "answer.zh.txt").is_file() and prompts_dir.is_relative_to(venv)
    assert (service_file.parent / "static" / "index.html").is_file()
    assert dataset.is_file() and dataset.is_relative_to(venv)

    (work / "储能措施.txt").write_text(DOCUMENT, encoding="utf-8")
    index = work / "index"
    _run([str(python), "-m", "ingest", "储能措施.txt", "--index", str(index), "--quiet"], cwd=work, env=env)

    proc, url = start_service({"POLICY_RAG_STORE__PATH": str(index), "POLICY_RAG_ANSWER__BACKEND": "openai",
                               "POLICY_RAG_LLM__BASE_URL": llama_server, "POLICY_RAG_LLM__MODEL": "smollm2",
                               "POLICY_RAG_LLM__TIMEOUT": "180", "POLICY_RAG_LLM__MAX_RETRIES": "0",
                               "PYTHONPATH": ""}, python=python, cwd=work)
    try:
        wait_http(f"{url}/readyz", timeout=120, proc=proc)
        r = httpx.post(f"{url}/v1/ask", json={"question": "济源市储能装机容量目标是多少？"}, timeout=300)
        page = httpx.get(f"{url}/", timeout=30)
    finally:
        stop_process(proc)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["verification"] is not None  # the prompt file was found and the model's output verified
    assert body["backend"].startswith("openai") or (body["fallback"] and body["backend"] == "extractive")
    assert not body["refused"] and body["citations"]
    assert "25" in "".join(c["text"] for c in body["citations"])
    assert page.status_code == 200 and "<html" in page.text.lower()
