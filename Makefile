# OriginLink — two commands matter: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
DATA   ?= var

.PHONY: run test install lint test-py test-odoo bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[service,dev]'
	touch $@

install: $(BIN)/.installed

## make run: the whole service on this machine with embedded defaults (SQLite, local key, simulator)
run: install
	$(BIN)/originlink serve --host $(HOST) --port $(PORT) --data-dir $(DATA)

## make test: lint, every Python test, then the Odoo tests when Odoo is found (ODOO_PATH)
test: install lint test-py
	@scripts/test_odoo.sh --if-found

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test-py: install
	$(BIN)/pytest

## make test-odoo: the addon's tests in Odoo's own framework; needs ODOO_PATH and PostgreSQL
test-odoo:
	@scripts/test_odoo.sh

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .venv-odoo .pytest_cache .ruff_cache .hypothesis
