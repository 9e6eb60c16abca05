"""SMAUG target: `<name>_topo.pbtxt` (GraphProto, text) and `<name>_params.pb` (TensorDataArray).

Back ends `Reference` (NCHW, float32, alignment 0) and `SMV` (NHWC, float16,
alignment 8). What each SMAUG op wants is declared here as data for the
target-independent `insert-layouts` and `fuse` passes; the emitter is
`nncc.targets.smaug.emit` (imported only when emitting).
"""
from nncc.passes.fuse import Pattern, absorb
from nncc.passes.layouts import ANY, CANON, LIKE_FIRST, LayoutTable, OpLayout
from nncc.ops import Param, derive, has
from nncc.target import Lowering, Option, Target

# SMAUG's own ops: a convolution, inner product or batch norm with its activation fused in (act_params),
# made by the fuse pass (FUSIONS below) from the core op and the activation after it
FUSED = {base: f"smaug.{base}" for base in ("conv2d", "linear", "batch_norm")}
for _base, _name in FUSED.items():
    derive(_name, _base, [Param("activation", "str", doc="the fused activation op"),
                          Param("activation_attrs", "any", {}, doc="its attributes")],
           origin="smaug", doc=f"`{_base}` followed by a fused activation (SMAUG act_params)")

# The lowering table, which is the capability table: nncc op -> the rule in layers.py that writes its
# SMAUG node(s). Training heads (losses, metrics) are not part of an inference model; dce removes them.
LOWER = Lowering("nncc.targets.smaug.layers", {
    "conv2d": "_conv", FUSED["conv2d"]: "_conv", "max_pool2d": "_pool", "avg_pool2d": "_pool",
    "global_avg_pool": "_pool", "adaptive_avg_pool2d": "_pool", "adaptive_max_pool2d": "_pool",
    "linear": "_linear", FUSED["linear"]: "_linear", "batch_norm": "_batch_norm",
    FUSED["batch_norm"]: "_batch_norm", "relu": "_activation", "leaky_relu": "_activation", "elu": "_activation",
    "selu": "_activation", "tanh": "_activation", "sigmoid": "_activation", "softmax": "_activation",
    "clip": "_activation", "hardtanh": "_activation", "relu6": "_activation",
    "add": "_binary", "mul": "_binary", "concat": "_concat", "split": "_split", "reshape": "_reshape", "squeeze": "_reshape", "unsqueeze": "_reshape", "stack": "_stack",
    "flatten": "_flatten", "reorder": "_reorder", "pad": "_pad", "dropout": "_alias", "identity": "_alias",
    "constant": "_constant", "const": "_constant", "less": "_compare", "less_equal": "_compare",
    "greater": "_compare", "greater_equal": "_compare", "lstm": "_lstm",
})

BACKENDS = {  # name -> (4-D activation layout, inner-product weight layout, dtype, alignment)
    "Reference": ("NCHW", "CN", "Float32", 0),
    "SMV": ("NHWC", "NC", "Float16", 8),
}

# the element-wise activations SMAUG has; each can also run fused into its producer (act_params)
ACTIVATIONS = frozenset(op for op in LOWER if has(op, "activation") and has(op, "elementwise"))


def layouts(options: dict) -> LayoutTable:
    """What each op wants on a back end (SMAUG's backend_layouts, per nncc op)."""
    act, ip_w, _, _ = BACKENDS[options.get("backend", "Reference")]
    spatial = OpLayout(inputs=(act,), output=act, weights={"weight": act})
    elementwise = OpLayout(inputs=(ANY,), output=ANY, elementwise=True)
    ops = {
        "conv2d": spatial,
        "max_pool2d": spatial, "avg_pool2d": spatial, "global_avg_pool": spatial,
        "adaptive_avg_pool2d": spatial, "adaptive_max_pool2d": spatial,
        "linear": OpLayout(inputs=({2: "NC"},), output="NC", weights={"weight": ip_w}, absorbs={"weight": 1}),
        "batch_norm": OpLayout(inputs=({4: act, 2: "NC"},), output=ANY),
        "softmax": OpLayout(inputs=({2: "NC"},), output="NC"),
        "add": OpLayout(inputs=(ANY, LIKE_FIRST), output=ANY),
        "mul": OpLayout(inputs=(ANY, LIKE_FIRST), output=ANY),
        **{c: OpLayout(inputs=(ANY, LIKE_FIRST), output=ANY) for c in ("less", "less_equal", "greater", "greater_equal")},
        "concat": OpLayout(inputs=(ANY, LIKE_FIRST), output=ANY),
        "split": OpLayout(inputs=(ANY,), output=ANY),
        "pad": OpLayout(inputs=(ANY,), output=ANY),
        "reshape": OpLayout(inputs=(CANON,), output=CANON),
        "squeeze": OpLayout(inputs=(CANON,), output=CANON), "unsqueeze": OpLayout(inputs=(CANON,), output=CANON),
        "stack": OpLayout(inputs=(CANON,), output=CANON),
        "flatten": OpLayout(inputs=(ANY,), output="NC", flatten=True),
        "dropout": elementwise, "identity": elementwise,
        **{a: elementwise for a in ACTIVATIONS},
    }
    ops.update({fused: ops[base] for base, fused in FUSED.items()})  # a fused op wants what its base op wants
    stored = {"conv2d": "NHWC", "linear": "NC"}
    weights = {f"{op}.weight": lay for base, lay in stored.items() for op in (base, FUSED[base])}
    return LayoutTable(ops=ops, inputs={4: "NHWC"}, weights=weights)


def _no_bias(nodes) -> bool:
    # a fused activation runs before a separately added bias, so only bias-free producers fuse
    return nodes[0].op == "batch_norm" or not nodes[0].attrs.get("bias", False)


def _fuse_activation(g, nodes, ctx) -> bool:
    """The activation folds into its producer, which becomes SMAUG's fused form of its op."""
    if not absorb(g, nodes, ctx):
        return False
    nodes[0].op = FUSED[nodes[0].op]
    return True


FUSIONS = (
    Pattern("activation", (frozenset(FUSED), ACTIVATIONS), _fuse_activation, when=_no_bias,
            doc="an activation into the producing convolution, inner product or batch norm: smaug.conv2d, "
                "smaug.linear, smaug.batch_norm (act_params)"),
)


def _summary(result) -> str:
    from .summary import summary

    return summary(result)


TARGET = Target(
    name="smaug",
    description="SMAUG accelerator simulator: <name>_topo.pbtxt (GraphProto) and <name>_params.pb",
    options=[
        Option("backend", "choice", "Reference", "Reference (NCHW, float32) or SMV (NHWC, float16, alignment 8)",
               ("Reference", "SMV")),
        Option("mem_policy", "choice", "AllDma", "host memory access policy",
               ("AllDma", "AllAcp", "AllAcpWithDmaForWeights")),
        Option("batch", "int", 1, "the batch size N stands for (SMAUG models run one batch)", lo=1),
    ],
    lowering=LOWER,
    mode="inference",
    needs_weights=True,
    streams_weights=True,
    pipeline=("dce", "fuse", "insert-layouts"),
    emitter="nncc.targets.smaug.emit:emit",
    layouts=layouts,
    fusions=FUSIONS,
    summary=_summary,
)
