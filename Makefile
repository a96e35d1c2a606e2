# The two commands of the README: `make run` and `make test`. Everything else is set up here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-12)
export FLASK_APP := wsgi

.PHONY: run test test-services lint bench messages sysdeps clean
# The interface's translations, compiled from the catalogues in git.
CATALOGUES := $(wildcard verification/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install -q --disable-pip-version-check --upgrade pip
	@$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt
	@rm -f $(VENV)/.installed-* && touch $@

sysdeps:
	@scripts/sysdeps.sh

%.mo: %.po $(STAMP)
	@$(BIN)/pybabel -q compile -i $< -o $@

## Start the product on its embedded default: SQLite, local storage, a real Celery worker.
run: $(STAMP) $(COMPILED)
	@scripts/sysdeps.sh run
	@$(BIN)/flask db upgrade
	@$(BIN)/flask demo seed
	@$(BIN)/flask serve

## The whole suite on the embedded default (SQLite, filesystem broker, real worker, Chromium).
test: $(STAMP) sysdeps $(COMPILED)
	@$(BIN)/python -m pytest

## The same suite on PostgreSQL and Redis (see .ci/run, which starts them if they are down).
test-services: $(STAMP) sysdeps $(COMPILED)
	@VERIFICATION_TEST_DATABASE_URL=$${VERIFICATION_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/verification_test} \
	 VERIFICATION_TEST_BROKER_URL=$${VERIFICATION_TEST_BROKER_URL:-redis://127.0.0.1:6379/5} \
	 $(BIN)/python -m pytest

lint: $(STAMP)
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .

## Extract every marked string into the translation template (English is the source).
messages: $(STAMP)
	@$(BIN)/pybabel -q extract -F babel.cfg -k _l -k N_ -k lazy_gettext --sort-by-file \
	  --project "Verified ESG" -o verification/translations/messages.pot .

bench: $(STAMP)
	@$(BIN)/python bench/upload.py
	@$(BIN)/python bench/carbon.py
	@$(BIN)/python bench/scoring.py
	@$(BIN)/python bench/registry.py

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts $(COMPILED)
