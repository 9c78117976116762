"""Tokenizer from GGUF metadata: a `tokenizers` byte-level BPE in transformers' PreTrainedTokenizerFast.

transformers' own GGUF loader imports torch; this path does not. The
pre-tokenizer follows the GGUF `tokenizer.ggml.pre` name: "smollm" (and the
GPT-2 family) split digits one by one, then apply the GPT-2 byte-level regex.
The chat template is the one stored in the GGUF file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CONTROL = 3  # GGUF token type of special tokens (<|im_start|> ...)


def build_tokenizer_json(tokens: list[str], merges: list[str], token_types: list[int], pre: str = "") -> str:
    """A tokenizer.json (the `tokenizers` format) for a GGUF byte-level BPE vocabulary."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors

    vocab = {t: i for i, t in enumerate(tokens)}
    pairs = []
    for m in merges:
        a, sep, b = m.partition(" ")
        if sep:
            pairs.append((a, b))
    tok = Tokenizer(models.BPE(vocab=vocab, merges=pairs, fuse_unk=False, byte_fallback=False))
    # llama.cpp's "smollm" (and the StarCoder family's) pre-tokenizer: digits one by one, then the GPT-2
    # regex. Other byte-level BPE models may split digits differently; this builder is for that family.
    splitters: list[Any] = [
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    ]
    tok.pre_tokenizer = pre_tokenizers.Sequence(splitters)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    specials = [
        AddedToken(t, special=True, normalized=False)
        for t, ty in zip(tokens, token_types, strict=False)
        if ty == CONTROL
    ]
    tok.add_special_tokens(specials)
    return tok.to_str()


def save_tokenizer_files(directory: Path, gguf: Any) -> None:
    """tokenizer.json + tokenizer_config.json (chat template, special tokens) into a prepared directory."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "tokenizer.json").write_text(
        build_tokenizer_json(gguf.tokens, gguf.merges, gguf.token_types, gguf.pre), encoding="utf-8"
    )
    eos = gguf.tokens[gguf.eos_id] if gguf.eos_id is not None else None
    bos = gguf.tokens[gguf.bos_id] if gguf.bos_id is not None else None
    cfg = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "chat_template": gguf.chat_template,
        "eos_token": eos,
        "bos_token": bos,
        "pad_token": gguf.tokens[gguf.pad_id] if gguf.pad_id is not None else eos,
        "unk_token": None,
        "add_bos_token": False,
        "clean_up_tokenization_spaces": False,
        "model_max_length": 8192,
    }
    (directory / "tokenizer_config.json").write_text(
        json.dumps(cfg, indent=2, ensure_ascii=False), encoding="utf-8"
    )


def copy_hf_tokenizer(src: Path, directory: Path, chat_template: str) -> None:
    """tokenizer.json as is; tokenizer_config.json reduced to what load_tokenizer reads."""
    import shutil

    directory.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src / "tokenizer.json", directory / "tokenizer.json")
    p = src / "tokenizer_config.json"
    raw = json.loads(p.read_text(encoding="utf-8")) if p.is_file() else {}
    cfg: dict[str, Any] = {
        k: _token_text(raw.get(k)) for k in ("bos_token", "eos_token", "pad_token", "unk_token")
    }
    cfg.update(
        {"tokenizer_class": "PreTrainedTokenizerFast", "chat_template": chat_template, "add_bos_token": False}
    )
    (directory / "tokenizer_config.json").write_text(
        json.dumps(cfg, indent=2, ensure_ascii=False), encoding="utf-8"
    )


def _token_text(v: Any) -> str | None:
    """A special token as Hugging Face configs write it: a string or {"content": ...}."""
    if isinstance(v, dict):
        return str(v.get("content")) if v.get("content") is not None else None
    return str(v) if v is not None else None


def load_tokenizer(directory: Path) -> Any:
    """PreTrainedTokenizerFast from a prepared directory (transformers, no torch)."""
    from tokenizers import Tokenizer
    from transformers import PreTrainedTokenizerFast

    cfg = json.loads((directory / "tokenizer_config.json").read_text(encoding="utf-8"))
    tok = PreTrainedTokenizerFast(
        tokenizer_object=Tokenizer.from_file(str(directory / "tokenizer.json")),
        bos_token=_token_text(cfg.get("bos_token")),
        eos_token=_token_text(cfg.get("eos_token")),
        pad_token=_token_text(cfg.get("pad_token")),
        clean_up_tokenization_spaces=False,
    )
    tok.chat_template = cfg.get("chat_template") or None
    return tok
