"""The QC classifier network (torch; training and export only, never imported by the HMI).

torch is imported inside the functions: this module must import on a
line-side PC that has no torch (the house-rules test imports every module).

A small all-convolutional net with two heads on one feature map:

    image 3 x 192 x 192 (the camera's own resolution: no resize on the line)
    conv 3x3 /2  -> 16 x 96 x 96    a stride-2 stem sees every camera pixel (a 1 px scratch);
    maxpool      -> 16 x 48 x 48    max pooling keeps a thin strong response that a resize to
    conv 3x3     -> 32 x 48 x 48    96 px would average away
    maxpool      -> 32 x 24 x 24
    conv 3x3     -> 64 x 24 x 24
    maxpool      -> 64 x 12 x 12
    conv 3x3     -> 64 x 12 x 12
    conv 3x3     -> 64 x 12 x 12   = F (16 px cells)
    defect map: 1x1 conv on F -> 12 x 12 logits, trained against the renderer's true defect
                boxes (the synthetic data gives them for free)
    classifier: [mean(F), max(F), max(defect map)] -> dropout -> linear -> classes

Why the defect map: it gives a heatmap that is a per-cell defect probability
rather than a relative saliency, and it tells the net where small defects
are. Scratches were the hard class (docs/visual_qc.md has the runs): class
labels alone left ok-vs-scratch at chance at 96 and at 192 px; the map plus
mean/max pooling gave a partial signal (heatmap-max AUC 0.71); scratches drawn
as inspection lighting shows them plus the map's max fed to the classifier
gave recall 0.93. Class labels alone on the final scratches were not tried.
Data without boxes (elpv) trains the classifier only and exports the class
activation map (CAM, Zhou et al. 2016) instead.

Full-resolution stride-1 3-channel convolutions were avoided on purpose: in
torch on this CPU they ran ~10x slower per image than the stride-2 stem.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

WIDTHS = (16, 32, 64, 64, 64)
DOWNSAMPLE = 16  # input px per heatmap cell


@lru_cache(maxsize=1)
def _classes() -> tuple[type, type]:
    import torch
    from torch import nn
    from torch.nn import functional as F

    def block(ci: int, co: int, stride: int = 1) -> list[nn.Module]:
        return [nn.Conv2d(ci, co, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(co), nn.ReLU()]

    class QcNet(nn.Module):
        def __init__(
            self, in_channels: int = 3, n_classes: int = 6, widths: tuple[int, ...] = WIDTHS
        ) -> None:
            super().__init__()
            w1, w2, w3, w4, w5 = widths
            self.features = nn.Sequential(
                *block(in_channels, w1, 2),
                nn.MaxPool2d(2),
                *block(w1, w2),
                nn.MaxPool2d(2),
                *block(w2, w3),
                nn.MaxPool2d(2),
                *block(w3, w4),
                *block(w4, w5),
            )
            self.dropout = nn.Dropout(0.2)
            self.head = nn.Linear(2 * w5 + 1, n_classes)
            self.seg = nn.Conv2d(w5, 1, 1)
            self.config: dict[str, Any] = {
                "in_channels": in_channels,
                "n_classes": n_classes,
                "widths": list(widths),
                "heatmap": "map",
            }

        def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            """(class logits, defect-map logits B x h x w)."""
            f = self.features(x)
            seg = self.seg(f)[:, 0]
            pooled = torch.cat([f.mean(dim=(2, 3)), f.amax(dim=(2, 3)), seg.amax(dim=(1, 2))[:, None]], dim=1)
            return self.head(self.dropout(pooled)), seg

    class QcExport(nn.Module):
        """What the ONNX file computes: class probabilities and the defect heatmap (0..1).

        heatmap "map": sigmoid of the defect-map head, a per-cell defect probability.
        heatmap "cam": class activation map of the most probable *defect* class (never of
        "ok"), ReLU'd and scaled to 0..1 per image (for nets trained without boxes).
        """

        def __init__(self, net: QcNet, heatmap: str = "map") -> None:
            super().__init__()
            self.features = net.features
            self.head = net.head
            self.seg = net.seg
            self.kind = heatmap

        def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            f = self.features(x)  # B, C, h, w
            seg = self.seg(f)[:, 0]
            pooled = torch.cat([f.mean(dim=(2, 3)), f.amax(dim=(2, 3)), seg.amax(dim=(1, 2))[:, None]], dim=1)
            probs = F.softmax(self.head(pooled), dim=1)
            if self.kind == "map":
                return probs, torch.sigmoid(seg)
            c = f.shape[1]
            w = (
                self.head.weight[:, :c] + self.head.weight[:, c : 2 * c]
            )  # both poolings read the same channels
            cams = torch.einsum("bchw,kc->bkhw", f, w)  # B, K, h, w
            idx = torch.argmax(probs[:, 1:], dim=1) + 1
            b, _, h, ww = cams.shape
            cam = torch.gather(cams, 1, idx.view(-1, 1, 1, 1).expand(b, 1, h, ww)).squeeze(1)
            cam = F.relu(cam)
            return probs, cam / (cam.amax(dim=(1, 2), keepdim=True) + 1e-6)

    return QcNet, QcExport


def build_net(in_channels: int = 3, n_classes: int = 6, widths: tuple[int, ...] = WIDTHS) -> Any:
    net_cls, _ = _classes()
    return net_cls(in_channels, n_classes, tuple(widths))


def export_module(net: Any, heatmap: str = "map") -> Any:
    """The torch module the ONNX file is exported from (probabilities, heatmap): also the torch baseline."""
    _, export_cls = _classes()
    return export_cls(net, heatmap).eval()


def load_net(path: str) -> tuple[Any, int]:
    """A trained net saved by `inference.qc.train` (build/qc/NAME.pt) and its input size."""
    import torch

    saved = torch.load(path, map_location="cpu", weights_only=True)
    cfg = saved["config"]
    net = build_net(int(cfg["in_channels"]), int(cfg["n_classes"]), tuple(cfg["widths"]))
    net.load_state_dict(saved["state_dict"])
    return net.eval(), int(saved["size"])


def export_onnx(net: Any, path: str, size: int, opset: int = 17, heatmap: str = "map") -> None:
    """Write the ONNX file (batch dimension free). Deterministic for the same weights."""
    import warnings

    import torch

    net = net.eval()
    model = export_module(net, heatmap)
    dummy = torch.zeros(1, int(net.config["in_channels"]), size, size)
    # The TorchScript exporter is deprecated in favour of torch.export, which needs onnxscript (not
    # installed); it still writes a plain, deterministic opset-17 graph, which is all we need.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(
            model,
            (dummy,),
            path,
            input_names=["image"],
            output_names=["probabilities", "heatmap"],
            dynamic_axes={"image": {0: "batch"}, "probabilities": {0: "batch"}, "heatmap": {0: "batch"}},
            opset_version=opset,
            do_constant_folding=True,
            dynamo=False,
        )
