#!/usr/bin/env python3
"""A small PyTorch interpreter for the ONNX graphs of the zoo corpus (tools/corpus_zoo.py, tools/corpus_oracle_zoo.py).

It does NOT use ONNX Runtime or the C# engine: every op these graphs use is written out here from the ONNX operator
specification (opset 8/9 semantics), in float32, so the C# tests can compare the engine's ONNX Runtime outputs with
an independent evaluation.  Ops: Conv (asymmetric pads, groups, dilations), Relu, MaxPool / AveragePool (asymmetric
pads, count_include_pad), GlobalAveragePool, LRN, Gemm, MatMul, Dropout (inference: identity), Softmax (opset < 13:
2-D coercion at `axis`), Concat, Sum, Add, Mul, Sub, Div, BatchNormalization (inference; `spatial` = 1 only),
Reshape (0 / -1), Transpose, Flatten, Unsqueeze / Squeeze (attribute axes), Constant, ConstantOfShape, Identity.
Anything else raises, naming the op.

Hooks (applied while running):
  * zero_after  {tensor name: [channels]}: right after the node producing the tensor, channels (axis 1) are set to
    exactly 0.0 (a copy; the producer's own result is not changed).
  * input_masks {(node index, input index): bool tensor}: that input of that node is copied with the masked elements
    set to exactly 0.0 before the node runs.
"""
import math

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

WEIGHT_OPS = ("Conv", "Gemm", "MatMul", "ConvTranspose")


def attrs_of(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _to_torch(arr):
    if arr.dtype == np.float64:
        arr = arr.astype(np.float32)
    return torch.from_numpy(np.array(arr, copy=True))


class Graph:
    """A loaded ONNX model: nodes in file order (checked topological), initializers as torch tensors."""

    def __init__(self, model):
        self.model = model
        g = model.graph
        self.nodes = list(g.node)
        self.consts = {t.name: _to_torch(numpy_helper.to_array(t)) for t in g.initializer}
        real = [i.name for i in g.input if i.name not in self.consts]
        if len(real) != 1:
            raise ValueError(f"expected one real graph input, found {real}")
        self.input_name = real[0]
        self.output_name = g.output[0].name
        produced = {self.input_name, *self.consts, ""}
        self.last_use = {}
        for i, n in enumerate(self.nodes):
            for t in n.input:
                if t not in produced:
                    raise ValueError(f"node {i} ({n.op_type} {n.name!r}) reads {t!r} before it is produced")
                self.last_use[t] = i
            produced.update(n.output)
        self.attrs = [attrs_of(n) for n in self.nodes]
        self.producer = {o: i for i, n in enumerate(self.nodes) for o in n.output}
        self.consumers = {}
        for i, n in enumerate(self.nodes):
            for k, t in enumerate(n.input):
                self.consumers.setdefault(t, []).append((i, k))

    def is_constant(self, name):
        """An initializer, or computed from initializers only (Unsqueeze/Reshape/Constant of constants)."""
        if name in self.consts:
            return True
        p = self.producer.get(name)
        if p is None:
            return False
        return all(self.is_constant(t) for t in self.nodes[p].input if t)

    @torch.no_grad()
    def run(self, x, zero_after=None, input_masks=None, keep=(), node_hook=None):
        """Runs one input tensor; returns (output, {kept tensor: value}).

        node_hook(index, node, inputs, outputs) may return replacement outputs (used by the generator's calibration).
        """
        zero_after = zero_after or {}
        input_masks = input_masks or {}
        env = {self.input_name: x}
        kept = {}
        for i, n in enumerate(self.nodes):
            ins = [None if t == "" else (env[t] if t in env else self.consts[t]) for t in n.input]
            for k in range(len(ins)):
                m = input_masks.get((i, k))
                if m is not None:
                    ins[k] = ins[k].masked_fill(m, 0.0)
            outs = OPS[n.op_type](ins, self.attrs[i], n)
            if node_hook is not None:
                repl = node_hook(i, n, ins, outs)
                if repl is not None:
                    outs = repl
            for name, val in zip(n.output, outs):
                if name in zero_after:
                    val = val.clone()
                    val[:, list(zero_after[name])] = 0.0
                env[name] = val
                if name in keep:
                    kept[name] = val
            for t in set(n.input):
                if t in env and self.last_use.get(t) == i and t != self.output_name and t not in keep:
                    del env[t]
        return env[self.output_name], kept


# ---- ops ------------------------------------------------------------------------------------------------------------

def _pads2d(a, nd=2):
    p = list(a.get("pads", [0] * (2 * nd)))
    if a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET", b"", ""):
        raise ValueError(f"auto_pad {a['auto_pad']} is not supported")
    # ONNX [x1_begin, x2_begin, x1_end, x2_end] -> F.pad (x2_begin, x2_end, x1_begin, x1_end)
    return (p[1], p[3], p[0], p[2])


def op_conv(ins, a, _n):
    x, w = ins[0], ins[1]
    b = ins[2] if len(ins) > 2 else None
    if x.dim() != 4:
        raise ValueError("only 2-D convolutions")
    x = F.pad(x, _pads2d(a))
    return [F.conv2d(x, w, b, stride=tuple(a.get("strides", [1, 1])), padding=0,
                     dilation=tuple(a.get("dilations", [1, 1])), groups=a.get("group", 1))]


def op_maxpool(ins, a, n):
    if len(n.output) > 1:
        raise ValueError("MaxPool with indices output")
    if a.get("ceil_mode", 0):
        raise ValueError("ceil_mode")
    x = F.pad(ins[0], _pads2d(a), value=-math.inf)
    return [F.max_pool2d(x, tuple(a["kernel_shape"]), stride=tuple(a.get("strides", [1, 1])),
                         dilation=tuple(a.get("dilations", [1, 1])))]


def op_avgpool(ins, a, _n):
    if a.get("ceil_mode", 0):
        raise ValueError("ceil_mode")
    k = tuple(a["kernel_shape"])
    s = tuple(a.get("strides", [1, 1]))
    pads = _pads2d(a)
    x = F.pad(ins[0], pads)
    total = F.avg_pool2d(x, k, stride=s, divisor_override=1)
    if a.get("count_include_pad", 0) or not any(pads):
        return [total / float(k[0] * k[1])]
    ones = F.pad(torch.ones_like(ins[0][:1, :1]), pads)
    count = F.avg_pool2d(ones, k, stride=s, divisor_override=1)
    return [total / count]


def op_lrn(ins, a, _n):
    x = ins[0]
    size = a["size"]
    alpha, beta, bias = a.get("alpha", 1e-4), a.get("beta", 0.75), a.get("bias", 1.0)
    front, back = (size - 1) // 2, size - 1 - (size - 1) // 2
    sq = F.pad(x * x, (0, 0, 0, 0, front, back))
    c = x.shape[1]
    s = sum(sq[:, k:k + c] for k in range(size))
    return [x / (bias + (alpha / size) * s) ** beta]


def op_gemm(ins, a, _n):
    A, B = ins[0], ins[1]
    if a.get("transA", 0):
        A = A.t()
    if a.get("transB", 0):
        B = B.t()
    y = a.get("alpha", 1.0) * (A @ B)
    if len(ins) > 2 and ins[2] is not None:
        y = y + a.get("beta", 1.0) * ins[2]
    return [y]


def op_softmax(ins, a, _n):
    x = ins[0]
    axis = a.get("axis", 1)
    axis = axis if axis >= 0 else x.dim() + axis
    lead = int(np.prod(x.shape[:axis])) if axis > 0 else 1
    return [torch.softmax(x.reshape(lead, -1), dim=1).reshape(x.shape)]


def op_bn(ins, a, _n):
    x, scale, bias, mean, var = ins[:5]
    if a.get("spatial", 1) != 1:
        raise ValueError("BatchNormalization spatial=0")
    shape = (1, -1) + (1,) * (x.dim() - 2)
    inv = scale / torch.sqrt(var + a.get("epsilon", 1e-5))
    return [(x - mean.reshape(shape)) * inv.reshape(shape) + bias.reshape(shape)]


def op_reshape(ins, a, _n):
    x, shape = ins[0], [int(v) for v in ins[1].tolist()]
    shape = [x.shape[i] if v == 0 else v for i, v in enumerate(shape)]
    return [x.reshape(shape)]


def op_flatten(ins, a, _n):
    x = ins[0]
    axis = a.get("axis", 1)
    return [x.reshape(int(np.prod(x.shape[:axis])) if axis else 1, -1)]


def op_unsqueeze(ins, a, _n):
    x = ins[0]
    for ax in sorted(a["axes"]):
        x = x.unsqueeze(ax)
    return [x]


def op_squeeze(ins, a, _n):
    x = ins[0]
    for ax in sorted(a.get("axes", [i for i, d in enumerate(x.shape) if d == 1]), reverse=True):
        x = x.squeeze(ax)
    return [x]


def op_dropout(ins, _a, n):
    return [ins[0]] + ([torch.ones_like(ins[0], dtype=torch.bool)] if len(n.output) > 1 else [])


def op_constant(_ins, a, _n):
    return [_to_torch(numpy_helper.to_array(a["value"]))]


def op_constant_of_shape(ins, a, _n):
    v = numpy_helper.to_array(a["value"]) if "value" in a else np.zeros(1, np.float32)
    return [_to_torch(np.full([int(d) for d in ins[0].tolist()], v.ravel()[0], dtype=v.dtype))]


def _sum(ins, _a, _n):
    y = ins[0]
    for t in ins[1:]:
        y = y + t
    return [y]


OPS = {
    "Conv": op_conv,
    "Relu": lambda ins, a, n: [torch.relu(ins[0])],
    "MaxPool": op_maxpool,
    "AveragePool": op_avgpool,
    "GlobalAveragePool": lambda ins, a, n: [ins[0].mean(dim=(2, 3), keepdim=True)],
    "LRN": op_lrn,
    "Gemm": op_gemm,
    "MatMul": lambda ins, a, n: [torch.matmul(ins[0], ins[1])],
    "Dropout": op_dropout,
    "Softmax": op_softmax,
    "Concat": lambda ins, a, n: [torch.cat(ins, dim=a["axis"])],
    "Sum": _sum,
    "Add": lambda ins, a, n: [ins[0] + ins[1]],
    "Sub": lambda ins, a, n: [ins[0] - ins[1]],
    "Mul": lambda ins, a, n: [ins[0] * ins[1]],
    "Div": lambda ins, a, n: [ins[0] / ins[1]],
    "BatchNormalization": op_bn,
    "Reshape": op_reshape,
    "Transpose": lambda ins, a, n: [ins[0].permute(*a["perm"])],
    "Flatten": op_flatten,
    "Unsqueeze": op_unsqueeze,
    "Squeeze": op_squeeze,
    "Constant": op_constant,
    "ConstantOfShape": op_constant_of_shape,
    "Identity": lambda ins, a, n: [ins[0]],
}


class _Missing(dict):
    def __missing__(self, key):
        raise ValueError(f"op {key} is not implemented by tools/zoo_interp.py")


OPS = _Missing(OPS)


# ---- units: where zero-in acts, what zero-out reaches ------------------------------------------------------------

AFFINE = ("BatchNormalization", "Mul", "Add")
PASS = ("Relu", "Dropout", "Identity", "LRN")
POOL = ("MaxPool", "AveragePool", "GlobalAveragePool")
SHAPE = ("Reshape", "Transpose", "Flatten", "Unsqueeze", "Squeeze")


def layer_name(node):
    return node.name if node.name else node.input[1]


def unit_tensor(graph, node_index):
    """The tensor whose channel j is unit j: the weight layer's output, or after the chain of per-channel affine ops
    that directly follows it (BatchNormalization, and/or Mul then Add by per-channel constants - Caffe's BatchNorm +
    Scale), each the only consumer of the previous tensor."""
    t = graph.nodes[node_index].output[0]
    chain = []
    while True:
        cons = graph.consumers.get(t, [])
        if len(cons) != 1 or t == graph.output_name:
            return t, chain
        i, k = cons[0]
        n = graph.nodes[i]
        if n.op_type == "BatchNormalization" and k == 0 and not chain:
            pass
        elif n.op_type in ("Mul", "Add") and graph.is_constant(n.input[1 - k]) and \
                (n.op_type == "Mul" or (chain and graph.nodes[chain[-1]].op_type in ("Mul", "BatchNormalization"))):
            pass
        else:
            return t, chain
        chain.append(i)
        t = n.output[0]


def zero_out_masks(graph, start_tensor, channels, shapes):
    """Follows channels of start_tensor to the weight layers that read them.

    Returns (masks {(node, input index): bool tensor}, problem or None).  The tag of a tensor marks the elements
    that carry the units; pass-through, per-channel affine (by constants), pooling (channel-wise), Concat and the
    shape ops (Reshape/Transpose/Flatten/(Un)squeeze, applied to the tag itself) carry it; an Add/Sum/Mul with another
    non-constant tensor merges the units with another layer's output (zero-out invalid); a weight layer's data input
    is where the tag stops."""
    tag0 = torch.zeros(shapes[start_tensor], dtype=torch.float32)
    tag0[:, list(channels)] = 1.0
    tags = {start_tensor: tag0}
    masks = {}
    problem = None
    for i, n in enumerate(graph.nodes):
        hit = [k for k, t in enumerate(n.input) if t in tags]
        if not hit:
            continue
        op = n.op_type
        if op in WEIGHT_OPS:
            if hit != [0]:
                return {}, f"units reach input(s) {hit} of {op} {n.name!r}"
            masks[(i, 0)] = tags[n.input[0]] > 0
            continue
        if op in ("Softmax",):
            continue
        out = None
        if op in PASS or (op in AFFINE and hit == [0] and all(graph.is_constant(t) for t in n.input[1:])) or \
                (op in ("Mul", "Add") and len(hit) == 1 and graph.is_constant(n.input[1 - hit[0]])):
            out = tags[n.input[hit[0]]]
        elif op in POOL:
            t = tags[n.input[0]]
            per_channel = t.amax(dim=tuple(range(2, t.dim())), keepdim=True)
            out = per_channel.expand(shapes[n.output[0]]).clone()
        elif op == "Concat":
            parts = [tags[t] if t in tags else torch.zeros(shapes[t]) for t in n.input]
            out = torch.cat(parts, dim=graph.attrs[i]["axis"])
        elif op in SHAPE:
            out = OPS[op]([tags[n.input[0]]] + [graph.consts.get(t) for t in n.input[1:]], graph.attrs[i], n)[0]
        elif op in ("Sum", "Add", "Mul", "Sub"):
            problem = f"units are merged with another tensor by {op} {n.name!r} before reaching a weight layer"
            return {}, problem
        else:
            return {}, f"op {op} {n.name!r} on the units' path is not followed"
        tags[n.output[0]] = out
    return masks, problem


def shapes_of(graph, x):
    """Shapes of every tensor for one input (batch 1)."""
    shapes = {}

    def hook(_i, n, _ins, outs):
        for name, v in zip(n.output, outs):
            shapes[name] = tuple(v.shape)
    graph.run(x, node_hook=hook)
    shapes[graph.input_name] = tuple(x.shape)
    return shapes
