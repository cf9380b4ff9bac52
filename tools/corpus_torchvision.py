#!/usr/bin/env python3
"""A seeded corpus of real torchvision graphs (ONNX, opset 13) for OnnxAblation's tests.

    /usr/bin/python3 tools/corpus_torchvision.py                 # -> .cache/corpus/torchvision
    /usr/bin/python3 tools/corpus_torchvision.py --out DIR [--force]

Needs Debian's PyTorch 1.13 / torchvision 0.14 / python3-onnx (bash tools/setup.sh python) and
Fashion-MNIST (bash tools/setup.sh data).  Cached: when DIR/manifest.json was written by this very
script (same source hash, same torch/torchvision versions) and every file in it still has its recorded
SHA-256, nothing is rebuilt.  A full build takes about 35 s on the project's 2-core machine (1 torch
thread); the cache check about 5 s.

Architectures (torchvision 0.14, weights=None, num_classes=10, input 3x32x32):
  resnet18, mobilenet_v2, shufflenet_v2_x0_5, squeezenet1_1, efficientnet_b0, densenet121, and
  vit = VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=4, hidden_dim=64,
                          mlp_dim=128, num_classes=10).
  torchvision zero-initialises the ViT's classifier (heads.head weight and bias), which would make every
  output 0 and every prediction a tie; here heads.head.weight gets nn.Linear's default init instead
  (bias stays 0).  Nothing else is changed.

Weights (seed SEED + index of the architecture; torch.manual_seed before building):
  init      parameters as torchvision initialises them.  BatchNorm running statistics come from
            real images: every BatchNorm module (only those: dropout / stochastic depth stay in eval
            mode) in train mode with momentum=None (cumulative average) over CALIB_BATCHES batches of
            CALIB_BATCH Fashion-MNIST *training* images (the first ones in file order), then eval().
            The statistics are rounded to a 12-bit mantissa so last-bit differences between machines
            do not change the files.  torch's exporter de-duplicates identical initializers (BN
            gamma=1 / beta=0, zero biases), which is the point of this variant.
  distinct  init plus small seeded noise on every parameter and floating buffer (1% of the tensor's
            mean |value|, or 0.01 for an all-zero tensor; running_var multiplied by exp(0.01 n)), so
            no two tensors are equal; rounded the same way.

Exports (torch.onnx.export, opset 13, input "input" [batch,3,32,32], output "logits" [batch,10],
dynamic batch axis):
  bn        training=TrainingMode.PRESERVE of the eval-mode model, do_constant_folding=False:
            inference BatchNormalization nodes are kept
  default   the plain eval export (BatchNorm folded into the preceding Conv)

Files: DIR/<arch>-<init|distinct>-<bn|default>.onnx (28), DIR/<arch>-<variant>.pt (state_dict, read by
tools/corpus_oracle_torchvision.py), DIR/summary.json (op counts, shared initializers, Identity nodes per
file), DIR/manifest.json.

Inputs everywhere (calibration and tools/corpus_oracle_torchvision.py): Fashion-MNIST uint8 images
zero-padded by 2 pixels each side to 32x32, replicated over 3 channels, then float32(x) *
float32(0.00392156862745098), exactly what OnnxAblation's `npy:X,Y?scale=0.00392156862745098` feeds.
"""
import argparse
import copy
import gzip
import hashlib
import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torchvision

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / ".cache" / "corpus" / "torchvision"
FMNIST_DIR = Path("/usr/share/datasets/fashion-mnist")
SEED = 20250109
ARCHS = ["resnet18", "mobilenet_v2", "shufflenet_v2_x0_5", "squeezenet1_1", "efficientnet_b0", "densenet121", "vit"]
VARIANTS = ["init", "distinct"]
EXPORTS = ["bn", "default"]
OPSET = 13
CALIB_BATCH = 64
CALIB_BATCHES = 4
NOISE = 0.01
SCALE = np.float32(0.00392156862745098)  # the engine parses scale= as a float32 and computes x * scale in float32
MANTISSA_BITS = 12


# ----------------------------------------------------------------------------- data
def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def fmnist32(split, n):
    """(uint8 [n,3,32,32], int64 [n]): the first n images of split 'train' or 't10k', padded and replicated."""
    images = FMNIST_DIR / f"{split}-images-idx3-ubyte.gz"
    if not images.exists():
        sys.exit(f"missing {images}; run: bash tools/setup.sh data")
    x = read_idx(images)[:n]
    y = read_idx(FMNIST_DIR / f"{split}-labels-idx1-ubyte.gz")[:n].astype(np.int64)
    x = np.pad(x, ((0, 0), (2, 2), (2, 2)))
    x = np.ascontiguousarray(np.repeat(x[:, None], 3, axis=1))
    return x, y


def to_float(x_uint8):
    """Exactly the floats OnnxAblation feeds for npy uint8 inputs with scale=0.00392156862745098."""
    return torch.from_numpy(x_uint8.astype(np.float32) * SCALE)


# ----------------------------------------------------------------------------- models
def build_arch(arch):
    if arch == "vit":
        m = torchvision.models.VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=4,
                                                 hidden_dim=64, mlp_dim=128, num_classes=10)
        nn.init.kaiming_uniform_(m.heads.head.weight, a=np.sqrt(5))  # nn.Linear's default weight init
        return m
    return getattr(torchvision.models, arch)(weights=None, num_classes=10)


def round_mantissa(t):
    m, e = torch.frexp(t)
    return torch.ldexp(torch.round(m * 2 ** MANTISSA_BITS) / 2 ** MANTISSA_BITS, e).to(t.dtype)


def batchnorms(model):
    return [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]


@torch.no_grad()
def calibrate(model, x_calib):
    model.eval()
    for bn in batchnorms(model):
        bn.reset_running_stats()
        bn.momentum = None
        bn.train()
    for b in range(CALIB_BATCHES):
        model(to_float(x_calib[b * CALIB_BATCH:(b + 1) * CALIB_BATCH]))
    model.eval()
    for bn in batchnorms(model):
        bn.running_mean.copy_(round_mantissa(bn.running_mean))
        bn.running_var.copy_(round_mantissa(bn.running_var))


@torch.no_grad()
def perturb(model, seed):
    g = torch.Generator().manual_seed(seed)
    for name, t in list(model.named_parameters()) + list(model.named_buffers()):
        if not t.is_floating_point():
            continue
        n = torch.randn(t.shape, generator=g, dtype=t.dtype)
        if name.endswith("running_var"):
            t.mul_(torch.exp(NOISE * n))
        else:
            mag = float(t.abs().mean())
            t.add_(NOISE * (mag if mag > 0 else 1.0) * n)
        t.copy_(round_mantissa(t))


def build(arch, variant, x_calib):
    """The torch module of one corpus entry (deterministic)."""
    torch.manual_seed(SEED + ARCHS.index(arch))
    model = build_arch(arch)
    calibrate(model, x_calib)
    if variant == "distinct":
        perturb(model, SEED + 1000 + ARCHS.index(arch))
    model.eval()
    return model


def load(arch, variant, out_dir):
    """The torch module with the exported weights (from the .pt written next to the ONNX files)."""
    torch.manual_seed(SEED + ARCHS.index(arch))
    model = build_arch(arch)
    model.load_state_dict(torch.load(Path(out_dir) / f"{arch}-{variant}.pt"))
    return model.eval()


def export(model, path, kind):
    x = torch.zeros(2, 3, 32, 32)
    kw = dict(opset_version=OPSET, input_names=["input"], output_names=["logits"],
              dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    if kind == "bn":
        kw.update(training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
    model.eval()
    torch.onnx.export(model, x, str(path), **kw)


# ----------------------------------------------------------------------------- bookkeeping
def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def generator_key():
    src = Path(__file__).read_bytes()
    return {"script_sha256": hashlib.sha256(src).hexdigest(), "torch": torch.__version__,
            "torchvision": torchvision.__version__}


def onnx_files():
    return [f"{a}-{v}-{e}.onnx" for a in ARCHS for v in VARIANTS for e in EXPORTS]


def cache_valid(out_dir):
    manifest = out_dir / "manifest.json"
    if not manifest.exists():
        return False
    doc = json.loads(manifest.read_text())
    if doc.get("generator") != generator_key():
        return False
    files = doc.get("files", {})
    want = onnx_files() + [f"{a}-{v}.pt" for a in ARCHS for v in VARIANTS]
    return all(f in files and (out_dir / f).exists() and sha256(out_dir / f) == files[f] for f in want)


def graph_summary(path):
    """Op counts, initializers used by more than one node (directly or through Identity), Identity nodes."""
    import onnx
    m = onnx.load(str(path))
    g = m.graph
    inits = {i.name: i for i in g.initializer}
    alias = {}
    for n in g.node:
        if n.op_type == "Identity" and n.input[0] in inits:
            alias[n.output[0]] = n.input[0]
    users = Counter()
    for n in g.node:
        if n.op_type == "Identity" and n.input[0] in inits:
            continue
        for i in set(n.input):
            src = alias.get(i, i)
            if src in inits:
                users[src] += 1
    shared = {k: v for k, v in users.items() if v > 1}
    weight_nodes = [n for n in g.node if n.op_type in ("Conv", "Gemm", "MatMul")]
    return {
        "nodes": len(g.node),
        "ops": dict(sorted(Counter(n.op_type for n in g.node).items())),
        "initializers": len(inits),
        "identity_of_initializer": len(alias),
        "shared_initializers": len(shared),
        "shared_examples": {k: {"users": v, "shape": list(inits[k].dims)} for k, v in sorted(shared.items())[:8]},
        "weight_nodes": len(weight_nodes),
        "weight_nodes_with_shared_weight_or_bias": sum(
            1 for n in weight_nodes if any(alias.get(i, i) in shared for i in n.input[1:])),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(DEFAULT_OUT), help="output directory (default: .cache/corpus/torchvision)")
    ap.add_argument("--force", action="store_true", help="rebuild even if the cache is valid")
    args = ap.parse_args()
    out_dir = Path(args.out).resolve()
    torch.set_num_threads(1)
    if not args.force and cache_valid(out_dir):
        print(f"corpus: {out_dir} is up to date ({len(onnx_files())} ONNX files)")
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    x_calib, _ = fmnist32("train", CALIB_BATCH * CALIB_BATCHES)
    files, summary = {}, {}
    for arch in ARCHS:
        for variant in VARIANTS:
            t1 = time.time()
            model = build(arch, variant, x_calib)
            pt = out_dir / f"{arch}-{variant}.pt"
            torch.save(model.state_dict(), pt)
            files[pt.name] = sha256(pt)
            for kind in EXPORTS:
                path = out_dir / f"{arch}-{variant}-{kind}.onnx"
                export(model, path, kind)
                files[path.name] = sha256(path)
                summary[path.name] = graph_summary(path)
                s = summary[path.name]
                print(f"  {path.name}: {s['nodes']} nodes, {s['initializers']} initializers, "
                      f"{s['shared_initializers']} shared, {s['ops'].get('Identity', 0)} Identity, "
                      f"{s['ops'].get('BatchNormalization', 0)} BatchNormalization")
            print(f"{arch}-{variant}: {time.time() - t1:.1f} s")
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=1))
    (out_dir / "manifest.json").write_text(json.dumps({"generator": generator_key(), "files": files}, indent=1))
    print(f"corpus: {len(onnx_files())} ONNX files in {out_dir} ({time.time() - t0:.0f} s)")


if __name__ == "__main__":
    main()
