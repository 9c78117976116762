"""A Hugging Face-format Llama directory (config.json + *.safetensors + tokenizer files), read with numpy.

For bigger workstations: any local Llama-architecture checkpoint (SmolLM2-360M/1.7B, Llama 3.2 1B...)
goes through the same ONNX builder as a GGUF file. The safetensors files are parsed directly (an 8-byte
header length, a JSON header, raw little-endian tensors), so bf16 and f16 checkpoints need neither torch
nor ml_dtypes. The object mimics `GgufModel` for the builder; Q/K rows are put into GGUF's order so the
builder's un-permutation (written for GGUF) gives back the Hugging Face layout.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import numpy as np

from inference.assistant.llm.gguf_model import GgufError, LlamaConfig, quantize_q8_blocks

_DTYPES = {"F32": np.float32, "F16": np.float16, "BF16": np.uint16, "F64": np.float64}
_NAMES = {
    "token_embd.weight": "model.embed_tokens.weight",
    "output_norm.weight": "model.norm.weight",
    "output.weight": "lm_head.weight",
}
_LAYER = {
    "attn_norm": "input_layernorm",
    "ffn_norm": "post_attention_layernorm",
    "attn_q": "self_attn.q_proj",
    "attn_k": "self_attn.k_proj",
    "attn_v": "self_attn.v_proj",
    "attn_output": "self_attn.o_proj",
    "ffn_gate": "mlp.gate_proj",
    "ffn_up": "mlp.up_proj",
    "ffn_down": "mlp.down_proj",
}


def _hf_name(gguf_name: str) -> str:
    if gguf_name in _NAMES:
        return _NAMES[gguf_name]
    parts = gguf_name.split(".")  # blk.{i}.{what}.weight
    if len(parts) == 4 and parts[0] == "blk" and parts[2] in _LAYER:
        return f"model.layers.{parts[1]}.{_LAYER[parts[2]]}.weight"
    raise GgufError(f"no Hugging Face name for tensor {gguf_name!r}")


def _gguf_rows(n_rows: int, n_heads: int) -> np.ndarray:
    """Row order of llama.cpp's Q/K permutation (the inverse of onnx_builder.unpermute_rows)."""
    hd = n_rows // n_heads
    return np.arange(n_rows).reshape(n_heads, 2, hd // 2).swapaxes(1, 2).reshape(-1)


class HfModel:
    """Enough of `GgufModel` for the ONNX builder, from a Hugging Face Llama directory."""

    arch = "llama"

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            cfg = json.loads((path / "config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise GgufError(f"{path}: no readable config.json ({exc})") from None
        if cfg.get("model_type") not in ("llama", "mistral") and "LlamaForCausalLM" not in cfg.get(
            "architectures", []
        ):
            raise GgufError(
                f"{path}: model_type {cfg.get('model_type')!r} is not supported (only Llama-architecture)"
            )
        if cfg.get("rope_scaling"):
            raise GgufError(f"{path}: rope_scaling {cfg['rope_scaling']!r} is not supported")
        heads = int(cfg["num_attention_heads"])
        hidden = int(cfg["hidden_size"])
        self.config = LlamaConfig(
            n_layers=int(cfg["num_hidden_layers"]),
            hidden=hidden,
            n_heads=heads,
            n_kv_heads=int(cfg.get("num_key_value_heads", heads)),
            ffn=int(cfg["intermediate_size"]),
            vocab=int(cfg["vocab_size"]),
            rope_base=float(cfg.get("rope_theta", 10000.0)),
            rms_eps=float(cfg.get("rms_norm_eps", 1e-5)),
            context=int(cfg.get("max_position_embeddings", 2048)),
            head_dim=int(cfg.get("head_dim", hidden // heads)),
        )
        if self.config.head_dim * heads != hidden:
            raise GgufError(f"{path}: head_dim x heads != hidden size is not supported")
        self.tied = bool(cfg.get("tie_word_embeddings", False))
        self.name = str(cfg.get("_name_or_path") or path.name)
        tcfg_path = path / "tokenizer_config.json"
        tcfg = json.loads(tcfg_path.read_text(encoding="utf-8")) if tcfg_path.is_file() else {}
        tmpl = tcfg.get("chat_template") or ""
        if not tmpl and (path / "chat_template.jinja").is_file():
            tmpl = (path / "chat_template.jinja").read_text(encoding="utf-8")
        self.chat_template = tmpl
        if not (path / "tokenizer.json").is_file():
            raise GgufError(f"{path}: tokenizer.json missing (a fast tokenizer is needed)")
        self._index: dict[str, tuple[Path, dict[str, Any], int]] = {}
        files = sorted(path.glob("*.safetensors"))
        if not files:
            raise GgufError(f"{path}: no .safetensors files")
        for f in files:
            with f.open("rb") as fh:
                n = struct.unpack("<Q", fh.read(8))[0]
                header = json.loads(fh.read(n))
            for k, v in header.items():
                if k != "__metadata__":
                    self._index[k] = (f, v, 8 + n)

    def has(self, name: str) -> bool:
        if name == "output.weight" and self.tied:
            return False
        try:
            return _hf_name(name) in self._index
        except GgufError:
            return False

    def _raw(self, hf: str) -> np.ndarray:
        if hf not in self._index:
            raise GgufError(f"{self.path}: tensor {hf!r} missing")
        f, info, base = self._index[hf]
        dt = info["dtype"]
        if dt not in _DTYPES:
            raise GgufError(f"{self.path}: tensor {hf!r} has dtype {dt}, expected F32, F16 or BF16")
        a, b = info["data_offsets"]
        with f.open("rb") as fh:
            fh.seek(base + a)
            buf = fh.read(b - a)
        arr = np.frombuffer(buf, dtype=_DTYPES[dt]).reshape(info["shape"])
        if dt == "BF16":
            return (arr.astype(np.uint32) << 16).view(np.float32)
        return arr.astype(np.float32)

    def dequantize(self, name: str) -> np.ndarray:
        w = self._raw(_hf_name(name))
        c = self.config
        if name.endswith("attn_q.weight"):
            w = w[_gguf_rows(w.shape[0], c.n_heads)]
        elif name.endswith("attn_k.weight"):
            w = w[_gguf_rows(w.shape[0], c.n_kv_heads)]
        return w

    def blocks_q8(
        self, name: str, row_perm: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        w = self.dequantize(name)
        if row_perm is not None:
            w = w[row_perm]
        return quantize_q8_blocks(w)


def is_hf_dir(path: Path) -> bool:
    return path.is_dir() and (path / "config.json").is_file() and any(path.glob("*.safetensors"))
