#!/usr/bin/env python3
"""Peer harness "lm-eval": the lm-evaluation-harness CLI, `--model hf`, on a local multiple-choice task.

This process runs the CLI's own entry point (`lm_eval.__main__.cli_evaluate`, what the `lm_eval`
console script calls) with

  lm_eval run --model hf --model_args pretrained=<dir>,dtype=float32 --tasks retention_bench_mc
              --include_path <workdir>/task --batch_size B --device cpu --output_path <workdir>/out

after writing a task YAML (output_type multiple_choice, dataset_path json, dataset_kwargs.data_files)
over a JSONL of the request file's choice items. Before the CLI starts it wraps four HFLM methods
without changing what they do, to time and check the run from inside:
  * __init__            -> load_seconds (tokenizer + model);
  * loglikelihood       -> seconds (tokenization + sorting + batched forward + scoring), the checksum,
                           and a check that lm-eval's requests are exactly the (context, " " + choice)
                           pairs the other harnesses score (the process fails otherwise);
  * _loglikelihood_tokens -> token count (context + continuation ids as lm-eval encoded them);
  * _model_call         -> forward rows and padding ratio (lm-eval groups one-token continuations of
                           the same context into one row: its "logits cache").
It prints one BENCH line (see ../README.md) with a `phases` breakdown of the whole process.

Benchmark tooling only. Offline: HF_HUB_OFFLINE=1 and HF_DATASETS_OFFLINE=1 are forced.
"""
import argparse
import collections
import glob
import json
import os
import sys
import time

import bench_common

T_START = bench_common.PROCESS_START
TASK_NAME = "retention_bench_mc"

TASK_YAML = """\
# Written by examples/benchmark/harness/lmeval_worker.py: the benchmark's multiple-choice items as an
# lm-eval task. Every choice becomes the request (context, " " + choice).
task: {task}
dataset_path: json
dataset_kwargs:
  data_files:
    test: {data}
test_split: test
output_type: multiple_choice
doc_to_text: context
doc_to_choice: choices
doc_to_target: gold
target_delimiter: " "
num_fewshot: 0
metric_list:
  - metric: acc
    aggregation: mean
    higher_is_better: true
metadata:
  version: 1.0
"""


def write_if_changed(path, text):
    """Keep the file (and its mtime, so the datasets cache stays valid) when the content is unchanged."""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--requests", required=True)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--workdir", required=True, help="directory for the task YAML, its data and lm-eval's output")
    ap.add_argument("--log-samples", action="store_true", help="also pass --log_samples (per-request arguments)")
    args = ap.parse_args()

    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["HF_DATASETS_OFFLINE"] = "1"
    _, choices, _ = bench_common.read_requests(args.requests)
    expected = collections.Counter(bench_common.loglikelihood_requests(choices))

    workdir = os.path.abspath(args.workdir)
    task_dir = os.path.join(workdir, "task")
    os.makedirs(task_dir, exist_ok=True)
    data = os.path.join(task_dir, "items.jsonl")
    write_if_changed(data, "".join(json.dumps({"id": c["id"], "context": c["context"], "choices": c["choices"],
                                               "gold": c["gold"]}, ensure_ascii=False) + "\n" for c in choices))
    write_if_changed(os.path.join(task_dir, TASK_NAME + ".yaml"), TASK_YAML.format(task=TASK_NAME, data=json.dumps(data)))
    out_dir = os.path.join(workdir, "out")

    threads = bench_common.setup_threads()
    import lm_eval
    import torch
    import transformers
    from lm_eval.__main__ import cli_evaluate
    from lm_eval.models.huggingface import HFLM

    marks = {}
    stats = {"rows": 0, "positions": 0, "real": 0, "tokens": 0, "requests": 0, "checksum": 0.0, "greedy": 0}
    captured = {}

    orig_init, orig_ll, orig_llt, orig_call = (HFLM.__init__, HFLM.loglikelihood, HFLM._loglikelihood_tokens,
                                               HFLM._model_call)

    def init(self, *a, **k):
        marks["init_start"] = time.perf_counter()
        orig_init(self, *a, **k)
        marks["init_end"] = time.perf_counter()

    def loglikelihood(self, requests, *a, **k):
        marks["ll_start"] = time.perf_counter()
        res = orig_ll(self, requests, *a, **k)
        marks["ll_end"] = time.perf_counter()
        captured["args"] = [tuple(r.args) for r in requests]
        captured["results"] = [(float(ll), bool(g)) for ll, g in res]
        return res

    def loglikelihood_tokens(self, requests, *a, **k):
        stats["tokens"] += sum(len(ctx) + len(cont) for _, ctx, cont in requests)
        return orig_llt(self, requests, *a, **k)

    def model_call(self, inps, *a, **k):
        rows, width = inps.shape
        stats["rows"] += rows
        stats["positions"] += rows * width
        # right padding is token 0 (pad_and_concat); real length = width - trailing zeros
        nonzero = (inps != 0).int()
        last = width - nonzero.flip(1).argmax(1)
        stats["real"] += int(torch.where(nonzero.any(1), last, torch.zeros_like(last)).sum())
        return orig_call(self, inps, *a, **k)

    HFLM.__init__, HFLM.loglikelihood, HFLM._loglikelihood_tokens, HFLM._model_call = (
        init, loglikelihood, loglikelihood_tokens, model_call)

    argv = ["lm_eval", "run", "--model", "hf",
            "--model_args", f"pretrained={os.path.abspath(args.model)},dtype=float32",
            "--tasks", TASK_NAME, "--include_path", task_dir,
            "--batch_size", str(args.batch_size), "--device", "cpu", "--output_path", out_dir]
    if args.log_samples:
        argv.append("--log_samples")
    print("lm-eval command: " + " ".join(argv), file=sys.stderr)
    sys.argv = argv
    marks["cli_start"] = time.perf_counter()
    cli_evaluate()
    marks["cli_end"] = time.perf_counter()

    if "args" not in captured:
        raise bench_common.BenchError("lm-eval never called HFLM.loglikelihood: the task built no requests; "
                                      f"check {task_dir} and lm-eval's log above")
    got = collections.Counter(captured["args"])
    if got != expected:
        missing = list((expected - got).elements())[:3]
        extra = list((got - expected).elements())[:3]
        raise bench_common.BenchError(
            f"lm-eval built {sum(got.values())} requests, the request file has {sum(expected.values())}; "
            f"missing e.g. {missing}, unexpected e.g. {extra}. The task YAML in {task_dir} does not reproduce "
            "the benchmark's (context, ' ' + choice) pairs")
    results = captured["results"]
    by_pair = collections.defaultdict(list)
    for pair, r in zip(captured["args"], results):
        by_pair[pair].append(r)
    correct = 0
    for c in choices:
        lls = [by_pair[(c["context"], c["delimiter"] + ch)][0][0] for ch in c["choices"]]
        correct += int(max(range(len(lls)), key=lambda j: lls[j]) == c["gold"])
    lm_eval_acc = None
    files = sorted(glob.glob(os.path.join(out_dir, "**", "results_*.json"), recursive=True), key=os.path.getmtime)
    if files:
        with open(files[-1], encoding="utf-8") as f:
            lm_eval_acc = json.load(f)["results"][TASK_NAME].get("acc,none")

    end = time.perf_counter()
    bench_common.emit({
        "harness": "lm-eval", "task": "loglikelihood", "items": len(choices), "requests": len(results),
        "tokens": stats["tokens"], "seconds": marks["ll_end"] - marks["ll_start"],
        "load_seconds": marks["init_end"] - marks["init_start"], "batch_size": args.batch_size,
        "padding_ratio": 1 - stats["real"] / stats["positions"], "forward_rows": stats["rows"],
        "checksum": sum(ll for ll, _ in results), "greedy": sum(g for _, g in results),
        "acc": correct / len(choices), "lm_eval_acc": lm_eval_acc, "requests_checked": True,
        "threads": threads, "dtype": "float32",
        "phases": {
            "python_and_imports": marks["cli_start"] - T_START,
            "cli_to_model_load": marks["init_start"] - marks["cli_start"],
            "model_load": marks["init_end"] - marks["init_start"],
            "load_to_scoring": marks["ll_start"] - marks["init_end"],
            "scoring": marks["ll_end"] - marks["ll_start"],
            "after_scoring": end - marks["ll_end"],
        },
        "versions": {"lm_eval": getattr(lm_eval, "__version__", None), "torch": torch.__version__,
                     "transformers": transformers.__version__},
    })


if __name__ == "__main__":
    main()
