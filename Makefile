# fairgate: `make run` serves the demo, `make test` runs the whole suite.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
FAIRGATE := $(VENV)/bin/fairgate
PYTHON ?= python3
export FAIRGATE_PORT ?= 5000

.PHONY: run test venv lint bench clean translations

$(VENV)/.installed: setup.cfg setup.py $(wildcard registration/translations/*/LC_MESSAGES/messages.po)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[test]'
	$(VENV)/bin/pybabel compile -d registration/translations
	touch $@

venv: $(VENV)/.installed

run: venv
	$(FAIRGATE) db upgrade
	$(FAIRGATE) demo
	$(FAIRGATE) serve --port $(FAIRGATE_PORT)

test: venv
	$(PY) -m flake8 gate schemas registration kiosk tests bench
	$(PY) -m pytest

# Re-extract the visitor pages' messages, merge them into the catalogs, compile.
translations: venv
	$(VENV)/bin/pybabel extract -F registration/translations/babel.cfg -k _l --no-location \
		--sort-output --project fairgate -o registration/translations/messages.pot registration
	$(VENV)/bin/pybabel update -i registration/translations/messages.pot \
		-d registration/translations --width 100 --ignore-obsolete
	$(VENV)/bin/pybabel compile -d registration/translations

bench: venv
	$(PY) bench/booking_rush.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
