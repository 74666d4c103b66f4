# policy-rag: the service with the offline defaults, serving the bundled corpus.
FROM python:3.11-slim
WORKDIR /app
ENV PIP_NO_CACHE_DIR=1 HOST=0.0.0.0 PORT=8000 WORKERS=2 POLICY_RAG_STORE__PATH=/app/.data/index
RUN apt-get update && apt-get install -y --no-install-recommends build-essential && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY ingest ingest
COPY service service
COPY prompts prompts
COPY eval eval
COPY data data
RUN pip install . && python -m ingest data/corpus --quiet
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
CMD ["python", "-m", "service"]
