# casework - every target installs what it needs (a virtual environment with pinned requirements).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat requirements-dev.txt layers/casework/requirements.txt | cksum | cut -d' ' -f1)
SAMENV := .venv-sam
PORT   ?= 3000

.PHONY: run test unit integration e2e lint typecheck openapi bench build deploy deploy-prod clean

$(STAMP): requirements-dev.txt layers/casework/requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit("casework needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@rm -f $(VENV)/.installed-* && touch $@

run: $(STAMP)  ## the whole API on http://127.0.0.1:$(PORT) with demo data (moto as AWS)
	$(PY) -m local --port $(PORT)

test: $(STAMP)  ## ruff, mypy, then unit, integration and end-to-end tests, cfn-lint, OpenAPI freshness
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(PY) -m pytest

unit: $(STAMP)
	$(PY) -m pytest tests/unit

integration: $(STAMP)
	$(PY) -m pytest tests/integration

e2e: $(STAMP)
	$(PY) -m pytest tests/e2e

lint: $(STAMP)  ## ruff and cfn-lint
	$(VENV)/bin/ruff check .
	$(VENV)/bin/cfn-lint template.yaml

typecheck: $(STAMP)  ## mypy over the layer, the functions and local/ ([tool.mypy] in pyproject.toml)
	$(VENV)/bin/mypy

openapi: $(STAMP)  ## regenerate docs/openapi.json from the handlers
	$(PY) -m local.openapi

bench: $(STAMP)  ## benchmarks: tables on screen, results in bench/results/*.json
	$(PY) -m bench

$(SAMENV)/.installed:
	$(PYTHON) -m venv $(SAMENV)
	$(SAMENV)/bin/pip install --quiet aws-sam-cli
	touch $@

build: $(SAMENV)/.installed  ## sam build without Docker (needs python3.12 on PATH)
	$(SAMENV)/bin/sam build

deploy: build  ## deploy the dev environment (samconfig.toml [default])
	$(SAMENV)/bin/sam deploy

deploy-prod: build
	$(SAMENV)/bin/sam deploy --config-env prod

clean:
	rm -rf $(VENV) $(SAMENV) .aws-sam .pytest_cache .mypy_cache local/.state
