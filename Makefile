# Duoshop: `make run` starts the product with demo stores; `make test` runs the tests.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000
# The shared WeChat Pay sandbox (python -m sandbox.wechatpay) listens on a free port unless told.
ifndef SANDBOX_PORT
SANDBOX_PORT := $(shell python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
endif
SANDBOX_URL := http://127.0.0.1:$(SANDBOX_PORT)

.PHONY: install assets translations browser miniprogram run worker sandbox test lint messages bench chaos graph api-doc

install: $(STAMP) assets

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

# Front-end libraries (SortableJS for the page editor, Quill for product details, Chart.js
# for the platform's billing charts, @vant/area-data for the 省/市/区 of addresses) come from
# npm, pinned in package-lock.json; the app serves them from node_modules/, which is never
# committed. `&:`: one `npm ci` makes every file.
ASSET_FILES := node_modules/sortablejs/Sortable.min.js node_modules/chart.js/dist/chart.umd.min.js \
	node_modules/quill/dist/quill.js node_modules/quill/dist/quill.snow.css \
	node_modules/@vant/area-data/dist/index.cjs
# The divisions as one compact JSON (province_list, city_list, county_list by GB/T 2260 code):
# the storefront's picker loads it and the server checks every address against it.
AREA_DATA := node_modules/.duoshop/areas.json
assets: $(ASSET_FILES) $(AREA_DATA)

$(ASSET_FILES) &: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(ASSET_FILES)

$(AREA_DATA): node_modules/@vant/area-data/dist/index.cjs
	mkdir -p $(@D)
	node -e 'process.stdout.write(JSON.stringify(require("@vant/area-data").areaList))' > $@.tmp
	mv $@.tmp $@

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
	@echo "  WeChat Pay sandbox:        $(SANDBOX_URL)/"
	@echo "  (a separate worker pays against the same sandbox: WECHATPAY_SANDBOX_URL=$(SANDBOX_URL) make worker)"
	@echo ""
	$(BIN)/python -m sandbox.wechatpay --port $(SANDBOX_PORT) & trap 'kill $$!' EXIT INT TERM; \
	WECHATPAY_SANDBOX_URL=$(SANDBOX_URL) PLATFORM_DOMAIN=localhost:$(PORT) $(FLASK) run --host 127.0.0.1 --port $(PORT)

worker: install
	$(FLASK) worker

# The shared WeChat Pay sandbox alone; every process given WECHATPAY_SANDBOX_URL pays against it.
sandbox: install
	$(BIN)/python -m sandbox.wechatpay --port $(SANDBOX_PORT)

# The browser tests drive Debian's Chromium: installed here with apt when missing and run as
# root; otherwise they are skipped with one line saying how to get them, or fail the run where
# DUOSHOP_REQUIRE_BROWSER=1 (CI). The rule: tests/e2e/chromium.py.
browser: install
	$(BIN)/python -m tests.e2e.chromium

# The mini-program template's own tests (miniprogram-simulate under node's test runner), with
# its own pinned dependencies in miniprogram/package-lock.json.
miniprogram:
	cd miniprogram && npm ci --no-audit --no-fund --loglevel=error && npm test

test: translations browser miniprogram
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

# Load test over loopback (needs PostgreSQL, Redis and wrk; see bench/README.md). Writes
# bench/results/<timestamp>.json and .md; then the flash-sale race in process
# (bench/flash_sale.py) and over HTTP on gunicorn (bench/flash_sale_http.py: 1,000 members,
# 100 units), 100 WeChat Pay notifications at once (bench/notifications.py) and the data
# dashboard at 1,000,000 events (bench/analytics.py).
# BENCH_ARGS="--tiny" BENCH_FLASH_ARGS="--tiny" BENCH_FLASH_HTTP_ARGS="--tiny" BENCH_NOTIFY_ARGS="--tiny"
# BENCH_ANALYTICS_ARGS="--tiny" only check that they run.
bench: translations
	$(BIN)/python -m bench.run $(BENCH_ARGS)
	$(BIN)/python -m bench.flash_sale $(BENCH_FLASH_ARGS)
	$(BIN)/python -m bench.flash_sale_http $(BENCH_FLASH_HTTP_ARGS)
	$(BIN)/python -m bench.notifications $(BENCH_NOTIFY_ARGS)
	$(BIN)/python -m bench.analytics $(BENCH_ANALYTICS_ARGS)

# Fault harness (tests/faults, see bench/README.md): PostgreSQL + Redis + gunicorn + a real rq
# worker + the shared WeChat Pay sandbox, with faults made for real; the long form. Writes
# bench/results/chaos-<timestamp>.md and .json. CI runs the quick form on its PostgreSQL pass.
CHAOS_DATABASE_URL ?= $(or $(DATABASE_URL),postgresql://postgres@127.0.0.1:5432/postgres)
CHAOS_REDIS_URL ?= $(or $(REDIS_URL),redis://127.0.0.1:6379/0)
chaos: translations
	DATABASE_URL=$(CHAOS_DATABASE_URL) REDIS_URL=$(CHAOS_REDIS_URL) CHAOS_LONG=$(or $(CHAOS_LONG),1) \
		$(BIN)/pytest -p no:cacheprovider -s tests/faults $(PYTEST_ARGS)

# Re-extract strings after changing templates or code, then translate the .po files.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ --ignore-dirs=".venv node_modules instance" -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations

# The package graph in docs/architecture.md, redrawn from the code's imports (a test checks it).
graph: install
	$(BIN)/python -m tools.import_graph --write-docs

# docs/api.md's endpoint table, from the OpenAPI document the app serves.
api-doc: install
	$(BIN)/python -m tools.api_doc --write
