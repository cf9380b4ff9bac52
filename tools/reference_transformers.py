#!/usr/bin/env python3
"""Train, export and document the reference TRANSFORMERS of OnnxAblation (issue 12).

Run with Debian's PyTorch (the pyenv `python3` on PATH has no torch):

    /usr/bin/python3 tools/reference_transformers.py --all
    /usr/bin/python3 tools/reference_transformers.py fmnist-vit        # one model

Models (outputs in models/<name>/, golden outputs in tests/OnnxAblation.Tests/Oracle/):
  fmnist-vit   torchvision.models.VisionTransformer(image_size=28, patch_size=7, num_layers=4,
               num_heads=4, hidden_dim=64, mlp_dim=128, num_classes=10) wrapped by FmnistViT:
               normalisation (x - 0.2860) / 0.3530 inside forward, conv_proj replaced by
               Conv2d(1, 64, 7, stride 7) (one input channel).  16 patch tokens + CLS token,
               pre-norm blocks (x + attn(ln_1(x)); x + mlp(ln_2(x))), nn.MultiheadAttention
               (fused in_proj), MLP Linear(64,128) -> GELU -> Linear(128,64), final LayerNorm,
               head Linear(64,10) on the CLS token.
  fmnist-bert  BERT-style post-norm encoder written here (FmnistBert): the 28 image ROWS are the
               tokens (28 pixels each), Linear(28,64) embedding + learned position embeddings
               [28,64] + embedding LayerNorm, 2 layers of
                   a = out(attn(q(x), k(x), v(x)))      separate nn.Linear q, k, v, out (64->64)
                   x = ln_1(x + a)
                   x = ln_2(x + fc2(GELU(fc1(x))))      fc1 64->256, fc2 256->64
               4 heads of size 16, mean pooling over the 28 tokens, classifier Linear(64,10).
               The head split uses reshape(-1, 28, 4, 16) with a constant shape, so the ONNX
               Reshape nodes of the attention have constant shape initializers.

Every model takes raw pixels [N,1,28,28] in [0,1]; the normalisation is part of forward() and
therefore of the ONNX graph.  Each model directory gets model.onnx (trained), init.onnx (the
same network with its initial weights, captured before the first optimiser step; a
Mann-Whitney reference), model.pt / init.pt (state_dicts) and card.md.  Golden outputs:
tests/OnnxAblation.Tests/Oracle/golden_<name>.json = intact logits of model.onnx on the first
500 t10k images (same format as reference_models.py's golden files).

Training: seed 1 (torch.manual_seed, numpy.random.seed, shuffling by a torch.Generator seeded
with 1), torch.set_num_threads(2), torch.use_deterministic_algorithms(True), CPU, Adam lr 1e-3,
batch 128, cross-entropy, all 60,000 Fashion-MNIST training images, ONE epoch
(the machine is 2 shared cores; one epoch takes ~5-10 min per model); dropout 0.

Data: /usr/share/datasets/fashion-mnist/{train,t10k}-*-ubyte.gz, bytes / 255, file order.
"""
import argparse
import copy
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference_models as R  # noqa: E402

MODELS, ORACLE = R.MODELS, R.ORACLE
MEAN, STD = R.FMNIST_MEAN, R.FMNIST_STD
GOLDEN_N = 500
SEED = 1


# ----------------------------------------------------------------------------- models
class FmnistViT(nn.Module):
    """torchvision VisionTransformer, 1 input channel, normalisation inside. Input [N,1,28,28]."""

    def __init__(self):
        super().__init__()
        self.vit = torchvision.models.VisionTransformer(
            image_size=28, patch_size=7, num_layers=4, num_heads=4, hidden_dim=64, mlp_dim=128,
            num_classes=10)
        conv = nn.Conv2d(1, 64, kernel_size=7, stride=7)
        # same init as torchvision's conv_proj (lecun-normal style)
        nn.init.trunc_normal_(conv.weight, std=math.sqrt(1 / (1 * 7 * 7)))
        nn.init.zeros_(conv.bias)
        self.vit.conv_proj = conv

    def forward(self, x):
        x = (x - MEAN) / STD
        return self.vit(x)


class BertLayer(nn.Module):
    def __init__(self, e=64, h=4, t=28, mlp=256):
        super().__init__()
        self.e, self.h, self.d, self.t = e, h, e // h, t
        self.q = nn.Linear(e, e)
        self.k = nn.Linear(e, e)
        self.v = nn.Linear(e, e)
        self.out = nn.Linear(e, e)
        self.ln_1 = nn.LayerNorm(e)
        self.fc1 = nn.Linear(e, mlp)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(mlp, e)
        self.ln_2 = nn.LayerNorm(e)

    def forward(self, x, ab=None, li=0):
        """ab (oracle only): object with ctx(li, c), hidden(li, pre), skip_attn, skip_mlp."""
        t, h, d, e = self.t, self.h, self.d, self.e
        q = self.q(x).reshape(-1, t, h, d).transpose(1, 2)      # [B,H,T,d]
        k = self.k(x).reshape(-1, t, h, d).transpose(1, 2)
        v = self.v(x).reshape(-1, t, h, d).transpose(1, 2)
        s = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(d)    # [B,H,T,T]
        p = torch.softmax(s, dim=-1)
        c = torch.matmul(p, v).transpose(1, 2).reshape(-1, t, e)  # [B,T,E] context, heads concatenated
        if ab is not None:
            c = ab.ctx(li, c)
        a = self.out(c)
        if ab is not None and li in ab.skip_attn:
            x = self.ln_1(x)
        else:
            x = self.ln_1(x + a)
        pre = self.fc1(x)
        if ab is not None:
            pre = ab.hidden(li, pre)
        m = self.fc2(self.act(pre))
        if ab is not None and li in ab.skip_mlp:
            return self.ln_2(x)
        return self.ln_2(x + m)


class FmnistBert(nn.Module):
    """BERT-style post-norm encoder on the 28 image rows as tokens. Input [N,1,28,28]."""

    def __init__(self, layers=2, e=64, h=4):
        super().__init__()
        self.embed = nn.Linear(28, e)
        self.pos = nn.Parameter(torch.randn(1, 28, e) * 0.02)
        self.ln_embed = nn.LayerNorm(e)
        self.layers = nn.ModuleList([BertLayer(e, h, 28, 4 * e) for _ in range(layers)])
        self.head = nn.Linear(e, 10)

    def forward(self, x, ab=None):
        x = (x - MEAN) / STD
        x = x.reshape(-1, 28, 28)                 # [B, rows (tokens), 28 pixels]
        x = self.ln_embed(self.embed(x) + self.pos)
        for i, layer in enumerate(self.layers):
            x = layer(x, ab, i)
        return self.head(x.mean(dim=1))


SPECS = {
    "fmnist-vit": dict(cls=FmnistViT, epochs=1, layers=4, heads=4, width=64, mlp=128),
    "fmnist-bert": dict(cls=FmnistBert, epochs=1, layers=2, heads=4, width=64, mlp=256),
}


def load_trained(name, init=False):
    m = SPECS[name]["cls"]()
    m.load_state_dict(torch.load(MODELS / name / ("init.pt" if init else "model.pt")))
    return m.eval()


# ----------------------------------------------------------------------------- export / graph
def export(model, path):
    model.eval()
    torch.onnx.export(
        model, torch.zeros(2, 1, 28, 28), str(path), opset_version=13, do_constant_folding=True,
        input_names=["input"], output_names=["output"],
        dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    import onnx
    onnx.checker.check_model(onnx.load(str(path)))


def graph_blocks(path, prefix_fn, n_layers):
    """Per layer: [(node name, op type, [(initializer, shape)...])] of the nodes under that layer's prefix."""
    import onnx
    g = onnx.load(str(path)).graph
    inits = {i.name: list(i.dims) for i in g.initializer}
    consts = {}
    for n in g.node:
        if n.op_type == "Constant":
            consts[n.output[0]] = n
    blocks = []
    for li in range(n_layers):
        pre = prefix_fn(li)
        rows = []
        for n in g.node:
            if n.name.startswith(pre) and n.op_type != "Constant":
                rows.append((n.name, n.op_type, [(i, inits[i]) for i in n.input if i in inits]))
        blocks.append(rows)
    other = []
    for n in g.node:
        if n.op_type == "Constant":
            continue
        if not any(n.name.startswith(prefix_fn(li)) for li in range(n_layers)):
            other.append((n.name, n.op_type, [(i, inits[i]) for i in n.input if i in inits]))
    return blocks, other, [n.op_type for n in g.node]


VIT_PREFIX = lambda li: f"/vit/encoder/layers/encoder_layer_{li}/"  # noqa: E731
BERT_PREFIX = lambda li: f"/layers.{li}/"  # noqa: E731
PREFIX = {"fmnist-vit": VIT_PREFIX, "fmnist-bert": BERT_PREFIX}


def layer_map(name, path=None):
    """Per layer, the ONNX nodes/initializers the C# engine needs to find heads / MLP units.

    Keys: q, k, v (BERT) or in_proj (ViT), out_proj, fc1 (MLP first Linear = hidden units),
    fc2; each {"matmul": node, "weight": initializer, "add": node, "bias": initializer}.
    Found from the graph: a MatMul under the layer's prefix whose weight is an initializer;
    the bias Add is the Add node consuming the MatMul output with an initializer input."""
    import onnx
    path = path or MODELS / name / "model.onnx"
    g = onnx.load(str(path)).graph
    inits = {i.name: list(i.dims) for i in g.initializer}
    consumers = {}
    for n in g.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    pre = PREFIX[name]
    out = []
    for li in range(SPECS[name]["layers"]):
        mm = [n for n in g.node if n.name.startswith(pre(li)) and n.op_type in ("MatMul", "Gemm")
              and any(i in inits for i in n.input)]
        entry = {}
        for n in mm:
            w = next(i for i in n.input if i in inits)
            add = next((c for c in consumers.get(n.output[0], []) if c.op_type == "Add"
                        and any(i in inits for i in c.input)), None)
            rec = {"matmul": n.name, "op": n.op_type, "weight": w, "weight_shape": inits[w]}
            if add is not None:
                b = next(i for i in add.input if i in inits)
                rec.update(add=add.name, bias=b, bias_shape=inits[b])
            elif n.op_type == "Gemm" and len(n.input) > 2:
                rec.update(bias=n.input[2], bias_shape=inits.get(n.input[2]))
            key = classify(name, n.name, inits[w])
            entry[key] = rec
        out.append(entry)
    return out


def classify(name, node_name, wshape):
    if name == "fmnist-bert":
        for k in ("q", "k", "v", "out", "fc1", "fc2"):
            if f"/{k}/" in node_name:
                return {"out": "out_proj"}.get(k, k)
    else:
        if "/mlp/mlp.0/" in node_name:
            return "fc1"
        if "/mlp/mlp.3/" in node_name:
            return "fc2"
        if wshape in ([64, 192], [192, 64]):
            return "in_proj"
        if wshape == [64, 64]:
            return "out_proj"
    raise ValueError(f"cannot classify {node_name} {wshape}")


# ----------------------------------------------------------------------------- build
def build(name):
    spec = SPECS[name]
    t0 = time.time()
    R.seed_all(SEED)
    xtr, ytr = R.load_fmnist("train")
    xte, yte = R.load_fmnist("t10k")
    model = spec["cls"]()
    init = copy.deepcopy(model).eval()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    t1 = time.time()
    R.train(model, xtr, ytr, opt, spec["epochs"], 128, SEED, log_every=1,
            eval_fn=lambda: R.evaluate(model, xte[:2000], yte[:2000]))
    train_s = time.time() - t1
    model.eval()
    acc, cls = R.evaluate(model, xte, yte)
    acc1k, _ = R.evaluate(model, xte[:1000], yte[:1000])
    init_acc, _ = R.evaluate(init, xte, yte)
    d = MODELS / name
    d.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), d / "model.pt")
    torch.save(init.state_dict(), d / "init.pt")
    export(model, d / "model.onnx")
    export(init, d / "init.onnx")
    with torch.no_grad():
        out = model(torch.from_numpy(xte[:GOLDEN_N])).float().numpy()
    doc = {"model": f"models/{name}/model.onnx", "data": "fashion-mnist t10k",
           "indices": list(range(GOLDEN_N)), "outputs": [[float(v) for v in row] for row in out]}
    with open(ORACLE / f"golden_{name}.json", "w") as f:
        json.dump(doc, f)
    r = R.check_with_onnx_reference(d / "model.onnx", model, xte)
    total_s = time.time() - t0
    info = dict(acc=acc, cls=cls, acc1k=acc1k, init_acc=init_acc, train_s=train_s, total_s=total_s,
                params=sum(p.numel() for p in model.parameters()), onnx_ref=r)
    with open(d / "build.json", "w") as f:
        json.dump(info, f, indent=1)
    write_card(name, info)
    return acc, train_s


ARCH = {
    "fmnist-vit": (
        "`torchvision.models.VisionTransformer(image_size=28, patch_size=7, num_layers=4, num_heads=4, "
        "hidden_dim=64, mlp_dim=128, num_classes=10)` (torchvision " + torchvision.__version__ + ") inside a "
        "wrapper `FmnistViT` (attribute `vit`). The wrapper's forward computes `(x - 0.286) / 0.353` and calls "
        "`vit`; `vit.conv_proj` is replaced by `Conv2d(1, 64, kernel 7, stride 7)` (one input channel). "
        "Tokens: 16 patches (4x4 grid of 7x7, row-major) -> `[B,16,64]`, CLS token prepended (position 0) "
        "-> 17 tokens, + learned `pos_embedding [1,17,64]`. 4 pre-norm `EncoderBlock`s: "
        "`x = x + self_attention(ln_1(x))` (nn.MultiheadAttention, batch_first, 4 heads of size 16, "
        "fused `in_proj_weight [192,64]` = Q rows 0..63, K rows 64..127, V rows 128..191), "
        "`x = x + mlp(ln_2(x))` with `mlp.0 = Linear(64,128)`, GELU (exact, erf), `mlp.3 = Linear(128,64)`. "
        "Final `encoder.ln`, CLS token (`x[:, 0]`), `heads.head = Linear(64,10)` -> logits. Dropout 0."),
    "fmnist-bert": (
        "BERT-style post-norm encoder `FmnistBert` written in tools/reference_transformers.py. "
        "`(x - 0.286) / 0.353`, reshape `[B,1,28,28] -> [B,28,28]`: the 28 image ROWS are the tokens (28 pixels "
        "each). `embed = Linear(28,64)` + learned `pos [1,28,64]`, `ln_embed` LayerNorm. 2 layers `layers.{i}` (i = 0, 1): "
        "separate `q`, `k`, `v` = `Linear(64,64)`; each reshaped `(-1, 28, 4, 16)` and transposed to "
        "`[B,4,28,16]`; `softmax(q k^T / 4) v` (4 = sqrt(16)); transpose back and reshape `(-1, 28, 64)` = "
        "context with head h in channels `16h..16h+15`; `out = Linear(64,64)`; `x = ln_1(x + out(ctx))`; "
        "`x = ln_2(x + fc2(GELU(fc1(x))))`, `fc1 = Linear(64,256)`, GELU exact (erf), `fc2 = Linear(256,64)`. "
        "Mean over the 28 tokens, `head = Linear(64,10)` -> logits. No dropout."),
}

GRAPH_NOTES = {
    "fmnist-vit": (
        "torch 1.13 exports `nn.MultiheadAttention` (batch_first) through `F.multi_head_attention_forward` "
        "(node names under `/vit/encoder/layers/encoder_layer_L/self_attention/`): `Transpose` perm [1,0,2] of "
        "the ln_1 output -> `[T,B,E]`; ONE fused `MatMul` with the in_proj initializer `onnx::MatMul_<n>` "
        "`[64,192]` (= `in_proj_weight` TRANSPOSED: columns 0..63 Q, 64..127 K, 128..191 V; head h of Q = "
        "columns 16h..16h+15) + `Add` of `...self_attention.in_proj_bias` `[192]` -> `[T,B,192]`; three `Slice`s "
        "on the last axis whose starts/ends are computed at run time (`Shape`->`Gather`->`Add`->`Div`->`Mul`, "
        "values 0/64/128/192); each of Q, K, V is `Reshape`d to `[T, B*H, 16]` (shape assembled at run time by "
        "`Shape`/`Gather`/`Mul`/`Unsqueeze`/`Concat`; index b*H+h) and `Transpose`d perm [1,0,2] -> "
        "`[B*H, T, 16]`; Q is `Div`ided by the constant 4 (= sqrt 16); K gets `Transpose` perm [1,2,0]; "
        "`MatMul_1` (scores), `Softmax` axis -1, `MatMul_2` with V -> `[B*H, T, 16]`; `Transpose_4` perm [1,0,2] "
        "-> `[T, B*H, 16]`; `Reshape_3` -> `[T*B, 64]` = THE CONTEXT (row t*B+b, head h = channels "
        "16h..16h+15); out_proj = `Gemm` (transB=1) with `...self_attention.out_proj.weight` `[64,64]` in torch "
        "layout `[out,in]` (context channel c = COLUMN c) and `.out_proj.bias`; `Reshape_4` -> `[T,B,E]`, "
        "`Transpose_5` -> `[B,T,E]`, residual `Add` (`/vit/encoder/layers/encoder_layer_L/Add`). "
        "MLP: `mlp/mlp.0/MatMul` (`onnx::MatMul_<n>` `[64,128]`, transposed) + `mlp/mlp.0/Add` (bias `[128]`) "
        "= the 128 hidden units' pre-activations; GELU = erf formula `mlp/mlp.1/Div` (by 1.4142135) -> `Erf` -> "
        "`Add` 1 -> `Mul` (by the pre-activation) -> `Mul_1` (by 0.5); `mlp/mlp.3/MatMul` `[128,64]` + "
        "`mlp/mlp.3/Add`; residual `Add_1`. LayerNorms are decomposed (`ReduceMean`, `Sub`, `Pow`, "
        "`ReduceMean`, `Add` eps, `Sqrt`, `Div`, `Mul`, `Add`). Before the blocks: `Sub`/`Div` normalisation, "
        "`conv_proj/Conv` `[64,1,7,7]`, `Reshape`+`Transpose` to tokens, class token `Expand`+`Concat`, "
        "`/vit/encoder/Add` of the pos_embedding; after: `encoder/ln`, `Gather` of token 0, `heads/head/Gemm`."),
    "fmnist-bert": (
        "Each `nn.Linear` on the 3-D `[B,T,E]` activations exports as `MatMul` with a TRANSPOSED initializer "
        "`[in, out]` (incoming weights of output unit j = COLUMN j) followed by an `Add` of the `[out]` bias. "
        "The head split is `Reshape` with a CONSTANT shape `[-1,28,4,16]` and `Transpose perm=[0,2,1,3]`; "
        "scores `MatMul(q, Transpose(k, perm=[0,1,3,2]))`, `Div` by 4, `Softmax(axis=-1)`, `MatMul` with v, "
        "`Transpose perm=[0,2,1,3]`, `Reshape` to the constant `[-1,28,64]` = the context (head h = channels "
        "16h..16h+15), which is the input of the `out` MatMul. GELU = erf formula (`Div`, `Erf`, `Add`, `Mul`, "
        "`Mul`). LayerNorm decomposed (`ReduceMean`, `Sub`, `Pow`, `ReduceMean`, `Add`, `Sqrt`, `Div`, `Mul`, "
        "`Add`). Mean pooling = `ReduceMean(axes=[1])`, classifier = `Gemm`."),
}


ENGINE_NOTES = (
    "`onnx-ablate inspect` (this branch's engine, at the time of writing) lists every MatMul/Gemm/Conv with an "
    "initializer weight as a hidden layer (q/k/v or the fused in_proj, out_proj, fc1, fc2; the classifier as "
    "output), i.e. units = OUTPUT channels of those nodes, and ablates them with zero-in (weights + bias of "
    "the unit zeroed). It does not know about heads: zero-out is unavailable for q/k/v/in_proj (their outputs "
    "go through the head-splitting `Reshape`) and for out_proj/fc2/the embedding (they flow into a LayerNorm "
    "`ReduceMean` over the channel axis); `mean` mode fails on these 3-D `[B,T,C]` activations (it takes axis "
    "1 = tokens as the channel axis). Whole-block ablations of the oracle equal zero-in of ALL units of "
    "out_proj (attn_block) or fc2 (mlp_block); MLP-unit zero ablations equal zero-in of one fc1 unit.")


def write_card(name, info):
    spec = SPECS[name]
    d = MODELS / name
    L = [f"# {name}", "", "## Architecture", "", ARCH[name], "",
         f"Trainable parameters: {info['params']:,}", "", "## Files", ""]
    notes = {"model.onnx": "trained, opset 13, dynamic batch",
             "init.onnx": "same network with its initial (untrained) weights (captured before the first "
                          "optimiser step; Mann-Whitney reference), opset 13",
             "model.pt": "trained state_dict (for tools/transformer_oracle.py)", "init.pt": "initial state_dict"}
    for f in ["model.onnx", "init.onnx", "model.pt", "init.pt"]:
        L.append(f"- `{f}` ({(d / f).stat().st_size:,} bytes) {notes[f]}")
    L += ["", "## ONNX interface", "",
          "- input `input`: float32 `[batch, 1, 28, 28]`, raw values in [0,1] (`batch` is a dynamic axis)",
          "- output `output`: float32 `[batch, 10]` (logits)",
          f"- opset 13, exported by `torch.onnx.export` (TorchScript-tracing exporter, PyTorch {torch.__version__}, "
          "`do_constant_folding=True`). Debian's torch 1.13 has no second (dynamo) exporter: "
          "`torch.onnx.dynamo_export` does not exist before PyTorch 2.0, so only this export is provided.", "",
          "## Data and split", "", R.fashion_data_text(60000), "",
          "## Preprocessing (baked into the graph)", "",
          f"`x = (x - {MEAN}) / {STD}` at the start of forward (ONNX: `Sub`, then `Div` by constants).", "",
          "## Training", "",
          f"- command: `/usr/bin/python3 tools/reference_transformers.py {name}` (or `--all`)",
          "- Adam lr 1e-3 (default betas), batch 128, cross-entropy, no dropout, no weight decay",
          f"- seed: {SEED} (torch.manual_seed and numpy.random.seed; shuffling uses torch.Generator seeded with "
          f"{SEED}); torch.set_num_threads(2), torch.use_deterministic_algorithms(True), CPU",
          f"- epochs: {spec['epochs']}",
          f"- wall time (training only): {info['train_s']:.1f} s; whole step incl. export: {info['total_s']:.1f} s "
          f"(machine: {os.cpu_count()} CPUs shared with other jobs, 1-min load average "
          f"{os.getloadavg()[0]:.1f} when the card was written; the load during training was higher, ~3-6)", "",
          "## Test accuracy (measured by PyTorch, eval mode, float32)", "",
          f"Test set: {R.FASHION_TEST}. Overall: **{info['acc'] * 100:.2f}%** "
          f"(first 1,000 images: {info['acc1k'] * 100:.2f}%; untrained init.onnx: {info['init_acc'] * 100:.2f}%).",
          "", "| class | accuracy |", "|---|---|"]
    if name == "fmnist-vit":
        L[-2:-2] = ["torchvision initialises `heads.head` (the classifier) to zeros, so init.onnx outputs all-zero "
                    "logits and predicts class 0 for every image (10.00%).", ""]
    for c, a in zip(R.FMNIST_CLASSES, info["cls"]):
        L.append(f"| {c} | {a * 100:.2f}% |")
    eng = info.get("engine_acc1k")
    L += ["", (f"Engine-measured accuracy (`onnx-ablate eval model.onnx --data idx:/usr/share/datasets/fashion-mnist/t10k "
               f"--limit 1000`): {eng * 100:.2f}% on the first 1,000 images (PyTorch: {info['acc1k'] * 100:.2f}%)."
               if eng is not None else "Engine-measured accuracy: (to be added by the lead)."), "",
          ENGINE_NOTES, "",
          "Checks: `GoldenOutputTests` (C# engine vs these golden logits, 500 images, tolerance 1e-4) pass; "
          "`tools/transformer_graph_check.py` (oracle vs initializer surgery + `onnx-ablate eval`) matches on every "
          "ablation it checks.", "",
          "## Exported graph", "", GRAPH_NOTES[name], "",
          "### Ablation-relevant nodes per block (from `model.onnx`; `init.onnx` has the same node names)", "",
          "| layer | role | MatMul/Gemm node | weight initializer: shape | bias Add node | bias: shape |",
          "|---|---|---|---|---|---|"]
    for li, ent in enumerate(layer_map(name, d / "model.onnx")):
        for role, r in ent.items():
            L.append(f"| {li} | {role} | `{r['matmul']}` ({r['op']}) | `{r['weight']}`: {r['weight_shape']} | "
                     f"`{r.get('add', '-')}` | `{r.get('bias', '-')}`: {r.get('bias_shape', '-')} |")
    blocks, other, ops = graph_blocks(d / "model.onnx", PREFIX[name], spec["layers"])
    from collections import Counter
    L += ["", f"Op counts of the whole graph: " + ", ".join(f"{k} {v}" for k, v in sorted(Counter(ops).items())),
          "", "### Every node of block 0 in graph order (Constant nodes omitted; the other blocks are the same "
          f"with `{PREFIX[name](0)}` -> `{PREFIX[name](1)}` etc.)", "",
          "| node | op | initializer inputs |", "|---|---|---|"]
    for nn_, op, ws in blocks[0]:
        L.append(f"| `{nn_}` | {op} | {'; '.join(f'`{a}`: {b}' for a, b in ws)} |")
    L += ["", "### Nodes outside the blocks", "", "| node | op | initializer inputs |", "|---|---|---|"]
    for nn_, op, ws in other:
        L.append(f"| `{nn_}` | {op} | {'; '.join(f'`{a}`: {b}' for a, b in ws)} |")
    L += ["", f"Golden outputs (PyTorch logits, first {GOLDEN_N} t10k images): "
          f"`tests/OnnxAblation.Tests/Oracle/golden_{name}.json`. Ablation oracle (heads, MLP units, blocks): "
          "`tests/OnnxAblation.Tests/Oracle/transformers.json` (tools/transformer_oracle.py).", ""]
    (d / "card.md").write_text("\n".join(L))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="*")
    ap.add_argument("--all", action="store_true")
    ap.add_argument("--card-only", action="store_true", help="rewrite card.md from build.json + files")
    args = ap.parse_args()
    names = list(SPECS) if args.all else args.models
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    for n in names:
        if args.card_only:
            write_card(n, json.loads((MODELS / n / "build.json").read_text()))
            continue
        print(f"== {n}", flush=True)
        acc, s = build(n)
        print(f"   test acc {acc * 100:.2f}%  (training {s:.1f} s)", flush=True)


if __name__ == "__main__":
    main()
