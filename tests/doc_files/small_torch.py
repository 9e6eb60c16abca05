"""The network of small.yaml written in PyTorch (docs/weights.md).

`python small_torch.py save` writes its state_dict to small.pt; `python small_torch.py check
small.onnx` runs that ONNX file in onnxruntime and compares its outputs with torch's.
"""
import sys

import numpy as np
import torch
from torch import nn


class Small(nn.Module):
    def __init__(self, classes: int = 10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.classifier = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, classes))

    def forward(self, x):
        return self.classifier(self.features(x))


def model() -> Small:
    torch.manual_seed(0)
    m = Small()
    with torch.no_grad():  # batch-norm statistics as after training, not the identity
        m.features[1].running_mean.uniform_(-0.5, 0.5)
        m.features[1].running_var.uniform_(0.5, 2.0)
    return m.eval()


if __name__ == "__main__":
    if sys.argv[1] == "save":
        torch.save(model().state_dict(), "small.pt")
        print("wrote small.pt")
    else:
        import onnxruntime as ort

        x = np.random.default_rng(0).standard_normal((4, 3, 12, 12)).astype(np.float32)
        got = ort.InferenceSession(sys.argv[2], providers=["CPUExecutionProvider"]).run(None, {"image": x})[0]
        with torch.no_grad():
            want = model()(torch.from_numpy(x)).numpy()
        print("onnxruntime equals torch within 1e-4:", bool(np.allclose(got, want, rtol=1e-4, atol=1e-5)))
