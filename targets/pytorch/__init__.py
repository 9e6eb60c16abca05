"""PyTorch target: a readable PyTorch project (model, data, train/evaluate/predict, launch scripts).

The capability table is the lowering table of `lower.py` (op name -> the function
that writes its code); generating code needs no torch, only the project's run does.
"""
from nncc.target import Lowering, Option, Target, rule

# The lowering table, which is the capability table: nncc op -> the function of lower.py that writes its
# code. Losses and metrics lower to expressions of heads.py.
LOWER = Lowering("nncc.targets.pytorch.lower", {
    "conv1d": "_conv", "conv2d": "_conv", "conv3d": "_conv", "conv_transpose2d": "_deconv",
    "max_pool2d": "_max_pool", "avg_pool2d": "_avg_pool", "global_avg_pool": "_global_avg_pool",
    "linear": "_linear", "matmul": "tensors._matmul", "batch_norm": "_batch_norm", "layer_norm": "_layer_norm",
    "lrn": rule("_macro", "lrn", "size", "alpha", "beta", "k"), "dropout": rule("_macro", "dropout", "p"),
    "relu": rule("_unary", "F.relu"), "leaky_relu": rule("_alpha", "F.leaky_relu"), "elu": rule("_alpha", "F.elu"),
    "selu": rule("_unary", "F.selu"), "sigmoid": rule("_unary", "torch.sigmoid"), "tanh": rule("_unary", "torch.tanh"),
    "stanh": rule("_macro", "stanh"), "gelu": "elementwise._gelu",
    "clip": "elementwise._clip", "hardtanh": "elementwise._hardtanh", "relu6": rule("_unary", "F.relu6"),
    "hardsigmoid": rule("_unary", "F.hardsigmoid"), "hardswish": rule("_unary", "F.hardswish"),
    "silu": rule("_unary", "F.silu"), "mish": rule("_unary", "F.mish"), "softplus": rule("_unary", "F.softplus"),
    "softmax": rule("_along", "F.softmax"), "log_softmax": rule("_along", "F.log_softmax"),
    "add": rule("_binary", "+"), "sub": rule("_binary", "-"), "mul": rule("_binary", "*"), "div": rule("_binary", "/"),
    "exp": rule("_unary", "torch.exp"), "log": rule("_unary", "torch.log"), "sqrt": rule("_unary", "torch.sqrt"),
    "abs": rule("_unary", "torch.abs"), "pow": rule("elementwise._call", "torch.pow"),
    "maximum": rule("elementwise._call", "torch.maximum"), "minimum": rule("elementwise._call", "torch.minimum"),
    "less": rule("_binary", "<"), "less_equal": rule("_binary", "<="), "greater": rule("_binary", ">"),
    "greater_equal": rule("_binary", ">="), "equal": rule("_binary", "=="), "not_equal": rule("_binary", "!="),
    "where": rule("elementwise._call", "torch.where"),
    "mean": rule("tensors._reduce", "torch.mean"), "sum": rule("tensors._reduce", "torch.sum"),
    "max": rule("tensors._reduce", "torch.amax"), "min": rule("tensors._reduce", "torch.amin"),
    "argmax": "tensors._argmax", "squeeze": "tensors._squeeze", "unsqueeze": "tensors._unsqueeze",
    "expand": "tensors._expand", "stack": "tensors._stack", "gather": "tensors._gather",
    "one_hot": "tensors._one_hot", "param": "tensors._param", "const": "_constant",
    "concat": "_concat", "split": "_split", "flatten": rule("_macro", "flatten", "axis"), "reshape": "_reshape",
    "transpose": rule("_macro", "permute", "perm"), "pad": "_pad", "embedding": "_embedding",
    "identity": rule("_macro", "identity"), "slice": "_slice", "constant": "_constant", "gru": "_rnn", "lstm": "_rnn",
    "attention": "_attention", "adaptive_avg_pool2d": rule("_adaptive_pool", "F.adaptive_avg_pool2d"),
    "adaptive_max_pool2d": rule("_adaptive_pool", "F.adaptive_max_pool2d"), "upsample": "_upsample",
    "group_norm": "_group_norm", "instance_norm": "_group_norm",
    "rbm": "_rbm",
    "cross_entropy": "_ce", "mse": rule("_macro", "mse"), "mae": rule("_macro", "mae"), "bce": rule("_macro", "bce"),
    "accuracy": "_accuracy", "top_k_accuracy": "_accuracy",
})

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
    lowering=LOWER,
    mode="training",
    needs_weights=True,
    pipeline=("dce",),
    train_features=("clip_norm", "precision", "stages", "clip_grad", "loss_scale"),
    emitter="nncc.targets.pytorch.emit:emit",
)
