"""The rule catalogue: every code `nncc lint` can report, with a stable name.

E-codes are the compiler's own errors (a model with one does not compile);
W-codes are lint warnings about models that compile but are probably wrong or
hard to maintain. Codes never change meaning; retired codes are not reused.
Each rule is documented, with a bad and a good example, in docs/rules.md.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    summary: str
    severity: str = "error"  # error | warning
    fixable: bool = False


_E = [
    ("E001", "yaml-syntax", "the file is not valid YAML"),
    ("E002", "not-utf8", "the file is not UTF-8"),
    ("E003", "yaml-tag", "a YAML tag (!tag) is used"),
    ("E004", "duplicate-key", "a mapping key is duplicated or is not a plain name"),
    ("E005", "too-large", "the model exceeds a size or nesting limit"),
    ("E006", "file-too-large", "the file exceeds the size limit"),
    ("E010", "unknown-section", "a top-level section nncc does not know"),
    ("E011", "wrong-structure", "a section or value has the wrong YAML structure"),
    ("E012", "missing-section", "a required section (inputs, graph, outputs) is missing, or the file is empty"),
    ("E013", "bad-version", "the language version (`nncc:`) is not supported"),
    ("E014", "bad-model-name", "the model name is not a valid name"),
    ("E015", "unknown-key", "an unknown key inside train or data"),
    ("E101", "expr-syntax", "an expression, type or signature does not parse"),
    ("E102", "bad-type", "a tensor type is malformed or uses an unknown dtype"),
    ("E104", "bad-name", "a name is not an identifier, or is a keyword"),
    ("E105", "expr-too-deep", "an expression nests too deeply"),
    ("E201", "shape-mismatch", "tensor shapes do not fit an op or a shared weight"),
    ("E202", "bad-value", "a value is out of range (dimension, probability, index, ...)"),
    ("E203", "dtype-mismatch", "tensor dtypes do not fit an op"),
    ("E301", "undefined-name", "a name is used but never defined"),
    ("E302", "use-before-def", "a name is used above the line that defines it"),
    ("E303", "not-callable", "an unknown op or block is called"),
    ("E304", "arity", "a call has too many or too few arguments"),
    ("E305", "arg-type", "an argument has the wrong kind of value"),
    ("E306", "unknown-argument", "a keyword argument the op or block does not take"),
    ("E307", "duplicate-definition", "a name is defined twice"),
    ("E308", "recursive-block", "a block calls itself"),
    ("E309", "bad-repeat", "repeat's count is not a non-negative integer"),
    ("E310", "arith-error", "division by zero or a runaway exponent"),
    ("E311", "unpack-mismatch", "the number of names and values on a line differ"),
    ("E312", "bad-output", "an output is undefined, not a tensor, or a loss"),
    ("E313", "duplicate-argument", "an argument is given twice"),
    ("E314", "unknown-define", "-D names a param the model does not have"),
    ("E315", "not-constant", "a compile-time constant is needed but a tensor is given"),
    ("E316", "missing-return", "a block has no `return:` line"),
    ("E401", "unknown-setting", "an unknown optimizer, schedule, callback or transform"),
    ("E402", "bad-setting", "a train setting has a wrong or out-of-range value"),
    ("E403", "missing-setting", "a required train setting is missing"),
    ("E404", "needs-train", "a training target is asked for, but the file has no train section"),
    ("E500", "unknown-target", "the target asked for does not exist"),
    ("E501", "unsupported-op", "the target has no equivalent of an op"),
    ("E502", "bad-target-option", "an unknown target or target option in `targets`"),
    ("E503", "bad-weights", "the weights file does not match the model"),
    ("E504", "unreachable-layout", "a layout the target needs cannot be reached"),
    ("E510", "unsupported-setting", "the target cannot express a setting of the model"),
    ("E511", "missing-target-setting", "the target needs a setting the model does not give"),
    ("E999", "internal-error", "nncc crashed on this file (a bug in nncc)"),
]

_W = [
    Rule("W101", "unused-layer", "a graph or block line whose value is never used", "warning"),
    Rule("W102", "unused-param", "a param that nothing uses", "warning", fixable=True),
    Rule("W103", "unused-input", "an input that no layer, loss or metric reads", "warning"),
    Rule("W104", "unused-block", "a block that is never called", "warning"),
    Rule("W105", "shadowed-name", "a name that hides a param, op, block or built-in function", "warning"),
    Rule("W106", "missing-version", "the file does not say its language version (`nncc: 1`)", "warning",
         fixable=True),
    Rule("W107", "target-unsupported", "an op or setting that a target named in `targets:` cannot express",
         "warning"),
    Rule("W108", "high-learning-rate", "a learning rate above 1", "warning"),
    Rule("W109", "suspicious-dropout", "dropout that drops (almost) everything, or nothing", "warning"),
    Rule("W110", "batch-not-divisible", "a batch size not divisible by the processes that share it", "warning"),
    Rule("W111", "not-snake-case", "a name that is not snake_case", "warning"),
    Rule("W112", "large-weight", "a weight tensor above the size limit (`max-weight-bytes`)", "warning"),
]

RULES: dict[str, Rule] = {c: Rule(c, n, s) for c, n, s in _E}
RULES.update({r.code: r for r in _W})

# lint-level settings (overridable in [tool.nncc])
DEFAULT_MAX_WEIGHT_BYTES = 512 * 1024 * 1024


def rule(code: str) -> Rule:
    """The catalogue entry for a code; unknown codes (e.g. from a plug-in target) get a generic entry."""
    r = RULES.get(code)
    if r is None:
        r = Rule(code, code.lower(), "", "warning" if code.startswith("W") else "error")
    return r
