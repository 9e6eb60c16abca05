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
    # training heads are not part of an inference model; dce removes them
    "cross_entropy": "-", "mse": "-", "bce": "-", "accuracy": "-", "top_k_accuracy": "-",
}

TARGET = Target(
    name="onnx",
    description="ONNX model (.onnx) for onnxruntime, TensorRT and other ONNX runtimes",
    options=[
        Option("opset", "int", 17, "ONNX opset version (17-21)"),
        Option("external_data", "choice", "auto", "store weights in a side file: auto (when over 2 GB), "
               "always, never", ("auto", "always", "never")),
        Option("external_threshold", "int", 1024, "tensors at least this many bytes go to the side file"),
        Option("opt_level", "int", 1, "0: no optimisation, 1: structural, 2: numeric folding too"),
    ],
    ops=OPS,
    mode="inference",
    needs_weights=True,
    pipeline=("dce",),
    emitter="nncc.targets.onnx.emit:emit",
)
