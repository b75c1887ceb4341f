# Two commands for a newcomer: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DATA   ?= data
PORT   ?= 8501
ADDRESS ?=
PYTEST_ARGS ?=

.PHONY: run test test-fast bench catalogs init demo clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## run: install, initialise the store with a labelled demo year if it is empty, start the dashboard
run: $(STAMP)
	$(PY) -m pipelines init --data-dir $(DATA)
	$(PY) -m dashboard.bootstrap --data-dir $(DATA)
	$(PY) -m streamlit run dashboard/server.py --server.port $(PORT) $(if $(ADDRESS),--server.address $(ADDRESS)) -- --data-dir $(DATA)

## test: install what the tests need and run the whole suite (browser tests when Chromium is present)
test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(PY) -m pytest -m "not e2e and not load" $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) benchmarks/bench.py
	$(PY) benchmarks/first_start.py

## mutate: mutation testing (tests/mutate_py.py over the rule-bearing modules with their fast tests, then the SQL
## mutants of the views), each in a copy under build/mutate/; MODULES="numbers fmt" for some only
mutate: $(STAMP)
	$(PY) tests/mutate.py $(MODULES)

mutate-sql: $(STAMP)
	$(PY) tests/mutate.py sql

## catalogs: after adding a message key in code, extract every key with Babel and update both catalogs
## (new keys arrive with an empty text: fill in Vietnamese and English; tests/*/test_catalogs.py checks)
catalogs: $(STAMP)
	$(VENV)/bin/pybabel extract --no-default-keywords -k t -k _t -o dashboard/i18n/locale/dashboard.pot dashboard/
	$(VENV)/bin/pybabel update --no-fuzzy-matching -i dashboard/i18n/locale/dashboard.pot -d dashboard/i18n/locale -D dashboard

clean:
	rm -rf $(VENV) .pytest_cache test-output
