"""All inference benchmarks in one run: the fault model, then the visual QC model if present.

    .venv/bin/python bench/inference.py [--fault-only | --qc-only]

Each part prints its own tables and compares ONNX Runtime with the training
framework's own inference in the same run (bench/inference_fault.py,
bench/inference_qc.py); options after ``--`` go to both.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _load(name: str):  # type: ignore[no-untyped-def]
    path = HERE / f"{name}.py"
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    g = p.add_mutually_exclusive_group()
    g.add_argument("--fault-only", action="store_true")
    g.add_argument("--qc-only", action="store_true")
    args, rest = p.parse_known_args(argv)
    rc = 0
    if not args.qc_only:
        print("=== fault model (bench/inference_fault.py) ===")
        rc |= _load("inference_fault").main(rest)
    if not args.fault_only:
        qc = _load("inference_qc")
        if qc is None:
            print("\n(bench/inference_qc.py not present: QC model not measured)")
        else:
            print("\n=== visual QC model (bench/inference_qc.py) ===")
            rc |= qc.main(rest)
    return rc


if __name__ == "__main__":
    sys.exit(main())
