"""Export the fault model (two scikit-learn HistGradientBoosting ensembles) to one ONNX graph.

Why a converter of our own: skl2onnx 1.20 fails on scikit-learn 1.9's
HistGradientBoosting trees (it hands onnx a bool where an int is required),
and the graph we want is simple: one input, two tree ensembles, a sigmoid and
a clip. ``ai.onnx.ml.TreeEnsembleRegressor`` expresses a fitted HGB tree
exactly: HGB sends ``x <= threshold`` left, which is BRANCH_LEQ; thresholds
are float64 in scikit-learn and float32 in ONNX, so each is rounded *down*
to the largest float32 not above it, which keeps every float32 input on the
same side of the split as in scikit-learn (tested against ``predict``).

Graph::

    features [batch, F] float32
      -> TreeEnsembleRegressor (classifier's raw score) -> Sigmoid -> risk  [batch, 1]
      -> TreeEnsembleRegressor (RUL regressor, log target) -> Exp - offset -> Clip(0, rul_max) -> rul_s

The RUL regressor is fitted on ln(RUL + offset): errors of 100 s matter near
failure and not at all at ten minutes, and the log target says so.
"""

from __future__ import annotations

from typing import Any

import numpy as np

OPSET = 17
ML_OPSET = 3
INPUT = "features"
OUT_RISK = "risk"
OUT_RUL = "rul_s"


def _f32_floor(v: np.ndarray) -> np.ndarray:
    f = v.astype(np.float32)
    over = f.astype(np.float64) > v
    f[over] = np.nextafter(f[over], np.float32(-np.inf))
    return f


def _tree_ensemble(est: Any, output: str, name: str) -> Any:
    from onnx import helper

    if getattr(est, "n_trees_per_iteration_", 1) != 1:
        raise ValueError("only binary classifiers and single-output regressors are supported")
    baseline = float(np.asarray(est._baseline_prediction).ravel()[0])
    a: dict[str, Any] = {
        k: []
        for k in (
            "nodes_treeids",
            "nodes_nodeids",
            "nodes_featureids",
            "nodes_values",
            "nodes_modes",
            "nodes_truenodeids",
            "nodes_falsenodeids",
            "nodes_missing_value_tracks_true",
            "target_treeids",
            "target_nodeids",
            "target_ids",
            "target_weights",
        )
    }
    for tree_id, per_iter in enumerate(est._predictors):
        nodes = per_iter[0].nodes
        if np.any(nodes["is_categorical"]):
            raise ValueError("categorical splits are not supported by this exporter")
        n = nodes.shape[0]
        leaf = nodes["is_leaf"].astype(bool)
        thr = _f32_floor(nodes["num_threshold"].astype(np.float64))
        a["nodes_treeids"] += [tree_id] * n
        a["nodes_nodeids"] += list(range(n))
        a["nodes_featureids"] += [0 if leaf[i] else int(nodes["feature_idx"][i]) for i in range(n)]
        a["nodes_values"] += [0.0 if leaf[i] else float(thr[i]) for i in range(n)]
        a["nodes_modes"] += ["LEAF" if leaf[i] else "BRANCH_LEQ" for i in range(n)]
        a["nodes_truenodeids"] += [0 if leaf[i] else int(nodes["left"][i]) for i in range(n)]
        a["nodes_falsenodeids"] += [0 if leaf[i] else int(nodes["right"][i]) for i in range(n)]
        a["nodes_missing_value_tracks_true"] += [
            0 if leaf[i] else int(bool(nodes["missing_go_to_left"][i])) for i in range(n)
        ]
        for i in np.flatnonzero(leaf):
            a["target_treeids"].append(tree_id)
            a["target_nodeids"].append(int(i))
            a["target_ids"].append(0)
            a["target_weights"].append(float(nodes["value"][i]))
    a["nodes_values"] = np.asarray(a["nodes_values"], dtype=np.float32).tolist()
    a["target_weights"] = np.asarray(a["target_weights"], dtype=np.float32).tolist()
    return helper.make_node(
        "TreeEnsembleRegressor",
        [INPUT],
        [output],
        name=name,
        domain="ai.onnx.ml",
        n_targets=1,
        aggregate_function="SUM",
        post_transform="NONE",
        base_values=[baseline],
        **a,
    )


def export_fault_model(
    classifier: Any, regressor: Any, n_features: int, rul_max_s: float, rul_log_offset: float
) -> bytes:
    """ONNX bytes for the pair; deterministic for the same fitted models."""
    from onnx import TensorProto, checker, helper

    nodes = [
        _tree_ensemble(classifier, "risk_logit", "risk_trees"),
        helper.make_node("Sigmoid", ["risk_logit"], [OUT_RISK], name="risk_sigmoid"),
        _tree_ensemble(regressor, "rul_raw", "rul_trees"),
        helper.make_node("Exp", ["rul_raw"], ["rul_exp"], name="rul_exp"),
        helper.make_node("Sub", ["rul_exp", "rul_offset"], ["rul_lin"], name="rul_offset_sub"),
        helper.make_node("Clip", ["rul_lin", "rul_min", "rul_max"], [OUT_RUL], name="rul_clip"),
    ]
    inits = [
        helper.make_tensor("rul_offset", TensorProto.FLOAT, [], [float(rul_log_offset)]),
        helper.make_tensor("rul_min", TensorProto.FLOAT, [], [0.0]),
        helper.make_tensor("rul_max", TensorProto.FLOAT, [], [float(rul_max_s)]),
    ]
    graph = helper.make_graph(
        nodes,
        "fault_predictor",
        [helper.make_tensor_value_info(INPUT, TensorProto.FLOAT, ["batch", n_features])],
        [
            helper.make_tensor_value_info(OUT_RISK, TensorProto.FLOAT, ["batch", 1]),
            helper.make_tensor_value_info(OUT_RUL, TensorProto.FLOAT, ["batch", 1]),
        ],
        initializer=inits,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid("ai.onnx.ml", ML_OPSET)],
        producer_name="linehmi",
        producer_version="1",
    )
    model.ir_version = 8
    checker.check_model(model)
    return bytes(model.SerializeToString())
