#!/usr/bin/env python3
"""A torchvision resnet18 at 224x224 and a 224x224 data set, for the memory and speed benchmarks.

    /usr/bin/python3 tools/resnet18_224.py                  # -> .cache/resnet18-224
    /usr/bin/python3 tools/resnet18_224.py --out DIR [--force]

Needs Debian's PyTorch 1.13 / torchvision 0.14 / python3-onnx (bash tools/setup.sh python) and
Fashion-MNIST (bash tools/setup.sh data).  Cached: when DIR/manifest.json was written by this very script
(same source hash, same torch/torchvision versions) and every file still has its recorded SHA-256, nothing
is rebuilt (about 2 minutes on the project's 2-core machine when it is).

Data: Fashion-MNIST images resized to 224x224 (bilinear, torch.nn.functional.interpolate, align_corners=False,
rounded back to uint8) and replicated over 3 channels, channels first, as uint8 .npy:
  DIR/t10k-x.npy, DIR/t10k-y.npy     the first 1,000 t10k images (the benchmark sets; --limit 32 takes fewer)
  DIR/train-x.npy, DIR/train-y.npy   the first 1,000 train images (calibration and the linear probe)
The engine reads them as  npy:DIR/t10k-x.npy,DIR/t10k-y.npy?scale=0.00392156862745098  (x * float32(1/255)).

Model (seed SEED; torch.manual_seed before building): torchvision resnet18(weights=None, num_classes=10), its
BatchNorm running statistics calibrated on the 1,000 training images (every BatchNorm in train mode with
momentum=None, i.e. the cumulative average, over batches of 50, then eval), then the classifier (fc) replaced by
a linear probe trained on the frozen network's pooled features of those images (full-batch Adam, 300 steps,
lr 0.01), so predictions mean something (test accuracy is printed and written to the manifest).  Convolutions
keep their random (Kaiming) initial weights.
  DIR/model.onnx     the eval export (opset 13, BatchNorm folded into the convolutions), input "input"
                     [batch,3,224,224], output "logits" [batch,10]
  DIR/model.pt       the state_dict (tools/bench_torch_hooks.py --model resnet18-224 loads it)
  DIR/manifest.json  the files' SHA-256, the generator key, accuracies
"""
import argparse
import gzip
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / ".cache" / "resnet18-224"
FMNIST_DIR = Path("/usr/share/datasets/fashion-mnist")
SEED = 20261203
N = 1000
SIZE = 224
SCALE = np.float32(0.00392156862745098)  # the engine parses scale= as a float32 and computes x * scale in float32
FILES = ["t10k-x.npy", "t10k-y.npy", "train-x.npy", "train-y.npy", "model.onnx", "model.pt"]


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def fmnist224(split, n):
    """(uint8 [n,3,224,224], int64 [n]): the first n images of split, resized and replicated over 3 channels."""
    images = FMNIST_DIR / f"{split}-images-idx3-ubyte.gz"
    if not images.exists():
        sys.exit(f"missing {images}; run: bash tools/setup.sh data")
    x = torch.from_numpy(read_idx(images)[:n].astype(np.float32))[:, None]
    y = read_idx(FMNIST_DIR / f"{split}-labels-idx1-ubyte.gz")[:n].astype(np.int64)
    out = np.empty((n, 3, SIZE, SIZE), dtype=np.uint8)
    for s in range(0, n, 100):
        big = F.interpolate(x[s:s + 100], size=(SIZE, SIZE), mode="bilinear", align_corners=False)
        out[s:s + 100] = np.repeat(big.round().clamp(0, 255).to(torch.uint8).numpy(), 3, axis=1)
    return out, y


def to_float(x_uint8):
    """Exactly the floats OnnxAblation feeds for npy uint8 inputs with scale=0.00392156862745098."""
    return torch.from_numpy(x_uint8.astype(np.float32) * SCALE)


def build():
    torch.manual_seed(SEED)
    return torchvision.models.resnet18(weights=None, num_classes=10)


def load(out_dir=DEFAULT_OUT):
    """The torch module with the exported weights (eval mode)."""
    model = build()
    model.load_state_dict(torch.load(Path(out_dir) / "model.pt"))
    return model.eval()


@torch.no_grad()
def features(model, x, batch=50):
    trunk = nn.Sequential(*list(model.children())[:-1])
    return torch.cat([trunk(to_float(x[s:s + batch])).flatten(1) for s in range(0, len(x), batch)])


@torch.no_grad()
def calibrate(model, x, batch=50):
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None
            m.train()
    for s in range(0, len(x), batch):
        model(to_float(x[s:s + batch]))
    model.eval()


def probe(model, f, y, steps=300):
    torch.manual_seed(SEED + 1)
    fc = model.fc
    opt = torch.optim.Adam(fc.parameters(), lr=0.01)
    yt = torch.from_numpy(y)
    for _ in range(steps):
        opt.zero_grad()
        loss = F.cross_entropy(fc(f), yt)
        loss.backward()
        opt.step()
    return float(loss)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def generator_key():
    return {"script_sha256": hashlib.sha256(Path(__file__).read_bytes()).hexdigest(), "torch": torch.__version__,
            "torchvision": torchvision.__version__}


def cache_valid(out):
    m = out / "manifest.json"
    if not m.exists():
        return False
    manifest = json.loads(m.read_text())
    if manifest.get("generator") != generator_key():
        return False
    return all((out / f).exists() and sha256(out / f) == manifest["files"].get(f) for f in FILES)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    ap.add_argument("--force", action="store_true")
    args = ap.parse_args()
    out = Path(args.out)
    if not args.force and cache_valid(out):
        print(f"resnet18-224: {out} is up to date")
        return
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(2)
    t0 = time.time()
    xt, yt = fmnist224("t10k", N)
    xr, yr = fmnist224("train", N)
    for name, a in [("t10k-x", xt), ("t10k-y", yt), ("train-x", xr), ("train-y", yr)]:
        np.save(out / f"{name}.npy", a)
    model = build()
    calibrate(model, xr)
    f = features(model, xr)
    loss = probe(model, f, yr)
    model.eval()
    with torch.no_grad():
        train_acc = float((model.fc(f).argmax(1).numpy() == yr).mean())
        test_acc = float((model(to_float(xt[:500])).argmax(1).numpy() == yt[:500]).mean())
    torch.save(model.state_dict(), out / "model.pt")
    torch.onnx.export(model, torch.zeros(2, 3, SIZE, SIZE), str(out / "model.onnx"), opset_version=13,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    manifest = {"generator": generator_key(), "files": {f: sha256(out / f) for f in FILES},
                "probe_loss": loss, "train_accuracy": train_acc, "test_accuracy_first_500": test_acc,
                "data_spec": f"npy:{out}/t10k-x.npy,{out}/t10k-y.npy?scale=0.00392156862745098"}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"resnet18-224: wrote {out} in {time.time() - t0:.0f} s; train accuracy {train_acc:.3f}, "
          f"test accuracy (first 500) {test_acc:.3f}")


if __name__ == "__main__":
    main()
