"""The diagnostic catalogue: every code nncc can report, as a named constant.

Each constant is the code's string (`SHAPE_MISMATCH == "E201"`); `CATALOGUE` maps
it to its entry: name, title, a paragraph that explains it and a bad/good example.
`Diagnostic` refuses a code that is not here, and docs/diagnostics.md and
docs/rules.md are generated from this table (`python -m nncc.docs`).

E-codes are errors (a model with one does not compile); W-codes are warnings:
W1xx from `nncc lint`, W5xx from a target. Codes never change meaning; a retired
code is kept with `reserved=True` and never reused. A plug-in target catalogues
its own codes with `define`.

One code per kind of failure across targets: a target that cannot express an op,
or this form of it (an attribute, an axis, the dtype, rank or dims of its tensors),
says UNSUPPORTED_OP (E501); one that has no equivalent of a setting in `train`,
`data` or `targets` says UNSUPPORTED_SETTING (E510).

An example is a YAML snippet when it spans lines, else one line of Markdown.
"""
from __future__ import annotations

import re

from .record import FrozenRecord


class Code(FrozenRecord):
    code: str
    name: str
    title: str
    explanation: str
    bad: str
    good: str
    fixable: bool
    reserved: bool
    __slots__ = ("code", "name", "title", "explanation", "bad", "good", "fixable", "reserved")

    def __init__(self, code: str, name: str, title: str, explanation: str, bad: str = "", good: str = "",
                 fixable: bool = False, reserved: bool = False) -> None:
        self.code = code
        self.name = name
        self.title = title
        self.explanation = explanation
        self.bad = bad
        self.good = good
        self.fixable = fixable
        self.reserved = reserved

    @property
    def severity(self) -> str:
        return "error" if self.code.startswith("E") else "warning"

    @property
    def constant(self) -> str:
        """The name of the constant that holds this code (`shape-mismatch` -> SHAPE_MISMATCH)."""
        return self.name.upper().replace("-", "_")


CATALOGUE: dict[str, Code] = {}


def define(code: str, name: str, title: str, explanation: str, bad: str = "", good: str = "", *,
           fixable: bool = False, reserved: bool = False) -> str:
    """Catalogue a code and return it, for `NAME = define("E…", "name", …)`."""
    if not re.fullmatch(r"[EW]\d{3}", code) or code in CATALOGUE:
        raise ValueError(f"diagnostic code {code!r} is malformed or defined twice")
    CATALOGUE[code] = Code(code, name, title, " ".join(explanation.split()), bad.strip("\n"), good.strip("\n"),
                           fixable, reserved)
    return code


# ---------------------------------------------------------------- E0xx reading the file

YAML_SYNTAX = define("E001", "yaml-syntax", "the file is not valid YAML", """
    The file does not parse as YAML; the caret points at the character where the YAML
    parser stopped, which is often just after the real mistake (an unclosed bracket or quote).""",
    "`graph: {a: relu(x)`", "`graph: {a: relu(x)}`")
NOT_UTF8 = define("E002", "not-utf8", "the file is not UTF-8", """
    Model files are read as UTF-8; the message names the first byte that is not valid UTF-8.""",
    "a Latin-1 `é` in a comment", "save the file as UTF-8")
YAML_TAG = define("E003", "yaml-tag", "a YAML tag (!tag) is used", """
    A YAML tag (`!!python/object`, `!custom`) asks the reader to build an object; model files
    hold plain maps, lists and scalars only, so tags are refused before anything is built.""",
    "`image: !tensor f32[N, 3]`", "`image: f32[N, 3]`")
DUPLICATE_KEY = define("E004", "duplicate-key", "a mapping key is duplicated or is not a plain name", """
    A key appears twice in one mapping (two layers, params or inputs of one name), or a key is
    not a plain scalar. YAML would silently keep the last one; nncc reports both.""",
    "`h: relu(x)` twice in `graph`", "`h1: …`, `h2: …`")
TOO_LARGE = define("E005", "too-large", "the model exceeds a size or nesting limit", """
    A resource limit was hit: YAML nesting depth, YAML node count (alias bombs), scalar length,
    node count after blocks and `repeat` expand, a repeat count, a tensor's dims or elements, or
    the weights' size (see [security.md](security.md)). The limit is checked before the work it
    guards is done.""",
    "`x |> repeat(100000, blk)`", "`x |> repeat(20, blk)`")
FILE_TOO_LARGE = define("E006", "file-too-large", "the file exceeds the size limit", """
    The model file is larger than the size limit (10 MiB); weights belong in a `--weights` file.""",
    "a 50 MB model file", "keep weights in `--weights`")
CANNOT_READ = define("E007", "cannot-read", "the file cannot be read", """
    The path is not a regular file (a directory, a FIFO, a device such as `/dev/zero`), is a
    link to nothing, or cannot be opened or read (permissions, an I/O error). nncc reads only
    regular files, and never past the size limit; in a directory it reports each file or folder
    it cannot read and goes on with the others.""",
    "`nncc lint models/` with `models/pipe.yaml` a FIFO", "point nncc at regular files")
UNKNOWN_SECTION = define("E010", "unknown-section", "a top-level section nncc does not know", """
    A top-level key that is not a section of the language; a close match is suggested.""",
    "`grpah:`", "`graph:`")
WRONG_STRUCTURE = define("E011", "wrong-structure", "a section or value has the wrong YAML structure", """
    A section or value has the wrong YAML shape: a list where a mapping is needed, a mapping
    where an expression is needed, a flow list that YAML split at a call's commas.""",
    "`outputs: {logits: 1}`", "`outputs: [logits]`")
MISSING_SECTION = define("E012", "missing-section",
                         "a required section (inputs, graph, outputs) is missing, or the file is empty", """
    Every model needs `inputs`, `graph` and `outputs`; an empty file has none of them.""",
    "no `outputs:`", "`outputs: [logits]`")
BAD_VERSION = define("E013", "bad-version", "the language version (`nncc:`) is not supported", """
    The file asks for a language version this nncc does not read.""",
    "`nncc: 2`", "`nncc: 1`")
BAD_MODEL_NAME = define("E014", "bad-model-name", "the model name is not a valid name", """
    `model:` names the model in every target's output and its files: it fully matches
    `[A-Za-z_][A-Za-z0-9_.-]*` and has at most 128 characters, so the longest output file
    name and its temporary fit in 255 bytes on any host.""",
    "`model: my model`", "`model: my_model`")
UNKNOWN_KEY = define("E015", "unknown-key", "an unknown key inside train or data", """
    A key inside `train`, `data` or `distributed` that nncc does not know; a close match is
    suggested.""",
    "`batchsize: 64`", "`batch_size: 64`")

# ---------------------------------------------------------------- E1xx expressions

EXPR_SYNTAX = define("E101", "expr-syntax", "an expression, type or signature does not parse", """
    An expression does not parse: an unexpected character or token, an unclosed bracket, an
    empty value. The caret points inside the YAML scalar at the exact place.""",
    "`h: relu(x`", "`h: relu(x)`")
BAD_TYPE = define("E102", "bad-type", "a tensor type is malformed or uses an unknown dtype", """
    A tensor type is written DTYPE[dims]; the dtype is unknown or a dimension is neither an
    integer nor a symbolic name.""",
    "`image: float[N, 3]`", "`image: f32[N, 3]`")
BAD_NAME = define("E104", "bad-name", "a name is not an identifier, or is a keyword", """
    Names of params, inputs, layers and blocks must be identifiers and not reserved words.""",
    "`if: relu(x)`", "`gate: relu(x)`")
EXPR_TOO_DEEP = define("E105", "expr-too-deep", "an expression nests too deeply", """
    Brackets, operators or pipes nest deeper than the limit inside one expression.""",
    "300 nested `(`", "split the expression into named lines")

# ---------------------------------------------------------------- E2xx shapes and types

SHAPE_MISMATCH = define("E201", "shape-mismatch", "tensor shapes do not fit an op or a shared weight", """
    The shapes of an op's inputs do not fit it: a wrong rank, operands that do not broadcast,
    matmul's inner dims, concat's other dims, a label's shape, a shared weight of another shape.
    A note says where each operand was made.""",
    "`add(a, b)` with `[N, 10]` and `[N, 20]`", "make the shapes agree")
BAD_VALUE = define("E202", "bad-value", "a value is out of range (dimension, probability, index, ...)", """
    A value is outside what it may be: a zero or negative dimension, a kernel larger than its
    input, channels not divisible by groups, a dropout probability outside [0, 1), an uneven
    split, an index out of range.""",
    "`dropout(p=1.5)`", "`dropout(p=0.5)`")
DTYPE_MISMATCH = define("E203", "dtype-mismatch", "tensor dtypes do not fit an op", """
    An integer tensor where a float one is needed, or operands of different dtypes.""",
    "`conv2d(label, 8, 3)` on `i64`", "`conv2d(image, 8, 3)`")

# ---------------------------------------------------------------- E3xx names, calls and blocks

UNDEFINED_NAME = define("E301", "undefined-name", "a name is used but never defined", """
    A name that no param, input, layer or block defines; a close match is suggested.""",
    "`linear(clases)`", "`linear(classes)`")
USE_BEFORE_DEF = define("E302", "use-before-def", "a name is used above the line that defines it", """
    Graph lines are read top to bottom; a value is used above the line that makes it.""",
    "`a: relu(b)` above `b: …`", "define `b` first")
NOT_CALLABLE = define("E303", "not-callable", "an unknown op or block is called", """
    The called name is not an op, a block or a built-in function (a close match is suggested),
    or it is a value, which cannot be called.""",
    "`relux(x)`", "`relu(x)`")
ARITY = define("E304", "arity", "a call has too many or too few arguments", """
    A call gives more positional arguments than the op, block or function takes, or leaves out
    a required one.""",
    "`linear(x)`", "`linear(x, 10)`")
ARG_TYPE = define("E305", "arg-type", "an argument has the wrong kind of value", """
    An argument of the wrong kind: a string for an integer, a number where a tensor is needed,
    a list of the wrong things.""",
    "`linear(x, \"10\")`", "`linear(x, 10)`")
UNKNOWN_ARGUMENT = define("E306", "unknown-argument", "a keyword argument the op or block does not take", """
    A keyword argument the op, block, optimizer or schedule does not have; a close match is
    suggested.""",
    "`sgd(rl=0.1)`", "`sgd(lr=0.1)`")
DUPLICATE_DEFINITION = define("E307", "duplicate-definition", "a name is defined twice", """
    One name for two things: an input and a graph line, a block and an op, a param twice, an
    output listed twice.""",
    "a param and a layer both named `h`", "rename one")
RECURSIVE_BLOCK = define("E308", "recursive-block", "a block calls itself", """
    A block calls itself, directly or through other blocks, or blocks nest deeper than the
    limit; use `repeat` for a stack of layers.""",
    "`blk(x): {return: blk(x)}`", "use `repeat`")
BAD_REPEAT = define("E309", "bad-repeat", "repeat's count is not a non-negative integer", """
    `repeat(n, block)` needs a compile-time integer n ≥ 0.""",
    "`x |> repeat(n / 2, blk)`", "`x |> repeat(n // 2, blk)`")
ARITH_ERROR = define("E310", "arith-error", "division by zero or a runaway exponent", """
    Compile-time arithmetic failed: a division by zero, an exponent or integer too large to
    compute.""",
    "`width: 64 / 0`", "`width: 64 / 2`")
UNPACK_MISMATCH = define("E311", "unpack-mismatch", "the number of names and values on a line differ", """
    A line that names several values (`a, b: split(x, 2)`) names more or fewer than the
    expression gives.""",
    "`a, b: split(x, 3)`", "`a, b, c: split(x, 3)`")
BAD_OUTPUT = define("E312", "bad-output", "an output is undefined, not a tensor, or a loss", """
    An entry of `outputs` that is not a graph value, is not a tensor, or is a loss or metric
    (those belong under `train`).""",
    "`outputs: [logit]`", "`outputs: [logits]`")
DUPLICATE_ARGUMENT = define("E313", "duplicate-argument", "an argument is given twice", """
    An argument is given both positionally and by keyword.""",
    "`linear(x, 10, out_features=10)`", "`linear(x, 10)`")
UNKNOWN_DEFINE = define("E314", "unknown-define", "-D names a param the model does not have", """
    `-D NAME=VALUE` on the command line overrides a param; NAME must be one of the model's.""",
    "`-D clases=5`", "`-D classes=5`")
NOT_CONSTANT = define("E315", "not-constant", "a compile-time constant is needed but a tensor is given", """
    A tensor where a compile-time value is needed: the condition of `if`, an operand of
    `not`, `and`, `or`, `//` or `%`, a param, an op attribute, a built-in function with
    no op of its name (`len`, `round`, …).""",
    "`y: a if h else b` (`h` a tensor)", "`y: a if deep else b` (`deep` a param)")
MISSING_RETURN = define("E316", "missing-return", "a block has no `return:` line", """
    A block says what it gives with a `return:` line.""",
    "`blk(x): {y: relu(x)}`", "add `return: y`")

# ---------------------------------------------------------------- E4xx the train section

UNKNOWN_SETTING = define("E401", "unknown-setting", "an unknown optimizer, schedule, callback or transform", """
    The `train` section calls an optimizer, schedule, callback or data transform that nncc does
    not know; a close match is suggested.""",
    "`optimizer: sdg(lr=0.1)`", "`optimizer: sgd(lr=0.1)`")
BAD_SETTING = define("E402", "bad-setting", "a train setting has a wrong or out-of-range value", """
    A setting with a wrong value or type: the loss is not a loss, `epochs` and `steps` both
    given, a negative or out-of-range number, a warm-up not shorter than training.""",
    "`batch_size: -1`", "`batch_size: 64`")
MISSING_SETTING = define("E403", "missing-setting", "a required train setting is missing", """
    A required setting is missing: `loss`, `optimizer`, `batch_size`, an optimizer's `lr`, a
    warm-up's length.""",
    "`optimizer: sgd()`", "`optimizer: sgd(lr=0.1)`")
NEEDS_TRAIN = define("E404", "needs-train", "a training target is asked for, but the file has no train section", """
    LBANN and SINGA write training jobs; a model without a `train` section can only go to the
    inference targets (ONNX, SMAUG).""",
    "`nncc compile -t lbann` without `train:`", "add `train:`")
BAD_SCHEDULE_LIST = define("E405", "bad-schedule-list", "a `schedule:` list is not a warm-up and one schedule", """
    A `schedule:` list is a warm-up and the one schedule after it. The list is empty, does not
    start with `warmup(…)`, has more than two entries, or gives `warmup` twice.""",
    "`schedule: [cosine(), warmup(epochs=1)]`", "`schedule: [warmup(epochs=1), cosine()]`")

# ---------------------------------------------------------------- E5xx targets and weights

UNKNOWN_TARGET = define("E500", "unknown-target", "the target asked for does not exist", """
    `-t` names a target that is not installed; `nncc targets` lists them.""",
    "`-t tensorflow`", "`-t onnx`")
UNSUPPORTED_OP = define("E501", "unsupported-op", "the target cannot express an op, or this form of it", """
    The target has no equivalent of an op, or of this form of it: an attribute value, an axis,
    the dtype, rank or dims of its tensors. Every target reports this one code at the op's
    line; settings of `train`, `data` and `targets` that a target lacks are E510.""",
    "`concat(a, b, axis=0)` for `-t lbann` or `-t smaug`", "`concat(a, b, axis=1)`")
BAD_TARGET_OPTION = define("E502", "bad-target-option", "an unknown target or target option in `targets`", """
    An unknown target or option in `targets:` or `-O key=value`, or an option value of the
    wrong kind.""",
    "`onnx: {opsett: 18}`", "`onnx: {opset: 18}`")
BAD_WEIGHTS = define("E503", "bad-weights", "the weights file does not match the model", """
    A `--weights` file is missing or unreadable, or its arrays do not match the model; each
    missing, extra or mis-shaped array is named, with the unused arrays of the missing
    weight's shape. `nncc weights MODEL` lists the model's names; `--from FILE` shows how
    the file's arrays pair with them; `--weights-partial` draws what does not fit.""",
    "an `.npz` without `fc.weight`", "`nncc weights MODEL --from FILE`, or `--weights-partial`")
UNREACHABLE_LAYOUT = define("E504", "unreachable-layout", "a layout the target needs cannot be reached", """
    A layout the target needs (insert-layouts) cannot be reached, or a tensor cannot be laid
    out as the target wants.""",
    "a 3-D tensor into an NHWC-only op", "reshape to 4-D first")
UNSUPPORTED_SETTING = define("E510", "unsupported-setting", "the target cannot express a setting of the model", """
    The target has no equivalent of a setting in `train`, `data` or `targets`, named with its
    line: a data format it has no reader for, an optimizer argument, a schedule, a callback, a
    training algorithm, a number beyond its fields. Ops it cannot express are E501.""",
    "`format: mnist` for `-t singa`", "a format SINGA reads (`record`, `csv`)")
MISSING_TARGET_SETTING = define("E511", "missing-target-setting", "the target needs a setting the model does not give", """
    The target needs something the model does not say, such as the dataset size to turn epochs
    into SINGA's steps.""",
    "`epochs` for `-t singa` without a dataset size", "`dataset_size: 60000`")
IMPORT_UNSUPPORTED_OP = define("E520", "import-unsupported-op", "`nncc import`: an ONNX op the language lacks", """
    The ONNX model uses an op (or a form of it: an attribute, a constant where a tensor is
    computed) that no op of the language expresses. Each op is reported once with how many
    nodes use it and where (node index and name); nothing is dropped, so no model file is
    written. Ops added to the registry later are picked up by the importer.""",
    "`NonMaxSuppression` in the ONNX graph", "a graph of the ops in `nncc ops`")
BAD_IMPORT = define("E521", "bad-import", "`nncc import`: the ONNX file cannot be read", """
    The file is not an ONNX model, its opset is older than 13, ONNX's shape inference fails on
    it, or an input has no shape or an element type the language lacks.""",
    "an opset-9 model", "re-export with `opset_version=17`")
IMPORT_MISMATCH = define("E522", "import-mismatch", "`nncc import`: the model file does not check as the ONNX model", """
    The importer compiles the model file it wrote and compares every line's shape, and the
    weights, with the ONNX model's. A difference is a bug in the importer; please report it
    with the ONNX file.""",
    "a line whose shape differs from ONNX's", "report it")
# ---------------------------------------------------------------- E6xx outputs

BAD_OUTPUT_PATH = define("E601", "bad-output-path", "-o names a file where the target writes a directory", """
    Every target writes its files into a directory, named after the model; only a target that
    writes one file (ONNX) takes `-o NAME.onnx` or `-o -` (standard output). A name with a
    suffix for a target that writes several files, or an existing file, is refused before
    anything is compiled. Exit code 2.""",
    "`nncc compile m.yaml -t lbann -o m.onnx`", "`nncc compile m.yaml -t lbann -o out/m/`")
OUTPUT_IS_INPUT = define("E602", "output-is-input", "an output would write over an input", """
    An output file is the model file or the weights file of the same compile; nncc never
    writes over its inputs (as gcc refuses `-o` equal to a source). Exit code 2.""",
    "`nncc compile m.yaml -o m.yaml`", "`nncc compile m.yaml -o out/`")
NOT_OURS = define("E603", "not-ours", "an existing file nncc did not write would be replaced", """
    The output directory holds a file of that name that nncc did not write (it is not in the
    directory's `.nncc-manifest.json`), that changed since nncc wrote it, or that nncc wrote
    for another model or target. It is left alone unless `--force` is given. Exit code 2.""",
    "your own `run.sh` next to the model", "`-o out/singa/` or `--force`")

INTERNAL_ERROR = define("E999", "internal-error", "nncc crashed on this file (a bug in nncc)", """
    nncc failed on this file; please report it (`NNCC_DEBUG=1` shows the traceback). `nncc
    lint` reports it and still checks the other files.""",
    "a file on which nncc crashes", "report it, with the file")

# ---------------------------------------------------------------- W1xx lint warnings

UNUSED_LAYER = define("W101", "unused-layer", "a graph or block line whose value is never used", """
    A graph line (or a line inside a block that is called) whose value nothing uses: no later
    line, no output, no loss or metric. It still costs compute and parameters in some targets,
    or is a typo for the name that was meant. Names starting with `_` are exempt; a line
    defining several names is reported only if none is used.""", """
graph:
  h: image |> linear(128) |> relu
  spare: h |> relu                 # W101: nothing reads `spare`
  logits: h |> linear(10)
outputs: [logits]""", """
graph:
  h: image |> linear(128) |> relu
  logits: h |> linear(10)
outputs: [logits]""")
UNUSED_PARAM = define("W102", "unused-param", "a param that nothing uses", """
    A param that no expression uses (a name mentioned only in an untaken branch of
    `a if c else b`, or in a block parameter's default, counts as used). `--fix` deletes the
    param's line (block-style `params:` only).""", """
params:
  classes: 10
  dropout_rate: 0.5                # W102: never used""", """
params:
  classes: 10""", fixable=True)
UNUSED_INPUT = define("W103", "unused-input", "an input that no layer, loss or metric reads", """
    An input that no layer, loss or metric reads. A runtime must still feed it.""", """
inputs:
  image: f32[N, 784]
  mask: f32[N, 784]                # W103
graph:
  logits: image |> linear(10)""", """
inputs:
  image: f32[N, 784]
graph:
  logits: image |> linear(10)""")
UNUSED_BLOCK = define("W104", "unused-block", "a block that is never called", """
    A block that nothing calls (directly, through `|>`, or through `repeat`).""", """
blocks:
  spare(x):                        # W104
    return: relu(x)
graph:
  logits: image |> linear(10)""", """
blocks:
  act(x):
    return: relu(x)
graph:
  logits: image |> linear(10) |> act""")
SHADOWED_NAME = define("W105", "shadowed-name", "a name that hides a param, op, block or built-in function", """
    A name that hides something else while it is in scope: any name that is also an op, a
    block, an initializer or a built-in function (`relu`, `max`, `repeat`), and a block
    parameter or block line with the name of a param. Calling the hidden op then fails (E303),
    and readers misread the line.""", """
graph:
  tanh: image |> linear(128)       # W105: hides the op `tanh`
  logits: tanh |> linear(10)""", """
graph:
  hidden: image |> linear(128)
  logits: hidden |> linear(10)""")
MISSING_VERSION = define("W106", "missing-version", "the file does not say its language version (`nncc: 1`)", """
    The file does not say which language version it is written in. Today's nncc reads version
    1; a later one may read an unversioned file differently. `--fix` adds `nncc: 1` above the
    first section (after any leading comment).""", """
# LeNet-5
model: lenet5""", """
# LeNet-5
nncc: 1
model: lenet5""", fixable=True)
TARGET_UNSUPPORTED = define("W107", "target-unsupported",
                            "an op or setting that a target named in `targets:` cannot express", """
    The file's `targets:` section names a target that cannot express something in the model: an
    op outside the target's capability table (the same check that makes `nncc compile -t T` fail
    with E501), or a training target (`lbann`, `singa`) for a file without a `train` section.
    Unknown targets and bad target options in `targets:` are E502. Settings that only the
    target's emitter can judge (e.g. a data format SINGA cannot read) are found by `nncc
    check`.""", """
graph:
  h: image |> linear(128) |> gelu  # W107: smaug has no gelu
targets:
  smaug: {}""", """
graph:
  h: image |> linear(128) |> relu
targets:
  smaug: {}""")
HIGH_LEARNING_RATE = define("W108", "high-learning-rate", "a learning rate above 1", """
    An optimizer's `lr`, or a value of a `fixed_step` schedule, above 1. Training almost always
    diverges; the usual cause is a misplaced decimal point or a percentage.""", """
train:
  optimizer: sgd(lr=10, momentum=0.9)   # W108""", """
train:
  optimizer: sgd(lr=0.1, momentum=0.9)""")
SUSPICIOUS_DROPOUT = define("W109", "suspicious-dropout", "dropout that drops (almost) everything, or nothing", """
    Dropout with `p ≥ 0.9`, or `p = 0`. `p` is the probability of *dropping* a value; `p = 0.9`
    usually means someone wrote a keep probability (TensorFlow's old `keep_prob`). `p = 0` makes
    the layer a no-op. (`p ≥ 1` is a compile error, E202.)""", """
graph:
  h: x |> dropout(p=0.9)           # W109: drops 90% of the values""", """
graph:
  h: x |> dropout(p=0.1)""")
BATCH_NOT_DIVISIBLE = define("W110", "batch-not-divisible",
                             "a batch size not divisible by the processes that share it", """
    `train.batch_size` (or a data source's `batch_size`) is not divisible by the processes that
    share one mini-batch: `procs_per_trainer` if given, else `workers_per_group` (SINGA), else
    `nodes × procs_per_node` (LBANN data parallelism). The split is uneven, and some runtimes
    refuse it.""", """
train:
  batch_size: 100
  distributed: {nodes: 2, procs_per_node: 4}   # W110: 100 / 8""", """
train:
  batch_size: 96
  distributed: {nodes: 2, procs_per_node: 4}""")
NOT_SNAKE_CASE = define("W111", "not-snake-case", "a name that is not snake_case", """
    A param, input, layer, block, block parameter or metric whose name is not `snake_case`
    (lower-case letters, digits and `_`). Target files carry these names, and mixed styles make
    them hard to search.""", """
params:
  hiddenWidth: 128                 # W111""", """
params:
  hidden_width: 128""")
LARGE_WEIGHT = define("W112", "large-weight", "a weight tensor above the size limit (`max-weight-bytes`)", """
    A single weight tensor larger than `max-weight-bytes` (default 512 MiB; set it in
    `[tool.nncc]`). Usually a linear layer fed an unpooled feature map; such a tensor also
    forces ONNX external data, which some runtimes do not read.""", """
graph:
  f: features |> flatten           # [N, 512*56*56]
  logits: f |> linear(4096)        # W112: 6.6 GB of weights""", """
graph:
  f: features |> global_avg_pool |> flatten   # [N, 512]
  logits: f |> linear(4096)""")

# ---------------------------------------------------------------- W5xx target warnings

APPROXIMATED_SETTING = define("W502", "approximated-setting", "a target approximates a setting", """
    The target writes a setting only approximately, and says by how much: LBANN schedules by
    whole epochs, so a step-based schedule whose change falls inside an epoch is rounded to the
    nearest epoch.""",
    "`step(every=1000)` for `-t lbann` with 600 steps per epoch", "`step(every=1200)`, or count epochs")
OLD_WEIGHT_NAME = define("W503", "old-weight-name", "a weights file uses a weight's nncc 0.1 name", """
    A `--weights` array was found under the name nncc 0.1 gave the weight, before weight names
    were made stable (docs/weights.md); it is loaded. nncc 0.1 names are read until nncc 0.3:
    `nncc weights MODEL --from OLD.npz --write NEW.npz` writes the file with today's names.""",
    "`b.scale` for the batch norm of `b: conv2d(a, 16, 3) |> batch_norm`", "`b/batch_norm.scale`")
IGNORED_SETTING = define("W510", "ignored-setting", "a setting the target leaves out of its output", """
    The target has no place for a setting, so it is left out of the output, named with its
    line (SINGA: a recurrent bias, `checkpoint(dir=…)`, callbacks such as `early_stopping`,
    `procs_per_trainer`, fewer `hosts` than `nodes`).""",
    "`callbacks: [early_stopping(patience=3)]` for `-t singa`", "drop it for SINGA")
