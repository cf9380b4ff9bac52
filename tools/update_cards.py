#!/usr/bin/env python3
"""Writes the engine's own accuracy (ONNX Runtime, `onnx-ablate eval --json`) into each model card.

    python3 tools/update_cards.py out/main-job     # after tools/main-job.sh

Replaces the card's "Engine-measured accuracy" paragraph with a per-class table of every ONNX file of the model.
"""
import glob
import json
import os
import re
import sys

out = sys.argv[1] if len(sys.argv) > 1 else "out/main-job"
cards = {}
for path in sorted(glob.glob(os.path.join(out, "eval-*.json"))):
    r = json.load(open(path))
    model = r["model"]                      # models/<name>/<file>.onnx
    name = model.split("/")[1]
    cards.setdefault(name, []).append(r)

for name, results in cards.items():
    card = os.path.join("models", name, "card.md")
    text = open(card).read()
    lines = ["Engine-measured accuracy (ONNX Runtime through `onnx-ablate eval`, written by `tools/update_cards.py`):", ""]
    files = [os.path.basename(r["model"]) for r in results]
    lines.append("| class | " + " | ".join(f"`{f}`" for f in files) + " |")
    lines.append("|---|" + "---:|" * len(files))
    lines.append("| overall | " + " | ".join(f"**{100 * r['accuracy']:.2f}%**" for r in results) + " |")
    for c, cname in enumerate(results[0]["class_names"]):
        lines.append(f"| {cname} | " + " | ".join(f"{100 * r['class_accuracy'][c]:.2f}%" for r in results) + " |")
    lines.append("")
    lines.append(f"Data: `{results[0]['data']}`, {results[0]['samples']} samples.")
    block = "\n".join(lines)
    new, n = re.subn(r"Engine-measured accuracy[^\n]*(\n(?!## )[^\n]*)*", block + "\n", text, count=1)
    if n == 0:
        new = text.rstrip() + "\n\n" + block + "\n"
    open(card, "w").write(new)
    summary = ", ".join("%s %.2f%%" % (f, 100 * r["accuracy"]) for f, r in zip(files, results))
    print(f"{card}: {summary}")
