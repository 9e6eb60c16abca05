"""Torch definitions of the models `nncc import` is tested on (torchvision is not installed here).

ResNet-18, MobileNetV2 and VGG-11 follow torchvision's definitions (layer for layer: BasicBlock with a
1x1 projection shortcut, inverted residuals with ReLU6 and a linear bottleneck, configuration "A" of
VGG with batch norm left out); the classifier heads are sized for 32x32 inputs so the tests stay
small. The Transformer encoder is a post-LN BERT-style encoder with attention written out of linear,
view, transpose, matmul and softmax, and an exact (erf) GELU; the GRU classifier is a sequence model
of the kind the issue names. `export` writes each to ONNX as a user
would: eval mode, dynamic batch, opset 17, through torch's TorchScript exporter.
"""
from __future__ import annotations

import math
import sys
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import torch_models  # noqa: E402  (bench/torch_models.py: one definition of the torchvision models)


class BasicBlock(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        skip = x if self.downsample is None else self.downsample(x)
        return self.relu(out + skip)


class ResNet18(nn.Module):
    def __init__(self, classes: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        chans, cin = [64, 128, 256, 512], 64
        for i, c in enumerate(chans):
            stride = 1 if i == 0 else 2
            setattr(self, f"layer{i + 1}", nn.Sequential(BasicBlock(cin, c, stride), BasicBlock(c, c)))
            cin = c
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(512, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def MobileNetV2(classes: int = 10) -> nn.Module:
    """torchvision's MobileNetV2, as the benchmarks define it, with a head sized for the tests."""
    return torch_models.MobileNetV2(classes)


class VGG11(nn.Module):
    CFG = [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"]

    def __init__(self, classes: int = 10, hidden: int = 512):
        super().__init__()
        layers: list[nn.Module] = []
        cin = 3
        for v in self.CFG:
            if v == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers += [nn.Conv2d(cin, int(v), 3, padding=1), nn.ReLU(inplace=True)]
                cin = int(v)
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Linear(512, hidden), nn.ReLU(True), nn.Dropout(),
                                        nn.Linear(hidden, hidden), nn.ReLU(True), nn.Dropout(),
                                        nn.Linear(hidden, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x).view(x.size(0), -1))


class SelfAttention(nn.Module):
    def __init__(self, d: int, heads: int):
        super().__init__()
        self.heads, self.dk = heads, d // heads
        self.q, self.k, self.v, self.out = (nn.Linear(d, d) for _ in range(4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, s, d = x.size(0), x.size(1), x.size(2)
        q = self.q(x).view(b, s, self.heads, self.dk).transpose(1, 2)
        k = self.k(x).view(b, s, self.heads, self.dk).transpose(1, 2)
        v = self.v(x).view(b, s, self.heads, self.dk).transpose(1, 2)
        att = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(self.dk), dim=-1)
        return self.out((att @ v).transpose(1, 2).reshape(b, s, d))


class EncoderLayer(nn.Module):
    def __init__(self, d: int, heads: int, ff: int):
        super().__init__()
        self.attn = SelfAttention(d, heads)
        self.norm1 = nn.LayerNorm(d)
        self.ff1, self.ff2 = nn.Linear(d, ff), nn.Linear(ff, d)
        self.norm2 = nn.LayerNorm(d)
        self.drop = nn.Dropout(0.1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.norm1(x + self.drop(self.attn(x)))
        return self.norm2(x + self.drop(self.ff2(nn.functional.gelu(self.ff1(x)))))


class TransformerEncoder(nn.Module):
    def __init__(self, vocab: int = 100, seq: int = 16, d: int = 32, heads: int = 4, layers: int = 2,
                 classes: int = 3):
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab, d), nn.Embedding(seq, d)
        self.layers = nn.Sequential(*(EncoderLayer(d, heads, 4 * d) for _ in range(layers)))
        self.head = nn.Linear(d, classes)

    def forward(self, tokens: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        x = self.layers(self.tok(tokens) + self.pos(positions))
        return self.head(x[:, 0])


class GRUClassifier(nn.Module):
    """Embedding, a batch-first GRU, the last step's state to a linear classifier."""

    def __init__(self, vocab: int = 50, dim: int = 16, hidden: int = 24, classes: int = 4):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        self.gru = nn.GRU(dim, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, classes)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        out, _ = self.gru(self.emb(tokens))
        return self.fc(out[:, -1])


def randomize(m: nn.Module, seed: int) -> nn.Module:
    """Fixed-seed weights, with batch-norm statistics that are not the identity (so folding shows)."""
    torch.manual_seed(seed)
    for mod in m.modules():
        if isinstance(mod, nn.BatchNorm2d):
            nn.init.uniform_(mod.weight, 0.5, 1.5)
            nn.init.uniform_(mod.bias, -0.2, 0.2)
            mod.running_mean.uniform_(-0.2, 0.2)
            mod.running_var.uniform_(0.5, 1.5)
    return m.eval()


def export(m: nn.Module, args: tuple, path: Path, names: list[str]) -> None:
    dyn = {n: {0: "batch"} for n in [*names, "logits"]}
    torch.onnx.export(m, args, str(path), input_names=names, output_names=["logits"], dynamic_axes=dyn,
                      opset_version=17, dynamo=False)
