"""LBANN target: one experiment `.prototext` (model, trainer, optimizer, data reader) and a launch script."""
from nncc.target import Option, Target

# nncc op -> the LBANN layer(s) it becomes (the capability table; docs/targets/lbann.md shows it)
OPS = {
    "conv1d": "convolution (num_dims 1)", "conv2d": "convolution (num_dims 2)",
    "conv3d": "convolution (num_dims 3)", "conv_transpose2d": "deconvolution",
    "max_pool2d": "pooling (max)", "avg_pool2d": "pooling (average / average_no_pad)",
    "global_avg_pool": "pooling (average over the whole image)",
    "linear": "fully_connected | channelwise_fully_connected", "matmul": "matmul",
    "batch_norm": "batch_normalization", "layer_norm": "layer_norm", "lrn": "local_response_normalization",
    "dropout": "dropout", "relu": "relu", "leaky_relu": "leaky_relu", "elu": "elu",
    "selu": "operator_layer (SeluOperator)", "sigmoid": "operator_layer (SigmoidOperator)",
    "tanh": "operator_layer (TanhOperator)", "gelu": "operator_layer (GeluOperator)",
    "stanh": "operator_layer (Scale, Tanh, Scale)", "softmax": "softmax | channelwise_softmax",
    "log_softmax": "log_softmax", "identity": "identity",
    "add": "operator_layer (AddOperator | AddConstantOperator)",
    "sub": "operator_layer (SubtractOperator | SubtractConstantOperator | ConstantSubtractOperator)",
    "mul": "operator_layer (MultiplyOperator | ScaleOperator)",
    "div": "operator_layer (DivideOperator | ScaleOperator)",
    "concat": "concatenation", "split": "slice (+ identity per output)", "slice": "slice (+ reshape)",
    "flatten": "reshape", "reshape": "reshape", "transpose": "permute", "embedding": "embedding",
    "gru": "gru (+ constant initial state; slice + reshape for the last step)",
    "constant": "constant (or folded into a *ConstantOperator)",
    "cross_entropy": "softmax + cross_entropy", "mse": "mean_squared_error",
    "bce": "operator_layer (SigmoidBinaryCrossEntropyOperator) + reduction (mean)",
    "accuracy": "softmax + categorical_accuracy", "top_k_accuracy": "softmax + top_k_categorical_accuracy",
    "pad": None,  # LBANN has no padding layer
}

TARGET = Target(
    name="lbann",
    description="LBANN experiment (.prototext: model, trainer, optimizer, data reader) and a launch script",
    options=[
        Option("launcher", "choice", "slurm", "launch script kind: slurm (sbatch + srun), flux, or mpirun",
               ("slurm", "flux", "mpirun")),
        Option("partition", "str", "", "batch partition / queue (#SBATCH --partition, flux --queue)",
               text="word"),
        Option("account", "str", "", "account to charge (#SBATCH --account, flux --setattr=bank)",
               text="word"),
        Option("time", "str", "01:00:00", "wall-clock limit, HH:MM:SS"),
        Option("job_name", "str", "", "batch job name (default: the model name)", text="word"),
        Option("lbann", "str", "lbann", "the LBANN executable the script runs", text="path"),
        Option("data_type", "choice", "float", "tensor data type of layers and weights",
               ("float", "double", "fp16")),
        Option("device", "choice", "default", "where layers run: LBANN's default, cpu or gpu",
               ("default", "cpu", "gpu")),
        Option("reader", "str", "", "an LBANN data-reader prototext to use instead of train.data "
               "(run with --model/--optimizer/--reader)", text="path"),
    ],
    ops=OPS,
    mode="training",
    needs_weights=False,
    needs_train=True,
    pipeline=("dce",),
    emitter="nncc.targets.lbann.emit:emit",
)
