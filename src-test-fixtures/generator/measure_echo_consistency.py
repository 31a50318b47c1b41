#!/usr/bin/env python3
"""Asks a running OpenAI-compatible server for the same log-probabilities two ways, with TEXT prompts
(for servers such as llama-cpp-python's that take no token-id prompts): each token it generates
greedily after a prefix, with logprobs; then the prefix plus the generated text scored with
echo: true. A server whose prompt log-probabilities are right gives the same numbers both ways: this
is Retention's self-check (ServerSelfCheck) done by hand. A benchmark, not a fixture generator; CI
never runs it.

    python3 src-test-fixtures/generator/measure_echo_consistency.py --url http://127.0.0.1:18435/v1 --served NAME
"""
import argparse
import json
import urllib.request

PREFIXES = ["The capital of France is", "Monday, Tuesday, Wednesday,", "12 plus 30 is"]


def post(url, body):
    req = urllib.request.Request(url + "/completions", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--served", required=True)
    ap.add_argument("--steps", type=int, default=4)
    a = ap.parse_args()
    worst = 0.0
    for prefix in PREFIXES:
        g = post(a.url, {"model": a.served, "prompt": prefix, "max_tokens": a.steps, "temperature": 0,
                         "logprobs": 1})["choices"][0]
        gen_tokens = g["logprobs"]["tokens"]
        gen_lp = g["logprobs"]["token_logprobs"]
        e = post(a.url, {"model": a.served, "prompt": prefix + g["text"], "max_tokens": 1, "temperature": 0,
                         "logprobs": 1, "echo": True})["choices"][0]
        lp = e["logprobs"]
        echo_tokens, echo_lp = lp["tokens"], lp["token_logprobs"]
        # vLLM follows the echoed prompt with the one generated token, llama-cpp-python does not
        n = len(gen_tokens)
        end = len(echo_tokens) - 1 if echo_tokens[-n - 1:-1] == gen_tokens else len(echo_tokens)
        tail_tokens = echo_tokens[end - n:end]
        tail_lp = echo_lp[end - n:end]
        print(f"prefix {prefix!r} generated {g['text']!r}")
        if tail_tokens != gen_tokens:
            print(f"  echo tokenized the text differently: {tail_tokens} vs {gen_tokens}; not compared")
            continue
        for t, x, y in zip(gen_tokens, gen_lp, tail_lp):
            print(f"  {t!r:>14}: {x:10.5f} when generated, {y:10.5f} scored as a prompt (echo), difference {abs(x - y):.4g}")
            worst = max(worst, abs(x - y))
        print(f"  echo log-probabilities of the prefix: {[round(v, 4) if v is not None else None for v in echo_lp[:end - n]]}")
    print(f"largest difference per token: {worst:.4g}")


if __name__ == "__main__":
    main()
