# fairgate: `make run` serves the demo, `make test` runs the whole suite.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
FAIRGATE := $(VENV)/bin/fairgate
PYTHON ?= python3
export FAIRGATE_PORT ?= 5000

.PHONY: run test venv lint bench clean

$(VENV)/.installed: setup.cfg setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[test]'
	touch $@

venv: $(VENV)/.installed

run: venv
	$(FAIRGATE) db upgrade
	$(FAIRGATE) demo
	$(FAIRGATE) serve --port $(FAIRGATE_PORT)

test: venv
	$(PY) -m flake8 gate schemas registration kiosk tests bench
	$(PY) -m pytest

bench: venv
	$(PY) bench/booking_rush.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
