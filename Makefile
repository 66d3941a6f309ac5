# cbcoord: the two set-up commands are `make run` and `make test` (see README.md).
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export DEBUG ?= 1

.PHONY: run test lint bench install migrate load clean messages serve loadtest

$(BIN)/cbcoord: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(BIN)/cbcoord

install: $(BIN)/cbcoord

migrate: install
	$(BIN)/cbcoord migrate --noinput

load: migrate
	$(BIN)/cbcoord load_reference
	$(BIN)/cbcoord load_demo

run: load
	$(BIN)/cbcoord runserver $(HOST):$(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy cbcoord
	$(BIN)/lint-imports
	$(BIN)/cbcoord makemigrations --check --dry-run

bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

# Production server (README.md, "Deployment"): DEBUG off whatever the environment says; refuses
# to start without SECRET_KEY (the deploy check's cbcoord.E001, then the WSGI application).
serve: install
	DEBUG=0 $(BIN)/cbcoord check --deploy --fail-level ERROR
	DEBUG=0 $(BIN)/cbcoord collectstatic --noinput --verbosity 0
	DEBUG=0 CBCOORD_BIND="$${CBCOORD_BIND:-$(HOST):$(PORT)}" \
		exec $(BIN)/gunicorn --config python:cbcoord.gunicorn_conf

loadtest: install
	$(BIN)/python -m loadtest $(LOADTEST_ARGS)

messages: install
	cd cbcoord && ../$(BIN)/cbcoord makemessages -l es -l fr -l pt --no-obsolete --no-location
	cd cbcoord && ../$(BIN)/cbcoord compilemessages

clean:
	rm -rf $(VENV) var build *.egg-info
