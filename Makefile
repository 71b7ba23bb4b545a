# liandong: `make run` starts the platform on embedded SQLite with a demo city; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export LIANDONG_DATABASE_URL ?= sqlite:///var/liandong.db

.PHONY: install install-dev run test lint format typecheck bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Re-installs only when pyproject.toml changes (idempotent).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[ml]'
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev,ml]'
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

run: install
	@mkdir -p var
	$(BIN)/liandong db upgrade
	@if [ ! -f var/.demo-loaded ]; then \
		$(BIN)/liandong load-reference && $(BIN)/liandong demo && touch var/.demo-loaded; \
	fi
	@echo ""
	@echo "liandong is starting on http://127.0.0.1:8000  (console: /console, API docs: /docs)"
	@$(BIN)/liandong demo-logins 2>/dev/null || true
	$(BIN)/liandong serve --host 127.0.0.1 --port 8000 --with-worker

lint: install-dev
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

typecheck: install-dev
	$(BIN)/mypy src

test: install-dev lint typecheck
	$(BIN)/pytest

format: install-dev
	$(BIN)/ruff format src tests bench scripts
	$(BIN)/ruff check --fix src tests bench scripts

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
