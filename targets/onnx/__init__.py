"""ONNX target: one `.onnx` model with weights (external data when it would pass 2 GB)."""
from nncc.ops import Param, derive
from nncc.target import Lowering, Option, Target, rule

# onnxruntime's own op (com.microsoft FusedConv, -O ort_fusions=true): a convolution with an activation and
# optionally a residual input `z` (a second input, added before the activation) fused in
FUSED_CONV = {base: f"ort.fused_{base}" for base in ("conv1d", "conv2d", "conv3d")}
for _base, _name in FUSED_CONV.items():
    derive(_name, _base, [Param("activation", "str", doc="the fused activation op"),
                          Param("activation_attrs", "any", {}, doc="its attributes"),
                          Param("sum", "bool", False, doc="a second input z is added before the activation")],
           origin="onnx", doc=f"`{_base}` with an activation (and a residual sum) fused in: onnxruntime's "
                              "com.microsoft FusedConv")

# The lowering table, which is the capability table: nncc op -> the rule in emit.py that writes its ONNX
# node(s). Training heads (losses, metrics) are not part of an inference model; dce removes them.
LOWER = Lowering("nncc.targets.onnx.emit", {
    "conv1d": "_conv", "conv2d": "_conv", "conv3d": "_conv", **{fused: "_conv" for fused in FUSED_CONV.values()},
    "conv_transpose2d": "_deconv",
    "max_pool2d": rule("_pool", "MaxPool"), "avg_pool2d": rule("_pool", "AveragePool"),
    "global_avg_pool": rule("_simple", "GlobalAveragePool"), "linear": "_linear", "matmul": "tensors._matmul",
    "batch_norm": "_bn", "layer_norm": "_ln",
    "lrn": rule("_simple", "LRN", size="size", alpha="alpha", beta="beta", bias="k"),
    "dropout": "_dropout", "relu": rule("_simple", "Relu"), "leaky_relu": rule("_simple", "LeakyRelu", alpha="alpha"),
    "elu": rule("_simple", "Elu", alpha="alpha"), "selu": rule("_simple", "Selu"),
    "sigmoid": rule("_simple", "Sigmoid"), "tanh": rule("_simple", "Tanh"), "stanh": "_stanh", "gelu": "_gelu",
    "softmax": rule("_simple", "Softmax", axis="axis"), "log_softmax": rule("_simple", "LogSoftmax", axis="axis"),
    "add": rule("_simple", "Add"), "sub": rule("_simple", "Sub"), "mul": rule("_simple", "Mul"),
    "div": rule("_simple", "Div"), "concat": rule("_simple", "Concat", axis="axis"), "split": "_split",
    "flatten": rule("_simple", "Flatten", axis="axis"), "reshape": "_reshape",
    "transpose": rule("_simple", "Transpose", perm="perm"), "pad": "_pad", "embedding": "_embedding",
    "clip": "elementwise._clip", "hardtanh": "elementwise._clip", "relu6": "elementwise._clip",
    "hardsigmoid": "elementwise._hardsigmoid", "hardswish": rule("_simple", "HardSwish"),
    "silu": "elementwise._silu", "mish": "elementwise._mish", "softplus": rule("_simple", "Softplus"),
    "exp": rule("_simple", "Exp"), "log": rule("_simple", "Log"), "sqrt": rule("_simple", "Sqrt"),
    "abs": rule("_simple", "Abs"), "pow": rule("_simple", "Pow"), "maximum": rule("_simple", "Max"),
    "minimum": rule("_simple", "Min"), "less": rule("_simple", "Less"), "less_equal": rule("_simple", "LessOrEqual"),
    "greater": rule("_simple", "Greater"), "greater_equal": rule("_simple", "GreaterOrEqual"),
    "equal": rule("_simple", "Equal"), "not_equal": "elementwise._not_equal", "where": rule("_simple", "Where"),
    "mean": rule("tensors._reduce", "ReduceMean"), "sum": rule("tensors._reduce", "ReduceSum"),
    "max": rule("tensors._reduce", "ReduceMax"), "min": rule("tensors._reduce", "ReduceMin"),
    "argmax": "tensors._argmax", "squeeze": "tensors._squeeze", "unsqueeze": "tensors._unsqueeze",
    "expand": "tensors._expand", "stack": "tensors._stack", "gather": "tensors._gather",
    "one_hot": "tensors._one_hot", "param": "tensors._param", "const": "_constant",
    "identity": rule("_simple", "Identity"), "slice": "_slice", "constant": "_constant",
    "gru": rule("rnn", "GRU"), "lstm": rule("rnn", "LSTM"), "attention": "attention",
    "adaptive_avg_pool2d": rule("adaptive_pool", "AveragePool", "ReduceMean"),
    "adaptive_max_pool2d": rule("adaptive_pool", "MaxPool", "ReduceMax"),
    "upsample": "upsample", "group_norm": "group_norm", "instance_norm": "instance_norm",
})


def _fusions(options: dict):
    """The fuse-pass patterns (nncc/passes/fold.py); each has its own --opt-level and modes.

    onnxruntime's patterns fold into a convolution, which then becomes this target's fused op.
    """
    from nncc.passes.fold import NUMERIC, ORT_FUSED_CONV, STRUCTURAL

    ort = tuple(p.replace(rewrite=_into_fused_conv(p.rewrite)) for p in ORT_FUSED_CONV)
    return STRUCTURAL + NUMERIC + (ort if options.get("ort_fusions") else ())


def _into_fused_conv(rewrite):
    def fused(g, nodes, ctx) -> bool:
        from nncc.passes.fuse import REWRITES

        if not (REWRITES[rewrite] if isinstance(rewrite, str) else rewrite)(g, nodes, ctx):
            return False
        nodes[0].op = FUSED_CONV[nodes[0].op]
        return True
    return fused


TARGET = Target(
    name="onnx",
    description="ONNX model (.onnx) for onnxruntime, TensorRT and other ONNX runtimes",
    options=[
        Option("opset", "int", 17, "ONNX opset version (17-21)", lo=17, hi=21),
        Option("external_data", "choice", "auto", "store weights in a side file: auto (when over 2 GB), "
               "always, never", ("auto", "always", "never")),
        Option("external_threshold", "int", 1024, "tensors at least this many bytes go to the side file",
               hi=2 ** 62),
        Option("opt_level", "int", 1, "0: no optimisation, 1: structural (exact), 2: numeric folding too "
               "(batch norm into convolutions; docs/passes.md)", (0, 1, 2), hi=2),
        Option("ort_fusions", "bool", False, "use onnxruntime's com.microsoft FusedConv (convolution + residual "
               "add + activation in one node); the model then runs in onnxruntime only"),
    ],
    lowering=LOWER,
    mode="inference",
    needs_weights=True,
    streams_weights=True,  # weights are drawn as the file is written (nncc/output.py Stream)
    # dce first drops the training heads; the optimisation passes do nothing at --opt-level 0
    pipeline=("dce", "fold-constants", "cse", "fuse", "dce"),
    file_suffix=".onnx",
    emitter="nncc.targets.onnx.emit:emit",
    fusions=_fusions,
)
