#!/usr/bin/env python3
"""Run Retention and its peers on the same checkpoint, requests, batch size, dtype and thread count.

Each (harness, task) runs in a fresh process, round-robin over the harnesses (the starting harness
rotates each round), for --rounds rounds; the table shows the median per harness. Peak memory is
measured from the outside the same way for every harness, the JVM included: the kernel's high-water
mark of the largest process (ru_maxrss from wait4) and the polled sum of RSS over the process tree.

Harnesses (see README.md): transformers (loglikelihood), transformers-generate (generate), lm-eval
(loglikelihood), retention (both tasks, one process per task, from --retention-cmd).

Benchmark tooling only (never run by CI). Needs psutil (run-peers.sh installs it).
"""
import argparse
import datetime
import json
import os
import shlex
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# requests.py in this directory would shadow the PyPI package `requests`: keep the directory off sys.path.
sys.path[:] = [p for p in sys.path if os.path.realpath(p or os.getcwd()) != str(HERE)]
sys.path.append(str(HERE / "harness"))
import bench_common  # noqa: E402

HARNESS_DIR = HERE / "harness"
ALL = ("transformers", "transformers-generate", "lm-eval", "retention")
DEFAULT_WORKDIR = Path.home() / ".cache" / "retention-bench" / "runs"
POLL_SECONDS = 0.02


def die(msg):
    print(f"peers.py: {msg}", file=sys.stderr)
    sys.exit(2)


class Job:
    def __init__(self, harness, task, argv, shell=False):
        self.harness, self.task, self.argv, self.shell = harness, task, argv, shell

    @property
    def key(self):
        return f"{self.harness}/{self.task}"


def build_jobs(args, model, requests, workdir):
    py = sys.executable
    bs = str(args.batch_size)
    jobs = []
    for h in args.harness:
        if h == "transformers":
            jobs.append(Job(h, "loglikelihood", [py, str(HARNESS_DIR / "hf_worker.py"), "--task", "loglikelihood",
                                                 "--model", model, "--requests", requests, "--batch-size", bs]))
        elif h == "transformers-generate":
            jobs.append(Job(h, "generate", [py, str(HARNESS_DIR / "hf_worker.py"), "--task", "generate",
                                            "--model", model, "--requests", requests, "--batch-size", bs]))
        elif h == "lm-eval":
            jobs.append(Job(h, "loglikelihood", [py, str(HARNESS_DIR / "lmeval_worker.py"), "--model", model,
                                                 "--requests", requests, "--batch-size", bs,
                                                 "--workdir", str(workdir / "lm-eval")]))
        elif h == "retention":
            if not args.retention_cmd:
                die("harness retention needs --retention-cmd 'COMMAND' (see README.md, 'The Retention side')")
            for task in args.retention_tasks:
                fields = {"model": model, "requests": requests, "batch_size": bs, "threads": str(args.threads),
                          "task": task}
                try:
                    cmd = args.retention_cmd.format(**{k: shlex.quote(v) for k, v in fields.items()})
                except (KeyError, IndexError) as e:
                    die(f"--retention-cmd has an unknown placeholder {e}; allowed: "
                        + ", ".join("{" + k + "}" for k in fields))
                jobs.append(Job(h, task, ["bash", "-c", cmd], shell=True))
        else:
            die(f"unknown harness {h!r}; choose from {', '.join(ALL)}")
    return jobs


def run_job(job, env, log_path):
    """Run one job in a fresh process; return a dict with the BENCH records, memory and wall time."""
    import psutil
    records, lines = [], []
    t0 = time.perf_counter()
    load_before = os.getloadavg()[0]
    with open(log_path, "w", encoding="utf-8") as log:
        log.write("$ " + (job.argv[2] if job.shell else shlex.join(job.argv)) + "\n")
        log.flush()
        proc = subprocess.Popen(job.argv, stdout=subprocess.PIPE, stderr=log, env=env, text=True,
                                start_new_session=True)

        def read():
            for line in proc.stdout:
                lines.append(line)
                log.write(line)
                log.flush()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        peak_tree = 0
        root = psutil.Process(proc.pid)
        status, rusage = None, None
        while True:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            try:
                total = root.memory_info().rss
                for child in root.children(recursive=True):
                    try:
                        total += child.memory_info().rss
                    except psutil.Error:
                        pass
                peak_tree = max(peak_tree, total)
            except psutil.Error:
                pass
            time.sleep(POLL_SECONDS)
        proc.returncode = os.waitstatus_to_exitcode(status)
        reader.join(timeout=30)
    wall = time.perf_counter() - t0
    errors = []
    for line in lines:
        try:
            rec = bench_common.parse_bench_line(line)
        except (ValueError, bench_common.BenchError) as e:
            errors.append(f"bad BENCH line: {e}")
            continue
        if rec is not None:
            records.append(rec)
    return {"harness": job.harness, "task": job.task, "returncode": proc.returncode, "records": records,
            "errors": errors, "wall_seconds": wall, "maxrss_mb": rusage.ru_maxrss / 1024,
            "tree_peak_rss_mb": peak_tree / 2 ** 20, "loadavg_before": load_before,
            "loadavg_after": os.getloadavg()[0], "log": str(log_path)}


def check_record(job, run, meta):
    """Return the job's BENCH record, or raise with what is wrong."""
    if run["returncode"] != 0:
        raise bench_common.BenchError(f"{job.key} exited with {run['returncode']}; see {run['log']}")
    mine = [r for r in run["records"] if r["task"] == job.task]
    if len(mine) != 1:
        raise bench_common.BenchError(f"{job.key} printed {len(mine)} BENCH lines for task {job.task} "
                                      f"(expected 1); see {run['log']}")
    rec = mine[0]
    if rec["harness"] != job.harness:
        raise bench_common.BenchError(f"{job.key} printed harness {rec['harness']!r}; see {run['log']}")
    want = ((meta["choice_items"], meta["loglikelihood_requests"]) if job.task == "loglikelihood"
            else (meta["generate_prompts"], meta["generate_prompts"]))
    if (rec["items"], rec["requests"]) != want:
        raise bench_common.BenchError(f"{job.key} reports {rec['items']} items / {rec['requests']} requests, "
                                      f"the request file has {want[0]} / {want[1]}; see {run['log']}")
    if rec["batch_size"] != run["batch_size"]:
        raise bench_common.BenchError(f"{job.key} ran batch size {rec['batch_size']}, asked {run['batch_size']}")
    return rec


def fmt(x, nd=1):
    return "-" if x is None else f"{x:.{nd}f}"


def summarize(jobs, runs, floor, args, meta):
    out = []
    rows = {}
    for job in jobs:
        ok = [r for r in runs if r["key"] == job.key and r.get("record")]
        if not ok:
            continue
        recs = [r["record"] for r in ok]
        secs = statistics.median(r["seconds"] for r in recs)
        rows[job.key] = {
            "harness": job.harness, "task": job.task, "items": recs[0]["items"], "tokens": recs[0]["tokens"],
            "tokens_all": sorted({r["tokens"] for r in recs}), "seconds": secs,
            "items_s": recs[0]["items"] / secs, "tokens_s": statistics.median(r["tokens"] for r in recs) / secs,
            "load": statistics.median(r["load_seconds"] for r in recs),
            "rss": statistics.median(r["tree_peak_rss_mb"] for r in ok),
            "maxrss": statistics.median(r["maxrss_mb"] for r in ok),
            "wall": statistics.median(r["wall_seconds"] for r in ok),
            "padding": statistics.median(r.get("padding_ratio") or 0 for r in recs),
            "checksums": [r["checksum"] for r in recs], "digests": sorted({r.get("digest") for r in recs} - {None}),
            "acc": sorted({round(r["acc"], 6) for r in recs if r.get("acc") is not None}),
            "forward_rows": sorted({r.get("forward_rows") for r in recs} - {None}), "n": len(recs),
        }
    head = (f"{'harness':<22} {'task':<13} {'items':>5} {'tokens':>6} {'items/s':>8} {'tokens/s':>9} "
            f"{'score s':>7} {'load s':>6} {'wall s':>6} {'peak RSS MB':>11} {'maxrss MB':>9} {'pad':>5} {'runs':>4}")
    out.append(head)
    out.append("-" * len(head))
    for key, r in rows.items():
        out.append(f"{r['harness']:<22} {r['task']:<13} {r['items']:>5} {r['tokens']:>6} {r['items_s']:>8.1f} "
                   f"{r['tokens_s']:>9.0f} {r['seconds']:>7.2f} {r['load']:>6.2f} {r['wall']:>6.1f} "
                   f"{r['rss']:>11.0f} {r['maxrss']:>9.0f} {r['padding']:>5.2f} {r['n']:>4}")
    out.append("")

    def ratio(a, b, field):
        if a in rows and b in rows:
            return rows[a][field] / rows[b][field]
        return None

    ret_ll, ret_gen = "retention/loglikelihood", "retention/generate"
    lme, tf, tfg = "lm-eval/loglikelihood", "transformers/loglikelihood", "transformers-generate/generate"
    if ret_ll in rows or ret_gen in rows:
        out.append("ratios (Retention / peer; higher is better for speed, lower for load and memory):")
        out.append(f"  loglikelihood items/s  Retention / lm-eval:       {fmt(ratio(ret_ll, lme, 'items_s'), 2)}x")
        out.append(f"  loglikelihood items/s  Retention / transformers:  {fmt(ratio(ret_ll, tf, 'items_s'), 2)}x")
        out.append(f"  generate tokens/s      Retention / transformers:  {fmt(ratio(ret_gen, tfg, 'tokens_s'), 2)}x")
        out.append(f"  load s                 Retention / transformers:  {fmt(ratio(ret_ll, tf, 'load'), 2)}x")
        out.append(f"  peak RSS               Retention / transformers:  {fmt(ratio(ret_ll, tf, 'rss'), 2)}x")
    else:
        out.append("no Retention rows (pass --retention-cmd); peer ratios for reference:")
    out.append(f"  loglikelihood items/s  transformers / lm-eval:    {fmt(ratio(tf, lme, 'items_s'), 2)}x")

    lls = {k: r for k, r in rows.items() if r["task"] == "loglikelihood"}
    if lls:
        sums = [(k, c) for k, r in lls.items() for c in r["checksums"]]
        worst = 0.0
        for i in range(len(sums)):
            for j in range(i + 1, len(sums)):
                a, b = sums[i][1], sums[j][1]
                worst = max(worst, abs(a - b) / max(abs(a), abs(b), 1e-300))
        out.append("")
        out.append("agreement, loglikelihood: sum of all log-likelihoods per run: "
                   + "; ".join(f"{k.split('/')[0]} {statistics.median(r['checksums']):.6f}" for k, r in lls.items()))
        out.append(f"  max relative difference between any two runs: {worst:.2e}")
        out.append("  accuracy: " + "; ".join(f"{k.split('/')[0]} {r['acc']}" for k, r in lls.items())
                   + " | forward rows: " + "; ".join(f"{k.split('/')[0]} {r['forward_rows']}" for k, r in lls.items()))
        tokens = {k.split("/")[0]: r["tokens_all"] for k, r in lls.items()}
        if len({tuple(v) for v in tokens.values()}) > 1:
            out.append(f"  WARNING: harnesses report different token counts {tokens}: their tokenizations differ")
    gens = {k: r for k, r in rows.items() if r["task"] == "generate"}
    if gens:
        digests = {d for r in gens.values() for d in r["digests"]}
        out.append("agreement, generate: "
                   + ("identical greedy token ids in every run" if len(digests) == 1
                      else f"greedy outputs DIFFER ({len(digests)} distinct digests: "
                           + "; ".join(f"{k.split('/')[0]} {[d[:12] for d in r['digests']]}" for k, r in gens.items())
                           + ")")
                   + " | generated tokens: " + "; ".join(f"{k.split('/')[0]} {r['tokens_all']}" for k, r in gens.items()))
    if floor and lls:
        out.append("")
        out.append(f"forward-pass floor: {floor['params']:,} params, torch fp32 matmul on the model's shapes "
                   f"{floor['model_shapes_gflops']:.1f} GFLOP/s at {floor['threads']} threads "
                   f"(1024^3 square: {floor['square_1024_gflops']:.1f} GFLOP/s)")
        for k, r in lls.items():
            fl = floor["floor_seconds_per_1000_tokens"] * r["tokens"] / 1000
            out.append(f"  {k.split('/')[0]:<22} {r['tokens']} tokens: floor {fl:.2f} s, measured {r['seconds']:.2f} s "
                       f"= {r['seconds'] / fl:.2f}x the floor")
    loads = [x for r in runs for x in (r["loadavg_before"], r["loadavg_after"])]
    out.append("")
    out.append(f"batch size {args.batch_size}, threads {args.threads}, rounds {args.rounds}, fp32, cpu; "
               f"{meta['choice_items']} choice items / {meta['loglikelihood_requests']} loglikelihood requests, "
               f"{meta['generate_prompts']} prompts x {meta['max_new_tokens']} new tokens; "
               f"1-min load average during runs {min(loads):.1f}-{max(loads):.1f} on {os.cpu_count()} cores")
    if max(loads) > os.cpu_count() + 0.5:
        out.append("WARNING: the machine was busy with other work during the runs; timings are pessimistic and noisy")
    return "\n".join(out), rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="Hugging Face model folder (convert_smollm2.py writes one)")
    ap.add_argument("--requests", required=True, help="request file written by requests.py")
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count(),
                    help="intra-op threads for every harness (OMP_NUM_THREADS, MKL_NUM_THREADS, BENCH_THREADS; "
                         "default: all cores)")
    ap.add_argument("--harness", default=None,
                    help=f"comma-separated subset of {','.join(ALL)} (default: all; retention only with --retention-cmd)")
    ap.add_argument("--retention-cmd", default="",
                    help="shell command of the Retention side; placeholders {model} {requests} {batch_size} "
                         "{threads} {task} (shell-quoted when substituted); must print one BENCH line")
    ap.add_argument("--retention-tasks", default="loglikelihood,generate")
    ap.add_argument("--workdir", default=None, help=f"where logs and results go (default {DEFAULT_WORKDIR}/<time>)")
    ap.add_argument("--no-floor", action="store_true", help="skip the matmul-rate measurement")
    ap.add_argument("--summarize", action="store_true",
                    help="only rebuild the table from --workdir's runs.jsonl and floor.log (e.g. of an interrupted run)")
    args = ap.parse_args()

    try:
        import psutil  # noqa: F401
    except ImportError:
        die("psutil is missing; run through run-peers.sh, which builds a venv with it")
    if args.harness is None:
        args.harness = [h for h in ALL if h != "retention" or args.retention_cmd]
    else:
        args.harness = [h.strip() for h in args.harness.split(",") if h.strip()]
    args.retention_tasks = [t.strip() for t in args.retention_tasks.split(",") if t.strip()]
    for t in args.retention_tasks:
        if t not in bench_common.TASKS:
            die(f"--retention-tasks: unknown task {t!r}; choose from {', '.join(bench_common.TASKS)}")
    if args.batch_size < 1 or args.rounds < 1 or args.threads < 1:
        die("--batch-size, --rounds and --threads must be at least 1")
    model = str(Path(args.model).expanduser().resolve())
    requests = str(Path(args.requests).expanduser().resolve())
    if not os.path.isfile(os.path.join(model, "config.json")):
        die(f"{model} has no config.json; convert the model first (convert_smollm2.py)")
    try:
        meta, _, _ = bench_common.read_requests(requests)
    except (OSError, bench_common.BenchError) as e:
        die(str(e))
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    workdir = Path(args.workdir).expanduser().resolve() if args.workdir else DEFAULT_WORKDIR / stamp
    workdir.mkdir(parents=True, exist_ok=True)

    env = dict(os.environ)
    env.update({"OMP_NUM_THREADS": str(args.threads), "MKL_NUM_THREADS": str(args.threads),
                "BENCH_THREADS": str(args.threads), "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
                "TRANSFORMERS_OFFLINE": "1", "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1",
                "TQDM_DISABLE": "1", "PYTHONUNBUFFERED": "1",
                "BENCH_MODEL": model, "BENCH_REQUESTS": requests, "BENCH_BATCH_SIZE": str(args.batch_size)})
    env.setdefault("HF_DATASETS_CACHE", str(Path.home() / ".cache" / "retention-bench" / "datasets"))

    jobs = build_jobs(args, model, requests, workdir)
    if args.summarize:
        runs = [json.loads(line) for line in open(workdir / "runs.jsonl", encoding="utf-8")]
        floor = None
        if (workdir / "floor.log").exists():
            for line in (workdir / "floor.log").read_text().splitlines():
                if line.startswith("FLOOR "):
                    floor = json.loads(line[6:])
        args.rounds = max(r["round"] for r in runs)
        print(summarize(jobs, runs, floor, args, meta)[0])
        return
    print(f"workdir {workdir}; {len(jobs)} jobs x {args.rounds} rounds; batch {args.batch_size}, "
          f"threads {args.threads}; python {sys.executable}", flush=True)

    floor = None
    if not args.no_floor:
        out = subprocess.run([sys.executable, str(HARNESS_DIR / "floor.py"), "--model", model],
                             env=env, capture_output=True, text=True)
        (workdir / "floor.log").write_text(out.stdout + out.stderr)
        for line in out.stdout.splitlines():
            if line.startswith("FLOOR "):
                floor = json.loads(line[6:])
        if floor is None:
            print(f"floor measurement failed; see {workdir / 'floor.log'}", file=sys.stderr)
        else:
            print(f"floor: {floor['model_shapes_gflops']:.1f} GFLOP/s on the model's matmul shapes", flush=True)

    runs, failures = [], []
    with open(workdir / "runs.jsonl", "w", encoding="utf-8") as runs_file:
        for rnd in range(args.rounds):
            shift = rnd % len(jobs)
            for job in jobs[shift:] + jobs[:shift]:
                env_job = dict(env, BENCH_TASK=job.task)
                log = workdir / f"{job.harness}-{job.task}-r{rnd + 1}.log"
                run = run_job(job, env_job, log)
                run.update({"key": job.key, "round": rnd + 1, "batch_size": args.batch_size})
                try:
                    run["record"] = check_record(job, run, meta)
                except bench_common.BenchError as e:
                    failures.append(str(e))
                    run["record"] = None
                rec = run["record"]
                print(f"round {rnd + 1} {job.key:<32} "
                      + (f"{rec['seconds']:7.2f} s scoring, load {rec['load_seconds']:.2f} s, wall "
                         f"{run['wall_seconds']:.1f} s, peak RSS {run['tree_peak_rss_mb']:.0f} MB"
                         if rec else f"FAILED: {failures[-1]}"), flush=True)
                runs.append(run)
                runs_file.write(json.dumps(run) + "\n")
                runs_file.flush()

    table, rows = summarize(jobs, runs, floor, args, meta)
    print()
    print(table)
    (workdir / "summary.txt").write_text(table + "\n")
    (workdir / "summary.json").write_text(json.dumps({"rows": rows, "floor": floor, "meta": meta}, indent=2) + "\n")
    print(f"\nlogs, runs.jsonl and summary.txt in {workdir}")
    if failures:
        print("\nFAILURES:\n  " + "\n  ".join(failures), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
