"""Production: counts, stops with reasons, OEE per ISO 22400-2 (Qt-free; docs/production.md)."""
