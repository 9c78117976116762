"""The assistant: tools over the plant's data, procedures, a deterministic router, an optional local
language model on onnxruntime, and a grounding guard (docs/assistant.md). No Qt, no torch."""
