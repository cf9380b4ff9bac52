#!/usr/bin/env python3
"""Zoo corpus: the ONNX Model Zoo's Caffe2 exports (Debian 13's libonnx-testdata 1.17, data/light) with seeded weights.

    /usr/bin/python3 tools/corpus_zoo.py [--testdata DIR] [--out DIR] [--force] [NAME ...]
    (or: bash tools/setup.sh zoo, which also fetches libonnx-testdata and installs the Python packages)

The "light" files keep the graphs exactly as onnx-caffe2 wrote them (IR 3, opset 9, every initializer also listed
as a graph input, unnamed-then-"nN" node names, Sum residuals, LRN, Reshape/Transpose channel shuffle, Caffe's
BatchNorm + Scale as BatchNormalization + Unsqueeze/Mul/Add, fixed batch-1 input [1,3,224,224], a Gemm weight made
by Reshape in Inception v1) but their float weights are ConstantOfShape nodes (all 0.02).  This script:
  * replaces every ConstantOfShape by an initializer of the same name with seeded values (also listed as a graph
    input, as IR 3 has it) and drops the shape initializer it read; the small float parameter initializers the light
    export kept (biases, BatchNorm statistics, Scale factors) are re-seeded too, so every parameter is seeded;
    nothing else of the graph changes;
  * values: He-normal by fan-in for Conv/Gemm weights, N(0, 0.05) biases, BatchNormalization scale 1 + 0.1 N and
    shift 0.1 N, Scale (Mul/Add) 1 + 0.1 N and 0.1 N - one numpy Generator per tensor seeded with (SEED, crc32(model,
    tensor)), so every tensor differs (checked);
  * calibrates on the corpus images (tests/OnnxAblation.Tests/Fixtures/corpus/zoo_inputs.npy, raw pixels 0-255),
    node by node in graph order with tools/zoo_interp.py: each Conv/Gemm weight is scaled so its output has standard
    deviation 1 over the 8 images (LSUV), each BatchNormalization gets the per-channel mean and variance of its input
    (rounded to 3 significant digits, then mean + 0.05 sd N, var x (1 + 0.1 U)), and the last weight layer is scaled
    so the logits (Softmax input / graph output) have standard deviation 3: activations neither vanish nor explode
    and the 1000 outputs are not tied.  Scale factors are rounded to 3 significant digits so ulp-level differences
    between machines do not change the written bytes;
  * writes <out>/<name>.onnx (default .cache/corpus/zoo) and <name>.onnx.stamp; an up-to-date file is kept.
Also writes the evaluation images if missing: the first 8 Fashion-MNIST t10k images (Debian dataset-fashion-mnist),
each pixel repeated 8x8 (28 -> 224, exact nearest neighbour) and copied to 3 channels, uint8 [8,3,224,224], and their
Fashion-MNIST labels (int64 [8]).

Measured on the project's 2-core machine (torch 1 thread, nice): generation of all nine models about 2.5 minutes
(VGG-19 the largest part, 548 MB written).
"""
import argparse
import gzip
import hashlib
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper, TensorProto

sys.path.insert(0, str(Path(__file__).resolve().parent))
import zoo_interp as Z  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TESTDATA = ROOT / ".cache/libonnx-testdata/x/usr/share/libonnx-testdata/data/light"
OUT = ROOT / ".cache/corpus/zoo"
FIXTURES = ROOT / "tests/OnnxAblation.Tests/Fixtures/corpus"
FASHION = Path("/usr/share/datasets/fashion-mnist")
MODELS = ["bvlc_alexnet", "densenet121", "inception_v1", "inception_v2", "resnet50", "shufflenet", "squeezenet",
          "vgg19", "zfnet512"]
SEED = 20260901
N_IMAGES = 8
LOGIT_STD = 3.0


def round_sig(x, digits=3):
    x = np.asarray(x, dtype=np.float64)
    out = np.zeros_like(x)
    nz = x != 0
    mag = np.floor(np.log10(np.abs(x[nz])))
    out[nz] = np.round(x[nz] / 10 ** (mag - digits + 1)) * 10 ** (mag - digits + 1)
    return out


def write_images():
    FIXTURES.mkdir(parents=True, exist_ok=True)
    xs, ys = FIXTURES / "zoo_inputs.npy", FIXTURES / "zoo_labels.npy"
    if xs.exists() and ys.exists():
        return
    with gzip.open(FASHION / "t10k-images-idx3-ubyte.gz") as f:
        img = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)[:N_IMAGES]
    with gzip.open(FASHION / "t10k-labels-idx1-ubyte.gz") as f:
        lab = np.frombuffer(f.read(), np.uint8, offset=8)[:N_IMAGES].astype(np.int64)
    big = img.repeat(8, axis=1).repeat(8, axis=2)
    np.save(xs, np.ascontiguousarray(np.broadcast_to(big[:, None], (N_IMAGES, 3, 224, 224))))
    np.save(ys, lab)


def load_images():
    return np.load(FIXTURES / "zoo_inputs.npy").astype(np.float32)


def rng_for(model, tensor):
    return np.random.default_rng([SEED, zlib.crc32(f"{model}/{tensor}".encode())])


def roles(model, floats):
    """float parameter tensor -> (role, consumer node index) for every float tensor a node reads as a parameter."""
    g = model.graph
    consumers = {}
    for i, n in enumerate(g.node):
        for k, t in enumerate(n.input):
            consumers.setdefault(t, []).append((i, k))
    table = {("Conv", 1): "conv_w", ("Conv", 2): "bias", ("Gemm", 1): "gemm_w", ("Gemm", 2): "bias",
             ("BatchNormalization", 1): "bn_scale", ("BatchNormalization", 2): "bn_shift",
             ("BatchNormalization", 3): "bn_mean", ("BatchNormalization", 4): "bn_var",
             ("Mul", 0): "scale", ("Mul", 1): "scale", ("Add", 0): "shift", ("Add", 1): "shift"}
    result = {}
    for name in sorted(floats):
        t, via = name, []
        while True:
            cons = consumers.get(t, [])
            if len(cons) != 1:
                break
            i, k = cons[0]
            n = g.node[i]
            if n.op_type in ("Unsqueeze", "Reshape") and k == 0:
                via.append(i)
                t = n.output[0]
                continue
            break
        if not cons:
            continue  # unused (e.g. Caffe2's imagenet1k_blobs_queue)
        if len(cons) != 1:
            raise ValueError(f"{name} has {len(cons)} consumers")
        i, k = cons[0]
        role = table.get((g.node[i].op_type, k))
        if role is None:
            raise ValueError(f"{name}: no role for input {k} of {g.node[i].op_type}")
        result[name] = (role, i)
    return result


def initial(model_name, name, role, shape, node):
    rng = rng_for(model_name, name)
    if role == "conv_w":
        fan_in = int(np.prod(shape[1:]))
        v = rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)
    elif role == "gemm_w":
        trans_b = next((a.i for a in node.attribute if a.name == "transB"), 0)
        fan_in = int(np.prod(shape)) // shape[0] if trans_b else shape[0]
        v = rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)
    elif role in ("bias", "bn_shift", "shift", "bn_mean"):
        v = rng.standard_normal(shape) * (0.05 if role == "bias" else 0.1)
    elif role in ("bn_scale", "scale"):
        v = 1.0 + 0.1 * rng.standard_normal(shape)
    elif role == "bn_var":
        v = 1.0 + 0.1 * rng.random(shape)
    else:
        raise ValueError(role)
    return v.astype(np.float32)


def materialise(name, light, images):
    t0 = time.time()
    model = onnx.load(str(light))
    g = model.graph
    shapes = {}
    init_by_name = {t.name: t for t in g.initializer}
    for n in g.node:
        if n.op_type == "ConstantOfShape":
            shapes[n.output[0]] = [int(d) for d in numpy_helper.to_array(init_by_name[n.input[0]])]
    for t in g.initializer:
        if t.data_type == TensorProto.FLOAT:
            shapes[t.name] = list(t.dims)
    # the materialised graph: ConstantOfShape nodes out, their outputs in as initializers (and graph inputs)
    cos_nodes = [n for n in g.node if n.op_type == "ConstantOfShape"]
    shape_inputs = {n.input[0] for n in cos_nodes}
    for n in cos_nodes:
        g.node.remove(n)
    still_read = {t for n in g.node for t in n.input}
    for t in list(g.initializer):
        if t.name in shape_inputs and t.name not in still_read:
            g.initializer.remove(t)
    for i in list(g.input):
        if i.name in shape_inputs and i.name not in still_read:
            g.input.remove(i)
    role = roles(model, set(shapes))
    values = {p: initial(name, p, r, shapes[p], g.node[i]) for p, (r, i) in role.items()}
    for n in cos_nodes:
        p = n.output[0]
        g.initializer.append(numpy_helper.from_array(values[p], p))
        g.input.append(helper.make_tensor_value_info(p, TensorProto.FLOAT, shapes[p]))

    calibrate(name, model, values, role, images)
    for t in g.initializer:
        if t.name in values:
            t.CopyFrom(numpy_helper.from_array(values[t.name], t.name))
    digests = {}
    for p, v in values.items():
        d = hashlib.sha256(v.tobytes()).hexdigest()
        if d in digests:
            raise AssertionError(f"{name}: tensors {digests[d]} and {p} are equal")
        digests[d] = p
    onnx.checker.check_model(model)
    print(f"  {name}: {len(values)} parameter tensors seeded ({time.time() - t0:.1f} s)", flush=True)
    return model


def calibrate(name, model, values, role, images):
    """Node by node over all images: rescale weight layers to output sd 1, BatchNorm statistics from the data."""
    graph = Z.Graph(model)
    for p, v in values.items():
        graph.consts[p] = torch.from_numpy(v)
    weight_of = {}
    for p, (r, i) in role.items():
        if r in ("conv_w", "gemm_w"):
            weight_of[i] = p
    nodes = graph.nodes
    last_layer = max(weight_of)
    envs = [{graph.input_name: torch.from_numpy(images[s:s + 1])} for s in range(len(images))]

    def compute(i):
        n = nodes[i]
        outs = []
        for env in envs:
            ins = [None if t == "" else (env[t] if t in env else graph.consts[t]) for t in n.input]
            outs.append(Z.OPS[n.op_type](ins, graph.attrs[i], n))
        return outs

    for i, n in enumerate(nodes):
        if n.op_type == "BatchNormalization":
            x = torch.cat([env[n.input[0]] for env in envs])
            dims = (0,) + tuple(range(2, x.dim()))
            mean = round_sig(x.double().mean(dim=dims).numpy())
            var = np.maximum(round_sig(x.double().var(dim=dims, unbiased=False).numpy()), 1e-6)
            rng = rng_for(name, n.input[3] + "#calibration")
            values[n.input[3]] = (mean + 0.05 * np.sqrt(var) * rng.standard_normal(mean.shape)).astype(np.float32)
            values[n.input[4]] = (var * (1.0 + 0.1 * rng.random(var.shape))).astype(np.float32)
            for t in (n.input[3], n.input[4]):
                graph.consts[t] = torch.from_numpy(values[t])
        outs = compute(i)
        if i in weight_of and i != last_layer:
            y = torch.cat([o[0] for o in outs]).double()
            f = float(round_sig(1.0 / max(float(y.std()), 1e-12)))
            scale_param(graph, values, weight_of[i], f)
            outs = compute(i)
        for env, o in zip(envs, outs):
            for t, v in zip(n.output, o):
                env[t] = v
        for t in set(n.input):
            if graph.last_use.get(t) == i and t != graph.output_name:
                for env in envs:
                    env.pop(t, None)
    # last layer: logits (the Softmax input, else the graph output) to sd LOGIT_STD (Conv/Gemm, ReLU and pooling
    # after it are positively homogeneous, so scaling its weight and bias scales the logits)
    soft = [n for n in nodes if n.op_type == "Softmax"]
    logits_name = soft[-1].input[0] if soft else graph.output_name
    logits = torch.cat([graph.run(torch.from_numpy(images[s:s + 1]), keep=(logits_name,))[1][logits_name]
                        for s in range(len(images))]).double()
    f = float(round_sig(LOGIT_STD / float(logits.std())))
    scale_param(graph, values, weight_of[last_layer], f)
    last = nodes[last_layer]
    if len(last.input) > 2 and last.input[2] in values:
        scale_param(graph, values, last.input[2], f)


def scale_param(graph, values, p, f):
    values[p] = (values[p] * np.float32(f)).astype(np.float32)
    graph.consts[p] = torch.from_numpy(values[p])


def stamp_text(light):
    h = hashlib.sha256()
    for f in (Path(__file__), Path(Z.__file__), light, FIXTURES / "zoo_inputs.npy"):
        h.update(Path(f).read_bytes())
    return h.hexdigest() + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="*", default=MODELS)
    ap.add_argument("--testdata", type=Path, default=TESTDATA)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--force", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(1)
    write_images()
    images = load_images()
    args.out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    for name in args.names:
        light = args.testdata / f"light_{name}.onnx"
        if not light.exists():
            sys.exit(f"corpus_zoo: {light} not found; run: bash tools/setup.sh zoo")
        out, stamp = args.out / f"{name}.onnx", args.out / f"{name}.onnx.stamp"
        want = stamp_text(light)
        if not args.force and out.exists() and stamp.exists() and stamp.read_text() == want:
            print(f"  {name}: up to date ({out})")
            continue
        model = materialise(name, light, images)
        onnx.save(model, str(out))
        stamp.write_text(want)
    print(f"corpus_zoo: done in {time.time() - t0:.1f} s -> {args.out}")


if __name__ == "__main__":
    main()
