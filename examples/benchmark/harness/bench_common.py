"""Shared pieces of the peer benchmark: the request file, lm-eval's pair encoding, the BENCH line.

Benchmark tooling only (never run by CI). See README.md in this directory for the protocol.
"""
import json
import math
import os
import sys
import time

PROCESS_START = time.perf_counter()

REQUEST_FORMAT = "retention-bench-requests/1"
BENCH_PREFIX = "BENCH "
REQUIRED_KEYS = ("harness", "task", "items", "requests", "tokens", "seconds", "load_seconds", "batch_size", "checksum")
TASKS = ("loglikelihood", "generate")


class BenchError(Exception):
    """A refusal with a message that names the file/item at fault and the fix."""


def read_requests(path):
    """Return (meta, choice_items, generate_prompts) of a request file written by requests.py."""
    meta, choices, prompts = None, [], []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                raise BenchError(f"{path}:{n}: not JSON ({e}); regenerate the file with requests.py") from e
            kind = rec.get("type")
            if kind == "meta":
                meta = rec
            elif kind == "choice":
                choices.append(rec)
            elif kind == "generate":
                prompts.append(rec)
            else:
                raise BenchError(f"{path}:{n}: unknown type {kind!r} (expected meta, choice or generate)")
    if meta is None or meta.get("format") != REQUEST_FORMAT:
        raise BenchError(f"{path}: first line must be the meta record of format {REQUEST_FORMAT}; "
                         "regenerate the file with requests.py")
    return meta, choices, prompts


def loglikelihood_requests(choices):
    """Multiple choice as lm-eval builds it: one (context, delimiter + choice) request per choice."""
    return [(c["context"], c.get("delimiter", " ") + ch) for c in choices for ch in c["choices"]]


def tok_encode(tokenizer, text):
    """lm-eval 0.4.13 HFLM.tok_encode for a causal model with add_bos_token unset: the tokenizer's own
    default for special tokens (SmolLM2 adds none), unless the text already starts with the BOS string."""
    bos = tokenizer.bos_token
    if bos and text.startswith(bos):
        return tokenizer.encode(text, add_special_tokens=False)
    return tokenizer.encode(text)


def encode_pair(tokenizer, context, continuation):
    """lm-eval TemplateLM._encode_pair for causal models: trailing whitespace of the context moves to the
    continuation; the whole string is encoded and the continuation is what follows enc(context)."""
    if not context:
        raise BenchError("empty context: the benchmark's requests never have one (requests.py refuses them)")
    n_spaces = len(context) - len(context.rstrip())
    if n_spaces:
        continuation = context[-n_spaces:] + continuation
        context = context[:-n_spaces]
    whole = tok_encode(tokenizer, context + continuation)
    ctx = tok_encode(tokenizer, context)
    return ctx, whole[len(ctx):]


def setup_threads():
    """Apply BENCH_THREADS (set by peers.py for every harness) to torch; return the count in use."""
    import torch
    n = int(os.environ.get("BENCH_THREADS", "0") or 0)
    if n > 0:
        torch.set_num_threads(n)
    return torch.get_num_threads()


def emit(record):
    missing = [k for k in REQUIRED_KEYS if k not in record]
    if missing:
        raise BenchError(f"BENCH record lacks {missing}: {record}")
    for k, v in record.items():
        if isinstance(v, float) and not math.isfinite(v):
            raise BenchError(f"BENCH record has a non-finite {k}: {record}")
    sys.stdout.write(BENCH_PREFIX + json.dumps(record, sort_keys=False) + "\n")
    sys.stdout.flush()


def parse_bench_line(line):
    """Parse one stdout line; return the record or None when it is not a BENCH line."""
    if not line.startswith(BENCH_PREFIX):
        return None
    rec = json.loads(line[len(BENCH_PREFIX):])
    missing = [k for k in REQUIRED_KEYS if k not in rec]
    if missing:
        raise BenchError(f"BENCH line lacks {missing}: {line.strip()}")
    if rec["task"] not in TASKS:
        raise BenchError(f"BENCH line has task {rec['task']!r}, expected one of {TASKS}: {line.strip()}")
    return rec
