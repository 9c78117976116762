"""The language-model plumbing on a tiny random-weight Llama written as GGUF here: prepare -> load -> generate.

No real weights, no network: a 2-layer model (hidden 64, 4 query heads sharing 2 key/value heads) with
Q4_1/Q8_0 tensors and a byte-level BPE vocabulary, written with the `gguf` package's writer. Checks the
ONNX graph against a plain numpy forward pass of the same GGUF (llama.cpp's interleaved rotary layout,
so the builder's Q/K un-permutation is tested), the tokenizer/chat template, streaming, cancel, option
scoring, and what happens with a corrupt or missing model.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

gguf = pytest.importorskip("gguf")
pytest.importorskip("onnx")
pytest.importorskip("tokenizers")

from inference.assistant.factory import load_language_model  # noqa: E402
from inference.assistant.llm.gguf_model import GgufError, read_gguf  # noqa: E402
from inference.assistant.llm.prepare import prepare, prepare_assistant_main  # noqa: E402
from inference.assistant.llm.runtime import LocalLM, ModelUnavailable  # noqa: E402

TEMPLATE = (
    "{% for message in messages %}"
    "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
L, E, H, KV, FFN = 2, 64, 4, 2, 96


def _byte_tokens() -> list[str]:
    bs = (
        list(range(ord("!"), ord("~") + 1))
        + list(range(ord("¡"), ord("¬") + 1))
        + list(range(ord("®"), ord("ÿ") + 1))
    )
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    table = dict(zip(bs, cs, strict=True))
    return [chr(table[b]) for b in range(256)]


def write_tiny_gguf(path: Path, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    tokens = specials + _byte_tokens() + ["he", "Ġt", "Ġth"]
    merges = ["h e", "Ġ t", "Ġt h"]
    types = [3] * len(specials) + [1] * (len(tokens) - len(specials))
    V = len(tokens)
    w = gguf.GGUFWriter(str(path), "llama")
    w.add_name("tiny-llama-test")
    w.add_block_count(L)
    w.add_context_length(256)
    w.add_embedding_length(E)
    w.add_feed_forward_length(FFN)
    w.add_head_count(H)
    w.add_head_count_kv(KV)
    w.add_rope_freq_base(10000.0)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_dimension_count(E // H)
    w.add_vocab_size(V)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("smollm")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_chat_template(TEMPLATE)
    Q41, Q80 = gguf.GGMLQuantizationType.Q4_1, gguf.GGMLQuantizationType.Q8_0

    def q(name: str, shape: tuple[int, int], qt: gguf.GGMLQuantizationType, scale: float = 0.2) -> None:
        data = (rng.standard_normal(shape) * scale).astype(np.float32)
        w.add_tensor(name, gguf.quants.quantize(data, qt), raw_dtype=qt)

    q("token_embd.weight", (V, E), Q80, 1.0)
    for i in range(L):
        p = f"blk.{i}."
        w.add_tensor(p + "attn_norm.weight", (1.0 + 0.1 * rng.standard_normal(E)).astype(np.float32))
        w.add_tensor(p + "ffn_norm.weight", (1.0 + 0.1 * rng.standard_normal(E)).astype(np.float32))
        q(p + "attn_q.weight", (H * (E // H), E), Q41)
        q(p + "attn_k.weight", (KV * (E // H), E), Q41)
        q(p + "attn_v.weight", (KV * (E // H), E), Q41)
        q(p + "attn_output.weight", (E, E), Q41)
        q(p + "ffn_gate.weight", (FFN, E), Q41)
        q(p + "ffn_up.weight", (FFN, E), Q41)
        q(p + "ffn_down.weight", (E, FFN), Q41)
    w.add_tensor("output_norm.weight", np.ones(E, np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


def numpy_forward(m, ids: list[int]) -> np.ndarray:
    """Reference: llama.cpp's math on the dequantized GGUF (interleaved rotary pairs, no permutation undone)."""
    c = m.config
    D = c.head_dim
    W = m.dequantize
    emb = W("token_embd.weight")
    x = emb[ids].astype(np.float64)
    S = len(ids)
    ang = np.arange(S)[:, None] * (1.0 / (c.rope_base ** (np.arange(0, D, 2) / D)))[None, :]
    cos, sin = np.cos(ang)[:, None], np.sin(ang)[:, None]

    def rope(t):
        a, b = t[..., 0::2], t[..., 1::2]
        o = np.empty_like(t)
        o[..., 0::2], o[..., 1::2] = a * cos - b * sin, a * sin + b * cos
        return o

    def rms(v, wt):
        return v / np.sqrt((v * v).mean(-1, keepdims=True) + c.rms_eps) * wt

    mask = np.triu(np.full((S, S), -np.inf), 1)
    for i in range(c.n_layers):
        p = f"blk.{i}."
        h = rms(x, W(p + "attn_norm.weight"))
        qh = rope((h @ W(p + "attn_q.weight").T).reshape(S, c.n_heads, D))
        kh = np.repeat(
            rope((h @ W(p + "attn_k.weight").T).reshape(S, c.n_kv_heads, D)), c.n_heads // c.n_kv_heads, 1
        )
        vh = np.repeat(
            (h @ W(p + "attn_v.weight").T).reshape(S, c.n_kv_heads, D), c.n_heads // c.n_kv_heads, 1
        )
        sc = np.einsum("shd,thd->hst", qh, kh) / np.sqrt(D) + mask
        sc = np.exp(sc - sc.max(-1, keepdims=True))
        sc /= sc.sum(-1, keepdims=True)
        x = x + np.einsum("hst,thd->shd", sc, vh).reshape(S, -1) @ W(p + "attn_output.weight").T
        h = rms(x, W(p + "ffn_norm.weight"))
        g = h @ W(p + "ffn_gate.weight").T
        x = x + (g / (1 + np.exp(-g)) * (h @ W(p + "ffn_up.weight").T)) @ W(p + "ffn_down.weight").T
    return rms(x, W("output_norm.weight"))[-1] @ emb.T


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    d = tmp_path_factory.mktemp("tiny")
    g = write_tiny_gguf(d / "tiny.gguf")
    steps: list[tuple[int, int, str]] = []
    card = prepare(g, d / "prepared", progress=lambda a, b, w: steps.append((a, b, w)))
    return g, d / "prepared", card, steps


def test_prepare_writes_a_verified_directory_with_progress(tiny):
    _g, out, card, steps = tiny
    assert (out / "model.onnx").is_file() and (out / "tokenizer.json").is_file()
    assert card["verified"]["provider"] == "CPUExecutionProvider"
    assert steps[-1][0] == steps[-1][1] == L + 2  # embedding, each layer, saved
    assert not (out.parent / ".prepared.preparing").exists()


def test_graph_matches_a_numpy_forward_pass(tiny):
    g, out, _card, _ = tiny
    lm = LocalLM.load(out)
    m = read_gguf(g)
    ids = [1, 60, 70, 80, 90, 100, 2, 1, 42]
    logits, _past = lm._step(ids, 0, lm._empty_past())
    ref = numpy_forward(m, ids)
    assert np.corrcoef(logits, ref)[0, 1] > 0.99
    assert int(np.argmax(logits)) == int(np.argmax(ref))
    # The KV cache gives the same next logits as a full recompute.
    _l1, past = lm._step(ids[:-1], 0, lm._empty_past())
    l2, _ = lm._step(ids[-1:], len(ids) - 1, past)
    assert np.allclose(l2, logits, atol=1e-3 * max(1.0, float(np.abs(logits).max())))


def test_generate_streams_and_cancels(tiny):
    _g, out, _card, _ = tiny
    lm = LocalLM.load(out)
    toks: list[str] = []
    gen = lm.chat([{"role": "user", "content": "the heat"}], max_new_tokens=6, on_token=toks.append)
    assert 0 <= gen.n_tokens <= 6 and "".join(toks) == gen.text
    again = lm.chat([{"role": "user", "content": "the heat"}], max_new_tokens=6)
    assert again.text == gen.text  # greedy: the same facts, the same words
    cancel = threading.Event()
    cancel.set()
    assert lm.chat([{"role": "user", "content": "x"}], cancel=cancel).cancelled
    scores = lm.score_options([{"role": "user", "content": "pick"}], ["alarms", "none"])
    assert len(scores) == 2 and all(np.isfinite(scores))


def test_tokenizer_and_chat_template(tiny):
    _g, out, _card, _ = tiny
    lm = LocalLM.load(out)
    ids = lm.encode_chat([{"role": "user", "content": "the"}])
    assert ids[0] == 1 and 2 in ids  # <|im_start|> ... <|im_end|>
    assert lm.tokenizer.decode(ids).startswith("<|im_start|>user\nthe<|im_end|>")
    assert lm.tokenizer.convert_ids_to_tokens(lm.tokenizer.encode(" th", add_special_tokens=False)) == ["Ġth"]


def test_missing_and_corrupt_models_fall_back_with_a_reason(tiny, tmp_path):
    lm, why = load_language_model(tmp_path / "nothing")
    assert lm is None and "prepare-assistant" in why
    _g, out, _card, _ = tiny
    import shutil

    bad = tmp_path / "bad"
    shutil.copytree(out, bad)
    data = bad / "model.onnx.data"
    data.write_bytes(data.read_bytes()[: data.stat().st_size // 2])
    lm, why = load_language_model(bad)
    assert lm is None and "bytes, expected" in why
    with pytest.raises(ModelUnavailable):
        LocalLM.load(bad)


def test_not_a_gguf_is_refused(tmp_path):
    p = tmp_path / "x.gguf"
    p.write_bytes(b"not a gguf")
    with pytest.raises(GgufError, match="not a readable GGUF"):
        read_gguf(p)
    assert prepare_assistant_main(["--gguf", str(p), "--out", str(tmp_path / "o")]) == 2
    assert not (tmp_path / "o").exists()


def test_hugging_face_directory_gives_the_same_model(tiny, tmp_path):
    """The same tiny weights as a Hugging Face Llama directory (safetensors, HF rotary layout)."""
    import json

    from safetensors.numpy import save_file

    from inference.assistant.llm.onnx_builder import unpermute_rows
    from inference.assistant.llm.tokenizer import build_tokenizer_json

    g, out, _card, _ = tiny
    m = read_gguf(g)
    c = m.config
    hf = tmp_path / "hf"
    hf.mkdir()
    t: dict[str, np.ndarray] = {
        "model.embed_tokens.weight": m.dequantize("token_embd.weight").astype(np.float16)
    }
    t["model.norm.weight"] = m.dequantize("output_norm.weight")
    for i in range(c.n_layers):
        p, q = f"blk.{i}.", f"model.layers.{i}."
        t[q + "input_layernorm.weight"] = m.dequantize(p + "attn_norm.weight")
        t[q + "post_attention_layernorm.weight"] = m.dequantize(p + "ffn_norm.weight")
        t[q + "self_attn.q_proj.weight"] = m.dequantize(p + "attn_q.weight")[unpermute_rows(H * (E // H), H)]
        t[q + "self_attn.k_proj.weight"] = m.dequantize(p + "attn_k.weight")[
            unpermute_rows(KV * (E // H), KV)
        ]
        for a, b in (
            ("attn_v", "self_attn.v_proj"),
            ("attn_output", "self_attn.o_proj"),
            ("ffn_gate", "mlp.gate_proj"),
            ("ffn_up", "mlp.up_proj"),
            ("ffn_down", "mlp.down_proj"),
        ):
            t[q + b + ".weight"] = m.dequantize(p + a + ".weight")
    save_file({k: np.ascontiguousarray(v) for k, v in t.items()}, str(hf / "model.safetensors"))
    cfg = {
        "model_type": "llama",
        "architectures": ["LlamaForCausalLM"],
        "hidden_size": E,
        "num_hidden_layers": L,
        "num_attention_heads": H,
        "num_key_value_heads": KV,
        "intermediate_size": FFN,
        "vocab_size": len(m.tokens),
        "rope_theta": 10000.0,
        "rms_norm_eps": 1e-5,
        "max_position_embeddings": 256,
        "tie_word_embeddings": True,
    }
    (hf / "config.json").write_text(json.dumps(cfg), encoding="utf-8")
    (hf / "tokenizer.json").write_text(
        build_tokenizer_json(m.tokens, m.merges, m.token_types), encoding="utf-8"
    )
    (hf / "tokenizer_config.json").write_text(
        json.dumps(
            {"chat_template": TEMPLATE, "eos_token": {"content": "<|im_end|>"}, "bos_token": "<|im_start|>"}
        ),
        encoding="utf-8",
    )
    card = prepare(hf, tmp_path / "hf_prepared")
    assert card["source_format"] == "huggingface"
    a, b = LocalLM.load(out), LocalLM.load(tmp_path / "hf_prepared")
    ids = [1, 60, 70, 80, 90, 2, 1, 42]
    la, _ = a._step(ids, 0, a._empty_past())
    lb, _ = b._step(ids, 0, b._empty_past())
    assert np.corrcoef(la, lb)[0, 1] > 0.99 and int(np.argmax(la)) == int(np.argmax(lb))
    assert b.tokenizer.eos_token == "<|im_end|>"
