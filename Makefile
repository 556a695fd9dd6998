# make demo: set up everything and run a complete election end to end.
# make test: set up everything and run the whole test suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NATIVE := $(VENV)/.native

.PHONY: setup demo test fuzz soak serve booth bench bench-peer bench-ingest bench-record record-1m clean vectors conformance

$(STAMP): pyproject.toml
	./scripts/ensure-libsodium
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

# The native backend (native/, curve25519-dalek through PyO3) is built where cargo exists;
# elsewhere vybory runs on libsodium alone.
$(NATIVE): $(STAMP) native/Cargo.toml native/Cargo.lock native/pyproject.toml $(wildcard native/src/*.rs)
	@if command -v cargo >/dev/null 2>&1; then \
		echo "setup: building the native backend (native/, cargo build --release)"; \
		PATH="$(abspath $(VENV))/bin:$$PATH" $(PY) -m pip install -q --no-build-isolation ./native && touch $(NATIVE); \
	else echo "setup: cargo not found, so the native backend is not built: vybory runs on libsodium"; fi

setup: $(STAMP) $(NATIVE)
	./scripts/ensure-libsodium

booth: setup
	./scripts/build-booth

demo: setup booth
	$(VENV)/bin/vybory demo

test: setup booth
	$(VENV)/bin/pytest -n 2 --dist loadgroup

# make soak: the long crash runs (the server killed 25 times while ballots are cast) and the load
# soaks (ten minutes of casting near capacity, with reads, on SQLite and on PostgreSQL: set
# $$VYBORY_TEST_POSTGRES_URL); the soaks' figures go to bench/results/soak.json and soak.md.
soak: setup
	VYBORY_FIGURES=bench/results $(VENV)/bin/pytest -m soak -s tests/reliability

# make fuzz: the decoders and the HTTP API (schemathesis) fuzzed with many more examples than make test runs.
fuzz: setup
	HYPOTHESIS_PROFILE=long $(VENV)/bin/pytest -n 2 tests/fuzz

serve: setup booth
	$(VENV)/bin/vybory serve --demo

# make bench: every benchmark once (minutes). bench/peer.py makes bench/.venv-electionguard (on a
# Python 3.10, for ElectionGuard 1.4.0) the first time, writes bench/results/ and the table of
# docs/performance.md; bench/booth.py needs `make booth` and Chromium.
bench: setup booth
	$(PY) bench/crypto.py
	$(PY) bench/count.py
	$(PY) bench/mix.py
	$(PY) bench/shuffle.py
	$(PY) bench/service.py
	$(PY) bench/verify.py
	$(PY) bench/native.py
	$(PY) bench/peer.py --docs docs/performance.md
	$(PY) bench/metal.py
	$(PY) bench/ingest.py
	$(PY) bench/letters.py

# Side by side with ElectionGuard 1.4.0 and against the bare operations (bench/peer.py, bench/metal.py).
bench-peer: setup booth
	$(PY) bench/peer.py --docs docs/performance.md
	$(PY) bench/metal.py

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

conformance: setup
	$(PY) scripts/make-conformance

clean:
	rm -rf $(VENV) node_modules build .pytest_cache vybory/web/static/booth test-artifacts
