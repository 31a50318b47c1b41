#!/usr/bin/env python3
"""Forward-pass floor: the fp32 matmul rate of torch on this machine, on the model's own shapes.

Reads the model's config.json and the shapes in its model.safetensors header (no weights loaded),
then times, at BENCH_THREADS threads, one forward's worth of matmuls for M tokens: for every layer
q, k, v, o, gate, up, down projections, plus the LM head (vocab x hidden). Their FLOPs are
2 * (matmul parameters) * M, which is 2 * params * M up to the norms (and the attention scores,
negligible at these lengths). Also times a square 1024^3 matmul for reference.

Prints one JSON line prefixed `FLOOR `: params, matmul params, rates in GFLOP/s, and the floor in
seconds per 1000 tokens; peers.py turns it into a floor for the measured workload.
Benchmark tooling only.
"""
import argparse
import json
import os
import statistics
import struct
import time

import bench_common


def safetensors_shapes(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    return {k: v["shape"] for k, v in header.items() if k != "__metadata__"}


def numel(shape):
    out = 1
    for d in shape:
        out *= d
    return out


def timed(fn, repeats):
    fn()  # warm-up: first call allocates and picks kernels
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--tokens", type=int, default=512, help="M, rows of one matmul batch (default 512, "
                                                             "about batch 16 x 32 tokens)")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()

    import torch
    threads = bench_common.setup_threads()
    torch.manual_seed(0)
    files = [os.path.join(args.model, f) for f in os.listdir(args.model) if f.endswith(".safetensors")]
    shapes = {}
    for f in files:
        shapes.update(safetensors_shapes(f))
    params = sum(numel(s) for s in shapes.values())
    with open(os.path.join(args.model, "config.json"), encoding="utf-8") as f:
        config = json.load(f)
    # every 2-D weight except the embedding lookup is a matmul; a tied embedding is the LM head's matmul
    mats = [s for k, s in shapes.items() if len(s) == 2 and "embed" not in k]
    embed = [s for k, s in shapes.items() if "embed_tokens" in k]
    if config.get("tie_word_embeddings") or "lm_head.weight" not in shapes:
        mats += embed
    matmul_params = sum(numel(s) for s in mats)

    m = args.tokens
    weights = [torch.randn(s, dtype=torch.float32) for s in mats]
    x_by_in = {s[1]: torch.randn(m, s[1], dtype=torch.float32) for s in mats}

    def forward_matmuls():
        for w in weights:
            torch.matmul(x_by_in[w.shape[1]], w.t())

    t_model = timed(forward_matmuls, args.repeats)
    a = torch.randn(1024, 1024)
    b = torch.randn(1024, 1024)
    t_square = timed(lambda: torch.matmul(a, b), args.repeats * 4)
    model_rate = 2 * matmul_params * m / t_model
    print("FLOOR " + json.dumps({
        "threads": threads, "torch": torch.__version__, "params": params, "matmul_params": matmul_params,
        "tokens_per_matmul": m, "model_shapes_gflops": model_rate / 1e9,
        "square_1024_gflops": 2 * 1024 ** 3 / t_square / 1e9,
        "floor_seconds_per_1000_tokens": 2 * params * 1000 / model_rate,
    }), flush=True)


if __name__ == "__main__":
    main()
