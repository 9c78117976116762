"""An ONNX graph of a Llama-architecture decoder with KV cache, written with `onnx.helper` (no torch).

Inputs:  input_ids int64 [1, S], position_ids int64 [1, S],
         past_key.{i} / past_value.{i} float32 [1, n_kv, P, head_dim] for each layer i.
Outputs: logits float32 [1, vocab] (last position only: all generation needs),
         present_key.{i} / present_value.{i} float32 [1, n_kv, P + S, head_dim].

One graph serves the prompt (S = prompt length, P = 0) and each new token
(S = 1). Per layer: RMSNorm -> Q/K/V projections -> rotary embedding ->
grouped-query attention (n_heads query heads share n_kv_heads key/value
heads; computed as a 5-D MatMul so keys and values are never repeated) with a
causal mask -> output projection -> residual -> RMSNorm -> SwiGLU MLP ->
residual. Final RMSNorm, tied embeddings as the output head.

Weights: every projection is onnxruntime's `MatMulNBits` (com.microsoft) with
8-bit blocks of 32 and `accuracy_level` 4 (int8 compute, VNNI on this CPU).
The token embedding is stored once, as the output head's 8-bit blocks; the
input lookup gathers and dequantizes those same blocks.

GGUF files store the Q and K projections permuted for llama.cpp's
interleaved rotary layout; the builder undoes that permutation (rows only,
so quantized blocks move intact) and applies the rotate-half form.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from inference.assistant.llm.gguf_model import GgufModel, LlamaConfig
from inference.assistant.llm.hf_model import HfModel

OPSET = 21
ProgressFn = Callable[[int, int, str], None]


def unpermute_rows(n_rows: int, n_heads: int) -> np.ndarray:
    """Row order that turns a GGUF Q/K weight back into the Hugging Face (rotate-half) layout."""
    hd = n_rows // n_heads
    return np.arange(n_rows).reshape(n_heads, hd // 2, 2).swapaxes(1, 2).reshape(-1)


class _G:
    """A tiny graph-building helper: unique names, constants, initializers."""

    def __init__(self) -> None:
        from onnx import helper

        self.h = helper
        self.nodes: list[Any] = []
        self.inits: list[Any] = []
        self._n = 0

    def name(self, base: str) -> str:
        self._n += 1
        return f"{base}_{self._n}"

    def op(
        self,
        op_type: str,
        inputs: list[str],
        base: str | None = None,
        domain: str = "",
        n_out: int = 1,
        **attrs: Any,
    ) -> Any:
        outs = [self.name(base or op_type.lower()) for _ in range(n_out)]
        self.nodes.append(self.h.make_node(op_type, inputs, outs, domain=domain or None, **attrs))
        return outs[0] if n_out == 1 else outs

    def init(self, name: str, arr: np.ndarray) -> str:
        from onnx import numpy_helper

        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def const(self, arr: Any, dtype: Any = np.int64) -> str:
        return self.init(self.name("c"), np.asarray(arr, dtype=dtype))


def build_llama_onnx(
    model: GgufModel | HfModel,
    out_path: Path,
    *,
    accuracy_level: int = 4,
    weight_format: str = "q8",
    progress: ProgressFn | None = None,
) -> dict[str, Any]:
    """Write `out_path` (+ `out_path.data` with the weights). Returns a description for the model card."""
    import onnx
    from onnx import TensorProto, helper

    cfg: LlamaConfig = model.config
    H, KV, D, E = cfg.n_heads, cfg.n_kv_heads, cfg.head_dim, cfg.hidden
    group = H // KV
    g = _G()
    total = cfg.n_layers + 2
    done = 0

    def tick(what: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total, what)

    if weight_format not in ("q8", "f32"):
        raise ValueError(f"weight_format must be 'q8' or 'f32', got {weight_format!r}")

    def linear(x: str, wname: str, n: int, k: int, perm: np.ndarray | None = None) -> str:
        if weight_format == "f32":  # the baseline: plain MatMul on dequantized weights
            w = model.dequantize(wname)
            if perm is not None:
                w = w[perm]
            wt = g.init(wname.replace(".", "_") + "_t", np.ascontiguousarray(w.T.astype(np.float32)))
            return g.op("MatMul", [x, wt], wname.replace(".weight", "").replace(".", "_"))
        b, s, z = model.blocks_q8(wname, perm)
        base = wname.replace(".weight", "").replace(".", "_")
        bi = g.init(base + "_q8", b)
        si = g.init(base + "_scales", s)
        zi = g.init(base + "_zp", z)
        return g.op(
            "MatMulNBits",
            [x, bi, si, zi],
            base,
            domain="com.microsoft",
            K=k,
            N=n,
            bits=8,
            block_size=32,
            accuracy_level=accuracy_level,
        )

    def rmsnorm(x: str, wname: str) -> str:
        w = g.init(wname.replace(".", "_"), model.dequantize(wname).astype(np.float32))
        sq = g.op("Mul", [x, x])
        ms = g.op("ReduceMean", [sq, g.const([-1])], keepdims=1)
        eps = g.op("Add", [ms, g.const(np.float32(cfg.rms_eps), np.float32)])
        inv = g.op("Reciprocal", [g.op("Sqrt", [eps])])
        return g.op("Mul", [g.op("Mul", [x, inv]), w], "rmsnorm")

    # --- inputs ---
    inputs = [
        helper.make_tensor_value_info("input_ids", TensorProto.INT64, [1, "seq"]),
        helper.make_tensor_value_info("position_ids", TensorProto.INT64, [1, "seq"]),
    ]
    outputs = [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, cfg.vocab])]
    for i in range(cfg.n_layers):
        for kind in ("key", "value"):
            inputs.append(
                helper.make_tensor_value_info(f"past_{kind}.{i}", TensorProto.FLOAT, [1, KV, "past", D])
            )
            outputs.append(
                helper.make_tensor_value_info(f"present_{kind}.{i}", TensorProto.FLOAT, [1, KV, "total", D])
            )

    # --- embedding: gather the output head's 8-bit blocks and dequantize ---
    emb_b, emb_s, emb_z = model.blocks_q8("token_embd.weight")
    vocab, kb = emb_b.shape[0], emb_b.shape[1]
    eb = g.init("token_embd_q8", emb_b)
    es = g.init("token_embd_scales", emb_s)
    ez = g.init("token_embd_zp", emb_z)
    es2 = g.op("Reshape", [es, g.const([vocab, kb, 1])])
    ez2 = g.op("Reshape", [ez, g.const([vocab, kb, 1])])
    rows = g.op("Cast", [g.op("Gather", [eb, "input_ids"], axis=0)], to=TensorProto.FLOAT)  # [1,S,kb,32]
    zps = g.op("Cast", [g.op("Gather", [ez2, "input_ids"], axis=0)], to=TensorProto.FLOAT)  # [1,S,kb,1]
    scs = g.op("Gather", [es2, "input_ids"], axis=0)  # [1,S,kb,1]
    x = g.op("Mul", [g.op("Sub", [rows, zps]), scs])
    x = g.op("Reshape", [x, g.const([1, -1, kb * 32])])
    if kb * 32 != E:
        x = g.op("Slice", [x, g.const([0]), g.const([E]), g.const([2])])
    tick("embedding")

    # --- rotary tables from position_ids ---
    inv_freq = (1.0 / (cfg.rope_base ** (np.arange(0, D, 2, dtype=np.float64) / D))).astype(np.float32)
    pos = g.op("Cast", ["position_ids"], to=TensorProto.FLOAT)  # [1,S]
    freqs = g.op(
        "Mul", [g.op("Unsqueeze", [pos, g.const([2])]), g.init("inv_freq", inv_freq.reshape(1, 1, -1))]
    )  # [1,S,D/2]
    emb = g.op("Concat", [freqs, freqs], axis=-1)  # [1,S,D]
    cos = g.op("Unsqueeze", [g.op("Cos", [emb]), g.const([1])])  # [1,1,S,D]
    sin = g.op("Unsqueeze", [g.op("Sin", [emb]), g.const([1])])

    def rope(t: str) -> str:  # t: [1, heads, S, D]
        x1, x2 = g.op("Split", [t, g.const([D // 2, D // 2])], axis=-1, n_out=2)
        rot = g.op("Concat", [g.op("Neg", [x2]), x1], axis=-1)
        return g.op("Add", [g.op("Mul", [t, cos]), g.op("Mul", [rot, sin])], "rope")

    # --- causal mask [1,1,1,S,T]: key position > query position -> -inf ---
    q_pos = g.op("Unsqueeze", ["position_ids", g.const([2])])  # [1,S,1]
    seq_len = g.op("Gather", [g.op("Shape", ["input_ids"]), g.const(1)], axis=0)
    past_len = g.op("Gather", [g.op("Shape", ["past_key.0"]), g.const(2)], axis=0)
    total_len = g.op("Add", [past_len, seq_len])
    k_pos = g.op("Range", [g.const(0), total_len, g.const(1)])  # [T]
    future = g.op("Greater", [g.op("Unsqueeze", [k_pos, g.const([0, 1])]), q_pos])  # [1,S,T]
    mask = g.op(
        "Where",
        [future, g.const(np.float32(-1e30), np.float32), g.const(np.float32(0.0), np.float32)],
    )
    mask = g.op("Unsqueeze", [mask, g.const([1, 2])])  # [1,1,1,S,T]
    scale = g.const(np.float32(1.0 / np.sqrt(D)), np.float32)

    q_perm = unpermute_rows(H * D, H)
    k_perm = unpermute_rows(KV * D, KV)
    for i in range(cfg.n_layers):
        p = f"blk.{i}"
        h = rmsnorm(x, f"{p}.attn_norm.weight")
        q = linear(h, f"{p}.attn_q.weight", H * D, E, q_perm)
        k = linear(h, f"{p}.attn_k.weight", KV * D, E, k_perm)
        v = linear(h, f"{p}.attn_v.weight", KV * D, E)
        q = g.op("Transpose", [g.op("Reshape", [q, g.const([1, -1, H, D])])], perm=[0, 2, 1, 3])  # [1,H,S,D]
        k = g.op(
            "Transpose", [g.op("Reshape", [k, g.const([1, -1, KV, D])])], perm=[0, 2, 1, 3]
        )  # [1,KV,S,D]
        v = g.op("Transpose", [g.op("Reshape", [v, g.const([1, -1, KV, D])])], perm=[0, 2, 1, 3])
        q, k = rope(q), rope(k)
        pk = g.op("Concat", [f"past_key.{i}", k], axis=2)
        pv = g.op("Concat", [f"past_value.{i}", v], axis=2)
        g.nodes.append(helper.make_node("Identity", [pk], [f"present_key.{i}"]))
        g.nodes.append(helper.make_node("Identity", [pv], [f"present_value.{i}"]))
        q5 = g.op("Reshape", [q, g.const([1, KV, group, -1, D])])  # [1,KV,G,S,D]
        k5 = g.op("Unsqueeze", [pk, g.const([2])])  # [1,KV,1,T,D]
        v5 = g.op("Unsqueeze", [pv, g.const([2])])
        scores = g.op("MatMul", [q5, g.op("Transpose", [k5], perm=[0, 1, 2, 4, 3])])  # [1,KV,G,S,T]
        scores = g.op("Add", [g.op("Mul", [scores, scale]), mask])
        probs = g.op("Softmax", [scores], axis=-1)
        att = g.op("MatMul", [probs, v5])  # [1,KV,G,S,D]
        att = g.op("Reshape", [att, g.const([1, H, -1, D])])
        att = g.op("Reshape", [g.op("Transpose", [att], perm=[0, 2, 1, 3]), g.const([1, -1, H * D])])
        x = g.op("Add", [x, linear(att, f"{p}.attn_output.weight", E, H * D)], "resid")
        h = rmsnorm(x, f"{p}.ffn_norm.weight")
        gate = linear(h, f"{p}.ffn_gate.weight", cfg.ffn, E)
        up = linear(h, f"{p}.ffn_up.weight", cfg.ffn, E)
        act = g.op("Mul", [g.op("Mul", [gate, g.op("Sigmoid", [gate])]), up], "swiglu")
        x = g.op("Add", [x, linear(act, f"{p}.ffn_down.weight", E, cfg.ffn)], "resid")
        tick(f"layer {i + 1}/{cfg.n_layers}")

    x = rmsnorm(x, "output_norm.weight")
    last = g.op("Gather", [x, g.op("Sub", [seq_len, g.const(1)])], axis=1)  # [1,E]
    if model.has("output.weight"):
        head = linear(last, "output.weight", cfg.vocab, E)
    elif weight_format == "f32":
        emb_t = g.init("token_embd_t", np.ascontiguousarray(model.dequantize("token_embd.weight").T))
        head = g.op("MatMul", [last, emb_t], "lm_head")
    else:  # tied: the embedding blocks again
        head = g.op(
            "MatMulNBits",
            [last, eb, es, ez],
            "lm_head",
            domain="com.microsoft",
            K=E,
            N=vocab,
            bits=8,
            block_size=32,
            accuracy_level=accuracy_level,
        )
    g.nodes.append(helper.make_node("Reshape", [head, g.const([1, cfg.vocab])], ["logits"]))

    graph = helper.make_graph(g.nodes, "llama_kv", inputs, outputs, g.inits)
    m = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid("com.microsoft", 1)],
        producer_name="linehmi-prepare-assistant",
    )
    m.ir_version = 10
    out_path.parent.mkdir(parents=True, exist_ok=True)
    data_name = out_path.name + ".data"
    if (out_path.parent / data_name).exists():
        (out_path.parent / data_name).unlink()
    onnx.save_model(
        m,
        str(out_path),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location=data_name,
        size_threshold=1024,
    )
    tick("saved")
    return {
        "inputs": ["input_ids", "position_ids"]
        + [f"past_{k}.{i}" for i in range(cfg.n_layers) for k in ("key", "value")],
        "outputs": ["logits"] + [f"present_{k}.{i}" for i in range(cfg.n_layers) for k in ("key", "value")],
        "weights": "MatMulNBits 8-bit, block 32" if weight_format == "q8" else "float32 MatMul",
        "accuracy_level": accuracy_level,
        "config": cfg.to_dict(),
    }
