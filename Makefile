# Two commands: `make run` (chat on http://127.0.0.1:7860) and `make test` (the whole suite).
# `make test-fast` runs the tests of logic only (no embedding model, no slow corpora): seconds, not minutes.
# Offline/telemetry environment: set once by the package itself (assistant/env.py).
VENV ?= .venv
PY := $(VENV)/bin/python
SITREP := $(VENV)/bin/sitrep

.PHONY: install run index test test-fast lint eval bench fit clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch pinned in the same install: an unpinned one pulls a multi-GB CUDA build
	$(PY) -m pip install --quiet -e '.[test,nlp,llm]' 'torch==2.13.0'
	touch $@

install: $(VENV)/.installed

index: install
	$(SITREP) ingest eval/corpus

run: index
	$(SITREP) chat

test: install lint
	$(PY) -m pytest -q -s -p no:cacheprovider

test-fast: install
	$(PY) -m pytest -q -p no:cacheprovider -m "not model and not slow and not browser"

lint: install
	$(VENV)/bin/ruff check assistant ingest eval tests
	$(VENV)/bin/mypy assistant ingest eval

eval: install
	$(SITREP) eval --report eval/out/report.md --json eval/out/eval.json

bench: install
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) -m eval.bench --shared --sizes 20000,200000

fit: install
	$(PY) -m eval.fit

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
