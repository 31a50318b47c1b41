#!/usr/bin/env python3
"""Writes the small safetensors reference file that SafetensorsReferenceFileTest reads.

The file is written by the Hugging Face `safetensors` package itself, so the Java reader is checked
against the real writer's bytes (header padding, ordering, metadata), not only against Retention's
own test writer. Deterministic: literal values only. Run from the repository root, once:

    HF_HUB_OFFLINE=1 /work/venv/bin/python src-test-fixtures/generator/make_safetensors_reference.py

Made with safetensors 0.8.0 and torch 2.15.0 (CPU). The output is committed; tests never run Python.
"""
import os

import torch
from safetensors.torch import save_file

OUT = "assertions/src/test/resources/dev/retention/model/reference.safetensors"

tensors = {
    # float32 matrix, row-major: value = 10*row + col + 0.25
    "model.layers.0.weight": torch.tensor([[10 * r + c + 0.25 for c in range(3)] for r in range(2)],
                                          dtype=torch.float32),
    # float16 specials: 1, -2.5, max normal, min normal, min subnormal, largest subnormal, -0, +inf, -inf, nan
    "model.norm.weight": torch.tensor([1.0, -2.5, 65504.0, 2.0 ** -14, 2.0 ** -24, 1023 * 2.0 ** -24,
                                       -0.0, float("inf"), float("-inf"), float("nan")], dtype=torch.float16),
    # bfloat16: exactly representable values, 2x2
    "lm_head.weight": torch.tensor([[1.0, -3.140625], [1.5 * 2.0 ** 127, 2.0 ** -133]], dtype=torch.bfloat16),
    # float64: narrowed to float32 by a cast (0.1 rounds; 1e300 overflows to inf)
    "model.rotary.scale": torch.tensor([0.1, -1.5, 1e300], dtype=torch.float64),
    # a non-weight integer buffer, as checkpoints sometimes carry
    "model.position_ids": torch.tensor([[0, 1, 2, 3]], dtype=torch.int64),
    # a scalar and an empty tensor
    "model.logit_scale": torch.tensor(0.5, dtype=torch.float32),
    "model.empty": torch.zeros((0, 4), dtype=torch.float32),
}

os.makedirs(os.path.dirname(OUT), exist_ok=True)
save_file(tensors, OUT, metadata={"format": "pt", "note": "Retention reference"})
print(OUT, os.path.getsize(OUT), "bytes")
