# Two entry points: `make run` (the bot on its embedded default) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench setup

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,wechat]'
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/linli console

test: $(STAMP)
	bash .ci/setup-services
	$(BIN)/ruff check .
	$(BIN)/mypy bot handlers models migrations tests bench
	$(BIN)/pytest -n 2 -q

bench: $(STAMP)
	$(BIN)/python -m bench
