# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
PORT ?= 8501
# Only this machine reaches the app unless you say otherwise (e.g. `make run ADDRESS=0.0.0.0` behind a proxy).
ADDRESS ?= 127.0.0.1
MERMAID_VERSION := 11.17.2
MERMAID_DIR := tests/browser/.mermaid

.PHONY: run test test-fast test-sqlite lint browser-deps mermaid-deps postgres-deps bench bench-postgres bench-room bench-browser clean messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(STAMP)

## run: install and start the app on the embedded SQLite database (demo workspace and the first administrator on first start)
run: $(STAMP)
	$(BIN)/python manage.py prepare
	$(BIN)/python -m streamlit run serve.py --server.port $(PORT) --server.address $(ADDRESS)

## browser-deps: Debian's Chromium (and an emoji font for screenshots) for the browser tests (skipped when present or without apt-get)
browser-deps:
	@if [ -x "$${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then :; \
	elif command -v apt-get >/dev/null 2>&1; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null; \
	else echo "chromium not found and apt-get unavailable: browser tests will be skipped"; fi

## mermaid-deps: the pinned Mermaid release from the npm registry, for the test that renders the diagrams (skipped without npm)
mermaid-deps:
	@if grep -qs '"version": "$(MERMAID_VERSION)"' $(MERMAID_DIR)/node_modules/mermaid/package.json; then :; \
	elif command -v npm >/dev/null 2>&1; then \
		npm install --prefix $(MERMAID_DIR) --no-save --no-audit --no-fund --ignore-scripts --loglevel=error \
			mermaid@$(MERMAID_VERSION) >/dev/null; \
	else echo "npm not found: the Mermaid rendering test will be skipped"; fi

## postgres-deps: Debian's PostgreSQL server binaries, for the [postgresql] tests (skipped when present or without apt-get)
postgres-deps:
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || [ -x "$${PG_BINDIR:-/nonexistent}/initdb" ] || command -v initdb >/dev/null 2>&1; then :; \
	elif command -v apt-get >/dev/null 2>&1; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null \
		|| echo "PostgreSQL could not be installed: the [postgresql] tests will be skipped"; \
	else echo "PostgreSQL not found and apt-get unavailable: the [postgresql] tests will be skipped"; fi

## test: install everything the tests need and run the whole suite (unit and page tests on SQLite and PostgreSQL)
test: $(DEV_STAMP) browser-deps mermaid-deps postgres-deps
	$(BIN)/python -m ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q

## test-fast: unit and page tests only, no browser (both engines)
test-fast: $(DEV_STAMP) postgres-deps
	$(BIN)/python -m pytest -q -m "not browser"

## test-sqlite: unit and page tests on SQLite only (the quickest loop while developing)
test-sqlite: $(DEV_STAMP)
	$(BIN)/python -m pytest -q -m "not browser" --engines sqlite

lint: $(DEV_STAMP)
	$(BIN)/python -m ruff check .
	$(BIN)/lint-imports

## bench: generate a large workspace and measure page reruns (prints a table, writes bench/results.json); import and analyse 1M events
bench: $(DEV_STAMP)
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.collab
	$(BIN)/python -m bench.exchange
	$(BIN)/python -m bench.eventlog
	$(BIN)/python -m bench.imports

## bench-room: a workshop room (1, 10, 25, 50 participants, 10 of them in headless Chromium, the rest light): server CPU while idle, memory, how fast changes reach everyone
bench-room: $(DEV_STAMP) browser-deps
	$(BIN)/python -m bench.room --browsers 10

## bench-postgres: the page benchmark on a throwaway PostgreSQL cluster, printed beside the last SQLite run
bench-postgres: $(DEV_STAMP) postgres-deps
	$(BIN)/python -m bench.run --engine postgresql
	$(BIN)/python -m bench.collab --engine postgresql

## bench-browser: click-to-visible and page-to-page times in Chromium on the bench workspace (median, p90; not part of `make test`)
bench-browser: $(DEV_STAMP) browser-deps
	$(BIN)/python -m bench.browser

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache $(MERMAID_DIR)

## messages: extract UI texts into locales/messages.pot and merge them into the German catalogue
messages: $(DEV_STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ -k tr --no-location --sort-output -o locales/messages.pot .
	$(BIN)/pybabel update -i locales/messages.pot -d locales -l de --no-fuzzy-matching --ignore-obsolete --no-wrap
