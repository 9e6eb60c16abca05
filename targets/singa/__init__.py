"""SINGA target: a `job.conf` (JobProto, text format) for Apache SINGA v0.3, plus a hostfile and a launch script.

SINGA trains the model itself: the job carries the net, the updater, the
learning-rate schedule, the data layers and the cluster topology. The emitter
lives in `emit.py` and is imported only when a job is written.
"""
from nncc.target import Option, Target

# nncc op -> SINGA layer type(s) (documentation and the legalisation check; ops
# missing here get E501). The emitter reports the settings a layer cannot take.
OPS = {
    "linear": "kInnerProduct",
    "conv2d": "kCConvolution | kCudnnConv",
    "max_pool2d": "kCPooling | kCudnnPool (MAX)",
    "avg_pool2d": "kCPooling | kCudnnPool (AVG)",
    "lrn": "kLRN | kCudnnLRN",
    "dropout": "kDropout",
    "relu": "kReLU | kCudnnActivation",
    "leaky_relu": "kReLU (negative_slope)",
    "sigmoid": "kSigmoid | kCudnnActivation",
    "tanh": "kActivation (TANH) | kCudnnActivation",
    "stanh": "kSTanh",
    "softmax": "kSoftmax | kCudnnSoftmax",
    "batch_norm": "kBM | kCudnnBM",
    "concat": "kConcate",
    "split": "kSlice",
    "embedding": "kEmbedding",
    "flatten": "- (SINGA layers flatten their source)",
    "identity": "- (folded)",
    "rbm": "kRBMVis + kRBMHid",
    "gru": "kGRU (unrolled; train_one_batch kBPTT)",
    "cross_entropy": "kSoftmaxLoss | kCudnnSoftmaxLoss",
    "mse": "kEuclideanLoss",
    "accuracy": "softmaxloss_conf.topk | kAccuracy",
    "top_k_accuracy": "softmaxloss_conf.topk | kAccuracy",
}

TARGET = Target(
    name="singa",
    description="Apache SINGA v0.3 training job (job.conf) with hostfile and launch script",
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
    ],
    ops=OPS,
    mode="training",
    needs_weights=False,
    needs_train=True,
    pipeline=("dce",),
    emitter="nncc.targets.singa.emit:emit",
)
