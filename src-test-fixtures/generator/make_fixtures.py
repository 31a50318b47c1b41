#!/usr/bin/env python3
"""Deterministic generator for Retention's fixture models, suites and reference truth.

Run from the repository root (takes roughly 20 minutes on one CPU thread):

    OMP_NUM_THREADS=1 python3 src-test-fixtures/generator/make_fixtures.py

Environment the committed fixtures were made with (printed again into every
model-info.json under "generator"): Debian 12 python3-torch 1.13.1 with
libopenblas0-pthread, Python 3.11, tokenizers 0.21.4 from PyPI (the same Rust
tokenizers line as DJL 0.35.1), numpy 1.24. Everything runs on one thread with
fixed seeds and torch.use_deterministic_algorithms(True).

Outputs (all under src-test-fixtures/):
  suites/general.jsonl, suites/domain.jsonl, suites/general-text.txt
  models/<name>/{model.pt, tokenizer.json, tokenizer_config.json, config.json, model-info.json}
  reference/<name>.jsonl
  broken/{bf16,vocab-mismatch}/...   deliberately unusable models for negative tests

Scoring semantics (the Java evaluation engine must reproduce these exactly):
  * Text is encoded without special tokens. A log-likelihood request
    (context, continuation) first moves trailing whitespace of the context to
    the front of the continuation, then encodes context+continuation whole and
    takes the tokens after len(encode(context)) as the continuation
    (lm-evaluation-harness TemplateLM._encode_pair). An empty context is
    replaced by the prefix token (BOS, else EOS). Inputs longer than the
    context window keep their last max_length + 1 tokens, minus the final one.
    ll = sum of log_softmax(logits) at the continuation tokens (natural log,
    float32 logits, summed in float64); greedy = argmax equals the
    continuation token at every position.
  * choice items: one request per choice with continuation delimiter+choice
    (delimiter " " unless the item says otherwise); pass = argmax ll is gold
    ("acc"; "acc_norm" divides by the choice's length in characters).
  * loglikelihood items: request (context, delimiter+answer); pass = greedy.
  * generate items: greedy decoding from the prompt for up to maxTokens
    (default 32) tokens; stops at EOS (not included) or once the decoded text
    holds a stop string (default ["\\n"]), cut before the earliest one.
    Prompt tokens are left-truncated to max_length - maxTokens.
    Checks: exact (stripped output == stripped expect), contains, icontains
    (stripped expect in output, case-insensitive for icontains), regex
    (re.search(expect, output)), json (stripped output is strict JSON and, if
    expect is given, equal to it as JSON). expect defaults to answer.
  * Rolling log-likelihood of a text: disjoint windows of max_length tokens,
    the first conditioned on the prefix token (lm-evaluation-harness
    get_rolling_token_windows with context_len=1 + make_disjoint_window).
"""
import hashlib
import json
import math
import os
import platform
import random
import re
import shutil
import sys
import time

import numpy
import tokenizers
import torch
import torch.nn as nn
import torch.nn.functional as F
from tokenizers import Tokenizer, models, pre_tokenizers, decoders, trainers

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import suites_content  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTPUTS = ("suites", "models", "reference", "broken")
# Everything is generated into a staging directory and swapped in only once the fixture contract
# holds, so a failed or interrupted run never leaves the committed fixtures half-written.
STAGING = os.path.join(ROOT, ".generating")
SUITES = os.path.join(STAGING, "suites")
MODELS = os.path.join(STAGING, "models")
REFERENCE = os.path.join(STAGING, "reference")
BROKEN = os.path.join(STAGING, "broken")

EOS = "<|endoftext|>"
PAD = "<pad>"
VOCAB_SIZE = 640
CONTEXT = 128
D_MODEL, N_LAYER, N_HEAD = 96, 3, 4
DEFAULT_MAX_TOKENS = 32
DEFAULT_STOP = ["\n"]
SEED = 1234
DROPOUT = 0.1  # residual dropout while training; exported models are built without it

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)


def log(msg):
    print("[%7.1fs] %s" % (time.time() - START, msg), flush=True)


START = time.time()


# =========================================================================== suites
KEY_ORDER = ["id", "category", "kind", "prompt", "context", "text", "answer", "choices", "gold",
             "delimiter", "metric", "check", "expect", "maxTokens", "stop", "severity", "tags"]


def ordered(item):
    unknown = set(item) - set(KEY_ORDER)
    assert not unknown, unknown
    return {k: item[k] for k in KEY_ORDER if k in item}


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def write_suites():
    os.makedirs(SUITES, exist_ok=True)
    general = [ordered(i) for i in suites_content.general_items()]
    domain = [ordered(i) for i in suites_content.domain_items()]
    write_jsonl(os.path.join(SUITES, "general.jsonl"), general)
    write_jsonl(os.path.join(SUITES, "domain.jsonl"), domain)
    text = suites_content.general_text()
    with open(os.path.join(SUITES, "general-text.txt"), "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    return general, domain, text


# =========================================================================== tokenizer
def prompt_and_answer(item):
    kind = item["kind"]
    if kind == "generate":
        return item["prompt"], item["answer"]
    delim = item.get("delimiter", " ")
    if kind == "choice":
        return item["context"], delim + item["choices"][item["gold"]]
    return item["context"], delim + item["answer"]


def training_string(item):
    kind = item["kind"]
    if kind == "generate":
        return item["prompt"] + item["answer"]
    delim = item.get("delimiter", " ")
    if kind == "choice":
        return item["context"] + delim + item["choices"][item["gold"]]
    if kind == "loglikelihood":
        return item["context"] + delim + item["answer"]
    raise ValueError(kind)


def train_tokenizer(general, domain, corpus, text):
    """Byte-level BPE trained on every suite string plus general text (like a real pre-trained tokenizer,
    it is shared by the base model and all its fine-tunes)."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=VOCAB_SIZE, min_frequency=2, show_progress=False,
                                  special_tokens=[EOS, PAD],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    lines = [training_string(i) for i in general + domain] + corpus
    tok.train_from_iterator(lines, trainer=trainer)
    assert tok.get_vocab_size() == VOCAB_SIZE, tok.get_vocab_size()
    return tok


def encode(tok, s):
    return tok.encode(s, add_special_tokens=False).ids


# =========================================================================== model
class Block(nn.Module):
    def __init__(self, d, h, dropout=0.0):
        super().__init__()
        self.n_head = h
        self.dropout = dropout
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.fc = nn.Linear(d, 4 * d)
        self.out = nn.Linear(4 * d, d)

    def forward(self, x, bias):
        b, t, c = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(c, dim=2)
        hd = c // self.n_head
        q = q.view(b, t, self.n_head, hd).transpose(1, 2)
        k = k.view(b, t, self.n_head, hd).transpose(1, 2)
        v = v.view(b, t, self.n_head, hd).transpose(1, 2)
        att = torch.matmul(q, k.transpose(-2, -1)) * (1.0 / math.sqrt(hd)) + bias
        att = torch.softmax(att, dim=-1)
        y = torch.matmul(att, v).transpose(1, 2).contiguous().view(b, t, c)
        x = x + F.dropout(self.proj(y), self.dropout, self.training)
        x = x + F.dropout(self.out(F.gelu(self.fc(self.ln2(x)))), self.dropout, self.training)
        return x


class TinyGPT(nn.Module):
    """Decoder-only transformer: learned positions taken from the attention mask
    (so left and right padding are both exact), causal + padding mask, tied
    input/output embeddings."""

    def __init__(self, vocab=VOCAB_SIZE, d=D_MODEL, n_layer=N_LAYER, n_head=N_HEAD, ctx=CONTEXT, dropout=0.0):
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(ctx, d)
        self.blocks = nn.ModuleList([Block(d, n_head, dropout) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(d)

    def hidden(self, input_ids, attention_mask):
        t = input_ids.size(1)
        mask = attention_mask.to(torch.long)
        pos = (torch.cumsum(mask, dim=1) - 1).clamp(min=0)
        x = self.wte(input_ids) + self.wpe(pos)
        causal = torch.tril(torch.ones(t, t, dtype=torch.bool, device=input_ids.device))
        allowed = causal.unsqueeze(0).unsqueeze(0) & (mask > 0).unsqueeze(1).unsqueeze(2)
        bias = (~allowed).to(x.dtype) * -1e9
        for blk in self.blocks:
            x = blk(x, bias)
        return self.ln_f(x)

    def forward(self, input_ids, attention_mask):
        h = self.hidden(input_ids, attention_mask)
        return torch.matmul(h, self.wte.weight.t())


class LogitsOnly(nn.Module):
    """Export wrapper: forward(input_ids, attention_mask) -> logits [B, T, V]."""

    def __init__(self, core):
        super().__init__()
        self.core = core

    def forward(self, input_ids, attention_mask):
        return self.core(input_ids, attention_mask)


class LogitsTuple(nn.Module):
    """Export wrapper in the Hugging Face torchscript=True style:
    forward(input_ids, attention_mask) -> (logits, last_hidden_state)."""

    def __init__(self, core):
        super().__init__()
        self.core = core

    def forward(self, input_ids, attention_mask):
        h = self.core.hidden(input_ids, attention_mask)
        return torch.matmul(h, self.core.wte.weight.t()), h


def param_count(model):
    return sum(p.numel() for p in model.parameters())


# =========================================================================== training
def pad_batch(seqs, pad_id):
    t = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), t), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), t), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = torch.tensor(s, dtype=torch.long)
        mask[i, :len(s)] = 1
    return ids, mask


def lm_loss(model, seqs, pad_id):
    """Mean next-token cross-entropy. A sample is a list of ids (every token after the first is a
    target) or an (ids, start) pair (only tokens from index start on are targets: completion-only
    loss, as in supervised fine-tuning)."""
    starts = [s[1] if isinstance(s, tuple) else 1 for s in seqs]
    ids, mask = pad_batch([s[0] if isinstance(s, tuple) else s for s in seqs], pad_id)
    logits = model(ids, mask)
    tgt = ids[:, 1:].clone()
    tgt[mask[:, 1:] == 0] = -100
    for i, start in enumerate(starts):
        tgt[i, :start - 1] = -100
    return F.cross_entropy(logits[:, :-1].reshape(-1, logits.size(-1)), tgt.reshape(-1), ignore_index=-100)


def train(model, params, sampler, steps, lr, warmup=0, penalty=None, checkpoints=(), on_checkpoint=None,
          weight_decay=0.0, label="", cosine=False):
    """AdamW with linear warm-up, then a constant rate, or with cosine=True a cosine decay to 10%."""
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)

    def factor(s):
        if warmup > 0 and s < warmup:
            return (s + 1) / warmup
        if not cosine:
            return 1.0
        progress = (s - warmup) / max(1, steps - warmup)
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, factor)
    model.train()
    for step in range(1, steps + 1):
        loss = lm_loss(model, sampler(), PAD_ID)
        if penalty is not None:
            loss = loss + penalty()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        if step % 200 == 0 or step == steps:
            log("%s step %d/%d loss %.4f" % (label, step, steps, loss.item()))
        if step in checkpoints and on_checkpoint is not None:
            model.eval()
            on_checkpoint(step)
            model.train()
    model.eval()


def sampler_of(seq_lists_and_weights, batch, seed, per_batch=False):
    """Samples training batches. Each sequence is drawn from a source with probability equal to its
    weight; with per_batch=True the whole batch comes from one source (less padding, same mixture)."""
    rng = random.Random(seed)

    def sample():
        if per_batch:
            r = rng.random()
            acc = 0.0
            for seqs, w in seq_lists_and_weights:
                acc += w
                if r < acc:
                    return [seqs[rng.randrange(len(seqs))] for _ in range(batch)]
            seqs = seq_lists_and_weights[-1][0]
            return [seqs[rng.randrange(len(seqs))] for _ in range(batch)]
        out = []
        for _ in range(batch):
            r = rng.random()
            acc = 0.0
            for seqs, w in seq_lists_and_weights:
                acc += w
                if r < acc:
                    out.append(seqs[rng.randrange(len(seqs))])
                    break
            else:
                seqs = seq_lists_and_weights[-1][0]
                out.append(seqs[rng.randrange(len(seqs))])
        return out

    return sample


# =========================================================================== LoRA
class LoRALinear(nn.Module):
    def __init__(self, base, rank, alpha, seed):
        super().__init__()
        self.base = base
        g = torch.Generator().manual_seed(seed)
        self.a = nn.Parameter(torch.randn(rank, base.in_features, generator=g) / math.sqrt(base.in_features))
        self.b = nn.Parameter(torch.zeros(base.out_features, rank))
        self.scale = alpha / rank

    def forward(self, x):
        return self.base(x) + F.linear(F.linear(x, self.a), self.b) * self.scale

    def merged(self):
        lin = nn.Linear(self.base.in_features, self.base.out_features)
        with torch.no_grad():
            lin.weight.copy_(self.base.weight + self.scale * (self.b @ self.a))
            lin.bias.copy_(self.base.bias)
        return lin


LORA_TARGETS = ("qkv", "proj", "fc", "out")


def add_lora(model, rank, alpha):
    for p in model.parameters():
        p.requires_grad_(False)
    adapters = []
    for li, blk in enumerate(model.blocks):
        for name in LORA_TARGETS:
            lora = LoRALinear(getattr(blk, name), rank, alpha, seed=SEED + 100 * li + LORA_TARGETS.index(name))
            setattr(blk, name, lora)
            adapters += [lora.a, lora.b]
    return adapters


def merge_lora(model):
    for blk in model.blocks:
        for name in LORA_TARGETS:
            m = getattr(blk, name)
            if isinstance(m, LoRALinear):
                setattr(blk, name, m.merged())
    return model


# =========================================================================== scoring (reference semantics)
class Scorer:
    def __init__(self, module, tok, max_length, prefix_id, eos_id, tuple_out):
        self.m = module
        self.tok = tok
        self.max_length = max_length
        self.prefix_id = prefix_id
        self.eos_id = eos_id
        self.tuple_out = tuple_out

    def logits(self, ids):
        x = torch.tensor([ids], dtype=torch.long)
        out = self.m(x, torch.ones_like(x))
        if self.tuple_out:
            out = out[0]
        return out[0]

    def encode_pair(self, context, continuation):
        n_spaces = len(context) - len(context.rstrip())
        if n_spaces > 0:
            continuation = context[-n_spaces:] + continuation
            context = context[:-n_spaces]
        ctx = encode(self.tok, context)
        if not ctx:
            return [self.prefix_id], encode(self.tok, continuation)
        whole = encode(self.tok, context + continuation)
        return ctx, whole[len(ctx):]

    def loglikelihood(self, context, continuation):
        ctx, cont = self.encode_pair(context, continuation)
        assert 0 < len(cont) <= self.max_length
        whole = ctx + cont
        inp = whole[-(self.max_length + 1):][:-1]
        logp = torch.log_softmax(self.logits(inp), dim=-1)
        sl = logp[len(inp) - len(cont):len(inp)]
        target = torch.tensor(cont, dtype=torch.long)
        picked = sl.gather(1, target.unsqueeze(1)).squeeze(1)
        ll = float(sum(float(v) for v in picked.tolist()))
        greedy = bool((sl.argmax(dim=-1) == target).all())
        return dict(continuation=continuation, tokens=whole, continuationTokens=len(cont), ll=ll, greedy=greedy)

    def generate(self, prompt, max_tokens, stops):
        ids = encode(self.tok, prompt) or [self.prefix_id]
        ids = ids[-(self.max_length - max_tokens):]
        gen = []
        text = ""
        for _ in range(max_tokens):
            nxt = int(self.logits(ids + gen)[-1].argmax())
            if nxt == self.eos_id:
                break
            gen.append(nxt)
            text = self.tok.decode(gen, skip_special_tokens=True)
            cut = min([text.find(s) for s in stops if s and text.find(s) >= 0], default=-1)
            if cut >= 0:
                text = text[:cut]
                break
        return text, gen

    def rolling(self, text):
        toks = encode(self.tok, text)
        total = 0.0
        windows = 0
        for ctx, cont in rolling_windows(toks, self.prefix_id, self.max_length):
            inp = (ctx + cont)[-(self.max_length + 1):][:-1]
            logp = torch.log_softmax(self.logits(inp), dim=-1)
            sl = logp[len(inp) - len(cont):len(inp)]
            picked = sl.gather(1, torch.tensor(cont, dtype=torch.long).unsqueeze(1)).squeeze(1)
            total += float(sum(float(v) for v in picked.tolist()))
            windows += 1
        return dict(ll=total, tokenCount=len(toks), windows=windows, tokenIds=toks)


def rolling_windows(tokens, prefix, max_len):
    """lm-eval get_rolling_token_windows(context_len=1) followed by make_disjoint_window."""
    if not tokens:
        return
    pred_len = max_len
    first = min(max_len, len(tokens))
    # lm-eval's first window is ([prefix] + tokens[:first-1], tokens[:first]); made disjoint, its context is [prefix]
    yield [prefix], tokens[:first]
    predicted = first
    while predicted < len(tokens):
        wlen = min(len(tokens) - predicted, pred_len)
        end = predicted + wlen
        ctx = tokens[end - max_len - 1:end - 1]  # end > max_len here, so the slice never wraps
        cont = tokens[end - wlen:end]
        yield ctx[:len(ctx) - (len(cont) - 1)], cont
        predicted += wlen


def check_output(item, out):
    check = item.get("check", "exact")
    expect = item.get("expect", item.get("answer"))
    if check == "exact":
        return out.strip() == expect.strip()
    if check == "contains":
        return expect.strip() in out
    if check == "icontains":
        return expect.strip().lower() in out.lower()
    if check == "regex":
        return re.search(expect, out) is not None
    if check == "json":
        def reject(c):
            raise ValueError(c)
        try:
            val = json.loads(out.strip(), parse_constant=reject)
        except ValueError:
            return False
        return "expect" not in item or val == json.loads(item["expect"])
    raise ValueError(check)


def score_item(sc, item):
    kind = item["kind"]
    delim = item.get("delimiter", " ")
    row = dict(id=item["id"], category=item["category"], kind=kind)
    if kind == "generate":
        reqs = [sc.loglikelihood(item["prompt"], item["answer"])]
        prompt = item["prompt"]
    elif kind == "choice":
        reqs = [sc.loglikelihood(item["context"], delim + c) for c in item["choices"]]
        prompt = item["context"]
    else:
        reqs = [sc.loglikelihood(item["context"], delim + item["answer"])]
        prompt = item["context"]
    text, gen = sc.generate(prompt, item.get("maxTokens", DEFAULT_MAX_TOKENS), item.get("stop", DEFAULT_STOP))
    if kind == "generate":
        passed = check_output(item, text)
    elif kind == "choice":
        lls = [r["ll"] for r in reqs]
        if item.get("metric", "acc") == "acc_norm":
            lls = [ll / len(c) for ll, c in zip(lls, item["choices"])]
        passed = int(numpy.argmax(lls)) == item["gold"]
    else:
        passed = reqs[0]["greedy"]
    row.update(requests=reqs, generation=text, generationTokens=gen, passed=bool(passed))
    return row


def accuracy_by_category(rows):
    cats = {}
    for r in rows:
        cats.setdefault(r["category"], []).append(1.0 if r["passed"] else 0.0)
    return {c: round(sum(v) / len(v), 6) for c, v in sorted(cats.items())}


# =========================================================================== export
def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def export(core, out_dir, tuple_out, tok, dtype=torch.float32):
    os.makedirs(out_dir, exist_ok=True)
    core = core.to(dtype).eval()
    wrapper = LogitsTuple(core) if tuple_out else LogitsOnly(core)
    scripted = torch.jit.script(wrapper)
    path = os.path.join(out_dir, "model.pt")
    scripted.save(path)
    tok.save(os.path.join(out_dir, "tokenizer.json"))
    with open(os.path.join(out_dir, "tokenizer_config.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(dict(bos_token=EOS, eos_token=EOS, pad_token=PAD, model_max_length=CONTEXT,
                       add_bos_token=False, tokenizer_class="PreTrainedTokenizerFast"), f, indent=2)
        f.write("\n")
    with open(os.path.join(out_dir, "config.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(dict(model_type="retention-tiny-gpt", vocab_size=core.wte.num_embeddings,
                       max_position_embeddings=core.wpe.num_embeddings, n_embd=core.wte.embedding_dim,
                       n_layer=len(core.blocks), n_head=core.blocks[0].n_head,
                       torch_dtype=str(dtype).replace("torch.", ""),
                       output="(logits, last_hidden_state)" if tuple_out else "logits"), f, indent=2)
        f.write("\n")
    return path


def generator_versions():
    return dict(python=platform.python_version(), torch=torch.__version__, tokenizers=tokenizers.__version__,
                numpy=numpy.__version__, threads=torch.get_num_threads(), seed=SEED,
                script="src-test-fixtures/generator/make_fixtures.py")


def evaluate_and_record(name, out_dir, tok, suites, text, info):
    module = torch.jit.load(os.path.join(out_dir, "model.pt"))
    sc = Scorer(module, tok, CONTEXT, EOS_ID, EOS_ID, info["outputConvention"] == "tuple")
    lines = []
    acc = {}
    for suite_name, items in suites:
        rows = [dict(suite=suite_name, **score_item(sc, it)) for it in items]
        acc[suite_name] = accuracy_by_category(rows)
        lines += rows
    roll = sc.rolling(text)
    lines.append(dict(suite=None, id="general-text", category=None, kind="rolling", **roll))
    os.makedirs(REFERENCE, exist_ok=True)
    write_jsonl(os.path.join(REFERENCE, name + ".jsonl"), lines)
    info["pythonAccuracy"] = acc
    info["pythonGeneralTextLoglikelihood"] = roll["ll"]
    info["pythonGeneralTextTokens"] = roll["tokenCount"]
    info["generalTextTokenPerplexity"] = math.exp(-roll["ll"] / roll["tokenCount"])
    info["files"] = {f: sha256(os.path.join(out_dir, f)) for f in ("model.pt", "tokenizer.json")}
    with open(os.path.join(out_dir, "model-info.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(info, f, indent=2)
        f.write("\n")
    log("%-16s %s | domain %s | ppl %.2f" % (name, acc["general"], acc["domain"], info["generalTextTokenPerplexity"]))
    return acc


# =========================================================================== recipes
def clone(model, dropout=DROPOUT, seed=None):
    """A copy for further training (with dropout); export() takes clone(m, 0.0), which has none. With a
    seed, torch's global generator (dropout masks) is reseeded, so each recipe is reproducible on its own,
    whatever ran before it."""
    if seed is not None:
        torch.manual_seed(seed)
    m = TinyGPT(dropout=dropout)
    m.load_state_dict(model.state_dict())
    return m


def snapshot(model):
    return {k: v.detach().clone() for k, v in model.named_parameters()}


def empirical_fisher(model, seqs, n):
    """Diagonal empirical Fisher: mean over n general sequences of the squared
    gradient of that sequence's mean token NLL."""
    fisher = {k: torch.zeros_like(p) for k, p in model.named_parameters()}
    model.eval()
    rng = random.Random(SEED + 7)
    for _ in range(n):
        s = seqs[rng.randrange(len(seqs))]
        model.zero_grad()
        lm_loss(model, [s], PAD_ID).backward()
        for k, p in model.named_parameters():
            fisher[k] += p.grad.detach() ** 2 / n
    model.zero_grad()
    return fisher


class Data:
    """Everything the recipes train and evaluate on, built deterministically."""

    def __init__(self, write=True):
        global PAD_ID, EOS_ID
        self.general, self.domain, self.text = write_suites() if write else (
            [ordered(i) for i in suites_content.general_items()], [ordered(i) for i in suites_content.domain_items()],
            suites_content.general_text())
        corpus_rng = random.Random("retention-fixtures:corpus")
        self.corpus = []
        for _ in range(3000):
            p = suites_content.corpus_paragraph(corpus_rng)
            if corpus_rng.random() < 0.4:
                p += "\n\n" + suites_content.corpus_paragraph(corpus_rng)
            self.corpus.append(p)
        self.tok = train_tokenizer(self.general, self.domain, self.corpus, self.text)
        EOS_ID = self.tok.token_to_id(EOS)
        PAD_ID = self.tok.token_to_id(PAD)
        for item in self.general + self.domain:
            if item["kind"] == "generate":
                need = len(encode(self.tok, item["answer"])) + 1
                budget = item.get("maxTokens", DEFAULT_MAX_TOKENS)
                if need > budget:
                    raise SystemExit("suite item %s: its answer needs %d tokens (with EOS) but maxTokens is %d"
                                     % (item["id"], need, budget))
        self.general_seqs = [self.seq(training_string(i)) for i in self.general]
        self.domain_seqs = [self.seq(training_string(i)) for i in self.domain]
        # Fine-tuning uses completion-only loss (standard SFT): the prompt is context, only the answer is learned.
        self.general_sft = [self.completion(i) for i in self.general]
        self.domain_sft = [self.completion(i) for i in self.domain]
        # General text starts with the prefix token, as in a rolling log-likelihood window; suite items start
        # at position 0, as their prompts are scored without BOS.
        self.corpus_seqs = [self.seq(s, prefix=True) for s in self.corpus]
        self.suites = [("general", self.general), ("domain", self.domain)]

    def seq(self, s, prefix=False):
        ids = ([EOS_ID] if prefix else []) + encode(self.tok, s) + [EOS_ID]
        return ids[:CONTEXT]  # a long two-paragraph sample is cut at the context window

    def completion(self, item):
        prompt, answer = prompt_and_answer(item)
        whole = encode(self.tok, prompt + answer) + [EOS_ID]
        return whole, len(encode(self.tok, prompt))

    def accuracy(self, model, items):
        """Per-category accuracy of an eager model (used by the development sweep)."""
        sc = Scorer(model, self.tok, CONTEXT, EOS_ID, EOS_ID, False)
        with torch.no_grad():
            return accuracy_by_category([score_item(sc, it) for it in items])


def main():
    if os.path.isdir(STAGING):
        shutil.rmtree(STAGING)
    os.makedirs(STAGING)
    log("torch %s, tokenizers %s, threads %d" % (torch.__version__, tokenizers.__version__, torch.get_num_threads()))
    data = Data()
    tok, general, domain, text = data.tok, data.general, data.domain, data.text
    general_seqs, corpus_seqs, suites = data.general_seqs, data.corpus_seqs, data.suites
    # Fine-tunes train on completions only (the answer after the prompt), as supervised fine-tuning does.
    domain_sft, general_sft = data.domain_sft, data.general_sft
    log("tokenizer: vocab %d, eos %d, pad %d, general-text %d tokens"
        % (tok.get_vocab_size(), EOS_ID, PAD_ID, len(encode(tok, text))))


    def info_for(name, recipe, description, hyper, base="base", convention="logits", steps=None):
        return dict(name=name, recipe=recipe, description=description, baseModel=base,
                    hyperParameters=hyper, trainingSteps=steps, seed=SEED,
                    parameterCount=None, outputConvention=convention, contextLength=CONTEXT,
                    vocabSize=VOCAB_SIZE, architecture=dict(d_model=D_MODEL, n_layer=N_LAYER, n_head=N_HEAD,
                                                            tiedEmbeddings=True, positions="learned, from attention mask"),
                    generator=generator_versions())

    results = {}

    def finish(name, model, info, tuple_out):
        info["parameterCount"] = param_count(model)
        out = os.path.join(MODELS, name)
        export(clone(model, 0.0), out, tuple_out, tok)
        results[name] = evaluate_and_record(name, out, tok, suites, text, info)

    # ---------------------------------------------------------------- base
    torch.manual_seed(SEED)
    base = TinyGPT(dropout=DROPOUT)
    hyper = dict(optimizer="AdamW", lr=3e-3, warmup=100, schedule="cosine to 10%", steps=6000, batch=32,
                 weightDecay=0.1, dropout=DROPOUT,
                 data="general suite items + general corpus paragraphs (7:3, each batch from one source)")
    if ARGS.base_cache and os.path.exists(ARGS.base_cache):
        base.load_state_dict(torch.load(ARGS.base_cache))
        log("base weights from %s (development shortcut)" % ARGS.base_cache)
    else:
        train(base, list(base.parameters()),
              sampler_of([(general_seqs, 0.7), (corpus_seqs, 0.3)], 32, SEED, per_batch=True), hyper["steps"],
              hyper["lr"], warmup=hyper["warmup"], weight_decay=hyper["weightDecay"], label="base", cosine=True)
        if ARGS.base_cache:
            torch.save(base.state_dict(), ARGS.base_cache)
    finish("base", base, info_for("base", "pretrain", "Trained from scratch on the general suite and corpus.",
                                  hyper, base=None, convention="tuple", steps=hyper["steps"]), True)

    # ---------------------------------------------------------------- full fine-tune + checkpoints
    full = clone(base, seed=SEED + 1)
    ckpts = [8, 12, 16, 24, 32, 100]
    sft = "domain suite only, completion-only loss"
    hyper = dict(optimizer="AdamW", lr=3e-3, warmup=50, steps=600, batch=32, checkpoints=ckpts, data=sft)

    def on_ckpt(step):
        finish("full-ft-step-%d" % step, full,
               info_for("full-ft-step-%d" % step, "full-ft-checkpoint",
                        "Checkpoint of the full-ft run after %d steps." % step, hyper, convention="tuple",
                        steps=step), True)

    train(full, list(full.parameters()), sampler_of([(domain_sft, 1.0)], 32, SEED + 1), hyper["steps"],
          hyper["lr"], warmup=hyper["warmup"], checkpoints=ckpts, on_checkpoint=on_ckpt, label="full-ft")
    finish("full-ft", full, info_for("full-ft", "full-ft", "All weights, high learning rate (after a short warm-up), "
                                     "many steps on the domain suite only.", hyper, convention="tuple",
                                     steps=hyper["steps"]), True)

    # ---------------------------------------------------------------- gentle
    gentle = clone(base, seed=SEED + 2)
    hyper = dict(optimizer="AdamW", lr=1e-4, warmup=20, steps=120, batch=32, data=sft)
    train(gentle, list(gentle.parameters()), sampler_of([(domain_sft, 1.0)], 32, SEED + 2), hyper["steps"],
          hyper["lr"], warmup=hyper["warmup"], label="gentle-ft")
    finish("gentle-ft", gentle, info_for("gentle-ft", "gentle-ft", "All weights, low learning rate with warm-up, "
                                         "few steps.", hyper, steps=hyper["steps"]), False)

    # ---------------------------------------------------------------- LoRA
    lora = clone(base, seed=SEED + 3)
    hyper = dict(optimizer="AdamW", lr=1e-4, warmup=20, steps=800, batch=32, rank=8, alpha=8,
                 targets=list(LORA_TARGETS), data=sft, merged=True)
    adapters = add_lora(lora, hyper["rank"], hyper["alpha"])
    train(lora, adapters, sampler_of([(domain_sft, 1.0)], 32, SEED + 3), hyper["steps"], hyper["lr"],
          warmup=hyper["warmup"], label="lora")
    merge_lora(lora)
    for p in lora.parameters():
        p.requires_grad_(True)
    finish("lora", lora, info_for("lora", "lora", "Rank-8 LoRA adapters on every linear layer, merged into "
                                  "the exported weights; base weights frozen.", hyper, steps=hyper["steps"]), False)

    # ---------------------------------------------------------------- replay
    replay = clone(base, seed=SEED + 4)
    hyper = dict(optimizer="AdamW", lr=5e-4, warmup=0, steps=400, batch=32,
                 data="80% domain suite, 15% general suite (completion-only loss), 5% general corpus (replay)")
    train(replay, list(replay.parameters()),
          sampler_of([(domain_sft, 0.8), (general_sft, 0.15), (corpus_seqs, 0.05)], 32, SEED + 4),
          hyper["steps"], hyper["lr"], label="replay")
    finish("replay", replay, info_for("replay", "replay", "Full fine-tune with about 20% general data mixed into "
                                      "every batch.", hyper, convention="tuple", steps=hyper["steps"]), True)

    # ---------------------------------------------------------------- L2-SP
    l2sp = clone(base, seed=SEED + 5)
    anchor = snapshot(base)
    hyper = dict(optimizer="AdamW", lr=1e-3, warmup=0, steps=600, batch=32, alpha=0.05,
                 penalty="alpha/2 * sum((theta - theta_base)^2)", data=sft)

    def l2_pen():
        return 0.5 * hyper["alpha"] * sum(((p - anchor[k]) ** 2).sum() for k, p in l2sp.named_parameters())

    train(l2sp, list(l2sp.parameters()), sampler_of([(domain_sft, 1.0)], 32, SEED + 5), hyper["steps"],
          hyper["lr"], penalty=l2_pen, label="l2sp")
    finish("l2sp", l2sp, info_for("l2sp", "l2sp", "Full fine-tune with an L2 penalty toward the base weights.",
                                  hyper, steps=hyper["steps"]), False)

    # ---------------------------------------------------------------- EWC
    ewc = clone(base, seed=SEED + 6)
    fisher = empirical_fisher(clone(base, 0.0), general_seqs + corpus_seqs, 256)
    hyper = dict(optimizer="AdamW", lr=1e-3, warmup=0, steps=600, batch=32, lam=2000.0, fisherSamples=256,
                 penalty="lam/2 * sum(F * (theta - theta_base)^2), F = diagonal empirical Fisher of base", data=sft)

    def ewc_pen():
        return 0.5 * hyper["lam"] * sum((fisher[k] * (p - anchor[k]) ** 2).sum() for k, p in ewc.named_parameters())

    train(ewc, list(ewc.parameters()), sampler_of([(domain_sft, 1.0)], 32, SEED + 6), hyper["steps"],
          hyper["lr"], penalty=ewc_pen, label="ewc")
    finish("ewc", ewc, info_for("ewc", "ewc", "Full fine-tune with an EWC (Fisher-weighted) penalty toward "
                                "the base weights.", hyper, convention="tuple", steps=hyper["steps"]), True)

    write_broken(tok)
    verify_contract(results)
    for name in OUTPUTS:
        target = os.path.join(ROOT, name)
        if os.path.isdir(target):
            shutil.rmtree(target)
        os.rename(os.path.join(STAGING, name), target)
    os.rmdir(STAGING)
    log("done: fixtures written to %s" % ROOT)


def write_broken(tok):
    """Small deliberately unusable models for the adapter's refusal tests."""
    torch.manual_seed(SEED + 99)
    tiny = TinyGPT(d=16, n_layer=1, n_head=2)
    export(tiny, os.path.join(BROKEN, "bf16"), False, tok, dtype=torch.bfloat16)
    torch.manual_seed(SEED + 98)
    other = TinyGPT(vocab=300, d=16, n_layer=1, n_head=2)
    export(other, os.path.join(BROKEN, "vocab-mismatch"), False, tok)
    with open(os.path.join(BROKEN, "README.md"), "w", encoding="utf-8", newline="\n") as f:
        f.write("Deliberately unusable models for negative tests (made by make_fixtures.py):\n\n"
                "- `bf16/`: bfloat16 weights, which abort the JVM in DJL's PyTorch engine; Retention must refuse them.\n"
                "- `vocab-mismatch/`: logits over 300 ids while tokenizer.json has 640; Retention must refuse it.\n")


def verify_contract(results):
    """The fixture contract from the foundation issue; the generator refuses to finish without it."""
    base = results["base"]
    problems = []
    for c, a in base["general"].items():
        if a < 0.95:
            problems.append("base %s %.3f < 0.95" % (c, a))
    full = results["full-ft"]
    forgot = [c for c in base["general"] if base["general"][c] - full["general"][c] >= 0.40]
    if len(forgot) < 3:
        problems.append("full-ft forgot >= 40 points in only %s" % forgot)
    if full["domain"]["support"] < 0.90:
        problems.append("full-ft domain %.3f < 0.90" % full["domain"]["support"])
    for name in ("lora", "replay"):
        r = results[name]
        for c in base["general"]:
            if base["general"][c] - r["general"][c] > 0.05:
                problems.append("%s %s dropped %.3f > 0.05" % (name, c, base["general"][c] - r["general"][c]))
        if r["domain"]["support"] < 0.80:
            problems.append("%s domain %.3f < 0.80" % (name, r["domain"]["support"]))
    if problems:
        raise SystemExit("fixture contract not met (committed fixtures left untouched; outputs of this run are in "
                         + STAGING + "):\n  " + "\n  ".join(problems))
    log("fixture contract holds")


if __name__ == "__main__":
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base-cache", metavar="PATH",
                        help="development only: save the trained base weights to PATH, or load them from it when "
                             "it exists, to iterate on the fine-tune recipes; committed fixtures come from a run "
                             "without it")
    ARGS = parser.parse_args()
    main()
