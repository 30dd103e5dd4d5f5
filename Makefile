# Two commands from a fresh clone: `make build` and `make test`; `demo`, `format` and `clean`
# are optional extras.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3

VENV := .venv
BIN := $(VENV)/bin
# checkov and taskcat pin libraries that clash with ours (old boto3, packaging<24, jsonschema<4,
# urllib3<2), so each lives in its own virtual environment.
CHECKOV_VENV := .venv-checkov
TASKCAT_VENV := .venv-taskcat
CHECKOV_SPEC := checkov>=3.2
TASKCAT_SPEC := taskcat>=0.9.50
PIP_FLAGS := --quiet --disable-pip-version-check

.PHONY: build test setup templates docs check lint-taskcat format demo clean

build: setup $(CHECKOV_VENV)/.installed $(TASKCAT_VENV)/.installed ## generate templates and docs, lint, scan
	$(BIN)/portfolio build --out templates
	$(BIN)/portfolio docs --out docs/products
	$(BIN)/portfolio check --templates templates --checkov $(CHECKOV_VENV)/bin/checkov
	$(TASKCAT_VENV)/bin/taskcat lint --input-file .taskcat.yml

test: setup $(CHECKOV_VENV)/.installed ## every offline test, plus ruff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	CHECKOV=$(CHECKOV_VENV)/bin/checkov $(BIN)/pytest

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install $(PIP_FLAGS) --editable '.[dev]'
	touch $@

$(CHECKOV_VENV)/.installed:
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install $(PIP_FLAGS) '$(CHECKOV_SPEC)'
	touch $@

$(TASKCAT_VENV)/.installed:
	test -x $(TASKCAT_VENV)/bin/python || $(PYTHON) -m venv $(TASKCAT_VENV)
	$(TASKCAT_VENV)/bin/python -m pip install $(PIP_FLAGS) '$(TASKCAT_SPEC)'
	touch $@

demo: setup ## publish to a local AWS endpoint twice and show the portfolio (no account needed)
	$(BIN)/python -m portfolio.demo

format: setup ## apply ruff's formatting and safe fixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) $(TASKCAT_VENV) .pytest_cache .ruff_cache *.egg-info
