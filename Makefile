# Duoshop: `make run` starts the product with demo stores; `make test` runs the tests.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000

.PHONY: install assets translations run worker test lint messages bench

install: $(STAMP) assets

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

# Front-end libraries (SortableJS for the page editor, Chart.js for the platform's billing
# charts) come from npm, pinned in package-lock.json; the app serves them from
# node_modules/, which is never committed. `&:`: one `npm ci` makes both files.
ASSET_FILES := node_modules/sortablejs/Sortable.min.js node_modules/chart.js/dist/chart.umd.min.js
assets: $(ASSET_FILES)

$(ASSET_FILES) &: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(ASSET_FILES)

# Compiled catalogs are build output: made from the committed .po files.
translations: install
	$(BIN)/pybabel compile --use-fuzzy -d translations -D messages --statistics 2>&1 | tail -n 2

run: translations
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	@echo ""
	@echo "  Platform (sign-up):        http://localhost:$(PORT)/"
	@echo "  Merchant console:          http://localhost:$(PORT)/console/login"
	@echo "  Demo storefronts:          http://demo.localhost:$(PORT)/   http://tea.localhost:$(PORT)/"
	@echo "  Mini-program API:          http://demo.localhost:$(PORT)/api/v1/products"
	@echo "  Platform console:          http://localhost:$(PORT)/platform/login"
	@echo ""
	PLATFORM_DOMAIN=localhost:$(PORT) $(FLASK) run --host 127.0.0.1 --port $(PORT)

worker: install
	$(FLASK) worker

test: translations
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

# Load test over loopback (needs PostgreSQL, Redis and wrk; see bench/README.md). Writes
# bench/results/<timestamp>.json and .md; then the flash-sale race (bench/flash_sale.py).
# BENCH_ARGS="--tiny" BENCH_FLASH_ARGS="--tiny" only check that they run.
bench: translations
	$(BIN)/python -m bench.run $(BENCH_ARGS)
	$(BIN)/python -m bench.flash_sale $(BENCH_FLASH_ARGS)

# Re-extract strings after changing templates or code, then translate the .po files.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ --ignore-dirs=".venv node_modules instance" -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations
