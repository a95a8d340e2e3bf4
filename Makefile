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

.PHONY: install index run test bench clean chromium

# pip's own output (what it collects, downloads with progress bars, installs) stays visible:
# a silent install of a few minutes looks hung.
PIP_FLAGS ?= --disable-pip-version-check

$(STAMP): pyproject.toml
	@echo "==> Installing Loa's Python packages into $(VENV): PyTorch (CPU build), sentence-transformers,"
	@echo "    FAISS, python-telegram-bot and the rest. The first time takes about 2-5 minutes"
	@echo "    (PyTorch alone is a few hundred MB); pip reports its progress below."
	@mkdir -p $(VENV) && date +%s > $(VENV)/.install-started
	@test -x $(PY) || { echo "==> [1/3] Creating the virtual environment $(VENV)"; $(PYTHON) -m venv $(VENV); }
	@echo "==> [2/3] Installing PyTorch $(TORCH_SPEC)"
	$(PY) -m pip install $(PIP_FLAGS) $(if $(TORCH_INDEX_URL),--index-url $(TORCH_INDEX_URL)) "$(TORCH_SPEC)"
	@echo "==> [3/3] Installing Loa and its dependencies"
	$(PY) -m pip install $(PIP_FLAGS) -e ".[dev]"
	@touch $(STAMP)
	@echo "==> Installed in $$(( $$(date +%s) - $$(cat $(VENV)/.install-started) )) s."

install: $(STAMP)

# A document that cannot be read is reported by name; the rest is indexed and the bot still starts.
index: $(STAMP)
	@echo "==> Indexing the documents (knowledge/ and the board's uploads); only changed files are read."
	$(LOA) index || echo "loa index: see the messages above; continuing with what could be indexed"

run: index
	$(LOA) run

# The dashboard's browser tests need headless Chromium: installed here when missing and
# possible (root with apt-get); otherwise those tests are skipped and the summary says so.
chromium:
	@command -v chromium >/dev/null 2>&1 || [ -n "$$LOA_TEST_CHROMIUM" ] || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "==> Installing Chromium for the dashboard's browser tests (apt-get install chromium)"; \
	    apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 || \
	      { apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends chromium >/dev/null 2>&1; } || \
	      echo "==> Could not install Chromium: the dashboard's browser tests will be skipped"; \
	  else echo "==> No Chromium (and not root with apt-get): the dashboard's browser tests will be skipped"; fi; }

# Two workers (pytest-xdist), each taking whole test files: the suite is half waiting (fake
# servers, real bot processes), so two cores finish it in about half the time.
PYTEST_WORKERS ?= 2

test: index chromium
	$(PY) -m pytest -q -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

bench: index
	for f in bench/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) var
