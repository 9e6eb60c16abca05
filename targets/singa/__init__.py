"""SINGA target: `MODEL.conf` (JobProto, text format) for Apache SINGA v0.3, plus `MODEL.hostfile` and a launch
script `MODEL.sh`.

SINGA trains the model itself: the job carries the net, the updater, the
learning-rate schedule, the data layers and the cluster topology. The emitter
lives in `emit.py` and is imported only when a job is written.
"""
from nncc.target import Lowering, Option, Target, rule

# The lowering table, which is the capability table: nncc op -> the rule in emit.py that writes its
# layer(s) (ops missing here are E501). The emitter reports the settings a layer cannot take.
LOWER = Lowering("nncc.targets.singa.layers", {
    "linear": "_linear", "conv2d": "_conv", "max_pool2d": rule("_pool", "MAX"), "avg_pool2d": rule("_pool", "AVG"),
    "global_avg_pool": rule("_pool", "AVG"), "adaptive_avg_pool2d": rule("_pool", "AVG"),
    "adaptive_max_pool2d": rule("_pool", "MAX"),
    "lrn": "_lrn", "dropout": "_dropout", "relu": rule("_act", "kReLU", "RELU"),
    "sigmoid": rule("_act", "kSigmoid", "SIGMOID"), "tanh": rule("_act", "kActivation", "TANH"),
    "stanh": "_stanh", "leaky_relu": "_leaky", "softmax": "_softmax", "batch_norm": "_bn", "concat": "_concat",
    "split": "_split", "embedding": "_embedding", "flatten": "_fold", "identity": "_fold", "rbm": "_rbm",
    "cross_entropy": "_cross_entropy", "mse": "_mse", "accuracy": "_accuracy", "top_k_accuracy": "_accuracy",
    "gru": "_gru", "one_hot": "_one_hot", "argmax": "_argsort",
})

TARGET = Target(
    name="singa",
    description="Apache SINGA v0.3 training job (MODEL.conf) with hostfile and launch script",
    options=[
        Option("job_name", "str", "", "JobProto name (default: the model name)", text="word"),
        Option("device", "choice", "auto", "cpu, gpu (cuDNN layers) or auto (gpu when train.distributed.gpus is "
               "given)", ("auto", "cpu", "gpu")),
        Option("backend", "str", "kvfile", "store backend of record data sources that do not name one",
               text="word"),
        Option("checkpoint_path", "str", "", "checkpoints to load parameters from before training "
               "(comma-separated; e.g. the RBMs below a stacked model)"),
        Option("cd_k", "int", 1, "Gibbs sampling steps of contrastive divergence (train.algorithm: cd)",
               lo=1),
        Option("hosts", "str", "localhost", "hosts for the hostfile, comma-separated", text="hosts"),
        Option("debug", "bool", False, "JobProto debug flag"),
        Option("conv_impl", "choice", "caffe", "CPU convolution and pooling layers: caffe (kCConvolution, "
               "kCPooling) or mshadow (kConvolution, kPooling); same results", ("caffe", "mshadow")),
        Option("cudnn_loss", "bool", True, "on GPUs, the softmax loss as kCudnnSoftmaxLoss (false: kSoftmaxLoss, "
               "which also counts top-k hits)"),
        Option("inplace", "bool", False, "activations on GPUs overwrite their source's blob (share_src_blobs) "
               "when no other layer reads it"),
    ],
    train_features=("clip_grad", "phases", "partition", "loss_scale", "mode", "feedback", "write"),
    lowering=LOWER,
    mode="training",
    needs_weights=False,
    weights_optional=True,  # --weights: SINGA's own checkpoint file, loaded through checkpoint_path
    needs_train=True,
    pipeline=("dce",),
    emitter="nncc.targets.singa.emit:emit",
)
