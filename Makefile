# Deux commandes sur une machine neuve : `make run` et `make test` (voir README.md).
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8050
HOST   ?= 127.0.0.1
export DEMO ?= 1

.PHONY: setup system-packages python-deps node-deps front-end run test lint bench bench-packages clean

setup: system-packages python-deps node-deps front-end

# Debian packages only where missing, and only as root (Redis and Chromium for the tests).
system-packages:
	@missing=""; for p in redis-server chromium; do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "Installation des paquets Debian :$$missing"; \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null; \
	  else echo "Paquets Debian absents :$$missing (les tests qui en dépendent seront ignorés)"; fi; \
	fi

# Reinstalled only when pyproject.toml changes.
python-deps: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	@echo "Installation des dépendances Python…"
	@$(PY) -m pip install -q --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
	@$(PY) -m pip install -q -e '.[dev]' 2>&1 | grep -v -e "^WARNING: Location" -e "^ *$$" \
	  -e "BuildBackendWarning" -e "Please be careful" -e "name as your package" -e "corresp(" || true
	@$(PY) -c "import dash, etl" && touch $@

node-deps: node_modules/.installed
node_modules/.installed: package.json package-lock.json
	@echo "Installation des dépendances npm (DSFR, Plotly partiel, axe-core, Lighthouse)…"
	@npm ci --no-audit --no-fund --loglevel=error 2>&1 | grep -v 'Unknown user config' || true
	@test -d node_modules/@gouvfr/dsfr/dist && touch $@

# The front-end files the pages load, copied into the dashboard package (package data, not
# committed): the DSFR's CSS and module script, the icons its CSS draws, the Marianne and
# Spectral woff2 fonts (every browser that runs the DSFR's module script reads woff2) cut to
# the characters French pages write (scripts/subset_fonts.py), the favicon, and partial
# Plotly. About 2 MB instead of the DSFR's 66 MB dist/.
DSFR   := node_modules/@gouvfr/dsfr/dist
VENDOR := dashboard/static/vendor
front-end: $(VENDOR)/.copied
$(VENDOR)/.copied: node_modules/.installed $(VENV)/.installed Makefile scripts/subset_fonts.py
	@echo "Copie des fichiers front (DSFR, Plotly partiel) dans $(VENDOR)…"
	@rm -rf $(VENDOR) && mkdir -p $(VENDOR)/dsfr/fonts $(VENDOR)/dsfr/favicon
	@cp $(DSFR)/dsfr.min.css $(DSFR)/dsfr.module.min.js $(VENDOR)/dsfr/
	@$(PY) scripts/subset_fonts.py $(DSFR)/fonts $(VENDOR)/dsfr/fonts
	@cp $(DSFR)/favicon/favicon.svg $(VENDOR)/dsfr/favicon/
	@cd $(DSFR) && grep -o 'url(icons/[^)]*)' dsfr.min.css | sed 's/^url(//; s/)$$//' | sort -u \
	  | xargs cp --parents -t $(CURDIR)/$(VENDOR)/dsfr
	@cd $(DSFR) && cp --parents -t $(CURDIR)/$(VENDOR)/dsfr artwork/pictograms/environment/sun.svg \
	  artwork/pictograms/environment/moon.svg artwork/pictograms/system/system.svg
	@cp node_modules/plotly.js-basic-dist-min/plotly-basic.min.js $(VENDOR)/
	@touch $@

run: setup
	$(PY) -m etl init
	$(PY) -m etl published
	$(PY) -m etl run ditp-mes-activation ditp-sas-population ditp-aidants-numeriques
	@if [ "$(DEMO)" != "0" ]; then $(PY) -m etl demo --if-empty; fi
	$(PY) -m dashboard --host $(HOST) --port $(PORT)

test: setup
	bash scripts/test.sh

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# wrk (Debian) drives benchmarks/bench_api.py: installed here only as root, like system-packages.
bench-packages:
	@dpkg -s wrk >/dev/null 2>&1 || { if [ "$$(id -u)" = 0 ]; then echo "Installation du paquet Debian : wrk"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null; \
	  else echo "Paquet Debian absent : wrk (apt-get install wrk ; benchmarks/bench_api.py l'exige)"; fi; }

bench: setup bench-packages
	bash scripts/bench.sh

clean:
	rm -rf $(VENV) node_modules $(VENDOR) data .mypy_cache .ruff_cache .pytest_cache
