# OriginLink — two commands matter: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
DATA   ?= var
PIP     = $(BIN)/python -m pip --quiet

.PHONY: run test install install-dev catalogues lint test-py test-aws e2e test-odoo package bench clean
LOCALE  = lambda_api/originlink_service/verification/locale

# What running needs: the core, the service and the customs simulator (three distributions,
# installed editable; the simulator is never part of the Lambda bundle). Their build tools go
# into the venv once and the three builds use them (--no-build-isolation): three isolated
# build environments cost a fresh clone's first `make run` about 15 s more.
$(BIN)/.installed-run: pyproject.toml lambda_api/pyproject.toml simulator/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install "setuptools>=77" "babel>=2.10"
	$(PIP) install --no-build-isolation -e . -e ./lambda_api -e ./simulator
	touch $@

# What testing adds: test tools, moto, linters.
$(BIN)/.installed-dev: $(BIN)/.installed-run
	$(PIP) install --no-build-isolation -e '.[dev]' -e ./lambda_api -e ./simulator
	touch $@

install: $(BIN)/.installed-run catalogues
install-dev: $(BIN)/.installed-dev catalogues

# The verification page's gettext catalogues (.po, Babel) compiled for the editable tree; wheels
# compile their own (lambda_api/setup.py). Re-extract after changing a template:
#   cd lambda_api && ../.venv/bin/pybabel extract -F babel.cfg -k N_ --no-location \
#       --omit-header -o originlink_service/verification/locale/messages.pot . && \
#   ../.venv/bin/pybabel update -i originlink_service/verification/locale/messages.pot -w 100 -N \
#       -d originlink_service/verification/locale --ignore-obsolete
catalogues: $(BIN)/.installed-run
	$(BIN)/pybabel compile -d $(LOCALE) -D messages

## make run: the whole service on this machine with embedded defaults (SQLite, local key), its
## customs simulator on PORT+1 connected as VN, TH, MY, SG, ID and China's customs
run: install
	$(BIN)/originlink serve --host $(HOST) --port $(PORT) --data-dir $(DATA) --simulator

## make test: lint, every Python test, the service's tests again on the AWS adapters, then the
## Odoo tests when Odoo is found (ODOO_PATH)
test: install-dev lint test-py test-aws
	@scripts/test_odoo.sh --if-found

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	PYTHONPATH=odoo_addon $(BIN)/lint-imports --no-logo --no-cache

test-py: install-dev
	$(BIN)/pytest

## make test-aws: the service's HTTP suite (exporter API, lifecycle, verification, customs) on
## DynamoDB, KMS and SQS — a moto server over HTTP — switched only by settings (docs/operations.md)
test-aws: install-dev
	$(BIN)/pytest --backend aws tests/service tests/verification tests/customs

## make e2e: the end-to-end runs over real HTTP (also part of test-py): service + simulator +
## a scripted exporter (tests/e2e); then, when Odoo is found, the Odoo leg (also part of
## test-odoo): a real Odoo against the same service and simulator, the webhook bringing the
## customs' answers, the verification page checked in Chromium (issue 9.8, docs/odoo.md)
e2e: install-dev
	$(BIN)/pytest -m e2e tests/e2e
	ODOO_TEST_TAGS=/rcep_eco:TestCustomsLoop scripts/test_odoo.sh --if-found

## make test-odoo: the addon's tests in Odoo's own framework; needs ODOO_PATH and PostgreSQL
test-odoo:
	@scripts/test_odoo.sh

## make package [STAGE=sandbox]: the Lambda bundle (build/lambda/) from the two distributions'
## wheels, for the production (default) or sandbox stage (docs/operations.md)
STAGE ?= production
package: install-dev
	$(BIN)/python scripts/package_lambda.py --out build/lambda --stage $(STAGE)

bench: install-dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .venv-odoo .pytest_cache .ruff_cache .hypothesis build dist
