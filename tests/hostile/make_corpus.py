"""Writes the hostile inputs of this folder: NAME.yaml and NAME.expect (the expected code).

Run it from anywhere (`python tests/hostile/make_corpus.py`) after changing a case; the files
are checked in, so the corpus does not depend on this script to be read. Inputs too big to
keep in git (a file over the size limit, 120,000 keys) are made by tests/test_hostile.py itself.
"""
from __future__ import annotations

import os

HERE = os.path.dirname(os.path.abspath(__file__))

OK = """nncc: 1
model: hostile
params:
  p: 1
inputs:
  x: f32[N, 4]
graph:
  y: linear(x, 3)
outputs: [y]
"""


def graph(expr: str, inputs: str = "f32[N, 4]", params: str = "  p: 1\n", blocks: str = "") -> str:
    return (f"nncc: 1\nmodel: hostile\nparams:\n{params}inputs:\n  x: {inputs}\n{blocks}graph:\n"
            f"  y: {expr}\noutputs: [y]\n")


def laughs(levels: int, width: int) -> str:
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]")
    return OK + "targets:\n  onnx: {}\n" + "\n".join("  " + ln for ln in lines) + "\n"


CASES: dict[str, tuple[str | bytes, str, str]] = {
    # name: (content, expected code, what it tries)
    "billion_laughs": (laughs(10, 9), "E005", "alias/anchor expansion bomb: 9^10 nodes from 1 KB"),
    "alias_fanout": (OK + "doc: &d [" + ", ".join(["x"] * 2000) + "]\ntargets: {a: [" +
                     ", ".join(["*d"] * 300) + "]}\n", "E005", "one big anchor referenced hundreds of times"),
    "recursive_alias": (OK + "targets: &a {onnx: *a}\n", "E005", "an alias inside its own anchor (a cycle)"),
    "deep_flow_seq": ("params:\n  p: " + "[" * 50_000 + "]" * 50_000 + "\n" + OK.split("params:\n  p: 1\n")[1],
                      "E005", "50,000 nested flow lists (libyaml's composer would overflow the C stack)"),
    "deep_flow_map": ("nncc: 1\ndoc: " + "{a: " * 20_000 + "1" + "}" * 20_000 + "\n", "E005",
                      "20,000 nested flow mappings"),
    "deep_block_seq": ("nncc: 1\ndoc:\n  " + "- " * 20_000 + "x\n", "E005", "20,000 nested block lists on one line"),
    "deep_block_map": ("".join(" " * i + f"k{i}:\n" for i in range(200)) + "\n", "E005",
                       "200 nested block mappings"),
    "long_scalar": (OK + "doc: " + "x" * 150_000 + "\n", "E005", "a 150,000-character scalar"),
    "long_expression": (graph("relu(x)" + " |> relu" * 15_000), "E005", "a 120,000-character expression"),
    "duplicate_section": (OK + "inputs:\n  z: f32[1]\n", "E004", "a section given twice"),
    "duplicate_layer": (OK.replace("  y: linear(x, 3)\n", "  y: linear(x, 3)\n  y: relu(x)\n"), "E004",
                        "a graph line given twice"),
    "non_utf8": (OK.encode() + b"doc: caf\xe9\n", "E002", "Latin-1 bytes"),
    "utf16": (OK.encode("utf-16"), "E002", "UTF-16 with a BOM"),
    "surrogate_bytes": (OK.encode() + b"doc: \xed\xa0\x80\n", "E002", "an encoded UTF-16 surrogate"),
    "nul_byte": (OK.replace("doc", "doc").encode() + b"doc: a\x00b\n", "E001", "a NUL character"),
    "python_object_apply": (OK + "doc: !!python/object/apply:os.system ['touch /tmp/nncc-pwned']\n", "E003",
                            "a tag asking PyYAML to call os.system"),
    "python_object_new": (OK + "doc: !!python/object/new:subprocess.Popen [['true']]\n", "E003",
                          "a tag asking for a Popen object"),
    "python_name": (OK + "doc: !!python/name:os.system\n", "E003", "a tag naming a Python function"),
    "custom_tag": (OK + "doc: !include /etc/passwd\n", "E003", "an application tag"),
    "binary_tag": (OK + "doc: !!binary aGVsbG8=\n", "E003", "a standard tag nncc does not accept"),
    "merge_key": (OK + "targets:\n  base: &b {opset: 18}\n  onnx:\n    <<: *b\n", "E003", "a YAML merge key"),
    "expr_deep_parens": (graph("linear(x, " + "(" * 5000 + "3" + ")" * 5000 + ")"), "E105",
                         "5,000 nested parentheses"),
    "expr_deep_power": (graph("linear(x, " + "**".join(["1"] * 5000) + ")"), "E105",
                        "a right-recursive chain of 5,000 `**`"),
    "expr_deep_unary": (graph("linear(x, " + "-" * 20_000 + "3)"), "E105", "20,000 unary minus signs"),
    "expr_deep_pipe": (graph("x" + " |> relu" * 5000), "E105", "a pipe chain 5,000 long"),
    "expr_long_int": (graph("linear(x, " + "9" * 5000 + ")"), "E101", "a 5,000-digit integer literal"),
    "repeat_million": (graph("x |> repeat(5000000, relu)"), "E005", "a repeat count of five million"),
    "repeat_nested": (graph("x |> repeat(1000, b2)", blocks="blocks:\n  b1(x):\n    return: x |> repeat(1000, relu)\n"
                            "  b2(x):\n    return: x |> repeat(1000, b1)\n"), "E005",
                      "nested repeats: 10^9 nodes from three lines"),
    "block_chain": (graph("b0(x)", blocks="blocks:\n" + "".join(
        f"  b{i}(x):\n    return: b{i + 1}(x)\n" for i in range(100)) + "  b100(x):\n    return: relu(x)\n"),
        "E308", "blocks calling blocks 100 deep"),
    "block_mutual_recursion": (graph("a(x)", blocks="blocks:\n  a(x):\n    return: b(x)\n  b(x):\n    return: a(x)\n"),
                               "E308", "two blocks calling each other"),
    "huge_weights": (graph("linear(x, 100000) |> linear(100000) |> linear(100000)"), "E005",
                     "80 GB of weights (checked before anything is allocated)"),
    "lstm_num_layers": (graph("lstm(x, 8, num_layers=p)", inputs="f32[N, 3, 4]", params="  p: 7679162\n"), "E005",
                        "7.7 million stacked LSTM layers (found by the long fuzz run: 1.4 GB before the weight limit)"),
    "huge_single_weight": (graph("linear(x, 2 ** 40)"), "E005", "one weight of 2^42 elements"),
    "dim_overflow": (graph("flatten(x)", inputs="f32[4294967296, 4294967296, 4294967296]"), "E005",
                     "dims whose product overflows int64"),
    "dim_too_big": (graph("relu(x)", inputs="f32[N, 18446744073709551616]"), "E202", "a dim above 2^40"),
    "pad_overflow": (graph("pad(x, [0, 0, 0, 4611686018427387904])"), "E005", "padding to an int64-sized dim"),
    "attr_outside_int64": (graph("linear(x, 3) |> reshape([-1, 10 ** 30])"), "E202",
                           "an attribute that does not fit in int64"),
    "int_bomb": (graph("linear(x, p)", params="  p: ((10 ** 1000) ** 1000) ** 1000\n"), "E310",
                 "a compile-time integer of 10^9 digits"),
    "int_doubling": (graph("linear(x, 3)", params="".join(
        f"  p{i}: {'p' + str(i - 1) + ' * p' + str(i - 1) if i else '2 ** 1000'}\n" for i in range(40))),
        "E310", "an integer squared 40 times"),
    "string_doubling": (graph("linear(x, 3)", params="  p0: '\"x\" * 90000'\n" + "".join(
        f"  p{i}: p{i - 1} + p{i - 1}\n" for i in range(1, 40))), "E005", "a string doubled 40 times"),
    "list_bomb": (graph("linear(x, 3)", params="  p: '[0] * 10 ** 12'\n"), "E005", "a list of 10^12 items"),
    "range_bomb": (graph("linear(x, 3)", params="  p: len(range(10 ** 12))\n"), "E005", "range(10^12)"),
    "sum_of_lists": (graph("linear(x, 3)", params="  a: '[[0] * 1000] * 1000'\n  p: sum(a, [])\n"), "E305",
                     "sum() concatenating lists (quadratic work)"),
    "round_digits": (graph("linear(x, 3)", params="  p: round(10, -10 ** 8)\n"), "E310", "round() to -10^8 digits"),
    "split_many": (graph("split(x, 10 ** 7, axis=1)"), "E202", "split into ten million parts"),
    # issue 17: unbounded work, names that reach scripts, options outside their field
    "block_doubling": (graph("b0(x)", blocks="blocks:\n" + "".join(
        f"  b{i}(x):\n    return: b{i + 1}(b{i + 1}(x))\n" for i in range(40)) + "  b40(x):\n    return: x\n"),
        "E005", "each block calls the one below twice: 2^40 calls, no node made (counted before the call)"),
    "block_doubling_tensor": (graph("b0(x)", blocks="blocks:\n" + "".join(
        f"  b{i}(x):\n    return: add(b{i + 1}(x), b{i + 1}(x))\n" for i in range(40)) + "  b40(x):\n    return: x\n"),
        "E005", "the same with a node per call"),
    "repeat_of_calls": (graph("x |> repeat(10000, b0)", blocks="blocks:\n" + "".join(
        f"  b{i}(x):\n    return: b{i + 1}(b{i + 1}(x))\n" for i in range(9)) + "  b9(x):\n    return: x\n"),
        "E005", "a repeat of a block worth 1,500 steps that makes no node"),
    "alias_expression": (OK.replace("graph:\n", "graph:\n  a0: &e \"relu(x)" + " |> relu" * 7000 + "\"\n" +
                                    "".join(f"  a{i}: *e\n" for i in range(1, 3000))), "E005",
                         "3,000 aliases of a 56,000-character expression (168 MB to parse)"),
    "many_errors": (OK.replace("  y: linear(x, 3)\n", "".join(f"  l{i}: relu(unknown{i})\n" for i in range(1000)) +
                               "  y: linear(x, 3)\n"), "E301", "1,000 unknown names (100 reported, the rest not looked for)"),
    "name_final_newline": (OK.replace("model: hostile", 'model: "tiny\\n"'), "E014",
                           "a model name ending in a newline (`$` matches before it)"),
    "name_command": (OK.replace("model: hostile", 'model: "x\\ntouch /tmp/nncc-pwned"'), "E014",
                     "a model name holding a command line"),
    "name_too_long": (OK.replace("model: hostile", "model: " + "n" * 240), "E014",
                      "a 240-character model name (no room for the temporary file's name)"),
    "option_beyond_int32": (OK + "targets:\n  onnx: {external_threshold: 9223372036854775808}\n", "E502",
                            "an option beyond its field"),
    "option_escape": (OK + "targets:\n  onnx: {opset: \"\\e[31m17\"}\n", "E502", "an escape sequence as an option"),
    "pad_symbolic_negative": (graph("pad(x, [-4611686018427387904, 0, 0, 0])"), "E202",
                              "cropping a symbolic dim by -2^62"),
    "empty": ("", "E012", "an empty file"),
    "only_comment": ("# nothing here\n", "E012", "a file with a comment only"),
    "not_a_mapping": ("- a\n- b\n", "E011", "a list at the top level"),
}


def option(target: str, text: str, train: bool = False) -> str:
    """OK with one target's options (and a train section, for the targets that train)."""
    fmt = "record" if target == "singa" else "npz"
    extra = ("  label: i64[N]\n", "train:\n  loss: cross_entropy(y, label)\n  optimizer: sgd(lr=0.1)\n"
             f"  batch_size: 8\n  epochs: 1\n  data: {{train: {{format: {fmt}, path: d, samples: 64}}}}\n") \
        if train else ("", "")
    return OK.replace("graph:", extra[0] + "graph:") + extra[1] + f"targets:\n  {target}: {text}\n"


# cases for another target than onnx, named after it: name -> (content, expected code, what it tries)
TARGET_CASES: dict[str, tuple[str, str, str]] = {
    "lbann_job_name_command": (option("lbann", '{job_name: "$(touch /tmp/nncc-pwned)"}', True), "E502",
                               "a command in the LBANN job name (the Slurm script's #SBATCH line)"),
    "lbann_partition_backticks": (option("lbann", '{partition: "p`touch /tmp/nncc-pwned`"}', True), "E502",
                                  "backticks in the Slurm partition"),
    "singa_job_name_newline": (option("singa", '{job_name: "a\\ntouch /tmp/nncc-pwned"}', True), "E502",
                               "a newline and a command in SINGA's job name (pasted into run.sh)"),
    "singa_hosts_newline": (option("singa", '{hosts: "a\\ntouch /tmp/nncc-pwned"}', True), "E502",
                            "a command line in the hostfile"),
    "singa_cd_k_int32": (option("singa", "{cd_k: 2147483648}", True), "E502",
                         "cd_k beyond SINGA's int32 field (was an internal ValueError)"),
    "smaug_batch_negative": (option("smaug", "{batch: -3}"), "E502", "a negative batch (was an internal error)"),
    "smaug_batch_zero": (option("smaug", "{batch: 0}"), "E502", "batch 0 (was written as dims: 0)"),
    "smaug_batch_input_data": (option("smaug", "{batch: 2147483647}"), "E005",
                               "a batch within int32 whose input data would take 32 GB (was 20 GB of RSS)"),
}


def main() -> None:
    for f in os.listdir(HERE):
        if f.endswith((".yaml", ".expect")):
            os.unlink(os.path.join(HERE, f))
    for name, (content, code, what) in CASES.items():
        data = content if isinstance(content, bytes) else content.encode()
        with open(os.path.join(HERE, f"{name}.yaml"), "wb") as f:
            f.write(data)
        with open(os.path.join(HERE, f"{name}.expect"), "w") as f:
            f.write(f"{code}\n# {what}\n")
    for name, (text, code, what) in TARGET_CASES.items():
        target = name.split("_")[0]
        with open(os.path.join(HERE, f"{name}.yaml"), "w") as f:
            f.write(text)
        with open(os.path.join(HERE, f"{name}.expect"), "w") as f:
            f.write(f"{code}\n# {what}\ntarget: {target}\n")


if __name__ == "__main__":
    main()
