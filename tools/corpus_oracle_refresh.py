#!/usr/bin/env python3
"""Recompute a corpus oracle whose corpus files were built differently on this machine (run by tools/test.sh).

The corpus files are made by seeded scripts; their bytes depend on the floating-point rounding of this CPU's OpenBLAS
kernels (batch-norm calibration), so another CPU family builds files with other hashes and slightly different weights.
The oracle is PyTorch's result on those exact files: where a file's SHA-256 differs from the one the committed oracle
records, this script recomputes that oracle here with PyTorch (the independent implementation; never the engine), so
the tests compare the engine with PyTorch on the files this machine built. Where every hash matches it does nothing.
Measured: on an AMD EPYC without AVX-512 the torchvision corpus differs in every file, and its recomputed oracle
differs from the committed one in 1 prediction and 2 near-tie lists of 336 cases.
"""
import hashlib, json, os, subprocess, sys

here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def stale(entries):
    out = []
    for name, rel, want in entries:
        path = os.path.join(here, rel)
        if os.path.exists(path) and sha256(path) != want:
            out.append(name)
    return out


def main():
    dry = "--check" in sys.argv[1:]  # only say what would be recomputed
    tv = json.load(open(os.path.join(here, "tests/OnnxAblation.Tests/Oracle/corpus_torchvision.json")))
    entries = [(f["file"], os.path.join(tv["corpus"], f["file"]), f["sha256"]) for m in tv["models"] for f in m["files"]]
    if stale(entries):
        print(f"corpus oracle: {len(stale(entries))} torchvision corpus files differ from the oracle's; recomputing it with PyTorch", flush=True)
        if not dry:
            subprocess.run([sys.executable, os.path.join(here, "tools/corpus_oracle_torchvision.py")], check=True, cwd=here)
    zoo = json.load(open(os.path.join(here, "tests/OnnxAblation.Tests/Oracle/corpus_zoo.json")))
    names = stale([(m["name"], m["file"], m["sha256"]) for m in zoo["models"] if not m["file"].startswith("nuget:")])
    if names:
        print(f"corpus oracle: zoo models {', '.join(names)} differ from the oracle's; recomputing them with PyTorch", flush=True)
        if not dry:
            subprocess.run([sys.executable, os.path.join(here, "tools/corpus_oracle_zoo.py"), *names], check=True, cwd=here)


if __name__ == "__main__":
    main()
