"""The composition root: wires the connectors, the journal, the alarm engine and the models
into one running line (`hmi.app.runtime.LineRuntime`).

It sits above the Qt-free kernel (`hmi.core`), the connectors and the models, and below the
entry point (`hmi.cli`): imports run one way (the import-linter `layers` contract in
pyproject.toml). No Qt here either: `linehmi run --headless` runs it without a display.
"""
