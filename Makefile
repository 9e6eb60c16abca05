# nncc — two commands do all set-up from a fresh clone:
#   make demo   create .venv, install nncc, compile every sample for every target into out/,
#               run each ONNX model once in onnxruntime and print a table
#   make test   create .venv, install the test extras, run the whole suite
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
TSTAMP  := $(VENV)/.installed-test

.PHONY: demo test fuzz bench lint clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	@touch $@

$(TSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	@touch $@ $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m nncc.demo samples out

test: $(TSTAMP)
	$(BIN)/python -m pytest tests

fuzz: $(TSTAMP)
	NNCC_FUZZ=long $(BIN)/python -m pytest tests/fuzz -q

BSTAMP  := $(VENV)/.installed-bench

$(BSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test,bench]'
	@touch $@ $(TSTAMP) $(STAMP)

bench: $(BSTAMP)
	$(BIN)/python bench/bench_export.py
	$(BIN)/python bench/bench_opt.py
	$(BIN)/python bench/bench_lint.py --write

clean:
	rm -rf out build *.egg-info
