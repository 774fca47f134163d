# Two commands matter: `make run` (index corpus/ if needed, start the chat) and `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8501

.PHONY: install index run test bench eval clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --upgrade pip
	# torch is pinned to 2.13.0 in pyproject.toml: pip takes the CPU wheel on disk instead of a CUDA build.
	# No -q: the first install takes minutes, and pip's progress shows it is working.
	$(BIN)/pip install --disable-pip-version-check -e '.[test,bench,llm,onnx]'
	touch $(STAMP)

install: $(STAMP)

# Unchanged files cost one hash each, so this is cheap when the index is current.
index: install
	-$(BIN)/assistant ingest corpus/

run: index
	$(BIN)/streamlit run ui/app.py --server.address 127.0.0.1 --server.port $(PORT) \
		--server.headless true --browser.gatherUsageStats false

test: install
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python -m bench

eval: install
	$(BIN)/assistant eval --chart docs/eval-gold.png

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
