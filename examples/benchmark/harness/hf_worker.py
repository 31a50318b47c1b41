#!/usr/bin/env python3
"""Peer harness "transformers" (task loglikelihood) and "transformers-generate" (task generate).

One task per process; prints one BENCH line (see ../README.md). Benchmark tooling only.

loglikelihood: eager PyTorch, fp32, lm-eval 0.4.13 request semantics: pairs encoded as
TemplateLM._encode_pair, sorted longest first like lm-eval's Collator, batches of --batch-size
right-padded with token 0 and no attention mask (as HFLM._model_call), logits of row i sliced at
[inplen - contlen, inplen), log_softmax, gather, sum; greedy = argmax equals the continuation.
No logits cache / prefix sharing: one model row per request.

generate: greedy `model.generate(do_sample=False)` with the KV cache, prompts sorted longest first
(as lm-eval's generate_until), batches of --batch-size left-padded with an attention mask,
max_new_tokens from the request file, stopping only at the model's EOS.
"""
import argparse
import hashlib
import json
import time

import bench_common

T_START = bench_common.PROCESS_START


def load(model_dir, attn):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    t0 = time.perf_counter()
    tok = AutoTokenizer.from_pretrained(model_dir)
    kwargs = {"dtype": torch.float32}
    if attn:
        kwargs["attn_implementation"] = attn
    model = AutoModelForCausalLM.from_pretrained(model_dir, **kwargs)
    model.eval()
    return tok, model, time.perf_counter() - t0


def loglikelihood(tok, model, choices, batch_size):
    import torch
    t0 = time.perf_counter()
    pairs = bench_common.loglikelihood_requests(choices)
    enc = [bench_common.encode_pair(tok, c, k) for c, k in pairs]
    max_length = model.config.max_position_embeddings
    order = sorted(range(len(enc)), key=lambda i: (-len(enc[i][0] + enc[i][1]), tuple(enc[i][0] + enc[i][1])))
    results = [None] * len(enc)
    positions = real = 0
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            inps = [(enc[i][0] + enc[i][1])[-(max_length + 1):][:-1] for i in idx]
            width = max(len(x) for x in inps)
            batch = torch.zeros((len(idx), width), dtype=torch.long)
            for r, x in enumerate(inps):
                batch[r, :len(x)] = torch.tensor(x, dtype=torch.long)
            positions += batch.numel()
            real += sum(len(x) for x in inps)
            logits = model(batch).logits
            for r, i in enumerate(idx):
                cont = enc[i][1]
                inplen = len(inps[r])
                sl = torch.log_softmax(logits[r, inplen - len(cont):inplen].float(), dim=-1)
                target = torch.tensor(cont, dtype=torch.long)
                greedy = bool((sl.argmax(dim=-1) == target).all())
                results[i] = (float(sl.gather(1, target.unsqueeze(1)).sum()), greedy)
    seconds = time.perf_counter() - t0
    correct, at = 0, 0
    for c in choices:
        lls = [results[at + j][0] for j in range(len(c["choices"]))]
        correct += int(max(range(len(lls)), key=lambda j: lls[j]) == c["gold"])
        at += len(c["choices"])
    return {
        "task": "loglikelihood", "items": len(choices), "requests": len(enc),
        "tokens": sum(len(c) + len(k) for c, k in enc), "seconds": seconds,
        "padding_ratio": 1 - real / positions, "forward_rows": len(enc),
        "checksum": sum(ll for ll, _ in results), "greedy": sum(g for _, g in results),
        "acc": correct / len(choices),
    }


def generate(tok, model, prompts, batch_size):
    import torch
    t0 = time.perf_counter()
    eos = model.generation_config.eos_token_id
    eos_ids = set(eos if isinstance(eos, list) else [eos])
    pad = tok.pad_token_id if tok.pad_token_id is not None else next(iter(eos_ids))
    tok.padding_side = "left"
    lens = [len(bench_common.tok_encode(tok, p["prompt"])) for p in prompts]
    order = sorted(range(len(prompts)), key=lambda i: (prompts[i]["max_new_tokens"], -lens[i], prompts[i]["prompt"]))
    outputs = [None] * len(prompts)
    positions = real = 0
    with torch.inference_mode():
        start = 0
        while start < len(order):
            n_new = prompts[order[start]]["max_new_tokens"]
            idx = [i for i in order[start:start + batch_size] if prompts[i]["max_new_tokens"] == n_new]
            start += len(idx)
            texts = [prompts[i]["prompt"] for i in idx]
            bos = tok.bos_token
            special = {"add_special_tokens": False} if bos and texts[0].startswith(bos) else {}
            batch = tok(texts, return_tensors="pt", padding="longest", **special)
            positions += batch["input_ids"].numel()
            real += int(batch["attention_mask"].sum())
            out = model.generate(**batch, max_new_tokens=n_new, do_sample=False, num_beams=1,
                                 pad_token_id=pad, eos_token_id=sorted(eos_ids))
            width = batch["input_ids"].shape[1]
            for r, i in enumerate(idx):
                ids = []
                for t in out[r, width:].tolist():
                    ids.append(t)
                    if t in eos_ids:
                        break
                outputs[i] = ids
    seconds = time.perf_counter() - t0
    digest = hashlib.sha256(json.dumps(outputs).encode()).hexdigest()
    return {
        "task": "generate", "items": len(prompts), "requests": len(prompts),
        "tokens": sum(len(o) for o in outputs), "seconds": seconds,
        "padding_ratio": 1 - real / positions, "prompt_tokens": sum(lens),
        "checksum": sum(sum(o) for o in outputs), "digest": digest,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--task", choices=bench_common.TASKS, required=True)
    ap.add_argument("--model", required=True, help="Hugging Face model folder")
    ap.add_argument("--requests", required=True, help="request file written by requests.py")
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--attn", default="", help="attn_implementation (default: transformers' default, as lm-eval)")
    args = ap.parse_args()

    import torch
    import transformers
    threads = bench_common.setup_threads()
    _, choices, prompts = bench_common.read_requests(args.requests)
    t_imported = time.perf_counter()
    tok, model, load_seconds = load(args.model, args.attn)
    if args.task == "loglikelihood":
        rec = loglikelihood(tok, model, choices, args.batch_size)
        harness = "transformers"
    else:
        rec = generate(tok, model, prompts, args.batch_size)
        harness = "transformers-generate"
    bench_common.emit({
        "harness": harness, **rec, "load_seconds": load_seconds, "batch_size": args.batch_size,
        "threads": threads, "dtype": "float32", "attn_implementation": model.config._attn_implementation,
        "startup_seconds": t_imported - T_START,
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__},
    })


if __name__ == "__main__":
    main()
