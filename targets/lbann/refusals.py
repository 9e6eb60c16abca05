"""Every refusal and approximation of the LBANN target, in one catalogue.

Each diagnostic the target gives names its entry here by a stable key: the entry holds the code
the user sees, what the model says, why LBANN cannot say it, and where LBANN decides it (its
source file, or the option it was built with). The message at the user's line says the particulars
(shapes, values); the entry says the rule. docs/targets/lbann-refusals.md is generated from this
(`python -m nncc.gendocs lbann-refusals`), and tests/test_lbann_refusals.py holds every diagnostic
in the target to a key here and every key here to a place that gives it.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from nncc import codes
from nncc.diagnostics import DiagnosticBag, Span
from nncc.layergraph import Unsupported


@dataclass(frozen=True)
class Entry:
    code: str  # the diagnostic code (nncc/codes.py)
    subject: str  # what the model says
    reason: str  # why LBANN cannot say it, or what it does instead
    where: str  # where LBANN decides it


E501, E502, E510 = codes.UNSUPPORTED_OP, codes.BAD_TARGET_OPTION, codes.UNSUPPORTED_SETTING
W502, W510 = codes.APPROXIMATED_SETTING, codes.IGNORED_SETTING
LR = "src/callbacks/learning_rate.cpp"
READER = "src/data_ingestion/data_reader.cpp"

CATALOGUE: dict[str, Entry] = {
    # ------------------------------------------------------------ ops and their forms (graph lowering)
    "op": Entry(E501, "an op with no LBANN lowering (listed below the table)",
                "LBANN has no layer that computes it, nor a composition of its layers that nncc writes",
                "src/proto/layers.proto (LBANN's layers)"),
    "axis-0": Entry(E501, "an op along axis 0, the mini-batch",
                    "LBANN layers see one sample at a time; the mini-batch is not one of a tensor's dims",
                    "src/layers/layer.cpp (per-sample dims)"),
    "static-dims": Entry(E501, "an op whose dims LBANN needs are symbolic (a reshape's dims, a window, a length)",
                         "LBANN fixes every layer's dims when it sets the model up",
                         "src/layers/layer.cpp (setup_dims)"),
    "conv-padding-mode": Entry(E501, "`padding_mode` other than `\"zeros\"`", "LBANN's convolution pads with zeros",
                               "src/layers/learning/base_convolution.cpp"),
    "asymmetric-padding": Entry(E501, "convolution or pooling padding that differs between the two sides of a dim",
                                "LBANN pads both sides of a dimension by one amount (`pads`)",
                                "src/proto/layers.proto (Convolution, Pooling)"),
    "pool-ceil-mode": Entry(E501, "`ceil_mode=true`", "LBANN's pooling rounds output sizes down",
                            "include/lbann/layers/transform/pooling.hpp"),
    "pool-dilation": Entry(E501, "pooling dilation other than 1", "LBANN's pooling layer has no dilation",
                           "src/proto/layers.proto (Pooling)"),
    "global-pool-dims": Entry(E501, "`global_avg_pool` over other than 2 spatial dims",
                              "nncc writes LBANN's channel-wise mean or a 2-D average pooling over the image",
                              "src/layers/misc/channelwise_mean.cpp"),
    "adaptive-pool-windows": Entry(E501, "adaptive pooling to an output size that does not divide the input's",
                                   "LBANN's pooling has one window size and stride, so the windows must be equal",
                                   "src/proto/layers.proto (Pooling)"),
    "upsample-factor": Entry(E501, "`upsample` other than nearest by an integer factor",
                             "LBANN's upsample layer repeats pixels by integer scale factors",
                             "src/layers/transform/upsample.cpp"),
    "instance-norm-affine": Entry(E501, "`instance_norm(affine=true)`",
                                  "LBANN's instance_norm layer has no scale and bias",
                                  "src/layers/regularizers/instance_norm.cpp"),
    "linear-no-features": Entry(E501, "`linear` of a tensor without a feature dim",
                                "LBANN's fully connected layers read a sample of at least one dim",
                                "src/layers/learning/fully_connected.cpp"),
    "matmul-shapes": Entry(E501, "`matmul` of other than per-sample matrices or equal batches of them",
                           "LBANN's matmul multiplies 2-D samples, or 3-D samples of equal batch",
                           "src/layers/math/matmul.cpp"),
    "batch-norm-momentum-0": Entry(E501, "`batch_norm(momentum=0)`",
                                   "LBANN reads a decay of 0 as its default 0.9, so the running statistics cannot "
                                   "follow the last batch alone",
                                   "src/layers/regularizers/batch_normalization_builder.cpp"),
    "fp16-layer": Entry(E501, "`layer_norm` or a channel-wise softmax with `-O data_type=fp16`",
                        "LBANN builds these layers in float and double only",
                        "src/layers/regularizers/layer_norm.cpp, src/layers/misc/channelwise_softmax.cpp"),
    "log-softmax-axis": Entry(E501, "`log_softmax` over one axis of a larger sample",
                              "LBANN's log_softmax covers the whole sample", "src/layers/activations/log_softmax.cpp"),
    "two-constants": Entry(E501, "an entry-wise op of two constants",
                           "constant folding removes it before lowering; reaching LBANN with one is an nncc bug",
                           "nncc (nncc/passes)"),
    "divide-by-zero": Entry(E501, "division by the constant 0", "the scale nncc would write, 1/0, is not a number",
                            "src/proto/operators.proto (ScaleOperator)"),
    "broadcast": Entry(E501, "an entry-wise op or `where` whose operands broadcast",
                       "LBANN's entry-wise layers and operators take operands of one shape",
                       "include/lbann/layers/operator_layer_impl.hpp"),
    "constant-values": Entry(E501, "a constant tensor with differing values",
                             "LBANN's constant layer fills a tensor with one value",
                             "src/layers/transform/constant.cpp"),
    "slice-step": Entry(E501, "slicing with a step other than 1", "LBANN's slice layer cuts contiguous pieces",
                        "src/layers/transform/slice.cpp"),
    "moves-mini-batch": Entry(E501, "a reshape, transpose or expand that moves, adds or repeats the mini-batch dim",
                              "LBANN layers see one sample at a time", "src/layers/transform/reshape.cpp, permute.cpp, "
                              "tessellate.cpp"),
    "reshape-infer": Entry(E501, "a reshape with more than one dim to infer",
                           "LBANN's reshape infers at most one dim (-1)",
                           "src/layers/transform/reshape.cpp"),
    "gru-tied": Entry(E501, "a `gru` weight tied to one that is not the same gru weight",
                      "LBANN stacks the gates r, z, n where nncc stacks z, r, h, so only like weights can be shared",
                      "src/layers/learning/gru.cpp"),
    "gru-bidirectional": Entry(E501, "`gru(bidirectional=true)`", "LBANN's gru layer runs forward only",
                               "src/layers/learning/gru.cpp"),
    "head-label": Entry(E501, "a loss or metric whose target is not an input",
                        "LBANN compares with the labels or responses its data reader delivers",
                        "src/layers/io/input_layer.cpp"),
    "head-per-step": Entry(E501, "cross entropy or accuracy on scores per step (`[N, T, C]`)",
                           "LBANN's layers read one class distribution per sample, its readers one label per sample",
                           "src/layers/loss/cross_entropy.cpp, categorical_accuracy.cpp"),
    "argmax-shape": Entry(E501, "`argmax` of other than one vector per sample",
                          "LBANN's argmax takes one vector per sample",
                          "src/layers/misc/argmax.cpp"),
    "one-hot-shape": Entry(E501, "`one_hot` of other than one index per sample",
                           "LBANN's one_hot takes one index per sample",
                           "src/layers/misc/one_hot.cpp"),
    "param-shape": Entry(E501, "`param` whose first dim is not 1",
                         "LBANN's weights layer gives every sample the same tensor",
                         "src/layers/transform/weights.cpp"),
    "gather-indices": Entry(E501, "`gather` by indices that are not a constant list",
                            "LBANN's gather picks the same entries in every sample by one index vector",
                            "src/layers/transform/gather.cpp"),
    "gather-shape": Entry(E501, "`gather` from samples of more than 2 dims", "LBANN gathers from 1-D or 2-D samples",
                          "src/layers/transform/gather.cpp"),
    "gather-range": Entry(E501, "`gather` indices out of range", "LBANN would read 0 for them where nncc stops",
                          "src/layers/transform/gather.cpp"),
    "lstm-unrolled-size": Entry(codes.TOO_LARGE, "an `lstm` whose unrolled layers (steps × layers × directions × "
                                "16) exceed `max_nodes`", "LBANN has no LSTM layer: nncc writes the layers its frontend "
                                "composes a cell from at every step, and bounds their number before building them "
                                "(`--max-nodes`)", "python/lbann/modules/rnn.py (LSTMCell, called once per step)"),
    "attention-causal": Entry(E501, "`attention(causal=true)`",
                              "LBANN has no attention layer and no triangular mask to compose one with",
                              "python/lbann/modules/transformer/ (the frontend's composition)"),
    "attention-mask-lengths": Entry(E501, "`attention` with a padding mask over symbolic lengths",
                                    "spreading the mask over the scores needs static lengths",
                                    "src/layers/transform/tessellate.cpp"),
    "initializer": Entry(E501, "a weight initializer LBANN lacks", "LBANN has constant, value, uniform, normal, "
                         "Glorot, He and LeCun initializers", "src/proto/weights.proto"),
    "weights-layouts": Entry(E510, "`--weights` with a weight shared by layers that read it in different layouts "
                             "(an embedding tied to a linear layer)",
                             "LBANN fills each weights entry once from one file, in the matrix layout of its layer "
                             "(an embedding's is [dim, count], a fully connected layer's [out, in])",
                             "src/weights/initializer.cpp (numpy_initializer), src/layers/learning/embedding.cpp"),
    "weights-deconvolution-groups": Entry(E510, "`--weights` with a grouped `conv_transpose2d`",
                                          "LBANN sizes a deconvolution's kernel [in, out, kernel] whatever the groups, "
                                          "nncc's is [in, out/groups, kernel]",
                                          "src/layers/learning/deconvolution.cpp (get_kernel_dims)"),
    "weights-size": Entry(codes.TOO_LARGE, "`--weights` whose .npy files would exceed `max_weight_bytes`",
                          "nncc bounds what it writes (`--max-weight-bytes`)", "nncc (nncc/limits.py)"),
    # ------------------------------------------------------------ inputs and readers
    "labels-count": Entry(E510, "more than one label input", "LBANN's readers deliver one label tensor per sample",
                          "src/layers/io/input_layer.cpp"),
    "input-dims": Entry(E510, "an input with symbolic sample dims",
                        "LBANN's input layers take their dims from the reader",
                        "src/layers/io/input_layer.cpp"),
    "input-reader-dims": Entry(E510, "an input whose size differs from the samples the reader delivers",
                               "LBANN's input layer reads what the reader gives", "src/layers/io/input_layer.cpp"),
    "no-data": Entry(E510, "no `train.data`", "LBANN reads samples through a data reader",
                     "src/proto/reader.proto"),
    "limit-without-role": Entry(E510, "`test_steps`/`validate_steps` without that data role",
                                "the limit counts samples of a reader the job does not have", READER),
    "limit-shuffled": Entry(E510, "`test_steps`/`validate_steps` on a shuffled role",
                            "nncc evaluates the first batches of a new order each time, LBANN one subset drawn once",
                            READER),
    "limit-unknown-size": Entry(E510, "`test_steps`/`validate_steps` where the set's size is unknown",
                                "LBANN stops when `absolute_sample_count` exceeds the samples it has", READER),
    "cifar10-validate": Entry(E510, "`data.validate` with `format: cifar10`",
                              "LBANN's CIFAR-10 reader has train and test roles only",
                              "src/data_ingestion/readers/data_reader_cifar10.cpp"),
    "npz-keys": Entry(E510, "npz arrays other than `data` and `labels`",
                      "LBANN's npz reader reads the arrays by those names",
                      "src/data_ingestion/readers/data_reader_numpy_npz.cpp"),
    "reader-keys": Entry(E510, "`sample_key`/`label_key` on a reader other than hdf5 and npz",
                         "the reader has no named arrays", "src/proto/reader.proto"),
    "validation-fraction-role": Entry(E510, "`validation_fraction` on a role other than train",
                                      "LBANN splits validation data off the train reader only", READER),
    "train-batch-size": Entry(E510, "`data.train.batch_size` other than `train.batch_size`",
                              "LBANN trains with one mini-batch size, the trainer's", "src/proto/trainer.proto"),
    "reader-field": Entry(E510, "`random_skip`, and `backend` on a built-in reader",
                          "LBANN's readers have no such setting",
                          "src/proto/reader.proto"),
    "reader-shape": Entry(E510, "`data.<role>.shape` other than the model's sample inputs",
                          "the reader's samples feed the input layers", "src/layers/io/input_layer.cpp"),
    "crop-size": Entry(E510, "a crop or resize without a size of at least 1",
                       "LBANN's transforms need a height and width",
                       "src/proto/transforms.proto"),
    "random-crop-pad": Entry(E510, "`random_crop(pad=…)` after `normalize()` (image readers)",
                             "LBANN pads the 8-bit pixels before they become floats, so its padding would be "
                             "normalized too, where nncc pads the normalized values with 0",
                             "src/transforms/vision/pad.cpp"),
    "transform": Entry(E510, "a transform LBANN lacks",
                       "LBANN has normalize, scale, the crops, resize and the flips that nncc maps",
                       "src/proto/factories/transform_factory.cpp"),
    "transform-reader": Entry(E510, "an image transform on a reader that is not an image reader",
                              "only LBANN's image readers run image transforms",
                              "src/data_ingestion/readers/data_reader_image.cpp"),
    "pixels-to-floats": Entry(E510, "image value transforms that do not start with `scale(1/255)`",
                              "LBANN's image readers turn pixels into floats in [0, 1] themselves",
                              "src/transforms/vision/to_lbann_layout.cpp"),
    "normalize-lengths": Entry(E510, "`normalize` with other than one std per mean",
                               "one mean and one deviation per channel", "src/transforms/normalize.cpp"),
    "python-mixed-formats": Entry(E510, "record files for one role and a built-in reader for another",
                                  "the Python reader gives the labels inside the samples, built-in readers apart; "
                                  "one model's input layers cannot read both",
                                  "src/data_ingestion/readers/data_reader_python.cpp"),
    "python-inputs": Entry(E510, "record files for a model of other than one sample and one label input",
                           "a record holds one sample and one label", "nncc's reader module (pyreader.py)"),
    "python-classes": Entry(E510, "record files where the classes of the labels are symbolic",
                            "the label becomes a one-hot vector of that size",
                            "src/layers/misc/one_hot.cpp"),
    "python-backend": Entry(E510, "record files in a store other than SINGA's kvfile",
                            "nncc's reader module reads kvfile stores", "nncc's reader module (pyreader.py)"),
    "python-fraction": Entry(E510, "`fraction` with an evaluation limit on record files or a corpus",
                             "LBANN takes the fraction after the module's count", READER),
    "text-sample-dims": Entry(E510, "`format: text` for a sample input other than `[N, T]`",
                              "nncc's reader module gives windows of T character indices",
                              "nncc's reader module (pyreader.py)"),
    "text-backend": Entry(E510, "`backend` on a text corpus", "a corpus is a plain text file",
                          "nncc's reader module (pyreader.py)"),
    "text-transform": Entry(E510, "a transform of a text corpus",
                            "its samples are character indices, given as they are", "nncc's reader module (pyreader.py)"),
    "python-transform": Entry(E510, "a transform of record files other than scale, normalize, mean_file",
                              "nncc's reader module applies those", "nncc's reader module (pyreader.py)"),
    "python-normalize-channels": Entry(E510, "`normalize` with as many means as neither 1 nor the channels",
                                       "the means apply per channel", "nncc's reader module (pyreader.py)"),
    # ------------------------------------------------------------ optimizer, schedules, callbacks, trainer
    "sgd-dampening": Entry(E510, "`sgd(dampening=…)`", "LBANN's SGD has momentum and Nesterov only",
                           "src/optimizers/sgd.cpp"),
    "rmsprop-momentum": Entry(E510, "`rmsprop(momentum=…)`", "LBANN's RMSprop has a decay rate and no momentum",
                              "src/optimizers/rmsprop.cpp"),
    "optimizer": Entry(E510, "an optimizer LBANN lacks", "LBANN has SGD, Adam, AdamW, AdaGrad and RMSprop",
                       "src/proto/factories/optimizer_factory.cpp"),
    "steps-per-epoch": Entry(E510, "a schedule in steps where LBANN counts epochs (or the reverse), the size of an "
                             "epoch unknown", "LBANN's step, drop and warm-up callbacks fire at epoch ends and its "
                             "cosine decay counts steps; converting needs `train.dataset_size`", LR),
    "lr-mult-schedule": Entry(E510, "`step`, `exponential`, `multi_step` or `poly` with per-weight `lr` multipliers",
                              "these callbacks set one global rate on every weight when they fire", LR),
    "lr-mult-warmup-drops": Entry(E510, "drops after a warm-up with per-weight `lr` multipliers",
                                  "LBANN's drop_fixed_learning_rate multiplies one rate shared by all weights", LR),
    "lr-mult-plateau": Entry(E510, "`reduce_on_plateau` with per-weight `lr` multipliers",
                             "LBANN's adaptive_learning_rate sets one global rate on every weight", LR),
    "fixed-step-lengths": Entry(E510, "`fixed_step` whose `steps` and `values` differ in length",
                                "one rate per change", LR),
    "schedule": Entry(E510, "a schedule LBANN lacks (`inverse`, `inverse_t`, `linear`)",
                      "LBANN has step, multi_step, fixed_step, exponential, cosine, poly and linear warm-up", LR),
    "schedule-after-warmup": Entry(E510, "a schedule after a warm-up other than fixed, step, multi_step, fixed_step, "
                                   "exponential and cosine", "the others cannot start where a warm-up ends", LR),
    "cosine-length": Entry(E510, "`cosine()` whose length is not given", "LBANN's cosine decay needs its steps", LR),
    "warmup-not-shorter": Entry(E510, "a warm-up as long as training, before `cosine()`",
                                "the decay would never start", LR),
    "poly-after-warmup": Entry(E510, "`poly()` after a warm-up",
                               "LBANN's poly_learning_rate sets the rate at every step from step 0 and from the "
                               "optimizer's starting rate, undoing the warm-up", LR),
    "drops-until-end": Entry(E510, "`step`/`exponential` after a warm-up without `train.epochs` or `train.steps`",
                             "LBANN needs its drops listed up to the end of training", LR),
    "two-changes-one-epoch": Entry(E510, "two rate changes in one epoch after a warm-up",
                                   "LBANN changes the rate at most once per epoch", LR),
    "checkpoint-after": Entry(E510, "`checkpoint(after=…)`", "LBANN's checkpoint starts with the run",
                              "src/callbacks/checkpoint.cpp"),
    "early-stopping-metric": Entry(E510, "`early_stopping` on a metric",
                                   "LBANN's early stopping watches the validation objective",
                                   "src/callbacks/early_stopping.cpp"),
    "early-stopping-no-validation": Entry(E510, "`early_stopping` without validation data",
                                          "it watches the validation objective, so it would never stop",
                                          "src/callbacks/early_stopping.cpp"),
    "callback": Entry(E510, "a callback LBANN lacks", "LBANN's callbacks are those nncc maps",
                      "src/proto/factories/callback_factory.cpp"),
    "validate-every": Entry(E510, "`train.validate_every` other than 1", "LBANN validates after every epoch",
                            "src/execution_algorithms/sgd_training_algorithm.cpp"),
    "algorithm": Entry(E510, "`train.algorithm` other than `bp` (and `bptt` with a gru or an lstm)",
                       "LBANN trains by back-propagation (its gru layer through the whole sequence, an unrolled "
                       "lstm through its steps)",
                       "src/proto/training_algorithm.proto"),
    "parameter-servers": Entry(E510, "worker or server groups, `separate_servers`, `sync_freq`",
                               "LBANN trains one synchronous data-parallel trainer without parameter servers",
                               "src/proto/trainer.proto"),
    "procs-per-trainer": Entry(E510, "`procs_per_trainer` that does not divide nodes × procs_per_node",
                               "LBANN splits the processes into trainers of that size", "src/utils/lbann_library.cpp"),
    "time-limit": Entry(E510, "`targets.lbann.time` that is not `[D-]HH:MM:SS`",
                        "the scheduler reads a wall-clock limit",
                        "Slurm, Flux and LSF (the launch script)"),
    # ------------------------------------------------------------ target options (E502)
    "amp-data-type": Entry(E502, "`amp` with a `data_type` other than float",
                           "LBANN's mixed precision chooses each layer's type and keeps the weights in float",
                           "python/lbann/util/amp.py (the frontend's --amp)"),
    "args-split": Entry(E502, "`targets.lbann.args` that cannot be split into arguments", "it is a shell line",
                        "the launch script"),
    "args-option": Entry(E502, "`targets.lbann.args` with a word that is not an option",
                         "LBANN's options start with `--`", "src/utils/argument_parser.cpp"),
    # ------------------------------------------------------------ nncc's own checks
    "needs-train": Entry(codes.NEEDS_TRAIN, "no `train.optimizer`", "LBANN trains the model", "src/proto/model.proto"),
    "start-up-rule": Entry(E510, "an experiment that breaks one of LBANN's start-up rules",
                           "a bug in nncc's LBANN target, caught before the file is written "
                           "([lbann-rules.md](lbann-rules.md))", "targets/lbann/rules.py"),
    # ------------------------------------------------------------ approximations and left-out settings (warnings)
    "rounded-to-epoch": Entry(W502, "a step count that LBANN counts in epochs and that falls inside an epoch",
                              "LBANN's step, drop and set callbacks fire at epoch ends: rounded to the nearest epoch",
                              LR),
    "warmup-staircase": Entry(W502, "a warm-up before step drops, or in epochs of unknown size",
                              "LBANN's linear_growth_learning_rate (what LBANN's frontend writes for `--warmup`) "
                              "raises the rate once per epoch, where nncc ramps it at every step; LBANN's per-step "
                              "ramp, in its cosine callback, is used for a warm-up alone or before `cosine()`", LR),
    "print-interval": Entry(W510, "`print(every=N)`, `display_every`",
                            "LBANN's print callback reports once per epoch and ignores an interval",
                            "src/callbacks/print_statistics.cpp"),
}


def refuse(key: str, msg: str, span: Span | None, help: str | None = None) -> Unsupported:
    """The error for catalogue entry `key`, to raise or collect; its code is the entry's."""
    return Unsupported(msg, span, help, CATALOGUE[key].code)


def report(bag: DiagnosticBag, key: str, msg: str, span: Span | None, help: str | None = None) -> None:
    """Give entry `key` (an error or a warning) straight to the diagnostics."""
    code = CATALOGUE[key].code
    (bag.warning if code.startswith("W") else bag.error)(code, msg, span, help)


def report_all(bag: DiagnosticBag, errors: Iterable[Unsupported]) -> None:
    """The collected refusals, each made by `refuse`."""
    for e in errors:
        bag.error(e.code, e.msg, e.span, e.help)
