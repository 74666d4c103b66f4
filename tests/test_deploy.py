"""docker-compose.yml and the Dockerfile checked against the repository (no Docker engine runs here).

Every path they copy exists, every POLICY_RAG_* variable is a settings field, ports agree, and every health
check URL is a route the app (or a real `chroma run` server) answers.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
import yaml
from helpers import ROOT, compose_command, free_port, stop_process, wait_http
from pydantic import BaseModel

from ingest.cli import build_parser as ingest_parser
from service.main import create_app
from service.settings import Settings

COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
URL_IN_TEXT = re.compile(r"https?://[^\s'\"]+")


def _dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text(encoding="utf-8"))
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def _setting_env_names(model: type[BaseModel] = Settings, prefix: str = "POLICY_RAG_") -> set[str]:
    """Every environment variable the settings model reads, nested groups joined with __."""
    names = set()
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names |= _setting_env_names(annotation, f"{prefix}{name.upper()}__")
        else:
            names.add(f"{prefix}{name.upper()}")
    return names


def _environment(service: str) -> dict[str, str]:
    env = SERVICES[service].get("environment", {})
    assert isinstance(env, dict), f"{service}: write environment as a mapping"
    return {str(k): str(v) for k, v in env.items()}


def _app_routes() -> set[str]:
    """The paths the app serves, from its OpenAPI document (included routers are not flat in `app.routes`)."""
    return set(create_app(Settings()).openapi()["paths"])


def _dockerfile_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for instruction, args in _dockerfile():
        if instruction == "ENV":
            env.update(dict(part.split("=", 1) for part in shlex.split(args)))
    return env


def test_dockerfile_copies_only_paths_that_exist() -> None:
    copies = [shlex.split(args) for instruction, args in _dockerfile() if instruction == "COPY"]
    assert copies
    for parts in copies:
        sources = [p for p in parts if not p.startswith("--")][:-1]
        for source in sources:
            assert (ROOT / source).exists(), f"Dockerfile copies {source}, which is not in the repository"
    copied = {Path(s).parts[0] for parts in copies for s in parts[:-1]}
    # What the service and `python -m ingest data/corpus` need at run time.
    assert {"pyproject.toml", "ingest", "service", "prompts", "data"} <= copied


def test_dockerfile_environment_port_and_healthcheck_match_the_app() -> None:
    env = _dockerfile_env()
    unknown = {k for k in env if k.startswith("POLICY_RAG_")} - _setting_env_names()
    assert not unknown, f"Dockerfile sets variables no setting reads: {unknown}"
    exposed = [args.split()[0] for instruction, args in _dockerfile() if instruction == "EXPOSE"]
    assert exposed == [env["PORT"]]
    checks = [args for instruction, args in _dockerfile() if instruction == "HEALTHCHECK"]
    assert len(checks) == 1
    url = urlparse(URL_IN_TEXT.findall(checks[0])[0])
    assert str(url.port) == env["PORT"] and url.path in _app_routes()
    assert _dockerfile()[-1][0] == "CMD" and "service" in _dockerfile()[-1][1]


def test_compose_variables_are_settings_fields() -> None:
    known = _setting_env_names()
    for name in ("ingest", "api"):
        env = _environment(name)
        unknown = {k for k in env if k.startswith("POLICY_RAG_")} - known
        assert not unknown, f"{name} sets variables no setting reads: {unknown}"
    api = _environment("api")
    assert {"POLICY_RAG_STORE__URL", "POLICY_RAG_STORE__PATH"} <= set(api)
    assert _environment("ingest")["POLICY_RAG_STORE__URL"] == api["POLICY_RAG_STORE__URL"]
    assert _environment("ingest")["POLICY_RAG_STORE__PATH"] == api["POLICY_RAG_STORE__PATH"]


def _flag(command: list[str], flag: str) -> str:
    return command[command.index(flag) + 1]


def test_compose_ports_and_hosts_agree() -> None:
    api = _environment("api")
    published = [str(p).split(":") for p in SERVICES["api"]["ports"]]
    assert [container for _, container in published] == [api["PORT"]] == [_dockerfile_env()["PORT"]]
    store = urlparse(api["POLICY_RAG_STORE__URL"])
    assert store.hostname in SERVICES and str(store.port) == _flag(SERVICES[store.hostname]["command"], "--port")
    llm = urlparse(api["POLICY_RAG_LLM__BASE_URL"])
    assert llm.hostname in SERVICES and str(llm.port) == _flag(SERVICES[llm.hostname]["command"], "--port")
    assert SERVICES["llm"]["profiles"] == ["llm"]  # optional: plain `docker compose up` does not start it


def test_compose_references_exist() -> None:
    volumes = set(COMPOSE.get("volumes", {}))
    for name, service in SERVICES.items():
        if "build" in service:
            context = service["build"] if isinstance(service["build"], str) else service["build"]["context"]
            assert (ROOT / context / "Dockerfile").is_file()
        for dependency in service.get("depends_on", {}):
            assert dependency in SERVICES, f"{name} depends on unknown service {dependency}"
        for mount in service.get("volumes", []):
            source = str(mount).split(":")[0]
            if source.startswith("."):
                continue  # a host folder the user provides (./models)
            assert source in volumes, f"{name} mounts undeclared volume {source}"
    command = SERVICES["ingest"]["command"]
    assert command[:3] == ["python", "-m", "ingest"]
    args = ingest_parser().parse_args(command[3:])
    assert all((ROOT / p).exists() for p in args.paths)


def _health_url(service: str) -> str:
    test = SERVICES[service]["healthcheck"]["test"]
    return URL_IN_TEXT.findall(" ".join(test))[0].rstrip(")")


def test_api_healthcheck_is_a_route_on_the_published_port() -> None:
    url = urlparse(_health_url("api"))
    assert url.path in _app_routes() and str(url.port) == _environment("api")["PORT"]
    assert url.path == "/readyz"  # compose should wait for the index, not only the process


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`chroma run` as the compose file runs it, on a free loopback port."""
    chroma = Path(sys.executable).parent / "chroma"
    if not chroma.exists():
        pytest.fail(f"no chroma binary next to {sys.executable}; pip install chromadb")
    command = list(SERVICES["chroma"]["command"])
    command[0] = str(chroma)
    command[command.index("--path") + 1] = str(tmp_path / "data")
    command[command.index("--host") + 1] = "127.0.0.1"
    command[command.index("--port") + 1] = str(port := free_port())
    with (tmp_path / "chroma.log").open("wb") as log:
        proc = subprocess.Popen(command, env=dict(os.environ, ANONYMIZED_TELEMETRY="False"),
                                stdout=log, stderr=subprocess.STDOUT)
        proc.port = port  # type: ignore[attr-defined]
        try:
            yield proc
        finally:
            stop_process(proc)


def test_chroma_healthcheck_is_the_servers_heartbeat(chroma_server: subprocess.Popen[bytes]) -> None:
    url = urlparse(_health_url("chroma"))
    assert str(url.port) == _flag(SERVICES["chroma"]["command"], "--port")
    local = f"http://127.0.0.1:{chroma_server.port}{url.path}"  # type: ignore[attr-defined]
    wait_http(local, timeout=60, proc=chroma_server)
    assert "nanosecond heartbeat" in httpx.get(local, timeout=5).json()


def test_compose_embedding_server_gives_the_bundled_embedders_vectors(tmp_path: Path) -> None:
    """The `embedder` service's command line, run here, embeds through the openai backend configured as `api` is."""
    import numpy as np

    from ingest.index.embedders import build_embedder
    from ingest.settings import IngestSettings

    api = _environment("api")
    url = urlparse(re.sub(r"\$\{[^:}]+:-([^}]*)\}", r"\1", api["POLICY_RAG_EMBEDDER__BASE_URL"]))
    assert url.hostname in SERVICES and str(url.port) == _flag(SERVICES[url.hostname]["command"], "--port")
    command, env = compose_command(url.hostname, port=(port := free_port()))
    with (tmp_path / "embedder.log").open("wb") as log:
        proc = subprocess.Popen(command, env=dict(os.environ, **env), stdout=log, stderr=subprocess.STDOUT)
    try:
        health = urlparse(_health_url(url.hostname))
        wait_http(f"http://127.0.0.1:{port}{health.path}", timeout=60, proc=proc, log=tmp_path / "embedder.log")
        # The compose defaults (${VAR:-default}) as the api container would read them, pointed at this port.
        defaults = {k: re.sub(r"\$\{[^:}]+:-([^}]*)\}", r"\1", v) for k, v in api.items()}
        defaults["POLICY_RAG_EMBEDDER__BASE_URL"] = f"http://127.0.0.1:{port}{url.path}"
        settings = IngestSettings(**_nested(defaults))
        served = build_embedder(settings.embedder.name, settings.embedder.model, settings.embedder)
        bundled = build_embedder("bundled")
        texts = ["支持企业吸纳就业。对招用登记失业人员的中小企业，按每人1000元给予一次性吸纳就业补贴。",
                 "全年开发城乡公益性岗位500个", "老旧小区改造"]
        try:
            assert served.dimension == bundled.dimension
            assert np.abs(served.embed_passages(texts) - bundled.embed_passages(texts)).max() < 1e-4
            assert np.abs(served.embed_query("公益性岗位有多少") - bundled.embed_query("公益性岗位有多少")).max() < 1e-4
        finally:
            served.close()  # type: ignore[attr-defined]
    finally:
        stop_process(proc)


def _nested(env: dict[str, str]) -> dict[str, Any]:
    """POLICY_RAG_GROUP__FIELD variables as the settings' nested mapping."""
    out: dict[str, Any] = {}
    for key, value in env.items():
        if key.startswith("POLICY_RAG_") and "__" in key:
            group, field = key[len("POLICY_RAG_"):].lower().split("__", 1)
            out.setdefault(group, {})[field] = value
    return out
