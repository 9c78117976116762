"""`LocalLM`: a prepared model directory on onnxruntime, streaming, cancellable, one request at a time.

A prepared directory (made by `linehmi models prepare-assistant`) holds:
`model.onnx` + `model.onnx.data` (the graph of onnx_builder), `tokenizer.json`,
`tokenizer_config.json` (chat template, special tokens) and `assistant.json`
(what was prepared from what, and the file sizes, checked at load).

Generation is greedy (the same facts give the same phrasing; a grounding
check follows anyway), with the KV cache kept as onnxruntime OrtValues
through IOBinding, so past keys/values never go through numpy.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

TokenCallback = Callable[[str], None]


@dataclass
class Generation:
    text: str
    n_tokens: int = 0
    prompt_tokens: int = 0
    first_token_s: float | None = None
    total_s: float = 0.0
    cancelled: bool = False

    @property
    def tokens_per_s(self) -> float | None:
        gen_s = self.total_s - (self.first_token_s or 0.0)
        return (self.n_tokens - 1) / gen_s if self.n_tokens > 1 and gen_s > 0 else None


log = logging.getLogger(__name__)

CARD = "assistant.json"
FILES = ("model.onnx", "model.onnx.data", "tokenizer.json", "tokenizer_config.json")


class ModelUnavailable(Exception):
    """No usable model in the directory; str() says why and what to run."""


def check_prepared(directory: Path) -> dict[str, Any]:
    """The card of a prepared directory, after checking the files are there and have their sizes."""
    if not directory.is_dir():
        raise ModelUnavailable(
            f"no language model prepared in {directory} (run `linehmi models prepare-assistant`)"
        )
    card_path = directory / CARD
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelUnavailable(
            f"{directory}: not a prepared model ({CARD} missing); run `linehmi models prepare-assistant`"
        ) from None
    except (OSError, ValueError) as exc:
        raise ModelUnavailable(f"{card_path}: unreadable ({exc}); prepare the model again") from None
    for f in FILES:
        p = directory / f
        if not p.is_file():
            raise ModelUnavailable(f"{directory}: {f} missing; prepare the model again")
        want = card.get("files", {}).get(f, {}).get("bytes")
        if want is not None and p.stat().st_size != want:
            raise ModelUnavailable(
                f"{p}: {p.stat().st_size} bytes, expected {want} (truncated or replaced); prepare the model again"
            )
    return card  # type: ignore[no-any-return]


class LocalLM:
    def __init__(
        self, directory: Path, session: Any, tokenizer: Any, card: dict[str, Any], provider: str
    ) -> None:
        self.directory = directory
        self.session = session
        self.tokenizer = tokenizer
        self.card = card
        self.provider = provider
        self.name = str(card.get("display_name") or card.get("name") or directory.name)
        cfg = card["config"]
        self.n_layers = int(cfg["n_layers"])
        self.n_kv = int(cfg["n_kv_heads"])
        self.head_dim = int(cfg["head_dim"])
        self.context = min(int(cfg.get("context", 2048)), int(card.get("max_context", 2048)))
        self._lock = threading.Lock()
        # KV cache of constant prompt prefixes (the system message): computed once, reused by every request.
        self._prefix: dict[tuple[int, ...], list[Any]] = {}
        stop_names = ["<|im_end|>", "<|endoftext|>", "<|im_start|>", "<|eot_id|>", "</s>"]
        vocab = tokenizer.get_vocab()
        self.stop_ids = {vocab[s] for s in stop_names if s in vocab}
        if tokenizer.eos_token_id is not None:
            self.stop_ids.add(int(tokenizer.eos_token_id))
        self.load_s = 0.0

    # --- loading ---------------------------------------------------------------------------------
    @classmethod
    def load(cls, directory: Path | str, provider: str = "auto", threads: int | None = None) -> LocalLM:
        from inference.assistant.llm.tokenizer import load_tokenizer
        from inference.onnx_model import RUNTIME_MISSING, onnxruntime_module, preferred_providers

        ort = onnxruntime_module()
        if ort is None:
            raise ModelUnavailable(RUNTIME_MISSING)

        t0 = time.perf_counter()
        d = Path(directory)
        card = check_prepared(d)
        try:
            tok = load_tokenizer(d)
        except Exception as exc:
            raise ModelUnavailable(f"{d}: tokenizer unreadable ({exc}); prepare the model again") from None
        so = ort.SessionOptions()
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads:
            so.intra_op_num_threads = threads
        so.log_severity_level = 3
        providers = preferred_providers(provider)
        try:
            sess = ort.InferenceSession(str(d / "model.onnx"), so, providers=providers)
        except Exception as exc:
            raise ModelUnavailable(
                f"{d / 'model.onnx'}: onnxruntime cannot load it ({exc}); prepare the model again"
            ) from None
        lm = cls(d, sess, tok, card, sess.get_providers()[0])
        lm.load_s = time.perf_counter() - t0
        log.info("assistant model %s loaded from %s on %s in %.2f s", lm.name, d, lm.provider, lm.load_s)
        return lm

    # --- one forward pass ----------------------------------------------------------------------------
    def _empty_past(self) -> list[Any]:
        import onnxruntime as ort

        z = np.zeros((1, self.n_kv, 0, self.head_dim), np.float32)
        return [ort.OrtValue.ortvalue_from_numpy(z) for _ in range(2 * self.n_layers)]

    def _step(self, ids: Sequence[int], start_pos: int, past: list[Any]) -> tuple[np.ndarray, list[Any]]:
        io = self.session.io_binding()
        io.bind_cpu_input("input_ids", np.asarray([ids], dtype=np.int64))
        io.bind_cpu_input("position_ids", np.arange(start_pos, start_pos + len(ids), dtype=np.int64)[None, :])
        for i in range(self.n_layers):
            io.bind_ortvalue_input(f"past_key.{i}", past[2 * i])
            io.bind_ortvalue_input(f"past_value.{i}", past[2 * i + 1])
        io.bind_output("logits")
        for i in range(self.n_layers):
            io.bind_output(f"present_key.{i}")
            io.bind_output(f"present_value.{i}")
        self.session.run_with_iobinding(io)
        outs = io.get_outputs()
        return outs[0].numpy().reshape(-1), list(outs[1:])

    # --- chat ------------------------------------------------------------------------------------------
    def encode_chat(self, messages: list[dict[str, str]]) -> list[int]:
        if self.tokenizer.chat_template:
            text = self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        else:
            text = "\n".join(f"{m['role']}: {m['content']}" for m in messages) + "\nassistant: "
        ids: list[int] = self.tokenizer.encode(text, add_special_tokens=False)
        return ids

    def chat(
        self,
        messages: list[dict[str, str]],
        *,
        max_new_tokens: int = 96,
        on_token: Callable[[str], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> Generation:
        return self.generate(
            self.encode_chat(messages), max_new_tokens=max_new_tokens, on_token=on_token, cancel=cancel
        )

    def generate(
        self,
        prompt_ids: list[int],
        *,
        max_new_tokens: int = 96,
        on_token: Callable[[str], None] | None = None,
        cancel: threading.Event | None = None,
        repetition_penalty: float = 1.1,
    ) -> Generation:
        budget = self.context - max_new_tokens
        if len(prompt_ids) > budget:
            prompt_ids = prompt_ids[-budget:]  # keep the end: the question and the newest facts
        with self._lock:
            t0 = time.perf_counter()
            if cancel is not None and cancel.is_set():
                return Generation("", 0, len(prompt_ids), None, 0.0, True)
            start, past = 0, self._empty_past()
            for pre, cached in self._prefix.items():
                if len(pre) < len(prompt_ids) and tuple(prompt_ids[: len(pre)]) == pre and len(pre) > start:
                    start, past = len(pre), cached
            logits, past = self._step(prompt_ids[start:], start, past)
            out: list[int] = []
            text = ""
            first: float | None = None
            cancelled = False
            pos = len(prompt_ids)
            for _ in range(max_new_tokens):
                if repetition_penalty != 1.0 and out:
                    seen = np.fromiter(set(out), dtype=np.int64)
                    vals = logits[seen]
                    logits[seen] = np.where(vals > 0, vals / repetition_penalty, vals * repetition_penalty)
                nxt = int(np.argmax(logits))
                if first is None:
                    first = time.perf_counter() - t0
                if nxt in self.stop_ids:
                    break
                out.append(nxt)
                new_text = self.tokenizer.decode(out, skip_special_tokens=True)
                if not new_text.endswith("\ufffd"):  # an incomplete UTF-8 sequence waits for its next byte
                    delta, text = new_text[len(text) :], new_text
                    if delta and on_token is not None:
                        on_token(delta)
                if cancel is not None and cancel.is_set():
                    cancelled = True
                    break
                logits, past = self._step([nxt], pos, past)
                pos += 1
            total = time.perf_counter() - t0
            text = self.tokenizer.decode(out, skip_special_tokens=True)
            return Generation(text, len(out), len(prompt_ids), first, total, cancelled)

    def score_options(self, messages: list[dict[str, str]], options: Sequence[str]) -> list[float]:
        """Mean log-probability of each option as the answer (constrained choice among options)."""
        ids = self.encode_chat(messages)
        with self._lock:
            logits0, past0 = self._step(ids, 0, self._empty_past())
            scores = []
            for opt in options:
                oids = self.tokenizer.encode(opt, add_special_tokens=False)
                logits, past, pos, total = logits0, past0, len(ids), 0.0
                for j, t in enumerate(oids):
                    lp = logits - np.max(logits)
                    total += float(lp[t] - np.log(np.sum(np.exp(lp))))
                    if j + 1 < len(oids):
                        logits, past = self._step([t], pos, past)
                        pos += 1
                scores.append(total / max(len(oids), 1))
            return scores
