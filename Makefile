# Set-up, serving and tests; everything runs inside .venv.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
FLASK = $(BIN)/flask --app wsgi
PORT ?= 5000

.PHONY: install install-test run test test-slow bench bench-web clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

run: install
	$(FLASK) db upgrade
	$(FLASK) data demo --if-missing
	$(FLASK) serve --port $(PORT)

test: install-test
	$(BIN)/python -m pytest

test-slow: install-test
	$(BIN)/python -m pytest -m slow

bench: install
	$(FLASK) data list --format json | grep -q '"name": "exio-synth"' || \
	  $(FLASK) data synth --name exio-synth --years 2011,2012,2013
	$(FLASK) bench --dataset exio-synth --queries 1000 --vs-pymrio

bench-web: install
	$(FLASK) db upgrade
	$(FLASK) data demo --if-missing
	$(FLASK) bench-web --analyses 100

clean:
	rm -rf $(VENV)
