"""`linehmi models ...`: train the shipped models, list them with their provider and checks.

    linehmi models list [--dir resources/models] [--device auto|cpu|cuda]
    linehmi models train-fault [--quick] [--out DIR] [--seed N]
    linehmi models train-qc ...          (inference/qc/train.py, when installed)

`list` loads every model it finds exactly as the HMI would (card, sha256,
graph inputs/outputs, provider), so "ok" here means "the HMI will use it".
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
from collections.abc import Callable
from pathlib import Path

from inference.model_card import CARD_SUFFIX, ModelError, read_card, sha256_of

MODELS_DIR = Path(__file__).resolve().parents[1] / "resources" / "models"


def _trainer(module: str, what: str) -> Callable[[list[str]], int] | str:
    """A training entry point imported lazily (training needs the `train` extra), or why not."""
    if (
        importlib.util.find_spec(module.rpartition(".")[0]) is None
        or importlib.util.find_spec(module) is None
    ):
        return f"{what} is not available in this installation ({module} is missing)"
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        return f"{what} needs the training extra (pip install 'linehmi[train]'): {exc}"
    main = getattr(mod, "main", None)
    if not callable(main):
        return f"{module} has no main(argv) function"
    return main  # type: ignore[no-any-return]


def cmd_list(args: argparse.Namespace) -> int:
    from inference.onnx_model import (
        available_providers,
        installed_runtimes,
        load_model,
        preferred_providers,
        runtime_problem,
    )

    folder = Path(args.dir)
    cards = sorted(folder.glob(f"*{CARD_SUFFIX}"))
    runtime = ", ".join(installed_runtimes()) or "no model runtime"
    print(f"models in {folder}  ({runtime}; providers: {', '.join(available_providers()) or 'none'}; "
          f"would use {preferred_providers(args.device)[0]})")  # fmt: skip
    if problem := runtime_problem():
        print(f"  WARNING: {problem}")
    if not cards:
        print("  none found (train them with `linehmi models train-fault` / `train-qc`)")
        return 1
    bad = 0
    for path in cards:
        name = path.name.removesuffix(CARD_SUFFIX)
        try:
            card = read_card(path)
        except ModelError as exc:
            print(f"  {name:24s} CARD ERROR  {exc.problem}")
            bad += 1
            continue
        onnx = path.parent / card.file
        sha = "missing" if not onnx.is_file() else ("ok" if sha256_of(onnx) == card.sha256 else "MISMATCH")
        try:
            model = load_model(path, prefer=args.device)
            status = f"ok, {model.label}, warm-up {model.stats.last_ms:.2f} ms"
        except ModelError as exc:
            status = f"ERROR: {exc.problem}"
            bad += 1
        size = f"{onnx.stat().st_size / 1024:.0f} KiB" if onnx.is_file() else "-"
        print(f"  {card.name:24s} {card.version:12s} {card.task:18s} {size:>9s}  sha256 {sha:8s}  {status}")
        if args.verbose:
            print("    metrics:", json.dumps(_headline(card.metrics), ensure_ascii=False))
    return 1 if bad else 0


def _headline(metrics: dict[str, object]) -> dict[str, object]:
    """The few numbers worth a line: per test split, the model's precision/recall/lead/FA rate/RUL RMSE."""
    out: dict[str, object] = {}
    for split, per in metrics.items():
        if isinstance(per, dict) and isinstance(per.get("model"), dict):
            m = per["model"]
            out[split] = {
                k: m.get(k)
                for k in (
                    "precision",
                    "recall",
                    "median_lead_s",
                    "false_alarms_per_machine_day",
                    "rul_rmse_s",
                )
            }
        elif split in ("threshold", "ai4i_2020", "accuracy", "f1"):
            out[split] = per
    return out or metrics


def main(argv: list[str] | None = None) -> int:
    return models_cli_main(argv)


def models_cli_main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="linehmi models", description="LineHMI's ONNX models: list, train")
    sub = p.add_subparsers(dest="cmd", required=True)
    pl = sub.add_parser("list", help="the models, their checks (sha256, graph) and the provider in use")
    pl.add_argument("--dir", default=str(MODELS_DIR), help=f"model folder (default {MODELS_DIR})")
    pl.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    pl.add_argument("-v", "--verbose", action="store_true", help="print each card's headline metrics")
    sub.add_parser("train-fault", help="train the fault predictor (see train-fault --help)", add_help=False)
    sub.add_parser("train-qc", help="train the visual QC model (see train-qc --help)", add_help=False)
    sub.add_parser(
        "prepare-assistant",
        help="build the assistant's ONNX language model from the installed GGUF (see prepare-assistant --help)",
        add_help=False,
    )
    argv = list(argv) if argv is not None else None
    import sys

    raw = argv if argv is not None else sys.argv[1:]
    # train-* parse their own options.
    if raw and raw[0] == "prepare-assistant":
        from inference.assistant.llm.prepare import prepare_assistant_main

        return int(prepare_assistant_main(raw[1:]) or 0)
    if raw and raw[0] in ("train-fault", "train-qc"):
        module, what = (
            ("inference.fault.train", "train-fault")
            if raw[0] == "train-fault"
            else ("inference.qc.train", "train-qc")
        )
        trainer = _trainer(module, what)
        if isinstance(trainer, str):
            print(trainer)
            return 2
        return int(trainer(raw[1:]) or 0)
    args = p.parse_args(raw)
    if args.cmd == "list":
        return cmd_list(args)
    p.print_help()
    return 2


if __name__ == "__main__":
    raise SystemExit(models_cli_main())
