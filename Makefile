# Two commands matter: `make run` (the bot) and `make test` (the whole suite).
# Both start from nothing: they create .venv, install, and build the index.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
LOA := $(VENV)/bin/loa
# CPU build of torch. Here it installs from a local wheel; elsewhere run e.g.
#   make run TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
TORCH_SPEC ?= torch==2.13.0
TORCH_INDEX_URL ?=
STAMP := $(VENV)/.installed

.PHONY: install index run test bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -qq $(if $(TORCH_INDEX_URL),--index-url $(TORCH_INDEX_URL)) "$(TORCH_SPEC)"
	$(PY) -m pip install -qq -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# A document that cannot be read is reported by name; the rest is indexed and the bot still starts.
index: $(STAMP)
	$(LOA) index || echo "loa index: see the messages above; continuing with what could be indexed"

run: index
	$(LOA) run

test: index
	$(PY) -m pytest -q $(PYTEST_ARGS)

bench: index
	for f in bench/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) var
