"""The assistant's local language model: GGUF -> ONNX (no torch), tokenizer, generation on onnxruntime.

- `gguf_model`: read a GGUF file (metadata, tokenizer, weights) with the `gguf` package (numpy only);
- `onnx_builder`: an ONNX graph of the Llama architecture with KV cache, written with `onnx.helper`;
- `tokenizer`: a `tokenizers` byte-level BPE from the GGUF tokens and merges, wrapped in
  transformers' `PreTrainedTokenizerFast`, with the GGUF chat template;
- `prepare`: `linehmi models prepare-assistant` (GGUF -> prepared directory, with a progress bar);
- `runtime`: `LocalLM`: load a prepared directory, stream tokens, cancel.
"""
