"""ONNX target: one `.onnx` model with weights (external data when it would pass 2 GB)."""
from nncc.target import Lowering, Option, Target, rule

# The lowering table, which is the capability table: nncc op -> the rule in emit.py that writes its ONNX
# node(s). Training heads (losses, metrics) are not part of an inference model; dce removes them.
LOWER = Lowering("nncc.targets.onnx.emit", {
    "conv1d": "_conv", "conv2d": "_conv", "conv3d": "_conv", "conv_transpose2d": "_deconv",
    "max_pool2d": rule("_pool", "MaxPool"), "avg_pool2d": rule("_pool", "AveragePool"),
    "global_avg_pool": rule("_simple", "GlobalAveragePool"), "linear": "_linear", "matmul": rule("_simple", "MatMul"),
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
    "identity": rule("_simple", "Identity"), "slice": "_slice", "constant": "_constant", "gru": "_gru",
})


def _fusions(options: dict):
    """The fuse-pass patterns (nncc/passes/fold.py); each has its own --opt-level and modes."""
    from nncc.passes.fold import NUMERIC, ORT_FUSED_CONV, STRUCTURAL

    return STRUCTURAL + NUMERIC + (ORT_FUSED_CONV if options.get("ort_fusions") else ())


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
