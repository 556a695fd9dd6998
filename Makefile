# make demo: set up everything and run a complete election end to end.
# make test: set up everything and run the whole test suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo test serve booth bench bench-ingest bench-record record-1m clean vectors

$(STAMP): pyproject.toml
	./scripts/ensure-libsodium
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)
	./scripts/ensure-libsodium

booth: setup
	./scripts/build-booth

demo: setup booth
	$(VENV)/bin/vybory demo

test: setup booth
	$(VENV)/bin/pytest -n 2 --dist loadgroup

serve: setup booth
	$(VENV)/bin/vybory serve --demo

bench: setup
	$(PY) bench/crypto.py
	$(PY) bench/count.py
	$(PY) bench/mix.py
	$(PY) bench/service.py
	$(PY) bench/verify.py
	$(PY) bench/ingest.py
	@if command -v cargo >/dev/null; then cargo run -q --release --manifest-path bench/dalek/Cargo.toml; \
	else echo "bench: cargo not found, bare curve25519-dalek baseline (bench/dalek) not measured"; fi

# Ballots through HTTP on 1, 2 and 4 server processes, SQLite (and PostgreSQL where
# $$VYBORY_TEST_POSTGRES_URL is set), against the pure check; bounded (160 ballots a run).
bench-ingest: setup
	$(PY) bench/ingest.py

# National-size records (1143 districts): generated once into bench/out/, then verified on every
# local core and on a Dask LocalCluster. 10k and 100k ballots; record-1m is the million.
bench-record: setup
	$(PY) bench/record.py --ballots 10000,100000

record-1m: setup
	$(PY) bench/record.py --ballots 10000,100000,1000000

vectors: setup
	$(PY) scripts/make-vectors

clean:
	rm -rf $(VENV) node_modules build .pytest_cache vybory/web/static/booth test-artifacts
