# Two commands: `make run` (chat on http://127.0.0.1:7860) and `make test` (the whole suite).
VENV ?= .venv
PY := $(VENV)/bin/python
SITREP := $(VENV)/bin/sitrep
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install run index test lint eval bench clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch pinned in the same install: an unpinned one pulls a multi-GB CUDA build
	$(PY) -m pip install --quiet -e '.[test]' 'torch==2.13.0'
	touch $@

install: $(VENV)/.installed

index: install
	$(SITREP) ingest eval/corpus

run: index
	$(SITREP) chat

test: install lint
	$(PY) -m pytest -q -s -p no:cacheprovider

lint: install
	$(VENV)/bin/ruff check assistant ingest eval tests
	$(VENV)/bin/mypy assistant ingest eval

eval: install
	$(SITREP) eval --report eval/out/report.md --json eval/out/eval.json

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
