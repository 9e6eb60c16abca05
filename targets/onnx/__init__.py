"""ONNX target: one `.onnx` model with weights (external data when it would pass 2 GB)."""
from nncc.target import Option, Target

# nncc op -> ONNX op(s) it lowers to (documentation and the legalisation check)
OPS = {
    "conv1d": "Conv", "conv2d": "Conv", "conv3d": "Conv", "conv_transpose2d": "ConvTranspose",
    "max_pool2d": "MaxPool", "avg_pool2d": "AveragePool", "global_avg_pool": "GlobalAveragePool",
    "linear": "Gemm | MatMul+Add", "matmul": "MatMul", "batch_norm": "BatchNormalization",
    "layer_norm": "LayerNormalization", "lrn": "LRN", "dropout": "Dropout", "relu": "Relu",
    "leaky_relu": "LeakyRelu", "elu": "Elu", "selu": "Selu", "sigmoid": "Sigmoid", "tanh": "Tanh",
    "stanh": "Mul(Tanh(Mul))", "gelu": "Gelu | Erf form", "softmax": "Softmax", "log_softmax": "LogSoftmax",
    "add": "Add", "sub": "Sub", "mul": "Mul", "div": "Div", "concat": "Concat", "split": "Split",
    "flatten": "Flatten", "reshape": "Reshape", "transpose": "Transpose", "pad": "Pad", "embedding": "Gather",
    "identity": "Identity", "slice": "Slice (+Squeeze)", "constant": "initializer",
    "gru": "GRU (linear_before_reset=1) between Transposes",
    # training heads are not part of an inference model; dce removes them
    "cross_entropy": "-", "mse": "-", "bce": "-", "accuracy": "-", "top_k_accuracy": "-",
}

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
    ops=OPS,
    mode="inference",
    needs_weights=True,
    streams_weights=True,  # weights are drawn as the file is written (nncc/output.py Stream)
    # dce first drops the training heads; the optimisation passes do nothing at --opt-level 0
    pipeline=("dce", "fold-constants", "cse", "fuse", "dce"),
    emitter="nncc.targets.onnx.emit:emit",
    fusions=_fusions,
)
