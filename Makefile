# make demo: set up everything and run a complete election end to end.
# make test: set up everything and run the whole test suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo test serve booth bench clean vectors conformance

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
	@if command -v cargo >/dev/null; then cargo run -q --release --manifest-path bench/dalek/Cargo.toml; \
	else echo "bench: cargo not found, bare curve25519-dalek baseline (bench/dalek) not measured"; fi

vectors: setup
	$(PY) scripts/make-vectors

conformance: setup
	$(PY) scripts/make-conformance

clean:
	rm -rf $(VENV) node_modules build .pytest_cache vybory/web/static/booth test-artifacts
