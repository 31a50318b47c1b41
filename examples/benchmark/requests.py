#!/usr/bin/env python3
"""Write the benchmark's shared request file (JSONL) from Retention suite files.

Line 1 is a meta record; then one `choice` record per multiple-choice item and one `generate` record
per generation prompt:

  {"type": "meta", "format": "retention-bench-requests/1", "sources": [...], "repeat": 5, ...}
  {"type": "choice", "id": "geo-007", "context": "Q: ...\\nA:", "choices": ["Jakarta", ...], "gold": 2, "delimiter": " "}
  {"type": "generate", "id": "geo-001", "prompt": "Q: What is the capital of France?\\nA:", "max_new_tokens": 32}

Every harness scores each choice as the lm-eval request (context, delimiter + choice).

--repeat k scales the multiple-choice workload without duplicating requests (duplicates would let a
harness with a cache, or lm-eval's one-token-continuation grouping, skip work): copy 0 is the suite
item as written; copy r >= 1 puts one solved demonstration before it, the item r places further on in
the list, in lm-eval's few-shot layout: `demo context + " " + demo gold choice + "\\n\\n" + context`.
Generation prompts are not repeated; --generate-limit keeps N of them, evenly spaced over the suites.

Benchmark tooling only (never run by CI). With --model DIR (needs transformers) it also prints token
counts with that model's tokenizer, encoded as lm-eval does.
"""
import argparse
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
# This file would shadow the PyPI package `requests` (imported by transformers' dependencies) while its
# directory is on sys.path: keep the directory off it and import the shared code from harness/.
sys.path[:] = [p for p in sys.path if os.path.realpath(p or os.getcwd()) != str(HERE)]
sys.path.append(str(HERE / "harness"))
import bench_common  # noqa: E402

REPO = HERE.parent.parent
DEFAULT_SUITES = [REPO / "src-test-fixtures" / "suites" / "general.jsonl",
                  REPO / "src-test-fixtures" / "suites" / "domain.jsonl"]
DEFAULT_OUT = Path.home() / ".cache" / "retention-bench" / "requests.jsonl"


def die(msg):
    print(f"requests.py: {msg}", file=sys.stderr)
    sys.exit(2)


def load_suite(path):
    choices, prompts = [], []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            item = json.loads(line)
            where = f"{path}:{n} (item {item.get('id')!r})"
            if item.get("kind") == "choice":
                delim = item.get("delimiter", " ")
                if delim != " ":
                    die(f"{where} has delimiter {delim!r}; the lm-eval task of the benchmark has one "
                        "target_delimiter \" \", so drop the item or its delimiter")
                if not item["context"]:
                    die(f"{where} has an empty context; lm-eval scores those against a prefix token, "
                        "which the benchmark does not cover: drop the item")
                choices.append({"type": "choice", "id": item["id"], "context": item["context"],
                                "choices": list(item["choices"]), "gold": int(item["gold"]), "delimiter": delim})
            elif item.get("kind") == "generate":
                prompts.append({"type": "generate", "id": item["id"], "prompt": item["prompt"]})
    return choices, prompts


def repeat_items(items, k):
    if k < 1:
        die(f"--repeat must be at least 1, got {k}")
    if k > len(items):
        die(f"--repeat {k} exceeds the {len(items)} choice items (each copy needs a different demonstration)")
    out = []
    for r in range(k):
        for i, item in enumerate(items):
            if r == 0:
                out.append(dict(item))
                continue
            demo = items[(i + r) % len(items)]
            shot = demo["context"] + demo["delimiter"] + demo["choices"][demo["gold"]]
            out.append(dict(item, id=f"{item['id']}#{r}", context=shot + "\n\n" + item["context"]))
    return out


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def token_counts(model_dir, choices, prompts):
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(model_dir)
    lengths = []
    for ctx, cont in bench_common.loglikelihood_requests(choices):
        c, k = bench_common.encode_pair(tok, ctx, cont)
        lengths.append(len(c) + len(k))
    plens = [len(bench_common.tok_encode(tok, p["prompt"])) for p in prompts]
    return lengths, plens


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--suite", action="append", help="suite JSONL (repeatable; default: the fixture suites "
                                                     "general.jsonl and domain.jsonl)")
    ap.add_argument("--repeat", type=int, default=5, help="copies of each choice item (default 5: 1080 requests)")
    ap.add_argument("--max-new-tokens", type=int, default=32, help="greedy tokens per generation prompt (default 32)")
    ap.add_argument("--generate-limit", type=int, default=64,
                    help="keep N generation prompts, evenly spaced over the suites (default 64; 0 = all)")
    ap.add_argument("--model", help="model folder: also print token counts with its tokenizer")
    ap.add_argument("--out", default=str(DEFAULT_OUT), help=f"output file (default {DEFAULT_OUT})")
    args = ap.parse_args()

    suites = [Path(s) for s in (args.suite or DEFAULT_SUITES)]
    choices, prompts = [], []
    for s in suites:
        if not s.is_file():
            die(f"suite {s} does not exist")
        c, p = load_suite(s)
        choices += c
        prompts += p
    if not choices:
        die(f"no choice items in {', '.join(map(str, suites))}")
    if args.max_new_tokens < 1:
        die(f"--max-new-tokens must be at least 1, got {args.max_new_tokens}")
    choices = repeat_items(choices, args.repeat)
    if 0 < args.generate_limit < len(prompts):
        step = len(prompts) / args.generate_limit
        prompts = [prompts[int(i * step)] for i in range(args.generate_limit)]
    for p in prompts:
        p["max_new_tokens"] = args.max_new_tokens

    n_requests = sum(len(c["choices"]) for c in choices)
    meta = {"type": "meta", "format": bench_common.REQUEST_FORMAT,
            "sources": [{"path": str(s.relative_to(REPO)) if s.is_relative_to(REPO) else str(s),
                         "sha256": sha256(s)} for s in suites],
            "repeat": args.repeat, "max_new_tokens": args.max_new_tokens,
            "choice_items": len(choices), "loglikelihood_requests": n_requests, "generate_prompts": len(prompts)}

    out = Path(args.out).expanduser()
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            for rec in [meta] + choices + prompts:
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except BaseException:
        os.unlink(tmp)
        raise
    print(f"wrote {out}: {len(choices)} choice items ({n_requests} loglikelihood requests, repeat {args.repeat}), "
          f"{len(prompts)} generation prompts x {args.max_new_tokens} new tokens")
    if args.model:
        lengths, plens = token_counts(args.model, choices, prompts)
        print(f"tokens with {args.model}: loglikelihood requests {sum(lengths)} "
              f"(context + continuation; min {min(lengths)}, mean {sum(lengths) / len(lengths):.1f}, "
              f"max {max(lengths)}); generation prompts {sum(plens)} "
              f"(min {min(plens) if plens else 0}, max {max(plens) if plens else 0}), "
              f"at most {len(prompts) * args.max_new_tokens} generated")


if __name__ == "__main__":
    main()
