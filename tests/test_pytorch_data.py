"""data.py of the PyTorch project: every reader on tiny files written here, the augmentations, validation_fraction."""
from __future__ import annotations

import csv
import gzip
import math
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from pytorch_harness import load_module, write_project

MODEL = """\
nncc: 1
model: reader
inputs:
  x: SAMPLE
  y: i64[N]
graph:
  logits: GRAPH
outputs: [logits]
train:
  loss: cross_entropy(logits, y)
  optimizer: sgd(lr=0.1)
  batch_size: 4
  epochs: 1
  seed: 3
  data:
    train: TRAIN
"""


def data_module(tmp_path: Path, sample: str, train: str, graph: str = "flatten(x) |> linear(3)") -> ModuleType:
    p = tmp_path / "m.yaml"
    p.write_text(MODEL.replace("SAMPLE", sample).replace("TRAIN", train).replace("GRAPH", graph))
    write_project(str(p), tmp_path / "p", options={"workers": "0"})
    return load_module(tmp_path / "p", "data")


def idx(path: Path, a: np.ndarray, zipped: bool = False) -> None:
    """An IDX file: two zero bytes, the type (0x08, unsigned bytes), the rank, big-endian dims, the bytes."""
    head = bytes([0, 0, 8, a.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in a.shape)
    (gzip.open if zipped else open)(path, "wb").write(head + a.astype(np.uint8).tobytes())


def test_mnist_idx_files_plain_and_gzipped(tmp_path):
    rng = np.random.default_rng(0)
    images, labels = rng.integers(0, 256, (5, 28, 28)), rng.integers(0, 10, 5)
    d = tmp_path / "mnist"
    d.mkdir()
    idx(d / "train-images-idx3-ubyte", images)
    idx(d / "train-labels-idx1-ubyte.gz", labels, zipped=True)
    data = data_module(tmp_path, "f32[N, 1, 28, 28]", f"{{format: mnist, path: {d}}}")
    got = data.read("train")
    assert got["x"].dtype == np.float32 and got["x"].shape == (5, 1, 28, 28)
    assert np.array_equal(got["x"][:, 0], images) and np.array_equal(got["y"], labels)


def test_cifar10_binary_batches_in_order(tmp_path):
    rng = np.random.default_rng(1)
    d = tmp_path / "cifar" / "cifar-10-batches-bin"
    d.mkdir(parents=True)
    batches = []
    for name in [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]:
        rec = rng.integers(0, 256, (2, 3073), dtype=np.uint8)
        rec[:, 0] %= 10
        rec.tofile(d / name)
        batches.append(rec)
    data = data_module(tmp_path, "f32[N, 3, 32, 32]", f"{{format: cifar10, path: {d.parent}}}")
    got = data.read("train")
    train = np.concatenate(batches[:5])
    assert np.array_equal(got["x"], train[:, 1:].reshape(-1, 3, 32, 32)) and np.array_equal(got["y"], train[:, 0])
    test = data.READERS["cifar10"](data.config.DATA["train"], "test")
    assert np.array_equal(test["y"], batches[5][:, 0])


def test_image_folders_one_class_each_resized(tmp_path):
    image = pytest.importorskip("PIL.Image")
    rng = np.random.default_rng(2)
    pixels = {}
    for cls in ("dog", "cat"):
        (tmp_path / "imgs" / "train" / cls).mkdir(parents=True)
        for i in range(2):
            a = rng.integers(0, 256, (6, 4, 3), dtype=np.uint8)  # 6 high, 4 wide
            image.fromarray(a).save(tmp_path / "imgs" / "train" / cls / f"{i}.png")
            pixels[cls, i] = a
    data = data_module(tmp_path, "f32[N, 3, 6, 4]", f"{{format: imagenet, path: {tmp_path / 'imgs'}}}")
    got = data.read("train")
    assert list(got["y"]) == [0, 0, 1, 1]  # classes in name order: cat, dog
    assert np.array_equal(got["x"][2], pixels["dog", 0].transpose(2, 0, 1).astype(np.float32))  # same size: exact


def test_csv_with_a_named_label_column_and_without_labels(tmp_path):
    path = tmp_path / "d.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["a", "klass", "b", "c"])
        w.writerows([[0.5, 2, 1, -1], [1.5, 0, 2, 3]])
    data = data_module(tmp_path, "f32[N, 3]", f"{{format: csv, path: {path}, label_key: klass}}")
    got = data.read("train")
    assert got["x"].tolist() == [[0.5, 1, -1], [1.5, 2, 3]] and got["y"].tolist() == [2, 0]
    assert data.READERS["csv"]({"path": str(path), "has_label": False}, "train")["x"].shape == (2, 4)


def test_npz_by_key_and_never_unpickled(tmp_path):
    np.savez(tmp_path / "d.npz", pics=np.ones((3, 2), np.float32), cls=np.array([0, 1, 2]))
    data = data_module(tmp_path, "f32[N, 2]", f"{{format: npz, path: {tmp_path / 'd.npz'}, sample_key: pics, "
                                              "label_key: cls}")
    got = data.read("train")
    assert got["x"].shape == (3, 2) and got["y"].tolist() == [0, 1, 2]
    np.savez(tmp_path / "evil.npz", x=np.array([{"a": 1}], dtype=object), y=np.zeros(1))
    with pytest.raises(ValueError, match="allow_pickle"):
        data.READERS["npz"]({"path": str(tmp_path / "evil.npz")}, "train")["x"]


def test_hdf5_datasets_by_name(tmp_path):
    h5py = pytest.importorskip("h5py")
    with h5py.File(tmp_path / "d.h5", "w") as f:
        f["x"] = np.arange(8, dtype=np.float32).reshape(4, 2)
        f["y"] = np.array([1, 0, 1, 0])
        f.create_group("meta")
    data = data_module(tmp_path, "f32[N, 2]", f"{{format: hdf5, path: {tmp_path / 'd.h5'}}}")
    got = data.read("train")
    assert got["x"].tolist() == [[0, 1], [2, 3], [4, 5], [6, 7]] and got["y"].tolist() == [1, 0, 1, 0]


def test_text_windows_labelled_with_the_next_character(tmp_path):
    (tmp_path / "t.txt").write_text("abcabcabcab")
    data = data_module(tmp_path, "i64[N, 3]", f"{{format: text, path: {tmp_path / 't.txt'}}}",
                       graph="embedding(x, 3, 4) |> flatten |> linear(3)")
    got = data.read("train")
    assert got["x"].tolist() == [[0, 1, 2]] * 3 and got["y"].tolist() == [0, 0, 0]  # windows at 0, 3, 6


def test_text_indices_are_places_in_the_vocabulary_file(tmp_path):
    """As the language's text(vocab) writer and SINGA's kCharRNN read it: not sorted, and unknown characters
    left out before the windows are cut."""
    (tmp_path / "t.txt").write_text("abc?abcab")
    (tmp_path / "v.txt").write_text("cab")
    data = data_module(tmp_path, "i64[N, 3]",
                       f"{{format: text, path: {tmp_path / 't.txt'}, labels: {tmp_path / 'v.txt'}}}",
                       graph="embedding(x, 3, 4) |> flatten |> linear(3)")
    got = data.read("train")
    assert got["x"].tolist() == [[1, 2, 0], [1, 2, 0]] and got["y"].tolist() == [1, 1]
    (tmp_path / "v.txt").write_text("cabc")
    with pytest.raises(SystemExit, match="twice"):
        data.read("train")


# ---------------------------------------------------------------- augmentations


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> ModuleType:
    tmp = tmp_path_factory.mktemp("aug")
    np.savez(tmp / "d.npz", x=np.zeros((2, 3, 8, 8), np.float32), y=np.zeros(2, np.int64))
    return data_module(tmp, "f32[N, 3, 8, 8]", f"{{format: npz, path: {tmp / 'd.npz'}}}")


IMAGE = np.random.default_rng(4).random((3, 8, 8)).astype(np.float32)  # values in [0, 1), as after scale(1/255)
AUGMENTATIONS = {
    "random_crop": ({"size": [8], "pad": 2}, (3, 8, 8)),
    "random_resized_crop": ({"size": [5, 6], "min_scale": 0.2, "max_scale": 1.0, "min_ratio": 0.75,
                             "max_ratio": 4 / 3}, (3, 5, 6)),
    "horizontal_flip": ({"p": 0.5}, (3, 8, 8)),
    "vertical_flip": ({"p": 0.5}, (3, 8, 8)),
    "color_jitter": ({"brightness": 0.4, "contrast": 0.4, "saturation": 0.4, "hue": 0.1}, (3, 8, 8)),
}


@pytest.mark.parametrize("name", list(AUGMENTATIONS))
def test_augmentation_shape_and_determinism_under_a_seed(data, name):
    args, shape = AUGMENTATIONS[name]
    step = [{"name": name, **args}]
    outs = [data.transform(IMAGE, step, np.random.default_rng((3, 0, i))) for i in range(8)]
    again = [data.transform(IMAGE, step, np.random.default_rng((3, 0, i))) for i in range(8)]
    assert all(o.shape == shape and o.dtype == np.float32 for o in outs)
    assert all(np.array_equal(a, b) for a, b in zip(outs, again))  # the same seed, the same sample
    assert len({o.tobytes() for o in outs}) > 1  # another seed, another draw


def test_random_crop_is_a_window_of_the_padded_image(data):
    padded = np.pad(IMAGE, [(0, 0), (2, 2), (2, 2)])
    for i in range(6):
        out = data.transform(IMAGE, [{"name": "random_crop", "size": [8], "pad": 2}], np.random.default_rng(i))
        assert any(np.array_equal(out, padded[:, t : t + 8, s : s + 8]) for t in range(5) for s in range(5))


def test_flips_mirror_exactly(data):
    rng = np.random.default_rng(0)
    assert np.array_equal(data.transform(IMAGE, [{"name": "horizontal_flip", "p": 1.0}], rng), IMAGE[:, :, ::-1])
    assert np.array_equal(data.transform(IMAGE, [{"name": "vertical_flip", "p": 1.0}], rng), IMAGE[:, ::-1])
    assert np.array_equal(data.transform(IMAGE, [{"name": "horizontal_flip", "p": 0.0}], rng), IMAGE)


def test_random_resized_crop_of_the_whole_image_is_a_resize(data):
    whole = {"name": "random_resized_crop", "size": [8], "min_scale": 1.0, "max_scale": 1.0, "min_ratio": 1.0,
             "max_ratio": 1.0}
    assert np.allclose(data.transform(IMAGE, [whole], np.random.default_rng(0)), IMAGE, atol=1e-6)


def test_color_jitter_factors_and_hue(data):
    rng = np.random.default_rng(5)
    bright = data.transform(IMAGE, [{"name": "color_jitter", "brightness": 0.5, "contrast": 0.0, "saturation": 0.0,
                                      "hue": 0.0}], rng)
    factor = float(np.median(bright[bright < 1] / IMAGE[bright < 1]))  # values that were not clipped at 1
    assert 0.5 <= factor <= 1.5 and np.allclose(bright, np.clip(IMAGE * factor, 0, 1), atol=1e-5)
    gray = np.full((3, 2, 2), 0.5, np.float32)  # saturation and hue leave gray alone
    same = data.transform(gray, [{"name": "color_jitter", "brightness": 0.0, "contrast": 0.0, "saturation": 0.9,
                                  "hue": 0.5}], rng)
    assert np.allclose(same, gray, atol=1e-6)
    red = np.zeros((3, 1, 1), np.float32)
    red[0] = 1.0
    assert np.allclose(data._hue(red, 1 / 3), [[[0.0]], [[1.0]], [[0.0]]], atol=1e-6)  # a third turn: green
    assert np.allclose(data._hue(IMAGE, 0.0), IMAGE, atol=1e-6)


# ---------------------------------------------------------------- validation_fraction


def test_validation_fraction_holds_out_a_fixed_disjoint_part(tmp_path):
    x = np.arange(40, dtype=np.float32).reshape(20, 2)
    np.savez(tmp_path / "d.npz", x=x, y=np.arange(20) % 3)
    train = f"{{format: npz, path: {tmp_path / 'd.npz'}, validation_fraction: 0.25, fraction: 0.9}}"
    data = data_module(tmp_path, "f32[N, 2]", train)
    a, held = data.read("train"), data.read("validate")
    assert data.has("validate") and not data.has("test")
    # 20 samples, 0.9 of them used (18), 0.25 of those held out: nncc's count of train samples is 13
    assert len(a["x"]) == math.floor(20 * 0.9 * 0.75) == 13 and len(held["x"]) == 18 - 13
    rows = {tuple(r) for r in a["x"].tolist()}
    assert not rows & {tuple(r) for r in held["x"].tolist()}  # disjoint
    assert rows | {tuple(r) for r in held["x"].tolist()} == {tuple(r) for r in x[:18].tolist()}  # together: the 18
    assert np.array_equal(data.read("train")["x"], a["x"])  # the same part every time (fixed by the seed)
    assert "VALIDATE_EVERY = 1" in (tmp_path / "p" / "config.py").read_text()  # validated each epoch by default
