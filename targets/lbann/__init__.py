"""LBANN target: one experiment `.prototext` (model, trainer, optimizer, data reader) and a launch script."""
from nncc.target import Lowering, Option, Target, rule

# The lowering table, which is the capability table: nncc op -> the rule in emit.py that writes its
# layer(s). LBANN has no padding layer, so `pad` is missing (E501).
LOWER = Lowering("nncc.targets.lbann.layers", {
    "conv1d": rule("_conv", "convolution"), "conv2d": rule("_conv", "convolution"),
    "conv3d": rule("_conv", "convolution"), "conv_transpose2d": rule("_conv", "deconvolution"),
    "max_pool2d": rule("_pool", "max"), "avg_pool2d": rule("_pool", "average"),
    "global_avg_pool": "_gap", "linear": "_linear", "matmul": "_matmul", "batch_norm": "_bn", "layer_norm": "_ln",
    "lrn": "_lrn", "dropout": "_dropout", "relu": rule("_plain", "relu"), "identity": rule("_plain", "identity"),
    "leaky_relu": rule("_plain", "leaky_relu", negative_slope="alpha"), "elu": rule("_plain", "elu", alpha="alpha"),
    "selu": rule("_op", ("SeluOperator", {})), "sigmoid": rule("_op", ("SigmoidOperator", {})),
    "tanh": rule("_op", ("TanhOperator", {})), "gelu": "elementwise._gelu",
    "clip": "elementwise._clip", "hardtanh": "elementwise._clip", "relu6": "elementwise._clip",
    "hardsigmoid": "elementwise._hardsigmoid", "hardswish": "elementwise._times", "silu": "elementwise._times",
    "mish": "elementwise._times", "softplus": rule("_op", ("SoftplusOperator", {})),
    "exp": rule("_op", ("ExpOperator", {})), "log": rule("_op", ("LogOperator", {})),
    "sqrt": rule("_op", ("SqrtOperator", {})), "abs": rule("_op", ("AbsOperator", {})),
    **{op: "elementwise._pair" for op in ("pow", "maximum", "minimum", "less", "less_equal", "greater",
                                          "greater_equal", "equal", "not_equal")},
    "where": "elementwise._where",
    **{op: "tensors._reduce" for op in ("mean", "sum", "max", "min")}, "argmax": "tensors._argmax",
    "squeeze": "_reshape", "unsqueeze": "_reshape", "expand": "tensors._expand", "stack": "tensors._stack",
    "one_hot": "tensors._one_hot", "param": "tensors._param", "const": "_constant", "gather": "tensors._gather",
    "stanh": rule("_op", ("ScaleOperator", {"constant": 2.0 / 3.0}), ("TanhOperator", {}),
                  ("ScaleOperator", {"constant": 1.7159})),
    "softmax": rule("_softmax", "softmax"), "log_softmax": rule("_softmax", "log_softmax"),
    "add": "_binary", "sub": "_binary", "mul": "_binary", "div": "_binary", "constant": "_constant",
    "concat": "_concat", "split": "_split", "slice": "_slice", "flatten": "_reshape", "reshape": "_reshape",
    "transpose": "_transpose", "embedding": "_embedding", "gru": "_gru", "lstm": "lstm._lstm",
    "attention": "attention._attention",
    "adaptive_avg_pool2d": rule("_adaptive_pool", "average"), "adaptive_max_pool2d": rule("_adaptive_pool", "max"),
    "upsample": "_upsample", "instance_norm": "_instance_norm",
    "cross_entropy": rule("_class_head", "cross_entropy"), "accuracy": rule("_class_head", "categorical_accuracy"),
    "top_k_accuracy": rule("_class_head", "top_k_categorical_accuracy"), "mse": rule("_regression", "mean_squared_error"),
    "mae": rule("_regression", "mean_absolute_error"), "bce": "_bce",
})

TARGET = Target(
    name="lbann",
    description="LBANN experiment (.prototext: model, trainer, optimizer, data reader) and a launch script",
    options=[
        Option("launcher", "choice", "slurm", "launch script kind: slurm (sbatch + srun), flux, lsf (bsub + jsrun) "
               "or mpirun", ("slurm", "flux", "lsf", "mpirun")),
        Option("partition", "str", "", "batch partition / queue (#SBATCH --partition, flux --queue)",
               text="word"),
        Option("account", "str", "", "account to charge (#SBATCH --account, flux --setattr=bank)",
               text="word"),
        Option("time", "str", "01:00:00", "wall-clock limit, HH:MM:SS"),
        Option("job_name", "str", "", "batch job name (default: the model name)", text="word"),
        Option("lbann", "str", "lbann", "the LBANN executable the script runs", text="path"),
        Option("data_type", "choice", "float", "tensor data type of layers and weights",
               ("float", "double", "fp16")),
        Option("amp", "bool", False, "automatic mixed precision (model.amp): layers in float, math in fp16 "
               "where LBANN's build has it, as its frontend's Model(amp=…)"),
        Option("device", "choice", "default", "where layers run: LBANN's default, cpu or gpu",
               ("default", "cpu", "gpu")),
        Option("args", "str", "", "more LBANN command-line arguments, e.g. \"--use_data_store --preload_data_store\" "
               "(each starts with --)"),
        Option("reader", "str", "", "an LBANN data-reader prototext to use instead of train.data "
               "(run with --model/--optimizer/--reader)", text="path"),
    ],
    lowering=LOWER,
    mode="training",
    needs_weights=False,
    weights_optional=True,  # --weights: a .npy file per weights entry, loaded by LBANN's numpy_initializer
    needs_train=True,
    train_features=("clip_norm", "loss_scale"),
    pipeline=("dce",),
    emitter="nncc.targets.lbann.emit:emit",
)
