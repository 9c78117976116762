"""`python -m connectors.sim`: the simulated line server (same options as `linehmi sim`)."""

from connectors.sim.cli import main

raise SystemExit(main())
