"""PyTorch target: a readable PyTorch project (model, data, train/evaluate/predict, launch scripts).

The capability table is the lowering table of `lower.py` (op name -> the function
that writes its code); generating code needs no torch, only the project's run does.
"""
from nncc.target import Option, Target

from .lower import LOWER

TARGET = Target(
    name="pytorch",
    description="a PyTorch project: model.py (state_dict keys are nncc's weight names), data.py, train.py, "
                "evaluate.py, predict.py, launch scripts; `nncc train` runs it",
    options=[
        Option("workers", "int", 2, "DataLoader worker processes per training process"),
        Option("prefetch", "int", 2, "batches each worker loads ahead"),
        Option("device", "choice", "auto", "where train.py runs: auto (cuda when available), cpu or cuda",
               ("auto", "cpu", "cuda")),
    ],
    ops=LOWER,
    mode="training",
    needs_weights=True,
    pipeline=("dce",),
    train_features=("clip_norm", "precision"),
    emitter="nncc.targets.pytorch.emit:emit",
)
