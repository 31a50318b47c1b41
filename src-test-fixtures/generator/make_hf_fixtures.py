#!/usr/bin/env python3
"""Deterministic generator for Retention's Hugging Face checkpoint fixtures and their reference truth.

Run from the repository root (about 6 minutes of CPU time on one thread; the run prints its own time):

    HF_HUB_OFFLINE=1 OMP_NUM_THREADS=1 /work/venv/bin/python src-test-fixtures/generator/make_hf_fixtures.py

Environment of the committed outputs (repeated in every reference file under "generator"): Python 3.11,
torch 2.15.0 (CPU), transformers 5.24.0, peft 0.21.2, tokenizers 0.23.3, safetensors 0.8.0, numpy 2.4.6,
one thread, torch.use_deterministic_algorithms(True), fixed seeds. Nothing is downloaded.

Outputs (under src-test-fixtures/), written into .generating-hf/ and swapped in only once every check of
this script has passed:
  hf/<fixture>/            a tiny real checkpoint saved by transformers' save_pretrained (safetensors,
                           config.json, generation_config.json) plus the fixture tokenizer
  adapters/<name>/         PEFT adapters saved by PEFT's save_pretrained on top of one of those fixtures
  hf-reference/<fixture>.json, hf-reference/adapter-<name>.json
                           transformers' (and PEFT's) own scores on them, computed in float32

Every checkpoint reuses the committed tokenizer of the TorchScript fixtures
(src-test-fixtures/models/base/tokenizer.json: 640-id byte-level BPE, <|endoftext|> = 0 is EOS and is
also used as BOS, <pad> = 1 is the padding id). Each family is trained for a few hundred seeded AdamW
steps on the suite strings and the general corpus so that next-token distributions are peaked and greedy
paths are far from ties.

Reference semantics (the Java implementation must reproduce these):
  * Log-likelihood requests use the lm-evaluation-harness encoding of make_fixtures.py: trailing
    whitespace of the context moves to the front of the continuation; context+continuation is encoded
    whole (no special tokens) and split after len(encode(context)); an empty context becomes [EOS];
    the input is the last contextLength+1 tokens of context+continuation, minus the final one. Each
    request is scored alone (batch 1, no padding) by a model in float32 with eager attention.
    logprobs are float32 log_softmax values; ll is their float64 sum; argmax/greedy per position.
  * Rolling log-likelihood: disjoint windows of contextLength tokens, the first one conditioned on the
    prefix token [EOS] (make_fixtures.py rolling_windows).
  * Generation: transformers generate(do_sample=False, max_new_tokens=24, eos_token_id=EOS,
    pad_token_id=PAD) with its KV cache, once on one left-padded batch of all prompts and once per prompt
    alone; both must give the same tokens (except llama-dynamic, see below: alone is the truth), and so
    must greedy decoding without the cache. "tokens" excludes the EOS; minMargin is the smallest gap
    between the top-1 and top-2 logits along the greedy path.
  * Margins: a request or prompt whose greedy decision at any step has a top-1/top-2 logit gap below
    MIN_MARGIN (1e-3) would let float differences between CPUs flip the answer, so it is skipped
    deterministically and the next candidate of the same group is taken; the skipped ones are listed under
    "skipped" in the reference.
  * Dynamic NTK RoPE (llama-dynamic) is stateful in transformers 5.24 (modeling_rope_utils.py,
    dynamic_rope_update.dynamic_frequency_update): the rotary module recomputes inv_freq when the largest
    position id of a forward call + 1 exceeds the largest length seen so far, and resets only when a call is
    shorter than max_position_embeddings. The reference resets that state before every scored request
    and every generate() call, i.e. it records what a freshly loaded model gives. See the reference's
    "notes" for what this means inside generate().
"""
import json
import math
import os
import platform
import random
import re
import shutil
import sys
import time

# PEFT stores target_modules lists through a Python set; a fixed hash seed makes their order (and so
# adapter_config.json) reproducible, so the script re-executes itself with PYTHONHASHSEED=0.
if os.environ.get("PYTHONHASHSEED") != "0":
    os.execve(sys.executable, [sys.executable] + sys.argv, dict(os.environ, PYTHONHASHSEED="0"))
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")

import numpy  # noqa: E402
import peft  # noqa: E402
import safetensors  # noqa: E402
import tokenizers  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from safetensors import safe_open  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402
from transformers import AutoModelForCausalLM  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import suites_content  # noqa: E402

transformers.logging.set_verbosity_error()
transformers.utils.logging.disable_progress_bar()
torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

START = time.time()
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTPUTS = ("hf", "hf-reference", "adapters")
STAGING = os.path.join(ROOT, ".generating-hf")
TOKENIZER_DIR = os.path.join(ROOT, "models", "base")
SUITES = os.path.join(ROOT, "suites")

SEED = 20261127
CONTEXT_LENGTH = 128
MAX_NEW_TOKENS = 24
MIN_MARGIN = 1e-3
VOCAB = 640
MAX_POSITIONS = 256
HIDDEN, HEADS, KV_HEADS, HEAD_DIM, INTERMEDIATE = 64, 4, 2, 16, 128
TRAIN_STEPS, TRAIN_BATCH, TRAIN_LEN, TRAIN_LR = 600, 8, 128, 3e-3
N_SHORT_PROMPTS, N_LONG_PROMPTS = 10, 2


def log(msg):
    print("[%7.1fs] %s" % (time.time() - START, msg), flush=True)


# =========================================================================== tokenizer and suites
TOK = Tokenizer.from_file(os.path.join(TOKENIZER_DIR, "tokenizer.json"))
EOS = TOK.token_to_id("<|endoftext|>")
PAD = TOK.token_to_id("<pad>")
assert TOK.get_vocab_size() == VOCAB and EOS is not None and PAD is not None


def encode(s):
    return TOK.encode(s, add_special_tokens=False).ids


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


GENERAL = read_jsonl(os.path.join(SUITES, "general.jsonl"))
DOMAIN = read_jsonl(os.path.join(SUITES, "domain.jsonl"))
with open(os.path.join(SUITES, "general-text.txt"), encoding="utf-8") as _f:
    GENERAL_TEXT = _f.read()


def request_of(item):
    """(context, continuation) of a suite item: generate → prompt/answer, choice → delimiter + gold choice,
    loglikelihood → delimiter + answer."""
    if item["kind"] == "generate":
        return item["prompt"], item["answer"]
    delim = item.get("delimiter", " ")
    if item["kind"] == "choice":
        return item["context"], delim + item["choices"][item["gold"]]
    return item["context"], delim + item["answer"]


def training_documents():
    docs = []
    for item in suites_content.general_items() + suites_content.domain_items():
        c, a = request_of(item)
        docs.append(c + a)
    rng = random.Random("retention-hf-fixtures:corpus")
    for _ in range(300):
        docs.append(suites_content.corpus_paragraph(rng))
    return docs


def domain_documents():
    return ["".join(request_of(i)) for i in suites_content.domain_items()]


def token_stream(docs, seed):
    rng = random.Random(seed)
    docs = list(docs)
    rng.shuffle(docs)
    stream = []
    for d in docs:
        stream += encode(d) + [EOS]
    return stream


# =========================================================================== fixture families
def common(**kw):
    base = dict(vocab_size=VOCAB, max_position_embeddings=MAX_POSITIONS, bos_token_id=EOS, eos_token_id=EOS,
                pad_token_id=PAD, use_cache=True)
    base.update(kw)
    return base


def llama_like(**kw):
    base = dict(hidden_size=HIDDEN, intermediate_size=INTERMEDIATE, num_hidden_layers=2, num_attention_heads=HEADS,
                num_key_value_heads=KV_HEADS, head_dim=HEAD_DIM, rms_norm_eps=1e-6)
    base.update(kw)
    return common(**base)


FIXTURES = [
    dict(name="llama", cls="LlamaConfig",
         config=llama_like(tie_word_embeddings=True,
                           rope_parameters=dict(rope_type="llama3", rope_theta=50000.0, factor=4.0,
                                                low_freq_factor=1.0, high_freq_factor=4.0,
                                                original_max_position_embeddings=32)),
         quirks=["tied embeddings: no lm_head.weight in model.safetensors",
                 "RoPE llama3 scaling (factor 4, low_freq_factor 1, high_freq_factor 4, "
                 "original_max_position_embeddings 32, rope_theta 50000): frequencies kept, smoothed and divided",
                 "config.json in the transformers v4 style: rope_scaling + rope_theta, torch_dtype, "
                 "no rope_parameters",
                 "grouped-query attention: 4 query heads, 2 key/value heads"],
         v4_config=True),
    dict(name="llama-linear", cls="LlamaConfig",
         config=llama_like(tie_word_embeddings=False, attention_bias=True, mlp_bias=True,
                           rope_parameters=dict(rope_type="linear", rope_theta=10000.0, factor=2.0)),
         quirks=["RoPE linear scaling, factor 2 (v5-style rope_parameters)",
                 "untied lm_head.weight",
                 "attention_bias and mlp_bias: biases on q/k/v/o and gate/up/down projections",
                 "grouped-query attention: 4 query heads, 2 key/value heads"]),
    dict(name="llama-dynamic", cls="LlamaConfig",
         config=llama_like(tie_word_embeddings=False, max_position_embeddings=64,
                           rope_parameters=dict(rope_type="dynamic", rope_theta=10000.0, factor=2.0)),
         quirks=["RoPE dynamic NTK scaling, factor 2; transformers 5.24 uses max_position_embeddings (64) as the "
                 "original length, so every forward call whose largest position id + 1 exceeds 64 recomputes "
                 "the frequencies for that length",
                 "inputs longer than max_position_embeddings (RoPE has no hard limit)",
                 "untied lm_head.weight"]),
    dict(name="mistral", cls="MistralConfig",
         config=llama_like(tie_word_embeddings=False, sliding_window=16,
                           rope_parameters=dict(rope_type="default", rope_theta=10000.0)),
         quirks=["sliding_window 16 on every layer (key j visible from query i iff i - 16 < j <= i)",
                 "sharded: several model-0000k-of-0000n.safetensors + model.safetensors.index.json",
                 "untied lm_head.weight"],
         shard="250KB"),
    dict(name="qwen2", cls="Qwen2Config",
         config=llama_like(tie_word_embeddings=False, rope_parameters=dict(rope_type="default", rope_theta=10000.0)),
         quirks=["non-zero q/k/v biases (no bias on o_proj)", "untied lm_head.weight"],
         random_biases=True),
    dict(name="qwen3", cls="Qwen3Config",
         config=llama_like(tie_word_embeddings=True, head_dim=32,
                           rope_parameters=dict(rope_type="default", rope_theta=1000000.0)),
         quirks=["per-head RMSNorm on q and k (q_norm/k_norm of size head_dim) before RoPE",
                 "head_dim 32 != hidden_size / num_attention_heads (16)",
                 "weights stored in bfloat16; the reference upcasts them to float32",
                 "tied embeddings"],
         store_dtype=torch.bfloat16),
    dict(name="gemma2", cls="Gemma2Config",
         config=common(hidden_size=HIDDEN, intermediate_size=INTERMEDIATE, num_hidden_layers=2,
                       num_attention_heads=HEADS, num_key_value_heads=KV_HEADS, head_dim=24,
                       query_pre_attn_scalar=32, attn_logit_softcapping=4.0, final_logit_softcapping=6.0,
                       sliding_window=16, layer_types=["sliding_attention", "full_attention"],
                       hidden_activation="gelu_pytorch_tanh", tie_word_embeddings=True, rms_norm_eps=1e-6,
                       rope_parameters=dict(rope_type="default", rope_theta=10000.0)),
         quirks=["attention logit soft-capping 4.0: scores = 4 * tanh(scores / 4) before the mask",
                 "final logit soft-capping 6.0: logits = 6 * tanh(logits / 6)",
                 "query_pre_attn_scalar 32: scores scaled by 32^-0.5, not head_dim^-0.5",
                 "head_dim 24 != hidden_size / num_attention_heads (16)",
                 "layer_types [sliding_attention, full_attention], sliding_window 16",
                 "RMSNorm multiplies by (1 + weight); four norms per layer",
                 "embeddings multiplied by sqrt(hidden_size) = 8 (cast to the compute dtype)",
                 "gelu_pytorch_tanh MLP activation",
                 "tied embeddings"]),
    dict(name="gemma3_text", cls="Gemma3TextConfig",
         config=common(hidden_size=HIDDEN, intermediate_size=INTERMEDIATE, num_hidden_layers=4,
                       num_attention_heads=HEADS, num_key_value_heads=KV_HEADS, head_dim=24,
                       query_pre_attn_scalar=24, sliding_window=16,
                       layer_types=["sliding_attention", "sliding_attention", "full_attention",
                                    "sliding_attention"],
                       hidden_activation="gelu_pytorch_tanh", tie_word_embeddings=True, rms_norm_eps=1e-6,
                       rope_parameters={"sliding_attention": dict(rope_type="default", rope_theta=10000.0),
                                        "full_attention": dict(rope_type="linear", factor=2.0,
                                                               rope_theta=1000000.0)}),
         quirks=["explicit layer_types [sliding, sliding, full, sliding] (not the period-6 default, not "
                 "alternating), sliding_window 16",
                 "per-layer-type RoPE: sliding layers rope_theta 10000 default, full layers rope_theta 1e6 "
                 "with linear scaling factor 2 (v5 nested rope_parameters)",
                 "per-head q/k RMSNorm with (1 + weight)",
                 "head_dim 24 != hidden_size / num_attention_heads (16); query_pre_attn_scalar 24",
                 "RMSNorm multiplies by (1 + weight); embeddings multiplied by sqrt(hidden_size) = 8",
                 "tied embeddings"]),
    dict(name="phi3", cls="Phi3Config",
         config=common(hidden_size=HIDDEN, intermediate_size=INTERMEDIATE, num_hidden_layers=2,
                       num_attention_heads=HEADS, num_key_value_heads=KV_HEADS, tie_word_embeddings=False,
                       original_max_position_embeddings=MAX_POSITIONS, resid_pdrop=0.0, embd_pdrop=0.0,
                       attention_dropout=0.0, rms_norm_eps=1e-5,
                       rope_parameters=dict(rope_type="default", rope_theta=10000.0)),
         quirks=["fused self_attn.qkv_proj (rows: q of 4 heads, then k of 2, then v of 2)",
                 "fused mlp.gate_up_proj (rows: gate, then up)",
                 "weights stored in float16; the reference upcasts them to float32",
                 "untied lm_head.weight"],
         store_dtype=torch.float16),
    dict(name="gpt2", cls="GPT2Config",
         config=dict(vocab_size=VOCAB, n_positions=MAX_POSITIONS, n_embd=HIDDEN, n_layer=2, n_head=HEADS,
                     n_inner=INTERMEDIATE, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
                     bos_token_id=EOS, eos_token_id=EOS, pad_token_id=PAD, tie_word_embeddings=True),
         quirks=["Conv1D weights stored (in, out): transpose for x @ W^T",
                 "fused c_attn (q, k, v along the output axis)",
                 "learned absolute positions (wpe), taken from the attention mask in generate()",
                 "gelu_new (tanh) activation, LayerNorm with bias",
                 "tied embeddings (lm_head = wte)"],
         lr=1e-2, steps=900),
    dict(name="olmo2", cls="Olmo2Config",
         config=llama_like(tie_word_embeddings=False, rms_norm_eps=1e-5,
                           rope_parameters=dict(rope_type="default", rope_theta=500000.0)),
         quirks=["q_norm / k_norm RMSNorm over the whole projection (size heads*head_dim), before the "
                 "head split and RoPE",
                 "norms after each sub-layer (post_attention_layernorm, post_feedforward_layernorm), no "
                 "input norm",
                 "untied lm_head.weight"],
         lr=6e-3),
    dict(name="granite", cls="GraniteConfig",
         config=llama_like(tie_word_embeddings=True, embedding_multiplier=6.0, attention_multiplier=0.125,
                           residual_multiplier=0.5, logits_scaling=4.0,
                           rope_parameters=dict(rope_type="default", rope_theta=10000.0)),
         quirks=["embedding_multiplier 6: embeddings * 6",
                 "attention_multiplier 0.125 replaces head_dim^-0.5 (0.25)",
                 "residual_multiplier 0.5: each sub-layer output * 0.5 before the residual add",
                 "logits_scaling 4: logits / 4",
                 "tied embeddings"],
         lr=6e-3),
]

ADAPTERS = [
    dict(name="llama-lora", base="llama", kind="lora",
         config=dict(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj", "o_proj", "gate_proj"],
                     rank_pattern={"v_proj": 2}, alpha_pattern={"v_proj": 6}, bias="none", lora_dropout=0.0),
         quirks=["LoRA r=4, lora_alpha=8 (scaling 2) on q_proj, v_proj, o_proj, gate_proj",
                 "rank_pattern {v_proj: 2} and alpha_pattern {v_proj: 6}: v_proj has r=2, scaling 3",
                 "base is tied (no lm_head.weight)"]),
    dict(name="llama-rslora", base="llama-linear", kind="lora",
         config=dict(r=4, lora_alpha=8, target_modules=r".*\.(q_proj|k_proj|v_proj|down_proj)$",
                     use_rslora=True, bias="lora_only", modules_to_save=["lm_head"], lora_dropout=0.0),
         quirks=["rsLoRA: scaling lora_alpha / sqrt(r) = 4",
                 "target_modules given as a regex string (full-match against module names)",
                 "bias lora_only: trained biases of the targeted layers are saved as "
                 "<module>.base_layer.bias and replace the base biases",
                 "modules_to_save [lm_head]: a full trained copy of lm_head.weight replaces the base one"]),
    dict(name="gpt2-lora", base="gpt2", kind="lora",
         config=dict(r=4, lora_alpha=8, target_modules=["c_attn", "c_proj", "c_fc"], fan_in_fan_out=True,
                     bias="none", lora_dropout=0.0),
         quirks=["LoRA on GPT-2 Conv1D layers c_attn, c_proj (attention and MLP), c_fc",
                 "fan_in_fan_out=True: delta = (B @ A)^T added to the (in, out) Conv1D weight"]),
    dict(name="llama-dora", base="llama", kind="lora",
         config=dict(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], use_dora=True, lora_dropout=0.0),
         quirks=["DoRA (use_dora=True): lora_magnitude_vector rescales the column norms; a different "
                 "forward than plain LoRA (Java refuses it by name)"]),
    dict(name="llama-ia3", base="llama", kind="ia3",
         config=dict(target_modules=["k_proj", "v_proj", "down_proj"], feedforward_modules=["down_proj"]),
         quirks=["IA3 (peft_type IA3): learned vectors scale k_proj/v_proj outputs and down_proj inputs; "
                 "another tuner (Java refuses it by name)"]),
]


# =========================================================================== training
def train(model, params, stream, steps, lr, seed, batch=TRAIN_BATCH, length=TRAIN_LEN, warmup=20):
    rng = random.Random(seed)
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    model.train()
    first = last = None
    for step in range(steps):
        f = min(1.0, (step + 1) / warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * step / steps)))
        for g in opt.param_groups:
            g["lr"] = lr * f
        rows = []
        for _ in range(batch):
            s = rng.randrange(0, len(stream) - length)
            rows.append(stream[s:s + length])
        x = torch.tensor(rows, dtype=torch.long)
        loss = model(input_ids=x, labels=x).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
        if first is None:
            first = loss.item()
        last = loss.item()
    model.eval()
    return first, last


# =========================================================================== scoring
def reset_rope_state(model):
    """Put every dynamic-RoPE rotary module back in its freshly loaded state (see module docstring)."""
    n = 0
    for m in model.modules():
        if not hasattr(m, "original_max_seq_len"):
            continue
        rope_type = getattr(m, "rope_type", None)
        types = rope_type.items() if isinstance(rope_type, dict) else [(None, rope_type)]
        for layer_type, rt in types:
            if rt is None or "dynamic" not in rt:
                continue
            prefix = "" if layer_type is None else layer_type + "_"
            original = getattr(m, prefix + "original_inv_freq")
            m.register_buffer(prefix + "inv_freq", original.clone(), persistent=False)
            setattr(m, prefix + "max_seq_len_cached", m.original_max_seq_len)
            n += 1
    return n


def logits_of(model, ids):
    reset_rope_state(model)
    x = torch.tensor([ids], dtype=torch.long)
    with torch.no_grad():
        out = model(input_ids=x, attention_mask=torch.ones_like(x))
    return out.logits[0].float()


def margin_of(row):
    top = torch.topk(row, 2).values
    return float(top[0] - top[1])


def encode_pair(context, continuation):
    n_spaces = len(context) - len(context.rstrip())
    if n_spaces > 0:
        continuation = context[-n_spaces:] + continuation
        context = context[:-n_spaces]
    ctx = encode(context)
    if not ctx:
        return [EOS], encode(continuation), continuation
    whole = encode(context + continuation)
    return ctx, whole[len(ctx):], continuation


def build_input(context, continuation):
    ctx, cont, _ = encode_pair(context, continuation)
    assert 0 < len(cont) <= CONTEXT_LENGTH
    whole = ctx + cont
    inp = whole[-(CONTEXT_LENGTH + 1):][:-1]
    return inp, cont, len(whole) > CONTEXT_LENGTH + 1


def score_request(model, context, continuation):
    inp, cont, _ = build_input(context, continuation)
    logp = torch.log_softmax(logits_of(model, inp), dim=-1)
    sl = logp[len(inp) - len(cont):len(inp)]
    target = torch.tensor(cont, dtype=torch.long)
    picked = sl.gather(1, target.unsqueeze(1)).squeeze(1)
    logprobs = [float(v) for v in picked.tolist()]
    argmax = [int(v) for v in sl.argmax(dim=-1).tolist()]
    return dict(input=inp, continuationTokens=cont, logprobs=logprobs, argmax=argmax,
                ll=float(sum(logprobs)), greedy=argmax == cont,
                argmaxMargin=min(margin_of(r) for r in sl))


def rolling_windows(tokens, prefix, max_len):
    """lm-eval get_rolling_token_windows(context_len=1) followed by make_disjoint_window (as make_fixtures.py)."""
    if not tokens:
        return
    first = min(max_len, len(tokens))
    yield [prefix], tokens[:first]
    predicted = first
    while predicted < len(tokens):
        wlen = min(len(tokens) - predicted, max_len)
        end = predicted + wlen
        ctx = tokens[end - max_len - 1:end - 1]
        cont = tokens[end - wlen:end]
        yield ctx[:len(ctx) - (len(cont) - 1)], cont
        predicted += wlen


def score_rolling(model, text):
    toks = encode(text)
    logprobs, windows, lengths = [], 0, []
    for ctx, cont in rolling_windows(toks, EOS, CONTEXT_LENGTH):
        inp = (ctx + cont)[-(CONTEXT_LENGTH + 1):][:-1]
        logp = torch.log_softmax(logits_of(model, inp), dim=-1)
        sl = logp[len(inp) - len(cont):len(inp)]
        picked = sl.gather(1, torch.tensor(cont, dtype=torch.long).unsqueeze(1)).squeeze(1)
        logprobs += [float(v) for v in picked.tolist()]
        windows += 1
        lengths.append(len(inp))
    # The text itself is kept so the reference stays valid if suites/general-text.txt is regenerated.
    return dict(source="suites/general-text.txt", text=text, prefixToken=EOS, tokenIds=toks, windows=windows,
                windowInputLengths=lengths, logprobs=logprobs, ll=float(sum(logprobs)))


def gen_kwargs():
    return dict(do_sample=False, max_new_tokens=MAX_NEW_TOKENS, eos_token_id=EOS, pad_token_id=PAD,
                output_logits=True, return_dict_in_generate=True)


def greedy_path(seq, step_logits, row, start):
    """Generated ids (EOS excluded), whether EOS stopped it, and the min top-1/top-2 gap of its steps."""
    tokens, stopped, margins = [], False, []
    for step, lg in enumerate(step_logits):
        if start + step >= seq.shape[1]:
            break
        margins.append(margin_of(lg[row].float()))
        t = int(seq[row, start + step])
        if t == EOS:
            stopped = True
            break
        tokens.append(t)
    return tokens, stopped, min(margins)


def generate_alone(model, ids, use_cache=True):
    reset_rope_state(model)
    x = torch.tensor([ids], dtype=torch.long)
    with torch.no_grad():
        out = model.generate(input_ids=x, attention_mask=torch.ones_like(x), use_cache=use_cache, **gen_kwargs())
    return greedy_path(out.sequences, out.logits, 0, len(ids))


def generate_batch(model, prompts):
    width = max(len(p) for p in prompts)
    ids = torch.tensor([[PAD] * (width - len(p)) + p for p in prompts], dtype=torch.long)
    mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in prompts], dtype=torch.long)
    reset_rope_state(model)
    with torch.no_grad():
        out = model.generate(input_ids=ids, attention_mask=mask, **gen_kwargs())
    return [greedy_path(out.sequences, out.logits, r, width) for r in range(len(prompts))]


# =========================================================================== request and prompt candidates
def round_robin(items, key):
    groups = {}
    for it in items:
        groups.setdefault(key(it), []).append(it)
    out, i = [], 0
    while any(i < len(g) for g in groups.values()):
        for g in groups.values():
            if i < len(g):
                out.append(g[i])
        i += 1
    return out


def sentence_starts(text):
    starts = [0] + [m.end() for m in re.finditer(r"[.!?]\s+", text)]
    return sorted(set(s for s in starts if s < len(text)))


def text_cut(text, start, min_tokens):
    """The shortest prefix of text[start:] ending at a word end with at least min_tokens tokens."""
    ends = [m.start() for m in re.finditer(r"\s+", text[start:])] + [len(text) - start]
    for e in ends:
        piece = text[start:start + e]
        if len(encode(piece)) >= min_tokens:
            return piece, start + e
    return None, None


def next_words(text, pos, n):
    m = re.match(r"(\s*\S+){%d}" % n, text[pos:])
    return m.group(0) if m else None


def ll_candidate_groups():
    """Groups of (id, context, continuation) candidates; the reference takes `need` passing ones of each."""
    groups = []
    for cat in sorted(set(i["category"] for i in GENERAL)):
        for kind, need in (("choice", 2), ("loglikelihood", 2), ("generate", 2)):
            cands = [(i["id"], *request_of(i)) for i in GENERAL if i["category"] == cat and i["kind"] == kind]
            groups.append(("general/%s/%s" % (cat, kind), need, cands))
    for kind, need in (("choice", 4), ("loglikelihood", 3), ("generate", 3)):
        cands = [(i["id"], *request_of(i)) for i in DOMAIN if i["kind"] == kind]
        groups.append(("domain/%s" % kind, need, cands))
    # Encoding edge cases: an empty context (scored after the prefix token) and a context whose trailing
    # whitespace moves into the continuation.
    groups.append(("edge/empty-context", 1, [
        ("edge-empty-%d" % k, "", " " + s) for k, s in enumerate(
            ["The capital of France is Paris.", "Kim is richer than Cal.", "17 plus 17 is 34."])]))
    groups.append(("edge/trailing-space", 1, [
        ("edge-space-%d" % k, c, a) for k, (c, a) in enumerate(
            [("The capital of Austria is ", "Vienna"), ("Ticket: I forgot my password.\nTeam >> ", "account"),
             ("The word flower has ", "6 letters")])]))
    # Long inputs (longer than every sliding window and than llama-dynamic's 64 positions), cut from the
    # held-out text; then two that need left truncation (context+continuation > contextLength + 1).
    # Each group starts its search at a different sentence so the long requests do not share one prefix.
    starts = sentence_starts(GENERAL_TEXT)
    for g, target in enumerate((66, 80, 96, 110, 120, 126)):
        cands = []
        for s in starts[4 * g:] + starts[:4 * g]:
            ctx, end = text_cut(GENERAL_TEXT, s, target - 1)
            cont = next_words(GENERAL_TEXT, end, 2) if ctx else None
            if ctx and cont:
                inp, _, truncated = build_input(ctx, cont)
                if len(inp) >= target - 1 and not truncated:
                    cands.append(("long-%d-at-%d" % (target, s), ctx, cont))
        groups.append(("long/%d" % target, 1, cands))
    for g, target in enumerate((170, 220)):
        cands = []
        for s in starts[5 + 7 * g:] + starts[:5 + 7 * g]:
            ctx, end = text_cut(GENERAL_TEXT, s, target)
            cont = next_words(GENERAL_TEXT, end, 3) if ctx else None
            if ctx and cont and build_input(ctx, cont)[2]:
                cands.append(("truncated-%d-at-%d" % (target, s), ctx, cont))
        groups.append(("truncated/%d" % target, 1, cands))
    return groups


def prompt_candidate_groups():
    gen = [i for i in GENERAL if i["kind"] == "generate"]
    short = [(i["id"], i["prompt"]) for i in round_robin(gen, lambda i: i["category"])]
    # Long prompts end inside a sentence (at a word end), so the greedy continuation runs for several
    # tokens past the sliding windows and past llama-dynamic's 64 positions.
    longs = []
    starts = sentence_starts(GENERAL_TEXT)
    for g, (lo, hi) in enumerate(((66, 80), (90, 100))):
        cands = []
        for s in starts[6 * g:] + starts[:6 * g]:
            for m in re.finditer(r"\S(?=\s)", GENERAL_TEXT[s:]):
                piece = GENERAL_TEXT[s:s + m.end()]
                n = len(encode(piece))
                if n > hi:
                    break
                if n >= lo and piece[-1] not in ".!?:":
                    cands.append(("text-%d-%d" % (s, s + m.end()), piece))
        longs.append(cands)
    return [("short", N_SHORT_PROMPTS, short), ("long/66-80", 1, longs[0]), ("long/90-100", 1, longs[1])]


# =========================================================================== references
def versions():
    return dict(python=platform.python_version(), torch=torch.__version__, transformers=transformers.__version__,
                peft=peft.__version__, tokenizers=tokenizers.__version__, safetensors=safetensors.__version__,
                numpy=numpy.__version__, threads=torch.get_num_threads(), seed=SEED,
                deterministicAlgorithms=torch.are_deterministic_algorithms_enabled(),
                script="src-test-fixtures/generator/make_hf_fixtures.py")


def select_requests(model, groups):
    chosen, skipped = [], []
    for group, need, cands in groups:
        taken = 0
        for cid, ctx, cont in cands:
            if taken == need:
                break
            r = score_request(model, ctx, cont)
            if r["argmaxMargin"] < MIN_MARGIN:
                skipped.append(dict(id=cid, group=group, reason="argmax margin %.3g < %g" %
                                    (r["argmaxMargin"], MIN_MARGIN)))
                continue
            _, _, moved = encode_pair(ctx, cont)
            chosen.append(dict(id=cid, group=group, context=ctx, continuation=cont, scoredContinuation=moved,
                               truncated=build_input(ctx, cont)[2], **r))
            taken += 1
        if taken < need:
            raise SystemExit("not enough requests with a clear argmax in group %s" % group)
    return chosen, skipped


def select_prompts(model, groups, batch_must_match=True):
    """Prompts whose greedy path alone has a clear margin; then one left-padded batch of all of them must
    give the same tokens (a prompt that breaks this is skipped and the next candidate taken)."""
    skipped, excluded = [], set()
    while True:
        chosen = []
        for group, need, cands in groups:
            taken = 0
            for cid, prompt in cands:
                if taken == need:
                    break
                if cid in excluded:
                    continue
                ids = encode(prompt)
                tokens, stopped, margin = generate_alone(model, ids)
                if margin < MIN_MARGIN:
                    excluded.add(cid)
                    skipped.append(dict(id=cid, reason="greedy margin %.3g < %g alone" % (margin, MIN_MARGIN)))
                    continue
                chosen.append(dict(id=cid, group=group, prompt=prompt, promptTokens=ids, tokens=tokens,
                                   stoppedAtEos=stopped, minMargin=margin))
                taken += 1
            if taken < need:
                raise SystemExit("not enough prompts with a clear greedy path in group %s" % group)
        batch = generate_batch(model, [c["promptTokens"] for c in chosen])
        bad = []
        for c, (tokens, stopped, margin) in zip(chosen, batch):
            c["batchTokens"], c["batchStoppedAtEos"], c["batchMinMargin"] = tokens, stopped, margin
            same = tokens == c["tokens"] and stopped == c["stoppedAtEos"]
            c["batchEqualsAlone"] = same
            if margin < MIN_MARGIN or (batch_must_match and not same):
                bad.append(c)
        if not bad:
            return chosen, skipped
        for c in bad:
            excluded.add(c["id"])
            skipped.append(dict(id=c["id"], reason="left-padded batch differs from alone or margin %.3g < %g" %
                                (c["batchMinMargin"], MIN_MARGIN)))


def compare_sdpa(folder, requests, loader):
    """The same requests with attn_implementation="sdpa": the largest |logprob difference| and whether every
    argmax agrees (None when transformers refuses sdpa for the family, as for Gemma 2)."""
    try:
        sdpa = loader(folder, "sdpa")
    except ValueError as e:
        return dict(supported=False, refusal=str(e).split(". ")[0]), None, None
    worst, agree = 0.0, True
    for r in requests:
        s = score_request(sdpa, r["context"], r["continuation"])
        worst = max(worst, max(abs(a - b) for a, b in zip(s["logprobs"], r["logprobs"])))
        agree = agree and s["argmax"] == r["argmax"]
    assert agree, "%s: sdpa and eager disagree on an argmax" % folder
    return dict(supported=True, maxAbsLogprobDiff=worst, argmaxAgrees=agree), worst, agree


def strip_internal(entries, keep_batch):
    out = []
    for e in entries:
        e = dict(e)
        if not keep_batch:
            for k in ("batchTokens", "batchStoppedAtEos"):
                e.pop(k)
        out.append(e)
    return out


def to_json(obj, indent=0):
    """Pretty JSON (one key per line) whose lists of numbers stay on one line, to keep the files small."""
    pad, inner = " " * indent, " " * (indent + 1)
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = [inner + json.dumps(k, ensure_ascii=False) + ": " + to_json(v, indent + 1) for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, (list, tuple)):
        if all(isinstance(v, (int, float, bool)) or v is None for v in obj):
            return "[" + ", ".join(json.dumps(v) for v in obj) + "]"
        return "[\n" + ",\n".join(inner + to_json(v, indent + 1) for v in obj) + "\n" + pad + "]"
    return json.dumps(obj, ensure_ascii=False)


def write_json(path, obj):
    text = to_json(obj) + "\n"
    assert json.loads(text) == json.loads(json.dumps(obj)), path
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


# =========================================================================== checkpoints
def load_fp32(folder, attn="eager"):
    model, info = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32, attn_implementation=attn,
                                                       output_loading_info=True)
    problems = {k: v for k, v in info.items() if v and k in ("missing_keys", "unexpected_keys", "mismatched_keys")}
    assert not problems, "%s loads with %s" % (folder, problems)
    model.eval()
    return model


def safetensors_files(folder):
    index = os.path.join(folder, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            return sorted(set(json.load(f)["weight_map"].values()))
    return ["model.safetensors"]


def tensor_dtypes(folder):
    out = {}
    for fn in safetensors_files(folder):
        with safe_open(os.path.join(folder, fn), "pt") as f:
            for k in f.keys():
                out[k] = str(f.get_slice(k).get_dtype())
    return out


def copy_tokenizer(folder):
    for fn in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(os.path.join(TOKENIZER_DIR, fn), os.path.join(folder, fn))


def to_v4_style(folder):
    """Rewrite a v5 config.json (rope_parameters, dtype) the way transformers 4.x wrote it
    (rope_scaling + rope_theta, torch_dtype)."""
    path = os.path.join(folder, "config.json")
    with open(path) as f:
        cfg = json.load(f)
    rope = dict(cfg.pop("rope_parameters"))
    cfg["rope_theta"] = rope.pop("rope_theta")
    cfg["rope_scaling"] = rope
    cfg["torch_dtype"] = cfg.pop("dtype")
    with open(path, "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
        f.write("\n")
    return cfg


def build_fixture(spec, index, folder):
    seed = SEED + index
    torch.manual_seed(seed)
    cfg = getattr(transformers, spec["cls"])(**spec["config"])
    model = AutoModelForCausalLM.from_config(cfg, attn_implementation="eager", dtype=torch.float32)
    if spec.get("random_biases"):
        with torch.no_grad():
            for n, p in model.named_parameters():
                if n.endswith(".bias"):
                    p.normal_(0.0, 0.2)
    stream = token_stream(training_documents(), "train:" + spec["name"])
    first, last = train(model, list(model.parameters()), stream, spec.get("steps", TRAIN_STEPS),
                        spec.get("lr", TRAIN_LR), seed)
    model.generation_config.bos_token_id = EOS
    model.generation_config.eos_token_id = EOS
    model.generation_config.pad_token_id = PAD
    if spec.get("store_dtype") is not None:
        model = model.to(spec["store_dtype"])
    kwargs = dict(max_shard_size=spec["shard"]) if spec.get("shard") else {}
    model.save_pretrained(folder, **kwargs)
    copy_tokenizer(folder)
    return first, last


# =========================================================================== quirk evidence
def default_inv_freq(theta, dim):
    return 1.0 / (theta ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))


def evidence_for(spec, folder, model, requests, v5_config=None):
    name = spec["name"]
    ev = {}
    dtypes = tensor_dtypes(folder)
    ev["storedDtypes"] = sorted(set(dtypes.values()))
    ev["safetensorsFiles"] = safetensors_files(folder)
    ev["hasLmHeadWeight"] = "lm_head.weight" in dtypes
    long_inputs = [r for r in requests if len(r["input"]) > 64]
    window = getattr(model.config, "sliding_window", None)
    if window:
        ev["requestsLongerThanSlidingWindow"] = sum(len(r["input"]) > window for r in requests)
        wide = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32, attn_implementation="eager",
                                                    sliding_window=4096).eval()
        ev["maxLogitChangeIfWindowIgnored"] = max(
            float((logits_of(model, r["input"]) - logits_of(wide, r["input"])).abs().max()) for r in long_inputs)
    if name == "llama":
        rot = model.model.rotary_emb
        base = default_inv_freq(50000.0, HEAD_DIM)
        ratio = (rot.inv_freq / base).tolist()
        ev["llama3InvFreqRatios"] = [round(x, 6) for x in ratio]
        ev["llama3Kept"] = sum(abs(x - 1) < 1e-6 for x in ratio)
        ev["llama3Divided"] = sum(abs(x - 0.25) < 1e-6 for x in ratio)
        ev["llama3Smoothed"] = len(ratio) - ev["llama3Kept"] - ev["llama3Divided"]
        assert ev["llama3Kept"] and ev["llama3Divided"] and ev["llama3Smoothed"], ratio
        with open(os.path.join(folder, "config.json")) as f:
            saved = json.load(f)
        assert "rope_parameters" not in saved and "rope_scaling" in saved and "rope_theta" in saved
        v5 = AutoModelForCausalLM.from_pretrained(folder, config=v5_config, dtype=torch.float32,
                                                  attn_implementation="eager").eval()
        diff = max(float((logits_of(model, r["input"]) - logits_of(v5, r["input"])).abs().max()) for r in long_inputs)
        ev["v4ConfigVsV5ConfigMaxLogitDiff"] = diff
        ev["loadedRopeParameters"] = model.config.rope_parameters
        assert diff == 0.0, diff
    if name == "llama-linear":
        ratio = (model.model.rotary_emb.inv_freq / default_inv_freq(10000.0, HEAD_DIM)).tolist()
        ev["linearInvFreqRatioRange"] = [min(ratio), max(ratio)]
        assert all(abs(x - 0.5) < 1e-6 for x in ratio)
        ev["biasModules"] = sorted(set(k.rsplit(".", 2)[-2] for k in dtypes if k.endswith(".bias")))
    if name == "llama-dynamic":
        mpe = model.config.max_position_embeddings
        ev["requestsLongerThanMaxPositions"] = sum(len(r["input"]) > mpe for r in requests)
        r = max(requests, key=lambda q: len(q["input"]))
        rot = model.model.rotary_emb
        reset_rope_state(model)
        _ = logits_of(model, r["input"])
        x = torch.tensor([r["input"]])
        with torch.no_grad():
            rot(x.float(), torch.arange(len(r["input"]))[None])
        expected = _dynamic_inv_freq(10000.0, HEAD_DIM, 2.0, len(r["input"]), mpe)
        ev["dynamicInvFreqMatchesFormula"] = float((rot.inv_freq - expected).abs().max())
        assert ev["dynamicInvFreqMatchesFormula"] < 1e-6
        # History dependence: the same request scored right after a longer one, without a reset.
        mid = [q for q in requests if mpe < len(q["input"]) < len(r["input"])][0]
        reset_rope_state(model)
        fresh = _raw_logits(model, mid["input"])
        _raw_logits(model, r["input"])
        stale = _raw_logits(model, mid["input"])
        ev["statefulDynamicRopeMaxLogitDiff"] = float((fresh - stale).abs().max())
        ev["statefulDynamicRopeLengths"] = [len(r["input"]), len(mid["input"])]
        # Without scaling (rope_type default) the long inputs would score differently.
        plain = AutoModelForCausalLM.from_pretrained(
            folder, dtype=torch.float32, attn_implementation="eager",
            rope_parameters=dict(rope_type="default", rope_theta=10000.0)).eval()
        ev["maxLogitChangeWithoutDynamicScaling"] = max(
            float((logits_of(model, q["input"]) - logits_of(plain, q["input"])).abs().max()) for q in long_inputs)
        shortest = [q for q in requests if len(q["input"]) <= mpe]
        ev["maxLogitChangeWithoutDynamicScalingShortInputs"] = max(
            float((logits_of(model, q["input"]) - logits_of(plain, q["input"])).abs().max()) for q in shortest)
        assert ev["maxLogitChangeWithoutDynamicScalingShortInputs"] == 0.0
    if name == "mistral":
        assert len(ev["safetensorsFiles"]) >= 2 and os.path.exists(os.path.join(folder, "model.safetensors.index.json"))
    if name == "qwen2":
        b = {k: float(model.get_parameter(k).abs().min()) for k in dtypes if k.endswith(".bias")}
        ev["biasModules"] = sorted(set(k.rsplit(".", 2)[-2] for k in b))
        ev["smallestAbsBiasEntry"] = min(b.values())
        ev["largestAbsBiasEntry"] = max(float(model.get_parameter(k).abs().max()) for k in b)
        assert ev["smallestAbsBiasEntry"] > 0, ev
    if name in ("qwen3", "gemma3_text"):
        norms = [k for k in dtypes if "q_norm" in k or "k_norm" in k]
        ev["qkNormTensors"] = len(norms)
        ev["qkNormShape"] = list(model.get_parameter(norms[0]).shape)
        center = 1.0 if name == "qwen3" else 0.0
        ev["qkNormMaxDeviationFromIdentity"] = max(float((model.get_parameter(k) - center).abs().max()) for k in norms)
    if name == "olmo2":
        norms = [k for k in dtypes if "q_norm" in k or "k_norm" in k]
        ev["qkNormShapes"] = sorted(set(str(list(model.get_parameter(k).shape)) for k in norms))
    if name == "gemma2":
        ev.update(_softcap_evidence(model, long_inputs + requests[:10]))
    if name == "gemma3_text":
        with open(os.path.join(folder, "config.json")) as f:
            saved = json.load(f)
        ev["savedRopeKeys"] = {k: saved[k] for k in ("rope_parameters", "layer_types", "sliding_window") if k in saved}
        ev["savedHasRopeLocalBaseFreq"] = "rope_local_base_freq" in saved
        rot = model.model.rotary_emb
        ev["slidingInvFreqEqualsTheta1e4"] = bool(torch.allclose(rot.sliding_attention_inv_freq,
                                                                 default_inv_freq(10000.0, 24), rtol=0, atol=0))
        ev["fullInvFreqEqualsTheta1e6Over2"] = bool(torch.allclose(rot.full_attention_inv_freq,
                                                                   default_inv_freq(1e6, 24) / 2, rtol=0, atol=0))
    if name == "phi3":
        ev["fusedTensors"] = sorted(set(k.rsplit(".", 2)[-2] for k in dtypes if "qkv" in k or "gate_up" in k))
    if name == "gpt2":
        ev["conv1dShape_c_attn"] = list(model.get_parameter("transformer.h.0.attn.c_attn.weight").shape)
    if name == "granite":
        c = model.config
        ev["multipliers"] = dict(embedding=c.embedding_multiplier, attention=c.attention_multiplier,
                                 residual=c.residual_multiplier, logits_scaling=c.logits_scaling)
    return ev


def _raw_logits(model, ids):
    x = torch.tensor([ids])
    with torch.no_grad():
        return model(input_ids=x).logits[0]


def _dynamic_inv_freq(theta, dim, factor, seq_len, mpe):
    seq_len = max(seq_len, mpe)
    base = theta * ((factor * seq_len / mpe) - (factor - 1)) ** (dim / (dim - 2))
    return 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))


def _softcap_evidence(model, requests):
    """How often the soft-caps are in their non-linear range: pre-cap |x| > cap / 2."""
    import transformers.models.gemma2.modeling_gemma2 as g2
    original = g2.eager_attention_forward
    stats = dict(attn_over=0, attn_total=0, attn_max=0.0, final_over=0, final_total=0, final_max=0.0)
    acap = model.config.attn_logit_softcapping
    fcap = model.config.final_logit_softcapping

    def spy(module, query, key, value, attention_mask, scaling=None, **kw):
        k = g2.repeat_kv(key, module.num_key_value_groups)
        s = torch.matmul(query, k.transpose(2, 3)) * scaling
        q_len, k_len = s.shape[-2], s.shape[-1]
        visible = torch.tril(torch.ones(q_len, k_len, dtype=torch.bool), diagonal=k_len - q_len)
        v = s[..., visible]
        stats["attn_over"] += int((v.abs() > acap / 2).sum())
        stats["attn_total"] += v.numel()
        stats["attn_max"] = max(stats["attn_max"], float(v.abs().max()))
        return original(module, query, key, value, attention_mask, scaling=scaling, **kw)

    def head_hook(_m, _i, out):
        stats["final_over"] += int((out.abs() > fcap / 2).sum())
        stats["final_total"] += out.numel()
        stats["final_max"] = max(stats["final_max"], float(out.abs().max()))

    g2.eager_attention_forward = spy
    h = model.lm_head.register_forward_hook(head_hook)
    try:
        for r in requests:
            logits_of(model, r["input"])
    finally:
        g2.eager_attention_forward = original
        h.remove()
    assert stats["attn_over"] > 0 and stats["final_over"] > 0, stats
    return dict(attnSoftcap=acap, attnPreCapOverHalfCapFraction=stats["attn_over"] / stats["attn_total"],
                attnPreCapMaxAbs=stats["attn_max"], finalSoftcap=fcap,
                finalPreCapOverHalfCapFraction=stats["final_over"] / stats["final_total"],
                finalPreCapMaxAbs=stats["final_max"])


# =========================================================================== per-fixture reference
def cache_vs_recompute(model, prompts):
    """generate() with its KV cache against recomputation: (a) greedy decoding that reruns the whole
    sequence at every step (use_cache=False) must pick the same tokens; (b) the logits of every cached
    decoding step against one forward over prompt + generated tokens, as the largest absolute difference."""
    out = []
    for p in prompts:
        toks, stopped, _ = generate_alone(model, p["promptTokens"], use_cache=False)
        same = toks == p["tokens"] and stopped == p["stoppedAtEos"]
        reset_rope_state(model)
        x = torch.tensor([p["promptTokens"]], dtype=torch.long)
        with torch.no_grad():
            g = model.generate(input_ids=x, attention_mask=torch.ones_like(x), **gen_kwargs())
        steps = torch.stack([lg[0].float() for lg in g.logits])
        seq = g.sequences[0].tolist()
        n = len(p["promptTokens"])
        full = logits_of(model, seq[:-1])[n - 1:n - 1 + len(steps)]
        out.append(dict(cacheEqualsRecompute=same, maxStepLogitDiffCacheVsRecompute=float((steps - full).abs().max())))
    return out


def reference_for_fixture(spec, folder, v5_config=None):
    model = load_fp32(folder)
    requests, skipped_requests = select_requests(model, ll_candidate_groups())
    dynamic = spec["name"] == "llama-dynamic"
    prompts, skipped_prompts = select_prompts(model, prompt_candidate_groups(), batch_must_match=not dynamic)
    recompute = cache_vs_recompute(model, prompts)
    if not dynamic:
        for r in recompute:
            assert r["cacheEqualsRecompute"] and r["maxStepLogitDiffCacheVsRecompute"] < 1e-3, (spec["name"], r)
    rolling = score_rolling(model, GENERAL_TEXT)
    sdpa, sdpa_diff, sdpa_agree = compare_sdpa(folder, requests, load_fp32)
    ev = evidence_for(spec, folder, model, requests, v5_config)
    with open(os.path.join(folder, "config.json")) as f:
        model_type = json.load(f)["model_type"]
    ref = dict(fixture=spec["name"], modelType=model_type, architecture=type(model).__name__, quirks=spec["quirks"],
               generator=versions(), contextLength=CONTEXT_LENGTH, eosTokenId=EOS, padTokenId=PAD,
               prefixTokenId=EOS, minMargin=MIN_MARGIN, scoring=dict(dtype="float32", attention="eager"),
               sdpa=sdpa, evidence=ev,
               loglikelihood=requests, rolling=rolling,
               generate=dict(maxNewTokens=MAX_NEW_TOKENS, doSample=False,
                             batchEqualsAlone=all(p["batchEqualsAlone"] for p in prompts),
                             cacheEqualsRecompute=all(r["cacheEqualsRecompute"] for r in recompute),
                             maxStepLogitDiffCacheVsRecompute=max(r["maxStepLogitDiffCacheVsRecompute"]
                                                                  for r in recompute),
                             prompts=[dict(p, **r) for p, r in zip(prompts, recompute)]),
               skipped=dict(loglikelihood=skipped_requests, generate=skipped_prompts))
    if dynamic:
        ref["notes"] = DYNAMIC_NOTES
    return ref, dict(sdpa_diff=sdpa_diff, sdpa_agree=sdpa_agree, evidence=ev,
                     gen_margin=min(p["minMargin"] for p in prompts),
                     ll_margin=min(r["argmaxMargin"] for r in requests),
                     batch_equal=all(p["batchEqualsAlone"] for p in prompts),
                     recompute=max(r["maxStepLogitDiffCacheVsRecompute"] for r in recompute),
                     greedy=sum(r["greedy"] for r in requests), n=len(requests),
                     eos=sum(p["stoppedAtEos"] for p in prompts))


DYNAMIC_NOTES = [
    "transformers 5.24 modeling_rope_utils.py _compute_dynamic_ntk_parameters: base' = rope_theta * "
    "(factor * L / max_position_embeddings - (factor - 1)) ** (dim / (dim - 2)), L = max(seq_len, "
    "max_position_embeddings); original_max_position_embeddings is not used by the dynamic type.",
    "dynamic_rope_update.dynamic_frequency_update: seq_len = max(position_ids) + 1 of each forward call; the "
    "frequencies are recomputed when seq_len exceeds the largest length cached so far (initially "
    "max_position_embeddings) and reset to the original ones only when seq_len < max_position_embeddings. "
    "The state survives between calls; this reference resets it before every request and every generate().",
    "Scoring a request (one forward over its input of length n): frequencies for L = max(n, 64).",
    "generate() with the KV cache: the prompt forward uses L = prompt length; each decoding step at position "
    "p uses L = max(p + 1, largest L so far) for the new token only, while keys already in the cache keep "
    "the rotation they were computed with. Full recomputation would rotate every position with the newest "
    "L, so cacheEqualsRecompute can be false.",
    "A left-padded batch takes max(position_ids) over all rows, so every row uses the frequencies of the "
    "longest prompt: batchTokens can differ from tokens (alone), which is the reference.",
]


# =========================================================================== adapters
def build_adapter(spec, index, base_folder, folder):
    seed = SEED + 100 + index
    torch.manual_seed(seed)
    base = load_fp32(base_folder)
    if spec["kind"] == "lora":
        cfg = peft.LoraConfig(task_type="CAUSAL_LM", **spec["config"])
    else:
        cfg = peft.IA3Config(task_type="CAUSAL_LM", **spec["config"])
    model = peft.get_peft_model(base, cfg)
    params = [p for p in model.parameters() if p.requires_grad]
    stream = token_stream(domain_documents() * 2, "adapter:" + spec["name"])
    lr = 3e-2 if spec["kind"] == "ia3" else 1e-2
    first, last = train(model, params, stream, 150, lr, seed, length=64)
    model.peft_config["default"].base_model_name_or_path = "retention-fixtures/" + spec["base"]
    model.save_pretrained(folder)
    # PEFT's model card only repeats the (local, staging) base path; it is not part of the adapter format.
    os.remove(os.path.join(folder, "README.md"))
    with open(os.path.join(folder, "adapter_config.json")) as f:
        saved = json.load(f)
    assert saved["base_model_name_or_path"] == "retention-fixtures/" + spec["base"], saved
    return first, last


def load_adapter(base_folder, folder, attn="eager"):
    base = load_fp32(base_folder, attn)
    model = peft.PeftModel.from_pretrained(base, folder)
    model.eval()
    return model


def adapter_evidence(spec, folder, model):
    with safe_open(os.path.join(folder, "adapter_model.safetensors"), "pt") as f:
        keys = sorted(f.keys())
        tensors = {k: f.get_tensor(k) for k in keys}
    ev = dict(tensorCount=len(keys), keysSample=keys[:6])
    b = [k for k in keys if "lora_B" in k]
    if b:
        ev["minAbsMaxLoraB"] = min(float(tensors[k].abs().max()) for k in b)
        assert ev["minAbsMaxLoraB"] > 0
    ev["biasKeys"] = [k for k in keys if k.endswith(".bias")]
    ev["modulesToSaveKeys"] = [k for k in keys if "lm_head" in k]
    ev["magnitudeKeys"] = len([k for k in keys if "magnitude" in k])
    ia3 = [k for k in keys if "ia3_l" in k]
    if ia3:
        ev["ia3MaxAbsDeviationFromOne"] = max(float((tensors[k] - 1).abs().max()) for k in ia3)
        assert ev["ia3MaxAbsDeviationFromOne"] > 0
    scal = {}
    for n, m in model.named_modules():
        if hasattr(m, "scaling") and isinstance(getattr(m, "scaling"), dict) and "default" in m.scaling:
            short = ".".join(n.split(".")[-2:])
            scal.setdefault(short, set()).add((m.r["default"], float(m.scaling["default"])))
    ev["rankAndScaling"] = {k: sorted(v) for k, v in sorted(scal.items())}
    if spec["name"] == "llama-rslora":
        assert ev["biasKeys"] and ev["modulesToSaveKeys"], ev
    if spec["name"] == "llama-lora":
        assert ev["rankAndScaling"]["self_attn.v_proj"] == [(2, 3.0)], ev["rankAndScaling"]
        assert ev["rankAndScaling"]["self_attn.q_proj"] == [(4, 2.0)], ev["rankAndScaling"]
    return ev


def reference_for_adapter(spec, base_folder, folder):
    model = load_adapter(base_folder, folder)
    requests, skipped_requests = select_requests(model, ll_candidate_groups())
    prompts, skipped_prompts = select_prompts(model, prompt_candidate_groups())
    rolling = score_rolling(model, GENERAL_TEXT)
    sdpa, sdpa_diff, sdpa_agree = compare_sdpa(folder, requests,
                                               lambda f, attn: load_adapter(base_folder, f, attn))
    ev = adapter_evidence(spec, folder, model)
    # The same requests on the merged model (merge_and_unload, float32).
    merged_model = load_adapter(base_folder, folder).merge_and_unload()
    merged_model.eval()
    merged, worst = [], 0.0
    for r in requests:
        m = score_request(merged_model, r["context"], r["continuation"])
        d = max(abs(a - b) for a, b in zip(m["logprobs"], r["logprobs"]))
        worst = max(worst, d)
        merged.append(dict(id=r["id"], logprobs=m["logprobs"], argmax=m["argmax"], ll=m["ll"], greedy=m["greedy"],
                           maxAbsDiffToUnmerged=d))
    with open(os.path.join(folder, "adapter_config.json")) as f:
        acfg = json.load(f)
    ref = dict(adapter=spec["name"], fixture="adapter-" + spec["name"], baseFixture=spec["base"],
               peftType=acfg["peft_type"], baseModelNameOrPath=acfg["base_model_name_or_path"],
               quirks=spec["quirks"], generator=versions(), contextLength=CONTEXT_LENGTH, eosTokenId=EOS,
               padTokenId=PAD, prefixTokenId=EOS, minMargin=MIN_MARGIN,
               scoring=dict(dtype="float32", attention="eager", forward="PEFT unmerged"),
               sdpa=sdpa, evidence=ev,
               loglikelihood=requests, rolling=rolling,
               generate=dict(maxNewTokens=MAX_NEW_TOKENS, doSample=False,
                             batchEqualsAlone=all(p["batchEqualsAlone"] for p in prompts), prompts=prompts),
               merged=dict(forward="merge_and_unload, float32", maxAbsLogprobDiffToUnmerged=worst,
                           argmaxAgrees=all(m["argmax"] == r["argmax"] for m, r in zip(merged, requests)),
                           loglikelihood=merged),
               skipped=dict(loglikelihood=skipped_requests, generate=skipped_prompts))
    return ref, dict(sdpa_diff=sdpa_diff, sdpa_agree=sdpa_agree, evidence=ev, merged_diff=worst,
                     gen_margin=min(p["minMargin"] for p in prompts),
                     ll_margin=min(r["argmaxMargin"] for r in requests),
                     greedy=sum(r["greedy"] for r in requests), n=len(requests),
                     batch_equal=all(p["batchEqualsAlone"] for p in prompts))


# =========================================================================== main
def summarize(name, first, last, s):
    ev = {k: v for k, v in s["evidence"].items() if k not in ("keysSample", "llama3InvFreqRatios", "savedRopeKeys",
                                                              "loadedRopeParameters")}
    sdpa = ("%.2e argmax agree %s" % (s["sdpa_diff"], s["sdpa_agree"])) if s["sdpa_diff"] is not None else "refused"
    gen = "batch==alone %s" % s.get("batch_equal", True)
    if "recompute" in s:
        gen += ", cache-vs-recompute max|dlogit| %.1e" % s["recompute"]
    log("%-14s loss %.2f->%.2f | greedy %d/%d ll | min margin gen %.4f ll %.4f | %s | eager-sdpa max|dlogp| %s"
        "%s | %s" % (
            name, first, last, s["greedy"], s["n"], s["gen_margin"], s["ll_margin"], gen, sdpa, (" | merged-unmerged max|dlogp| %.2e" % s["merged_diff"]) if "merged_diff" in s else "",
            json.dumps(ev, sort_keys=True)))


def main():
    if os.path.exists(STAGING):
        shutil.rmtree(STAGING)
    for sub in OUTPUTS:
        os.makedirs(os.path.join(STAGING, sub))
    log("tokenizer %s: EOS %d, PAD %d; transformers %s, peft %s, torch %s" % (
        os.path.relpath(TOKENIZER_DIR, ROOT), EOS, PAD, transformers.__version__, peft.__version__,
        torch.__version__))
    only = set(sys.argv[1:])
    summary = {}
    for i, spec in enumerate(FIXTURES):
        if only and spec["name"] not in only and not any(a["base"] == spec["name"] and a["name"] in only
                                                         for a in ADAPTERS):
            continue
        folder = os.path.join(STAGING, "hf", spec["name"])
        first, last = build_fixture(spec, i, folder)
        v5_config = None
        if spec.get("v4_config"):
            v5_config = transformers.AutoConfig.from_pretrained(folder)
            to_v4_style(folder)
        ref, s = reference_for_fixture(spec, folder, v5_config)
        write_json(os.path.join(STAGING, "hf-reference", spec["name"] + ".json"), ref)
        summarize(spec["name"], first, last, s)
        summary[spec["name"]] = s
    for i, spec in enumerate(ADAPTERS):
        if only and spec["name"] not in only:
            continue
        base_folder = os.path.join(STAGING, "hf", spec["base"])
        folder = os.path.join(STAGING, "adapters", spec["name"])
        first, last = build_adapter(spec, i, base_folder, folder)
        ref, s = reference_for_adapter(spec, base_folder, folder)
        write_json(os.path.join(STAGING, "hf-reference", "adapter-" + spec["name"] + ".json"), ref)
        summarize(spec["name"], first, last, s)
    if only:
        log("partial run (%s): outputs left in %s, nothing swapped in" % (" ".join(sorted(only)), STAGING))
        return
    for sub in OUTPUTS:
        target = os.path.join(ROOT, sub)
        if os.path.exists(target):
            shutil.rmtree(target)
        os.replace(os.path.join(STAGING, sub), target)
    shutil.rmtree(STAGING)
    total = 0
    for sub in OUTPUTS:
        for dirpath, _, files in os.walk(os.path.join(ROOT, sub)):
            total += sum(os.path.getsize(os.path.join(dirpath, f)) for f in files)
    log("done: %d fixtures, %d adapters, %.2f MB written in %.1f minutes" % (
        len(FIXTURES), len(ADAPTERS), total / 1e6, (time.time() - START) / 60))


if __name__ == "__main__":
    main()
