"""`python -m connectors.sim`: the simulated line server (same options as `linehmi sim`)."""

from connectors.sim.cli import main

if __name__ == "__main__":  # pkgutil.walk_packages imports this module in the no-Qt test
    raise SystemExit(main())
