#!/usr/bin/env python3
"""bench/summary.py OUTDIR — the summary of one bench/run.sh run, as markdown.

Reads OUTDIR/results.log (the shared harness's RESULT lines), OUTDIR/mem.log (RESULT_MEM lines
prefixed with the server's label) and OUTDIR/env.txt, and prints: tools/call ours vs the peer
(medians of the alternating rounds), storms, memory per session, --threads 1 vs 2, the box's
noise, and the issue's targets as met / not met.
"""
import statistics
import sys
from collections import defaultdict
from pathlib import Path

TARGET_CPU_S = 40_000     # echo tools/call per server CPU-second, one thread
TARGET_P99_MS = 5.0       # at 64 connections
TARGET_KIB = 8.0          # RSS per idle session
TARGET_SESSIONS = 10_000  # new sessions per second per core (initialize storm)
NOISY = 0.15              # other_cores above this: the harness flags the run NOISY


def kv(line):
    out = {}
    for tok in line.split():
        if "=" in tok:
            k, v = tok.split("=", 1)
            out[k] = v
    return out


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def med(rows, key):
    vals = [num(r.get(key)) for r in rows]
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def fmt(v, digits=0):
    if v is None:
        return "–"
    if digits == 0:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def main(outdir):
    out = Path(outdir)
    results = [kv(l) for l in (out / "results.log").read_text().splitlines() if l.startswith("RESULT ")]
    skipped = [l for l in (out / "results.log").read_text().splitlines() if l.startswith("SKIPPED")]
    groups = defaultdict(list)
    for r in results:
        groups[(r.get("label"), r.get("scenario"), r.get("conns"))].append(r)
    labels = sorted({r.get("label") for r in results})
    peer = next((l for l in labels if l.startswith("ts-")), None)
    env = (out / "env.txt").read_text().strip() if (out / "env.txt").exists() else ""

    print(f"# bench/run.sh summary ({out.name})\n")
    print("```\n" + env + "\n```\n")
    verdicts = []

    # --- tools/call ---
    conns = sorted({int(c) for (l, s, c) in groups if s == "call" and l == "cpp"})
    if conns:
        print(f"## tools/call echo: ours (echo-server, 1 thread) vs {peer or 'no peer'}, same run\n")
        print("Medians of alternating rounds; server pinned to one core, wrk on the other. "
              "`req/cpu-s` = requests per server CPU-second (rps / server_cpu_cores).\n")
        print("| conns | server | rounds | req/s | req/cpu-s | p50 ms | p99 ms | server cores | other cores (noise) |")
        print("|---|---|---|---|---|---|---|---|---|")
        for c in conns:
            for label in ["cpp", peer]:
                rows = groups.get((label, "call", str(c)), [])
                if not rows:
                    continue
                print(f"| {c} | {label} | {len(rows)} | {fmt(med(rows, 'rps'))} | {fmt(med(rows, 'req_per_server_cpu_s'))} "
                      f"| {fmt(med(rows, 'p50_ms'), 2)} | {fmt(med(rows, 'p99_ms'), 2)} "
                      f"| {fmt(med(rows, 'server_cpu_cores'), 2)} | {fmt(med(rows, 'other_cores'), 2)} "
                      f"(max {fmt(max(num(r.get('other_cores')) or 0 for r in rows), 2)}) |")
        print()
        print("| conns | ratio ours/peer req/s | ratio ours/peer req/cpu-s | errors (ours, peer) |")
        print("|---|---|---|---|")
        for c in conns:
            a = groups.get(("cpp", "call", str(c)), [])
            b = groups.get((peer, "call", str(c)), []) if peer else []
            err = lambda rows: sum(int(num(r.get(k)) or 0) for r in rows for k in
                                   ("http_err", "rpc_err", "tool_err", "sock_connect", "sock_read", "sock_write", "timeouts"))
            ra = med(a, "rps"); rb = med(b, "rps"); ca = med(a, "req_per_server_cpu_s"); cb = med(b, "req_per_server_cpu_s")
            print(f"| {c} | {fmt(ra / rb, 1) if ra and rb else '–'}x | {fmt(ca / cb, 1) if ca and cb else '–'}x | {err(a)}, {err(b) if b else '–'} |")
        print()
        worst = min(med(groups[("cpp", "call", str(c))], "req_per_server_cpu_s") or 0 for c in conns)
        quiet = [r for c in conns for r in groups[("cpp", "call", str(c))] if (num(r.get("other_cores")) or 0) <= NOISY]
        verdicts.append(("echo tools/call >= 40,000 req per server CPU-second (1 thread, pinned)",
                         worst >= TARGET_CPU_S,
                         f"lowest median over conns {conns}: {fmt(worst)} req/cpu-s"
                         + (f"; peer {fmt(med(groups[(peer, 'call', str(conns[0]))], 'req_per_server_cpu_s'))} at c={conns[0]}" if peer and (peer, 'call', str(conns[0])) in groups else "")
                         + (f"; quiet runs (other <= {NOISY}): {len(quiet)}" )))
        if ("cpp", "call", "64") in groups:
            p99 = med(groups[("cpp", "call", "64")], "p99_ms")
            verdicts.append(("p99 < 5 ms at 64 connections", p99 is not None and p99 < TARGET_P99_MS,
                             f"median p99 {fmt(p99, 2)} ms (p50 {fmt(med(groups[('cpp', 'call', '64')], 'p50_ms'), 2)} ms)"))

    # --- storms ---
    storm_rows = [(k, v) for k, v in groups.items() if k[1].startswith("storm")]
    if storm_rows:
        print("## Initialize storms (c=16)\n")
        print("`storm`: one initialize per request, sessions kept (ours: bench-echo-server with the cap raised, "
              "fresh process per round). `storm-full`: initialize -> notifications/initialized -> DELETE "
              "(3 HTTP requests per session).\n")
        print("| scenario | server | rounds | sessions/s | sessions per server CPU-s | HTTP req/s | p50 ms | p99 ms | server cores | other cores |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for (label, sc, c), rows in sorted(storm_rows, key=lambda kvp: (kvp[0][1], kvp[0][0] != "cpp")):
            per_core = [num(r.get("sessions_per_s")) / num(r.get("server_cpu_cores")) for r in rows
                        if num(r.get("server_cpu_cores")) and num(r.get("sessions_per_s")) is not None]
            print(f"| {sc} | {label} | {len(rows)} | {fmt(med(rows, 'sessions_per_s'))} "
                  f"| {fmt(statistics.median(per_core) if per_core else None)} | {fmt(med(rows, 'rps'))} "
                  f"| {fmt(med(rows, 'p50_ms'), 2)} | {fmt(med(rows, 'p99_ms'), 2)} "
                  f"| {fmt(med(rows, 'server_cpu_cores'), 2)} | {fmt(med(rows, 'other_cores'), 2)} |")
        print()
        rows = groups.get(("cpp", "storm", "16"), [])
        if rows:
            per_core = [num(r["sessions_per_s"]) / num(r["server_cpu_cores"]) for r in rows if num(r.get("server_cpu_cores"))]
            pc = statistics.median(per_core) if per_core else None
            verdicts.append((">= 10,000 new sessions per second per core (initialize storm)",
                             pc is not None and pc >= TARGET_SESSIONS,
                             f"median {fmt(pc)} sessions per server CPU-second ({fmt(med(rows, 'sessions_per_s'))} sessions/s "
                             f"on {fmt(med(rows, 'server_cpu_cores'), 2)} cores)"))

    # --- memory ---
    mem_path = out / "mem.log"
    mem = [l.split(" ", 1) for l in mem_path.read_text().splitlines() if " RESULT_MEM " in f" {l} "] if mem_path.exists() else []
    if mem:
        print("## Memory per idle session (mem_sessions.sh: initialize + initialized, then idle)\n")
        print("| server | step | sessions | RSS MiB | per session KiB | RSS after GC MiB | per session after GC KiB |")
        print("|---|---|---|---|---|---|---|")
        best = {}
        for label, rest in mem:
            r = kv(rest)
            rss = num(r.get("rss_kb")); gc = num(r.get("rss_gc_kb"))
            print(f"| {label} | {r.get('step')} | {r.get('sessions')} | {fmt(rss / 1024 if rss else None, 1)} "
                  f"| {r.get('per_session_kb', '–')} | {fmt(gc / 1024 if gc else None, 1)} | {r.get('per_session_gc_kb', '–')} |")
            if r.get("step") not in ("idle", "deleted") and num(r.get("per_session_kb")) is not None:
                best[label] = (int(r.get("sessions", 0)), num(r.get("per_session_kb")))
        print()
        if "cpp" in best:
            n, kib = best["cpp"]
            verdicts.append(("<= 8 KiB RSS per idle session (mem_sessions.sh)", kib <= TARGET_KIB,
                             f"{kib:.1f} KiB at {n:,} sessions" + (f"; peer {best[peer][1]:.1f} KiB at {best[peer][0]:,}" if peer in best else "")))

    # --- threads ---
    t1 = [r for (l, s, c), rows in groups.items() if l == "cpp-threads1" for r in rows]
    t2 = [r for (l, s, c), rows in groups.items() if l == "cpp-threads2" for r in rows]
    if t1 and t2:
        print("## echo-server --threads 1 vs --threads 2 (server on both cores; wrk pinned to one of them)\n")
        print("| threads | rounds | req/s | req/cpu-s | server cores | p50 ms | p99 ms | wrk cores | other cores |")
        print("|---|---|---|---|---|---|---|---|---|")
        for name, rows in (("1", t1), ("2", t2)):
            print(f"| {name} | {len(rows)} | {fmt(med(rows, 'rps'))} | {fmt(med(rows, 'req_per_server_cpu_s'))} "
                  f"| {fmt(med(rows, 'server_cpu_cores'), 2)} | {fmt(med(rows, 'p50_ms'), 2)} | {fmt(med(rows, 'p99_ms'), 2)} "
                  f"| {fmt(med(rows, 'wrk_cpu_cores'), 2)} | {fmt(med(rows, 'other_cores'), 2)} |")
        print()
        a, b = med(t1, "rps"), med(t2, "rps")
        verdicts.append(("throughput grows with --threads 2 vs 1", bool(a and b and b > a * 1.05),
                         f"req/s {fmt(a)} -> {fmt(b)} ({fmt(b / a if a and b else None, 2)}x); "
                         f"server cores {fmt(med(t1, 'server_cpu_cores'), 2)} -> {fmt(med(t2, 'server_cpu_cores'), 2)}"))

    # --- noise ---
    others = [num(r.get("other_cores")) for r in results if num(r.get("other_cores")) is not None]
    if others:
        noisy = sum(1 for o in others if o > NOISY)
        print("## Noise\n")
        print(f"{len(others)} load runs; other processes on the box used a median of {statistics.median(others):.2f} cores "
              f"(max {max(others):.2f}); {noisy} of {len(others)} runs were NOISY (other > {NOISY} cores). "
              "req/cpu-s is the figure that holds up under such load; req/s and latency do not.\n")
    if skipped:
        print("Skipped (time budget): " + "; ".join(s.split("=", 1)[1] for s in skipped) + "\n")

    print("## Targets\n")
    print("| target | verdict | figures |")
    print("|---|---|---|")
    for name, ok, why in verdicts:
        print(f"| {name} | {'met' if ok else 'NOT met'} | {why} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
