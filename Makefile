# nncc — two commands do all set-up from a fresh clone:
#   make demo   create .venv, install nncc, compile every sample for every target into out/,
#               run each ONNX model once in onnxruntime and print a table
#   make test   create .venv, install the test extras, run the whole suite
#
# Every install is of the exact versions, with hashes, in requirements/*.lock (pip-tools'
# pip-compile output); `make lock` refreshes them, `make test-latest` runs the suite on the
# newest releases that pyproject.toml's ranges allow.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
PIP     := $(BIN)/python -m pip
LOCKS   := requirements
# pip install from a lock: only what it names, at its versions and hashes; then nncc itself,
# built with the locked setuptools (no build isolation, so nothing unlocked is downloaded).
INSTALL  = $(PIP) install -qq --require-hashes --no-deps -r $(1) && \
           $(PIP) install -qq --no-deps --no-build-isolation -e .

.PHONY: demo test fuzz fuzz-long bench lint lock test-latest clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(VENV)/.installed-demo: $(LOCKS)/demo.lock pyproject.toml | $(BIN)/python
	$(call INSTALL,$(LOCKS)/demo.lock)
	@touch $@

$(VENV)/.installed-test: $(LOCKS)/test.lock pyproject.toml | $(BIN)/python
	$(call INSTALL,$(LOCKS)/test.lock)
	@touch $@ $(VENV)/.installed-demo

$(VENV)/.installed-bench: $(LOCKS)/bench.lock pyproject.toml | $(BIN)/python
	$(call INSTALL,$(LOCKS)/bench.lock)
	@touch $@ $(VENV)/.installed-test $(VENV)/.installed-demo

demo: $(VENV)/.installed-demo
	$(BIN)/python -m nncc.demo samples out

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest tests

# make fuzz: the property tests at 5,000 examples each, then 20,000 inputs (at most 10 minutes) of the
# long-run driver: every kind of input on all four targets and lint, target options included
fuzz: $(VENV)/.installed-test
	NNCC_FUZZ=long $(BIN)/python -m pytest tests/fuzz -q
	$(BIN)/python -m tests.fuzz.long_run --inputs 20000 --seconds 600 --out build/fuzz-long

# make fuzz-long: the long run (tests/fuzz/README.md), at the lowest priority; FUZZ_INPUTS and FUZZ_SECONDS
# bound it (0 seconds: no time limit), FUZZ_SEED chooses its inputs; it runs from a copy of the last commit
FUZZ_INPUTS  ?= 1000000
FUZZ_SECONDS ?= 0
FUZZ_SEED    ?= 1
fuzz-long: $(VENV)/.installed-test
	nice -n 19 $(BIN)/python -m tests.fuzz.long_run --inputs $(FUZZ_INPUTS) --seconds $(FUZZ_SECONDS) \
		--seed $(FUZZ_SEED) --out build/fuzz-long-$(FUZZ_SEED) --snapshot

bench: $(VENV)/.installed-bench
	$(BIN)/python bench/bench_export.py
	$(BIN)/python bench/bench_opt.py
	$(BIN)/python bench/bench_mobilenet.py
	$(BIN)/python bench/bench_lint.py --write
	$(BIN)/python bench/bench_scale.py
	$(BIN)/python bench/bench_smaug.py --write
	$(BIN)/python bench/bench_startup.py
	$(BIN)/python bench/bench_written.py

# Refresh the locks after changing a range in pyproject.toml, or to take new releases
# (then run `make test` and commit requirements/ with the change that needed it).
LOCKENV := build/lock-venv
COMPILE  = $(LOCKENV)/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras --build-deps-for editable \
           --no-emit-index-url --no-emit-find-links $(1) pyproject.toml
lock:
	$(PY) -m venv $(LOCKENV)
	$(LOCKENV)/bin/python -m pip install -q 'pip-tools>=7.4,<8'
	$(call COMPILE,--extra demo -o $(LOCKS)/demo.lock)
	$(call COMPILE,--extra demo --extra test -o $(LOCKS)/test.lock)
	$(call COMPILE,--extra demo --extra test --extra bench -o $(LOCKS)/bench.lock)

# CI-like check against the newest releases within pyproject.toml's ranges (not the lock):
# a fresh venv, `pip install --upgrade '.[test]'`, the whole suite. Run it before `make lock`.
LATEST := build/latest-venv
test-latest:
	rm -rf $(LATEST)
	$(PY) -m venv $(LATEST)
	$(LATEST)/bin/python -m pip install -q --upgrade -e '.[test]'
	$(LATEST)/bin/python -m pip list --format=freeze > build/latest-versions.txt
	$(LATEST)/bin/python -m pytest tests -p no:cacheprovider

clean:
	rm -rf out build *.egg-info
