# Two commands from a fresh clone: `make build` and `make test`; `make check` is the quick loop
# while editing (ruff and the unit tests); `demo`, `format` and `clean` are optional extras.
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
# Clean gate passes by content (products/gates/cache.py): unchanged templates skip the gates.
GATE_CACHE := .cache/gates
# pytest-xdist workers: one per CPU; PYTEST_WORKERS=0 runs the tests in one process.
PYTEST_WORKERS ?= auto
PYTEST := $(BIN)/pytest --numprocesses $(PYTEST_WORKERS) --dist worksteal

.PHONY: build test check lint setup format demo clean

build: setup $(CHECKOV_VENV)/.installed $(TASKCAT_VENV)/.installed ## generate templates and docs, lint, scan
	$(BIN)/portfolio build --out templates
	$(BIN)/portfolio docs --out docs/products
	$(BIN)/portfolio check --templates templates --checkov $(CHECKOV_VENV)/bin/checkov \
		--cache $(GATE_CACHE)
	$(BIN)/python -m products.gates.cache --cache-dir $(GATE_CACHE) \
		--input .taskcat.yml --input templates -- \
		$(TASKCAT_VENV)/bin/taskcat lint --input-file .taskcat.yml

test: lint setup $(CHECKOV_VENV)/.installed ## every offline test, plus ruff
	CHECKOV=$(CHECKOV_VENV)/bin/checkov $(PYTEST)

check: lint ## the edit loop: ruff and the unit tests (under 30 s)
	$(PYTEST) tests/unit

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

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
	rm -rf $(VENV) $(CHECKOV_VENV) $(TASKCAT_VENV) .cache .pytest_cache .ruff_cache *.egg-info
