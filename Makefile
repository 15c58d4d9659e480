# Every target creates .venv on first use, so a fresh clone needs only Python and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO := $(VENV)/.demo

.PHONY: demo demo-fastapi demo-gateway test test-matrix test-pythons check-clients lint catalogs bench bench-storm dist clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# The demos need the package, FastAPI, httpx and uvicorn: the demo extra, not the tests'.
$(DEMO): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[demo]'
	touch $(DEMO)

demo: $(DEMO)
	@echo "Serving examples/app.py on http://127.0.0.1:8000 -- try, in another shell:"
	@echo "  curl -i http://127.0.0.1:8000/nowhere"
	@echo "  curl -i http://127.0.0.1:8000/notes"
	@echo "  curl -i -H 'Authorization: Bearer demo-token' http://127.0.0.1:8000/notes/42"
	@echo "  curl -i -X DELETE -H 'Authorization: Bearer demo-token' http://127.0.0.1:8000/notes/1"
	@echo "  curl -i -H 'Authorization: Bearer demo-token' http://127.0.0.1:8000/crash"
	$(BIN)/uvicorn examples.app:app --host 127.0.0.1 --port 8000

demo-fastapi: $(DEMO)
	@echo "Serving examples/fastapi_app.py -- open http://127.0.0.1:8000/docs, or try:"
	@echo "  curl -i http://127.0.0.1:8000/notes"
	@echo "  curl -i -H 'Authorization: Bearer demo-token' 'http://127.0.0.1:8000/notes?limit=0'"
	@echo "  curl -i -H 'Authorization: Bearer demo-token' -H 'Content-Type: application/json' -d '{\"text\": \"\"}' http://127.0.0.1:8000/notes"
	$(BIN)/uvicorn examples.fastapi_app:app --host 127.0.0.1 --port 8000

demo-gateway: $(DEMO)
	@echo "Serving the upstream on :8001 and the gateway (examples/gateway.py) on :8000 -- try:"
	@echo "  curl -i http://127.0.0.1:8000/quotes/apple"
	@echo "  curl -i http://127.0.0.1:8000/quotes/kiwi"
	@echo "  curl -i http://127.0.0.1:8000/quotes/broken"
	@echo "  curl -i http://127.0.0.1:8000/quotes/slow"
	$(BIN)/uvicorn examples.gateway:upstream --host 127.0.0.1 --port 8001 --log-level warning & \
	trap "kill $$!" EXIT; $(BIN)/uvicorn examples.gateway:app --host 127.0.0.1 --port 8000

lint: $(STAMP)
	$(BIN)/ruff check src tests examples scripts benchmarks
	$(BIN)/ruff format --check src tests examples scripts benchmarks
	$(BIN)/mypy --strict src

# The suite runs twice: on asyncio (pytest-asyncio), then every async test again on
# trio, driven by anyio's pytest plugin, as Starlette supports both.
test: lint
	$(BIN)/coverage run -m pytest
	$(BIN)/coverage run --append -m pytest -q -o asyncio_mode=strict -o anyio_mode=auto --backend trio
	$(BIN)/coverage report

# The suite at the low end of the declared ranges: the oldest Starlette and FastAPI
# that pyproject.toml allows (tests/oldest.txt pins them). `make test` is the high end.
test-matrix: test
	$(PYTHON) -m venv .venv-oldest
	.venv-oldest/bin/python -m pip install --quiet -e '.[test]' -c tests/oldest.txt
	.venv-oldest/bin/python -m pytest -q -p no:cacheprovider

# The suite on other Pythons (3.10 is the oldest we support); name them in PYTHONS,
# e.g. make test-pythons PYTHONS="$$HOME/.pyenv/versions/3.10.13/bin/python3".
PYTHONS ?= python3.10 python3.11 python3.12 python3.13
test-pythons:
	@for py in $(PYTHONS); do \
	  $$py -c "" 2>/dev/null || { echo "$$py: not found, skipped"; continue; }; \
	  venv=.venv-$$($$py -c "import sys; print('python%d.%d' % sys.version_info[:2])"); \
	  $$py -m venv $$venv && $$venv/bin/python -m pip install --quiet -e '.[test]' && \
	  $$venv/bin/python -m pytest -q -p no:cacheprovider || exit 1; \
	done

# TypeScript clients: openapi-typescript types from the FastAPI example's document, and
# tsc --noEmit over clients/reads_problems.ts, which narrows problems with `in` checks.
# Needs node and npm (the npm registry), which the test command does not.
check-clients: $(STAMP)
	cd clients && npm install --no-audit --no-fund --loglevel=error
	$(BIN)/python scripts/openapi_json.py examples.fastapi_app:app > clients/notes.json
	clients/node_modules/.bin/openapi-typescript clients/notes.json -o clients/notes.d.ts
	clients/node_modules/.bin/tsc -p clients

# After editing a .po under src/asgi_problems/locales: compile the .mo files it ships.
catalogs: $(STAMP)
	$(BIN)/python scripts/compile_catalogs.py

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/server.py
	$(BIN)/python benchmarks/compare.py
	$(BIN)/python benchmarks/django_apis.py
	$(BIN)/python benchmarks/check_speed.py

# A crash storm over HTTP (uvicorn, wrk): crash and 404 throughput, log bytes per crash,
# healthy requests' p99 beside crashes. wrk comes from Debian's packages.
bench-storm: $(STAMP)
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python benchmarks/storm.py

dist: $(STAMP)
	rm -rf dist
	$(BIN)/python -m build
	$(BIN)/twine check --strict dist/*

clean:
	rm -rf $(VENV) clients/node_modules .venv-oldest .venv-python3.* .pytest_cache .mypy_cache .ruff_cache .coverage dist build
