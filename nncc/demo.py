"""`make demo`: compile every sample for every target, run each ONNX model once, print a table;
then train samples/digits.yaml for real on scikit-learn's 8x8 digits (`nncc train`, the PyTorch
target) and deploy the trained weights to ONNX, checking onnxruntime's accuracy on the test set.

Each compile writes into its own directory, out/TARGET/SAMPLE/ (the rule of nncc/placement.py),
so no job replaces another's files; the table ends with where each target's files are.
"""
from __future__ import annotations

import glob
import os
import sys
import time
from . import codes


# Diagnostics that mean "this target has no form of something the sample uses" (docs/diagnostics.md).
TARGET_LIMITS = {codes.NEEDS_TRAIN, codes.UNSUPPORTED_OP, codes.UNSUPPORTED_SETTING, codes.MISSING_TARGET_SETTING}


def main(samples: str = "samples", out: str = "out") -> int:
    from . import placement
    from . import target as T
    from .diagnostics import CompileError
    from .driver import compile_model
    from .output import write_files
    from .progress import Progress

    files = sorted(glob.glob(os.path.join(samples, "*.yaml")))
    targets = T.available()
    rows = []
    failures = 0
    written: dict[str, list[str]] = {}
    # a bar on a terminal; in a log a line every 20 s, so the whole output stays on one screen
    bar = Progress("make demo", total=len(files) * len(targets), unit="compile", every=20.0)
    for path in files:
        name = os.path.splitext(os.path.basename(path))[0]
        row = [name]
        onnx_file = None
        for t in targets:
            t0 = time.perf_counter()
            bar.label_as(f"{name} -> {t}")
            try:
                res = compile_model(path, t)
                folder = os.path.join(out, t, name)
                placed = placement.place(res.outputs, placement.Destination("dir", folder), t, name)
                origin = {"model": os.path.abspath(path), "target": t}
                placement.check(list(placed), [path], False, origin)
                write_files(placed)
                placement.record(list(placed), origin)
                written[t] = [os.path.basename(p).replace(res.frontend.model.name, "MODEL") for p in placed]
                row.append(f"ok {_seconds(time.perf_counter() - t0)}")
                if t == "onnx":
                    onnx_file = next(p for p in placed if p.endswith(".onnx"))
            except placement.Refused as e:
                row.append(f"ERROR {e.code}")
                failures += 1
                print(f"{path} -t {t}: {e.message}", file=sys.stderr)
            except CompileError as e:
                found = sorted({d.code for d in e.diagnostics if d.is_error})
                # the target cannot express something the sample uses: expected, shown with its code
                expected = all(c in TARGET_LIMITS for c in found)
                row.append(f"n/a {','.join(found)}" if expected else "ERROR " + ",".join(found))
                failures += 0 if expected else 1
            bar.step()
        row.append(_run_onnx(onnx_file) if onnx_file else "-")
        rows.append(row)
    bar.close()
    heads = ["sample", *targets, "onnxruntime"]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(heads)]
    print("  ".join(h.ljust(w) for h, w in zip(heads, widths)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)))
    print("\nwhere the files are (SAMPLE: the first column; MODEL: its `model:` name):")
    for t in targets:
        print(f"  {t:<6} {os.path.join(out, t, 'SAMPLE', '')}{' + '.join(written.get(t, ['-']))}")
    print("n/a CODE: the sample uses an op or setting the target does not have (docs/diagnostics.md; "
          "`nncc compile -t TARGET` shows where)")
    return 1 if failures else 0


def _seconds(s: float) -> str:
    return f"{s * 1e3:.0f}ms" if s < 1 else f"{s:.1f}s"


def _run_onnx(path: str) -> str:
    try:
        import numpy as np
        import onnxruntime as ort
    except ImportError:
        return "onnxruntime not installed"
    so = ort.SessionOptions()
    so.log_severity_level = 3
    try:
        sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    except Exception as e:  # a model onnxruntime rejects is a demo failure, shown in the table
        return f"FAILED: {str(e)[:60]}"
    feeds = {}
    rng = np.random.default_rng(0)
    for i in sess.get_inputs():
        shape = [d if isinstance(d, int) else 2 for d in i.shape]
        if "int" in i.type:
            feeds[i.name] = rng.integers(0, 2, shape).astype(np.int64 if "64" in i.type else np.int32)
        else:
            feeds[i.name] = rng.standard_normal(shape).astype(np.float16 if "16" in i.type else np.float32)
    t0 = time.perf_counter()
    outs = sess.run(None, feeds)
    dt = time.perf_counter() - t0
    return f"ok {'x'.join(map(str, outs[0].shape))} {dt * 1e3:.1f}ms"


DIGITS_DATA = os.path.join("data", "digits")  # samples/digits.yaml reads its npz files here


def write_digits(folder: str = DIGITS_DATA) -> tuple[int, int]:
    """scikit-learn's digits as train/test .npz (image [N, 1, 8, 8] in [0, 1], label), a fixed 80/20 split."""
    import numpy as np
    from sklearn.datasets import load_digits

    from .output import write_files
    from .npzfile import npz_bytes

    d = load_digits()
    x = (d.images / 16.0).astype(np.float32)[:, None]
    y = d.target.astype(np.int64)
    order = np.random.default_rng(0).permutation(len(y))
    cut = int(0.8 * len(y))
    parts = {"train": order[:cut], "test": order[cut:]}
    write_files({os.path.join(folder, f"{k}.npz"): npz_bytes({"image": x[i], "label": y[i]})
                 for k, i in parts.items()})
    return cut, len(y) - cut


def digits(samples: str = "samples", out: str = "out") -> int:
    """Train the digits classifier, compile its trained weights to ONNX, compare the two accuracies."""
    import numpy as np

    from .driver import compile_model
    from .targets.pytorch.run import train

    n_train, n_test = write_digits()
    print(f"\ndigits: training samples/digits.yaml on {n_train} images of scikit-learn's 8x8 digits "
          f"({n_test} held out), with `nncc train` (PyTorch: one process, one data worker)", flush=True)
    path = os.path.join(samples, "digits.yaml")
    run = os.path.join(out, "digits-run")
    t0 = time.perf_counter()
    code = train(path, run, resume=False, threads=1, options={"workers": "1"})
    if code:
        return code
    trained = os.path.join(run, "trained.npz")
    print(f"trained in {time.perf_counter() - t0:.0f} s; weights in {trained}")
    res = compile_model(path, "onnx", weights=trained)
    onnx_path = os.path.join(out, "digits.onnx")
    with open(onnx_path, "wb") as f:
        f.write(res.files["digits.onnx"])
    import onnxruntime as ort

    test = np.load(os.path.join(DIGITS_DATA, "test.npz"), allow_pickle=False)
    sess = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    logits = sess.run(None, {"image": test["image"]})[0]
    acc = float((logits.argmax(1) == test["label"]).mean() * 100)
    print(f"onnxruntime, {onnx_path} with the trained weights: test accuracy {acc:.2f}% on {n_test} images")
    return 0 if acc >= 95.0 else 1


if __name__ == "__main__":
    status = main(*sys.argv[1:3])
    sys.exit(status or digits(*sys.argv[1:3]))
