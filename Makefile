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

# Browser assets: npm packages (package-lock.json) built or copied into registration/static/,
# and committed, so `make run` needs no Node.
# The handheld scanner (/scan): its rules table generated from gate/, then its bundles
# (package.json's "build" script; add further bundles there).
.PHONY: assets
assets: venv
	$(PY) -m registration.web.scan_rules
	npm ci --no-audit --no-fund
	npm run build
	mkdir -p registration/static/vendor/altcha
	cp node_modules/altcha/dist_external/altcha.umd.cjs registration/static/vendor/altcha/altcha.js
	cp node_modules/altcha/dist_external/worker.js node_modules/altcha/dist_external/altcha.css \
		node_modules/altcha/LICENSE.txt registration/static/vendor/altcha/
