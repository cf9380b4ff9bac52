#!/usr/bin/env python3
"""Independent PyTorch oracle for the torchvision corpus (tools/corpus_torchvision.py).

    /usr/bin/python3 tools/corpus_torchvision.py           # the corpus (.cache/corpus/torchvision)
    /usr/bin/python3 tools/corpus_oracle_torchvision.py    # -> tests/OnnxAblation.Tests/Oracle/corpus_torchvision.json

Writes the evaluation data (committed) and the oracle:
  tests/OnnxAblation.Tests/Fixtures/corpus/fmnist32-x.npy  uint8 [256,3,32,32]: the first 256 Fashion-MNIST t10k
      images, zero-padded by 2 pixels each side, replicated over 3 channels
  tests/OnnxAblation.Tests/Fixtures/corpus/fmnist32-y.npy  int64 [256] labels
  The engine reads them as npy:fmnist32-x.npy,fmnist32-y.npy?scale=0.00392156862745098; its preprocessing parses
  scale as a float32 S and feeds float32(x) * S (src/OnnxAblation.Data/Preprocessing.cs), and so does this oracle
  (this differs from float32(x / 255) in the last bit for some pixel values).

The ablations run on the torch modules (the exact exported weights, from the .pt files next to the ONNX files),
NOT through ONNX, with forward hooks (~3 minutes on the project's 2-core machine, 1 torch thread):
  zero-in   the unit's output channel (conv: channel j of [N,C,H,W], every position; linear on [N,S,D]: feature j
            of every token) after its directly following BatchNorm, if any (the hook sits on the BN module, else
            on the weight module), is set to exactly 0.0 for every sample.  ViT self-attention out_proj is applied
            functionally inside nn.MultiheadAttention, so its hook sits on the MultiheadAttention module's first
            output (= out_proj output).
  zero-out  only for units that reach their consumer weight layers without being added to another layer's output
            (no residual Add on the path): a forward pre-hook on every consumer weight module zeroes the input
            channel(s) the unit feeds there (offset by the unit's position in a torch.cat; after global pooling and
            Flatten one feature per channel).  Equivalent to zeroing the consumers' outgoing weights of the unit.
Every hook must fire at least once per forward pass (checked).

Per arch x weight variant (init, distinct) one entry; its bn and default exports share it.  Per entry: baseline and
cases; per case: layer (ONNX node name of the weight node, identical in both exports, checked; layer_by_export
otherwise), torch_module, units, mode, predictions (torch.argmax: first index wins), near_ties (top1 - top2 < 1e-4),
accuracy, class_accuracy, class_correct.  Files are listed with their SHA-256 so a test can tell a stale corpus
from an engine bug.  Layers, units (numpy default_rng(SEED + arch index): 2 single units and 1 pair per layer) and
modes are fixed below.
"""
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import numpy_helper

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus_torchvision as C  # noqa: E402

ROOT = C.ROOT
ORACLE = ROOT / "tests" / "OnnxAblation.Tests" / "Oracle" / "corpus_torchvision.json"
FIXTURES = ROOT / "tests" / "OnnxAblation.Tests" / "Fixtures" / "corpus"
N_SAMPLES = 256
SEED = 20250110
TIE_EPS = 1e-4


def L(module, hook=None, zero_out=None, name=None, why=""):
    """module: qualname of the weight module; hook: zero-in hook module (default: module);
    zero_out: [(consumer weight module, channel offset)] or None (no zero-out: residual Add or not a weight consumer);
    name: ONNX node scope override (functional layers)."""
    return {"module": module, "hook": hook or module, "zero_out": zero_out, "name": name, "why": why}


def dense(block, layers, offset, transition):
    """Consumers of a DenseNet feature at channel `offset` of block `block`'s concatenations."""
    out = [(f"features.denseblock{block}.denselayer{i}.conv1", offset) for i in layers]
    return out + ([(transition, offset)] if transition else [])


LAYERS = {
    "resnet18": [
        L("conv1", "bn1", None, why="stem conv + BN (gamma/beta shared in init); residual Add downstream"),
        L("layer1.0.conv1", "layer1.0.bn1", [("layer1.0.conv2", 0)], why="conv + BN (shared in init) -> ReLU -> conv"),
        L("layer2.0.downsample.0", "layer2.0.downsample.1", None, why="1x1 downsample conv + BN into a residual Add"),
        L("layer3.1.conv1", "layer3.1.bn1", [("layer3.1.conv2", 0)]),
        L("layer4.1.conv2", "layer4.1.bn2", None, why="classifier-adjacent, through a residual Add"),
    ],
    "mobilenet_v2": [
        L("features.0.0", "features.0.1", [("features.1.conv.0.0", 0)], why="stem conv + BN (shared in init) -> depthwise"),
        L("features.2.conv.0.0", "features.2.conv.0.1", [("features.2.conv.1.0", 0)], why="1x1 expand conv"),
        L("features.2.conv.1.0", "features.2.conv.1.1", [("features.2.conv.2", 0)], why="depthwise conv"),
        L("features.18.0", "features.18.1", [("classifier.1", 0)], why="classifier-adjacent 1x1 conv (pool, flatten)"),
    ],
    "shufflenet_v2_x0_5": [
        L("conv1.0", "conv1.1", [("stage2.0.branch1.0", 0), ("stage2.0.branch2.0", 0)],
          why="stem conv + BN (shared in init), max-pooled into both branches"),
        L("stage2.0.branch2.0", "stage2.0.branch2.1", [("stage2.0.branch2.3", 0)], why="1x1 conv -> depthwise"),
        L("stage2.0.branch2.3", "stage2.0.branch2.4", [("stage2.0.branch2.5", 0)], why="depthwise conv + BN"),
        L("conv5.0", "conv5.1", [("fc", 0)], why="classifier-adjacent conv (mean over H,W -> fc)"),
    ],
    "squeezenet1_1": [
        L("features.0", None, [("features.3.squeeze", 0)], why="stem conv (zero bias shared in init)"),
        L("features.3.expand1x1", None, [("features.4.squeeze", 0)], why="Fire 1x1 expand conv, concatenated first"),
        L("features.6.squeeze", None, [("features.6.expand1x1", 0), ("features.6.expand3x3", 0)], why="Fire squeeze"),
        L("features.12.expand3x3", None, [("classifier.1", 256)], why="classifier-adjacent Fire 3x3 expand, concatenated second"),
    ],
    "efficientnet_b0": [
        L("features.0.0", "features.0.1", [("features.1.0.block.0.0", 0)], why="stem conv + BN (shared in init)"),
        L("features.2.0.block.0.0", "features.2.0.block.0.1", [("features.2.0.block.1.0", 0)], why="MBConv expand conv"),
        L("features.2.0.block.1.0", "features.2.0.block.1.1",
          [("features.2.0.block.2.fc1", 0), ("features.2.0.block.3.0", 0)],
          why="MBConv depthwise conv: feeds squeeze-excitation fc1 (pooled) and the project conv (times the SE scale)"),
        L("features.2.0.block.2.fc1", None, [("features.2.0.block.2.fc2", 0)], why="squeeze-excitation conv"),
        L("features.8.0", "features.8.1", [("classifier.1", 0)], why="classifier-adjacent 1x1 conv"),
    ],
    "densenet121": [
        L("features.conv0", "features.norm0", dense(1, range(1, 7), 0, "features.transition1.conv"),
          why="stem conv + BN (shared in init), pooled, concatenated into every layer of block 1"),
        L("features.denseblock1.denselayer1.conv2", None, dense(1, range(2, 7), 64, "features.transition1.conv"),
          why="dense layer output, concatenated at channel 64"),
        L("features.denseblock2.denselayer1.conv1", "features.denseblock2.denselayer1.norm2",
          [("features.denseblock2.denselayer1.conv2", 0)], why="bottleneck conv + BN (shared by 60 BNs in init)"),
        L("features.denseblock4.denselayer16.conv2", None, [("classifier", 992)],
          why="classifier-adjacent: last dense layer, concatenated at channel 992, norm5, pool, flatten"),
    ],
    "vit": [
        L("conv_proj", None, None, why="patch embedding conv (bias shared in init); residual stream"),
        L("encoder.layers.encoder_layer_0.mlp.0", None, [("encoder.layers.encoder_layer_0.mlp.3", 0)],
          why="MLP first Linear -> GELU -> Linear"),
        L("encoder.layers.encoder_layer_1.self_attention.out_proj", "encoder.layers.encoder_layer_1.self_attention",
          None, name="/encoder/layers/encoder_layer_1/self_attention/Gemm", why="attention output projection"),
        L("encoder.layers.encoder_layer_1.mlp.0", None, [("encoder.layers.encoder_layer_1.mlp.3", 0)]),
        L("encoder.layers.encoder_layer_1.mlp.3", None, None, why="classifier-adjacent Linear into a residual Add"),
    ],
}
assert list(LAYERS) == C.ARCHS


def n_units(m):
    return m.out_features if isinstance(m, nn.Linear) else m.out_channels


def onnx_scope(qualname):
    """torch 1.13's node-name scope of a module: numeric children are named '<parent segment>.<index>'."""
    segs = []
    for part in qualname.split("."):
        segs.append(f"{segs[-1]}.{part}" if part.isdigit() and segs else part)
    return "/" + "/".join(segs)


def zero_axis(t):
    return -1 if t.dim() == 3 else 1  # [N,S,D] token features; else [N,C,...] channels


@torch.no_grad()
def run(model, x, y, zero_in=None, zero_out=None):
    """zero_in: (hook module, [channels]); zero_out: [(consumer module, [channels])]."""
    mods = dict(model.named_modules())
    handles, fired = [], []

    def out_hook(_m, _inp, out, idx, k):
        fired[k] += 1
        first = out[0] if isinstance(out, tuple) else out
        first = first.clone()
        first.index_fill_(zero_axis(first), idx, 0.0)
        return (first,) + tuple(out[1:]) if isinstance(out, tuple) else first

    def pre_hook(_m, inp, idx, k):
        fired[k] += 1
        t = inp[0].clone()
        t.index_fill_(zero_axis(t), idx, 0.0)
        return (t,) + tuple(inp[1:])

    try:
        if zero_in:
            mod, chans = zero_in
            fired.append(0)
            idx = torch.tensor(sorted(chans))
            handles.append(mods[mod].register_forward_hook(lambda m, i, o, idx=idx, k=len(fired) - 1: out_hook(m, i, o, idx, k)))
        for mod, chans in zero_out or []:
            fired.append(0)
            idx = torch.tensor(sorted(chans))
            handles.append(mods[mod].register_forward_pre_hook(lambda m, i, idx=idx, k=len(fired) - 1: pre_hook(m, i, idx, k)))
        out = model(C.to_float(x))
    finally:
        for h in handles:
            h.remove()
    assert all(f >= 1 for f in fired), f"a hook did not fire: {fired} ({zero_in}, {zero_out})"
    assert torch.isfinite(out).all()
    pred = out.argmax(1).numpy()
    top2 = out.topk(2, dim=1).values
    ties = np.nonzero((top2[:, 0] - top2[:, 1]).numpy() < TIE_EPS)[0]
    correct = pred == y
    return {"predictions": [int(p) for p in pred], "near_ties": [int(i) for i in ties],
            "accuracy": float(correct.mean()),
            "class_accuracy": [float(correct[y == c].mean()) if (y == c).any() else None for c in range(10)],
            "class_correct": [int(correct[y == c].sum()) for c in range(10)]}


def weight_nodes(path):
    m = onnx.load(str(path))
    inits = {i.name: i for i in m.graph.initializer}
    producer = {o: n for n in m.graph.node for o in n.output}
    nodes = {n.name: n for n in m.graph.node if n.op_type in ("Conv", "Gemm", "MatMul")}

    def weight(n):
        """The weight operand as an array (through Identity / Transpose of an initializer) and whether transposed."""
        name, transposed = n.input[1], False
        while name not in inits and name in producer and producer[name].op_type in ("Identity", "Transpose"):
            transposed ^= producer[name].op_type == "Transpose"
            name = producer[name].input[0]
        if name not in inits:
            return None
        w = numpy_helper.to_array(inits[name])
        return w.T if transposed else w
    return nodes, weight


def locate(spec, model, exports):
    """The ONNX node name of spec's weight module in every export (dict export -> name), checked."""
    mod = dict(model.named_modules())[spec["module"]]
    names = {}
    for kind, (nodes, weight) in exports.items():
        if spec["name"]:
            cands = [spec["name"]]
        else:
            scope = onnx_scope(spec["module"])
            cands = [n for n in nodes if n.rsplit("/", 1)[0] == scope]
        assert len(cands) == 1 and cands[0] in nodes, (kind, spec["module"], cands)
        node = nodes[cands[0]]
        w = weight(node)
        torch_w = mod.weight.detach().numpy()
        if isinstance(mod, nn.Linear) and node.op_type == "MatMul" and w is not None:
            w = w.T  # MatMul computes x @ W^T: its weight operand is [in, out]
        if node.op_type == "Gemm":
            tb = next((a.i for a in node.attribute if a.name == "transB"), 0)
            w = w if tb else w.T
        assert w is not None and w.shape == torch_w.shape, (kind, cands[0], None if w is None else w.shape, torch_w.shape)
        if kind == "bn":  # unfolded: the very same values
            assert np.array_equal(w, torch_w), (kind, cands[0])
        names[kind] = cands[0]
    return names


def oracle_entry(arch, variant, x, y, manifest):
    model = C.load(arch, variant, C.DEFAULT_OUT)
    pt = C.DEFAULT_OUT / f"{arch}-{variant}.pt"
    assert C.sha256(pt) == manifest["files"][pt.name], f"{pt} does not match the corpus manifest; rerun tools/corpus_torchvision.py"
    files, exports = [], {}
    for kind in C.EXPORTS:
        f = C.DEFAULT_OUT / f"{arch}-{variant}-{kind}.onnx"
        sha = C.sha256(f)
        assert sha == manifest["files"][f.name], f"{f} does not match the corpus manifest"
        files.append({"file": f.name, "export": kind, "sha256": sha})
        exports[kind] = weight_nodes(f)
    mods = dict(model.named_modules())
    rng = np.random.default_rng(SEED + C.ARCHS.index(arch))
    layers, cases = [], []
    base = run(model, x, y)
    for spec in LAYERS[arch]:
        names = locate(spec, model, exports)
        n = n_units(mods[spec["module"]])
        singles = sorted(int(j) for j in rng.choice(n, 2, replace=False))
        pair = sorted(int(j) for j in rng.choice(n, 2, replace=False))
        same = len(set(names.values())) == 1
        layer = {"layer": names["bn"], "torch_module": spec["module"], "zero_in_hook": spec["hook"], "units": n,
                 "zero_out_consumers": [[c, o] for c, o in spec["zero_out"]] if spec["zero_out"] else None,
                 "note": spec["why"]}
        if not same:
            layer["layer_by_export"] = names
        layers.append(layer)
        for units in [[singles[0]], [singles[1]], pair]:
            modes = ["zero-in"] + (["zero-out"] if spec["zero_out"] else [])
            for mode in modes:
                if mode == "zero-in":
                    res = run(model, x, y, zero_in=(spec["hook"], units))
                else:
                    res = run(model, x, y, zero_out=[(c, [o + u for u in units]) for c, o in spec["zero_out"]])
                case = {"layer": names["bn"], "torch_module": spec["module"], "units": units, "mode": mode, **res}
                if not same:
                    case["layer_by_export"] = names
                cases.append(case)
    return {"arch": arch, "variant": variant, "files": files, "layers": layers, "baseline": base, "cases": cases}


def write_fixtures():
    x, y = C.fmnist32("t10k", N_SAMPLES)
    FIXTURES.mkdir(parents=True, exist_ok=True)
    for name, arr in (("fmnist32-x.npy", x), ("fmnist32-y.npy", y)):
        path = FIXTURES / name
        if path.exists() and np.array_equal(np.load(path), arr) and np.load(path).dtype == arr.dtype:
            continue
        np.save(path, arr)
    return x, y


def main():
    torch.set_num_threads(1)
    t0 = time.time()
    manifest_path = C.DEFAULT_OUT / "manifest.json"
    if not C.cache_valid(C.DEFAULT_OUT):
        sys.exit(f"the corpus in {C.DEFAULT_OUT} is missing or stale; run: /usr/bin/python3 tools/corpus_torchvision.py")
    manifest = json.loads(manifest_path.read_text())
    x, y = write_fixtures()
    entries = []
    for arch in C.ARCHS:
        for variant in C.VARIANTS:
            t1 = time.time()
            e = oracle_entry(arch, variant, x, y, manifest)
            entries.append(e)
            accs = [c["accuracy"] for c in e["cases"]]
            print(f"{arch}-{variant}: baseline {e['baseline']['accuracy']:.4f} ({len(e['baseline']['near_ties'])} near ties), "
                  f"{len(e['cases'])} cases, accuracy {min(accs):.4f}..{max(accs):.4f} ({time.time() - t1:.1f} s)")
    doc = {
        "description": "tools/corpus_oracle_torchvision.py: PyTorch forward-hook ablations of the torchvision corpus "
                       "(tools/corpus_torchvision.py); see the script's docstring for the semantics",
        "corpus": ".cache/corpus/torchvision",
        "corpus_command": "bash tools/setup.sh corpus",
        "data": {"x": "tests/OnnxAblation.Tests/Fixtures/corpus/fmnist32-x.npy",
                 "y": "tests/OnnxAblation.Tests/Fixtures/corpus/fmnist32-y.npy",
                 "scale": "0.00392156862745098",
                 "description": f"first {N_SAMPLES} Fashion-MNIST t10k images, zero-padded to 32x32, 3 channels; "
                                "input = float32(x) * float32(0.00392156862745098)"},
        "n_samples": N_SAMPLES,
        "labels": [int(v) for v in y],
        "tie_eps": TIE_EPS,
        "seed": SEED,
        "torch": torch.__version__,
        "torchvision": C.torchvision.__version__,
        "generator": manifest["generator"],
        "models": entries,
    }
    ORACLE.write_text(json.dumps(doc, separators=(",", ":")))
    n = sum(len(e["cases"]) for e in entries)
    print(f"oracle: {len(entries)} models, {n} cases -> {ORACLE.relative_to(ROOT)} "
          f"({ORACLE.stat().st_size / 1e6:.2f} MB, {time.time() - t0:.0f} s)")


if __name__ == "__main__":
    main()
