"""Fault prediction: rolling windows of a machine's signals -> failure risk within a horizon and RUL.

Run-time pieces (numpy + onnxruntime; no scikit-learn, no torch, no Qt):
``features``, ``warning``, ``predictor``. Training pieces (scikit-learn behind
the ``train`` extra, imported lazily): ``simdata``, ``train``, ``export``,
``evaluate``, ``ai4i``; ``replay`` drives the simulator into SampleBatches for
tests and benchmarks. See docs/fault_prediction.md.
"""
