"""reduce_on_plateau and weighted losses in the PyTorch project: the rate follows the language's rule (LBANN's
adaptive_learning_rate) at every step, a resumed run keeps the rule's state, and `0.3 * loss` weighs a loss."""
from __future__ import annotations

import csv
from pathlib import Path

from pytorch_harness import write_project
from test_pytorch_train import mlp, run_train, steps_csv

from nncc import training
from nncc.driver import compile_model, frontend

# 64 samples in batches of 8: 8 steps an epoch, 10 epochs. A rate so large that the epoch's mean loss
# jumps about at first, so epochs without a lower loss come early and the rule has work to do.
PLATEAU = "  dataset_size: 64\n  callbacks: [\"reduce_on_plateau(gamma=0.5, patience=PATIENCE)\"]\n"


def expected_factors(losses: list[float], gamma: float, patience: int) -> list[float]:
    """The factor each epoch trains with, from the mean training loss of the epochs before it (written here
    again from the language's definition, not taken from the generated code)."""
    factor, last, wait, out = 1.0, None, 0, []
    for loss in losses:
        out.append(factor)
        if last is None or loss < last:
            last, wait = loss, 0
        elif wait >= patience:
            last, wait, factor = loss, 0, factor * gamma
        else:
            wait += 1
    return out


def history(run: Path) -> list[dict[str, str]]:
    with open(run / "history.csv", newline="") as f:
        return list(csv.DictReader(f))


def project(tmp_path: Path, patience: int, checkpoint: str = "") -> tuple[str, Path]:
    tmp_path.mkdir(exist_ok=True)
    path = mlp(tmp_path, opt="sgd(lr=5)", length="epochs: 10", dropout=False, checkpoint=checkpoint,
               extra=PLATEAU.replace("PATIENCE", str(patience)))
    write_project(path, tmp_path / "p", options={"workers": "0"})
    return path, tmp_path / "p"


def test_the_rate_follows_the_plateau_rule_at_every_step(tmp_path):
    for patience in (0, 1):
        path, proj = project(tmp_path / str(patience), patience)
        run = tmp_path / f"run{patience}"
        r = run_train(proj, run)
        assert r.returncode == 0, r.stderr
        epochs = history(run)
        factors = expected_factors([float(e["loss"]) for e in epochs], 0.5, patience)
        assert factors[-1] < 1.0, factors  # the rule acted: the comparison below can fail
        rate = training.schedule(frontend(path).train)
        rows = steps_csv(run)
        assert len(rows) == 80
        assert [float(x["lr"]) for x in rows] == [rate(s) * factors[s // 8] for s in range(80)]


def test_a_resumed_run_keeps_the_plateau_state(tmp_path):
    _, proj = project(tmp_path, 0, checkpoint="checkpoint: {every: 1}")
    whole = run_train(proj, tmp_path / "whole")
    part = tmp_path / "part"
    first = run_train(proj, part, "--steps", "44")  # stopped inside epoch 5, after reductions
    rest = run_train(proj, part)
    assert whole.returncode == first.returncode == rest.returncode == 0, whole.stderr + first.stderr + rest.stderr
    assert "resuming at step 44" in rest.stdout
    assert steps_csv(part) == steps_csv(tmp_path / "whole")
    assert history(part) == history(tmp_path / "whole")  # epoch 5's row: the sums of both parts
    assert (part / "trained.npz").read_bytes() == (tmp_path / "whole" / "trained.npz").read_bytes()


def test_weighted_losses_are_summed_with_their_weights(tmp_path):
    path = mlp(tmp_path)
    text = Path(path).read_text().replace("  loss: cross_entropy(logits, y)",
                                          '  loss: ["cross_entropy(logits, y)", "0.3 * cross_entropy(logits, y)"]')
    heads = compile_model("m.yaml", "pytorch", data=text.encode()).files["heads.py"].decode()
    assert "0.3 * F.cross_entropy(" in heads, heads
    ns: dict = {}
    exec(compile(heads, "heads.py", "exec"), ns)  # the generated loss is 1.3 times one term
    import torch

    torch.manual_seed(0)
    values = {"logits": torch.randn(5, 3), "y": torch.tensor([0, 1, 2, 1, 0])}
    one = torch.nn.functional.cross_entropy(values["logits"], values["y"])
    assert torch.allclose(ns["loss"](values), 1.3 * one)
