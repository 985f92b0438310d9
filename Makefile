# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := APP_ENV=development $(BIN)/flask --app brokerage
CHROMIUM_PATH ?= /usr/bin/chromium

.DEFAULT_GOAL := help
.PHONY: help run test fuzz lint fmt install dev chromium html-checker assets worker db-upgrade clean wrk bench-pages

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 14

$(VENV)/.installed: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed ## Create .venv and install the app

dev: $(VENV)/.dev-installed ## Install the app with test and lint tools

run: install ## Migrate, load demo data and serve on http://127.0.0.1:5000
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	$(FLASK) run --host 127.0.0.1 --port 5000

worker: install ## Background worker: send queued emails, close listings past their date
	$(FLASK) worker

db-upgrade: install ## Apply migrations to DATABASE_URL (or instance/brokerage.db)
	$(FLASK) db upgrade

chromium: ## Install Debian's Chromium for the browser tests, when possible
	@if [ -x "$(CHROMIUM_PATH)" ]; then \
		echo "Chromium: $(CHROMIUM_PATH)"; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
		|| echo "Could not install Chromium: browser tests will fail under CI, skip otherwise."; \
	else \
		echo "Chromium not found at $(CHROMIUM_PATH): install it (e.g. apt-get install chromium) for the browser tests."; \
	fi

wrk: ## Install Debian's wrk (the HTTP load client bench/pages.py drives), when possible
	@if command -v wrk >/dev/null 2>&1; then \
		echo "wrk: $$(command -v wrk)"; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null) \
		|| echo "Could not install wrk: bench/pages.py needs it."; \
	else \
		echo "wrk not found: install it (e.g. apt-get install wrk) for bench/pages.py."; \
	fi

bench-pages: dev wrk ## Pages' requests/s against a bare Flask app (bench/pages.py; --quick: QUICK=1)
	$(BIN)/python bench/pages.py $(if $(QUICK),--quick,)

VNU_JAR := node_modules/vnu-jar/build/dist/vnu.jar

$(VNU_JAR): package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund && touch $@; \
	else \
		echo "npm not found: the browser tests need node_modules/vnu-jar (npm ci)."; \
	fi

html-checker: ## The Nu HTML Checker for the browser tests: Java and npm's vnu-jar
	@if command -v java >/dev/null 2>&1; then \
		echo "Java: $$(command -v java)"; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null) \
		|| echo "Could not install Java: browser tests will fail under CI, skip otherwise."; \
	else \
		echo "Java not found: install it (e.g. apt-get install default-jre-headless) for the browser tests."; \
	fi
	@$(MAKE) --no-print-directory $(VNU_JAR)

lint: dev ## ruff check and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: dev ## Format and fix what ruff can
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Test processes (pytest-xdist): each has its own database, live server, Chromium and
# HTML checker. TEST_WORKERS=0 runs everything in this one process.
TEST_WORKERS ?= 2

test: dev chromium html-checker lint ## Lint, then the whole suite (browser tests included), in TEST_WORKERS processes
	$(BIN)/pytest -n $(TEST_WORKERS)

fuzz: dev ## Longer fuzzing: odd input on every page and form, 10x the examples
	FUZZ_EXAMPLES=30 $(BIN)/pytest -q -p no:cacheprovider tests/test_fuzz.py

assets: ## Rebuild static/ from GOV.UK Frontend Sass (needs Node and npm)
	npm ci --no-audit --no-fund
	npm run build

clean: ## Remove the virtualenv and local databases
	rm -rf $(VENV) instance/*.db instance/*.db-*
