"""Decode-step matrix products of SmolLM2-135M, separate against fused (q/k/v in one, gate/up in one).

Times the 30 layers' linear products at a decode step's shapes (16 rows, 2 threads) in PyTorch, which
takes the same MKL path as libtorch under DJL. Benchmarks only; run with the peer benchmark's venv:

    OMP_WAIT_POLICY=PASSIVE $BENCH_HOME/venv/bin/python examples/benchmark/fused_products.py
    $BENCH_HOME/venv/bin/python examples/benchmark/fused_products.py   # OpenMP's default (spinning) wait

Prints milliseconds per step for each variant, twice, alternating.
"""
import time

import torch
import torch.nn.functional as F

HIDDEN, INTERMEDIATE, KV, LAYERS, ROWS, THREADS = 576, 1536, 192, 30, 16, 2


def main():
    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    x = torch.randn(ROWS, HIDDEN)
    wq, wk, wv, wo = (torch.randn(HIDDEN, HIDDEN), torch.randn(KV, HIDDEN), torch.randn(KV, HIDDEN),
                      torch.randn(HIDDEN, HIDDEN))
    wg, wu, wd = torch.randn(INTERMEDIATE, HIDDEN), torch.randn(INTERMEDIATE, HIDDEN), torch.randn(HIDDEN, INTERMEDIATE)
    wqkv, wgu = torch.cat([wq, wk, wv]), torch.cat([wg, wu])

    def separate():
        for _ in range(LAYERS):
            q = F.linear(x, wq)
            F.linear(x, wk)
            F.linear(x, wv)
            F.linear(q, wo)
            F.linear(F.linear(x, wg) * F.linear(x, wu), wd)

    def fused():
        for _ in range(LAYERS):
            qkv = F.linear(x, wqkv)
            F.linear(qkv[:, :HIDDEN], wo)
            gu = F.linear(x, wgu)
            F.linear(gu[:, :INTERMEDIATE] * gu[:, INTERMEDIATE:], wd)

    for variant in (separate, fused, separate, fused):
        for _ in range(3):
            variant()
        n = 20
        start = time.perf_counter()
        for _ in range(n):
            variant()
        print(f"{variant.__name__:9s} {(time.perf_counter() - start) / n * 1000:.1f} ms per step ({LAYERS} layers)")


if __name__ == "__main__":
    main()
