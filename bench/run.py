#!/usr/bin/env python3
"""bench/run.py — the `make bench` driver (python3 stdlib only; not part of the test suite).

For each data set (generated once by shared/bench/gen_events.py into bench/data/) and each
available destination, runs cdlt and a reference alternately, several times, and reports the
median wall time, input MB/s, rows/s, peak RSS (wait4 rusage) and the cdlt/reference ratio:

  duckdb      `cdlt run` into a fresh DuckDB file  vs  bench/duckdb_ctas: CREATE TABLE AS
              SELECT * FROM read_json_auto(file) through libduckdb
  postgres    `cdlt run` into the harness's throwaway server  vs  `psql \\copy` of the same rows
              (cdlt's normalized rows, pre-flattened to CSV) into tables LIKE cdlt's INCLUDING ALL
              (so both maintain dlt's UNIQUE (_dlt_id) index)
  parquet     `cdlt run --destination filesystem` with parquet files  vs  DuckDB's
              COPY (SELECT * FROM read_json_auto(file)) TO (FORMAT parquet)

and `cdlt --version` wall time. Prints a table and writes bench/results/<YYYY-MM-DD>.md
(<YYYY-MM-DD>-2.md and so on when that file exists).
"""

import argparse
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

DATASETS = {
    # name: (file, generator args, rows); "repeat:<name>:<n>" = that data set concatenated n times
    "nested": ("events_nested_200k.jsonl", ["--rows", "200000", "--seed", "42"], 200000),
    "flat": ("events_flat_2m.jsonl", ["--rows", "2000000", "--seed", "42", "--flat"], 2000000),
    # 10x the rows: memory must stay bounded by buffer settings, not by input size
    "nested10x": ("events_nested_2m.jsonl", "repeat:nested:10", 2000000),
    "flat10x": ("events_flat_20m.jsonl", "repeat:flat:10", 20000000),
}
STEPS = ("extract", "normalize", "load")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


GNU_TIME = "/usr/bin/time"


def spawn_ms(cmd, n=51):
    """Median milliseconds of posix_spawn + waitpid of cmd (stdio to /dev/null), n runs."""
    devnull = os.open(os.devnull, os.O_RDWR)
    actions = [(os.POSIX_SPAWN_DUP2, devnull, fd) for fd in (0, 1, 2)]
    times = []
    try:
        for _ in range(n):
            t0 = time.perf_counter()
            pid = os.posix_spawn(cmd[0], cmd, os.environ, file_actions=actions)
            os.waitpid(pid, 0)
            times.append(time.perf_counter() - t0)
    finally:
        os.close(devnull)
    return statistics.median(times) * 1000


def measure_rusage(cmd, env=None, cwd=None, rss=True):
    """Runs cmd; returns (wall seconds, peak RSS KiB, output). Raises on a non-zero exit.

    The peak RSS comes from GNU time when it is installed: the kernel folds the RSS a forked child
    had before exec (this Python process's, which holds CSV rows) into the child's ru_maxrss, so
    wait4 on a direct fork overstates small programs. Without GNU time, wait4's value is used."""
    rss_file = os.path.join(WORK, "last.rss")
    if rss and os.access(GNU_TIME, os.X_OK):
        cmd = [GNU_TIME, "-f", "%M", "-o", rss_file] + list(cmd)
    else:
        rss_file = None
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    with open(os.devnull, "rb") as devnull, \
            open(os.path.join(WORK, "last.out"), "wb") as fo:
        t0 = time.monotonic()
        pid = os.fork()
        if pid == 0:   # child
            try:
                if cwd:
                    os.chdir(cwd)
                os.dup2(devnull.fileno(), 0)
                os.dup2(fo.fileno(), 1)
                os.dup2(fo.fileno(), 2)
                os.execvpe(cmd[0], cmd, full_env)
            finally:
                os._exit(127)
        _, status, ru = os.wait4(pid, 0)
        wall = time.monotonic() - t0
    code = os.waitstatus_to_exitcode(status)
    with open(os.path.join(WORK, "last.out"), "rb") as f:
        out = f.read().decode("utf-8", "replace")
    if code != 0:
        raise RuntimeError("%s exited %d:\n%s" % (" ".join(cmd), code, out[-4000:]))
    peak = ru.ru_maxrss
    if rss_file:
        with open(rss_file, encoding="utf-8") as f:
            peak = int(f.read().split()[-1])
    return wall, peak, out


def ensure_data(name):
    fname, gen_args, _ = DATASETS[name]
    path = os.path.join(HERE, "data", fname)
    if os.path.exists(path):
        return path
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if isinstance(gen_args, str):   # repeat:<data set>:<times>
        _, base, times = gen_args.split(":")
        src = ensure_data(base)
        log("building %s (%s x %s)..." % (path, base, times))
        with open(path + ".tmp", "wb") as f:
            for _ in range(int(times)):
                with open(src, "rb") as fi:
                    shutil.copyfileobj(fi, f, 16 << 20)
        os.rename(path + ".tmp", path)
        return path
    gen = os.path.join(SHARED, "bench", "gen_events.py")
    log("generating %s (%s)..." % (path, " ".join(gen_args)))
    with open(path + ".tmp", "wb") as f:
        subprocess.run([sys.executable, gen] + gen_args, stdout=f, check=True)
    os.rename(path + ".tmp", path)
    return path


def fresh(path):
    if os.path.isdir(path):
        shutil.rmtree(path)
    elif os.path.exists(path):
        os.remove(path)


def cdlt_run(args_extra, data, tag, env=None):
    pdir = os.path.join(WORK, "pipelines-" + tag)
    fresh(pdir)
    cmd = [CDLT, "run", data, "--pipeline", "bench", "--table", "events", "--pipelines-dir", pdir] + args_extra
    wall, rss, out = measure_rusage(cmd, env=env, cwd=WORK)
    return wall, rss, out, stage_seconds(pdir)


def stage_seconds(pdir):
    """{step: elapsed seconds} from the run's trace.json (dlt's trace steps)"""
    try:
        with open(os.path.join(pdir, "bench", "trace.json"), encoding="utf-8") as f:
            trace = json.load(f)
        return {st["step"]: st["elapsed"] for st in trace.get("steps", [])}
    except (OSError, ValueError, KeyError):
        return {}


def destination_available(name):
    """True when cdlt was built with the destination (an unknown one is a usage error)."""
    p = subprocess.run([CDLT, "run", os.devnull, "--pipeline", "probe", "--destination", name,
                        "--credentials", "x", "--pipelines-dir", os.path.join(WORK, "probe")],
                       cwd=WORK, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    fresh(os.path.join(WORK, "probe"))
    return b"unknown destination" not in p.stdout


# ---------------------------------------------------------------- PostgreSQL

class PgServer:
    def __init__(self):
        self.proc = subprocess.Popen([PG_SERVE], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.url = self.proc.stdout.readline().decode().strip()
        self.admin = self.proc.stdout.readline().decode().strip()
        if not self.url:
            raise RuntimeError("pg_serve did not start a server")

    def psql(self, sql):
        subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", self.url, "-c", "SET client_min_messages=warning; " + sql], check=True,
                       stdout=subprocess.DEVNULL)

    def query(self, sql):
        return subprocess.run(["psql", "-X", "-q", "-At", self.url, "-c", sql], check=True,
                              stdout=subprocess.PIPE).stdout.decode().strip()

    def stop(self):
        self.proc.stdin.close()
        self.proc.wait()


def csv_field(v):
    if v is None:
        return ""
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, (int, float)):
        return json.dumps(v)
    if not isinstance(v, str):
        v = json.dumps(v, ensure_ascii=False, separators=(",", ":"))
    return '"' + v.replace('"', '""') + '"'


def jobs_to_csv(pdir, out_dir):
    """cdlt's normalized rows (every completed jsonl job of a table, in name order = load order) as
    one CSV per table: {table: (csv, cols, rows)}"""
    os.makedirs(out_dir, exist_ok=True)
    per_table = {}
    for root, _, files in os.walk(pdir):
        if not root.endswith("completed_jobs"):
            continue
        for f in files:
            table = f.split(".")[0]
            if not table.startswith("_dlt"):
                per_table.setdefault(table, []).append(os.path.join(root, f))
    tables = {}
    for table, paths in sorted(per_table.items()):
        cols, rows = [], []
        seen = set()
        for job in sorted(paths):
            with open(job, encoding="utf-8") as fh:
                for line in fh:
                    r = json.loads(line)
                    for k in r:
                        if k not in seen:
                            seen.add(k)
                            cols.append(k)
                    rows.append(r)
        path = os.path.join(out_dir, table + ".csv")
        with open(path, "w", encoding="utf-8", newline="") as fo:
            fo.write(",".join('"%s"' % c for c in cols) + "\n")
            for r in rows:
                fo.write(",".join(csv_field(r.get(c)) for c in cols) + "\n")
        tables[table] = (path, cols, len(rows))
    return tables


# ---------------------------------------------------------------- main

def median(xs):
    return statistics.median(xs) if xs else None


def main():
    global WORK, CDLT, CTAS, PG_SERVE, SHARED
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"), help="build dir with cdlt and bench/")
    ap.add_argument("--runs", type=int, default=3, help="runs of each measurement (median)")
    ap.add_argument("--datasets", default="nested,flat")
    ap.add_argument("--targets", default="duckdb,postgres,parquet")
    ap.add_argument("--shared", default=os.environ.get("CDLT_SHARED_DIR", os.path.join(ROOT, "..", "shared")))
    ap.add_argument("--no-write", action="store_true", help="do not write bench/results/")
    a = ap.parse_args()
    SHARED = os.path.abspath(a.shared)
    a.build = os.path.abspath(a.build)
    CDLT = os.path.join(a.build, "cdlt")
    CTAS = os.path.join(a.build, "bench", "duckdb_ctas")
    PG_SERVE = os.path.join(a.build, "bench", "pg_serve")
    WORK = os.path.join(HERE, "work")
    fresh(WORK)
    os.makedirs(WORK)

    load_before = os.getloadavg()
    targets = a.targets.split(",")
    notes = []
    avail = {}
    for t, dest in (("duckdb", "duckdb"), ("postgres", "postgres"), ("parquet", "filesystem")):
        avail[t] = t in targets and destination_available(dest)
        if t in targets and not avail[t]:
            notes.append("%s: skipped, destination '%s' is not registered in this cdlt" % (t, dest))
    if avail.get("postgres") and (not os.path.exists(PG_SERVE) or not shutil.which("psql")):
        avail["postgres"] = False
        notes.append("postgres: skipped, no bench/pg_serve or psql")
    pg = None
    if avail.get("postgres"):
        try:
            pg = PgServer()
        except Exception as e:   # no server binaries: skip the columns
            avail["postgres"] = False
            notes.append("postgres: skipped, cannot start a server (%s)" % e)

    # cdlt --version, started the way a shell starts it (posix_spawn: vfork + exec, no copy of this
    # script's memory), and below also through fork + exec + wait4 as every other run here
    spawn_version_ms = spawn_ms([CDLT, "--version"])
    spawn_true_ms = spawn_ms(["/bin/true"])
    vt = []
    for _ in range(21):
        w, _, _ = measure_rusage([CDLT, "--version"], rss=False)
        vt.append(w)
    version_ms = median(vt) * 1000
    # the same measurement of /bin/true: what fork + exec + wait from this script cost by themselves
    tt = []
    for _ in range(21):
        w, _, _ = measure_rusage(["/bin/true"], rss=False)
        tt.append(w)
    true_ms = median(tt) * 1000

    results = []   # rows of the table
    try:
        for ds in a.datasets.split(","):
            data = ensure_data(ds)
            size_mb = os.path.getsize(data) / 1e6
            nrows = DATASETS[ds][2]
            for target in ("duckdb", "postgres", "parquet"):
                if not avail.get(target):
                    continue
                cd, rf = [], []
                pg_csv = None
                for i in range(a.runs):
                    tag = "%s-%s-%d" % (ds, target, i)
                    log("%s %s run %d/%d" % (ds, target, i + 1, a.runs))
                    if target == "duckdb":
                        db = os.path.join(WORK, "cdlt.duckdb")
                        fresh(db); fresh(db + ".wal")
                        cd.append(cdlt_run(["--credentials", db], data, tag))
                        ref = os.path.join(WORK, "ref.duckdb")
                        fresh(ref); fresh(ref + ".wal")
                        rf.append(measure_rusage([CTAS, ref, data])[:2])
                        fresh(db); fresh(ref)
                    elif target == "postgres":
                        dsname = "bench_%s_%d" % (ds, i)
                        cd.append(cdlt_run(["--destination", "postgres", "--credentials", pg.url,
                                            "--dataset", dsname], data, tag))
                        if pg_csv is None:
                            pg_csv = jobs_to_csv(os.path.join(WORK, "pipelines-" + tag),
                                                 os.path.join(WORK, "csv-" + ds))
                        ref_schema = "ref_%s_%d" % (ds, i)
                        ddl = ["CREATE SCHEMA %s" % ref_schema]
                        cmds = []
                        for table, (path, cols, _) in pg_csv.items():
                            # the same table definitions, dlt's UNIQUE (_dlt_id) index included
                            ddl.append('CREATE TABLE %s."%s" (LIKE %s."%s" INCLUDING ALL)' % (ref_schema, table, dsname, table))
                            cmds += ["-c", "\\copy %s.\"%s\" (%s) FROM '%s' WITH (FORMAT csv, HEADER true)" % (
                                ref_schema, table, ",".join('"%s"' % c for c in cols), path)]
                        pg.psql("; ".join(ddl))
                        rf.append(measure_rusage(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", pg.url,
                                                  "-c", "BEGIN"] + cmds + ["-c", "COMMIT"])[:2])
                        # both sides loaded every row (a reference with fewer rows is no reference)
                        for table, (_, _, nrows_csv) in pg_csv.items():
                            for schema in (dsname, ref_schema):
                                got = int(pg.query('SELECT count(*) FROM %s."%s"' % (schema, table)))
                                if got != nrows_csv:
                                    raise RuntimeError("%s.%s has %d rows, the jobs %d" % (schema, table, got, nrows_csv))
                        pg.psql("DROP SCHEMA %s CASCADE; DROP SCHEMA %s CASCADE" % (dsname, ref_schema))
                    else:
                        out = os.path.join(WORK, "fs")
                        fresh(out)
                        cd.append(cdlt_run(["--destination", "filesystem", "--credentials", out], data, tag,
                                           env={"NORMALIZE__LOADER_FILE_FORMAT": "parquet"}))
                        ref = os.path.join(WORK, "ref.parquet")
                        fresh(ref)
                        rf.append(measure_rusage([CTAS, "--parquet", ref, data])[:2])
                        fresh(out); fresh(ref)
                    fresh(os.path.join(WORK, "pipelines-" + tag))
                for who, runs in (("cdlt", cd), ("reference", rf)):
                    w = median([r[0] for r in runs])
                    res = {"dataset": ds, "target": target, "who": who, "wall": w,
                           "walls": [r[0] for r in runs], "mbs": size_mb / w, "rows": nrows / w,
                           "rss": max(r[1] for r in runs) / 1024.0, "size": size_mb, "nrows": nrows}
                    if who == "cdlt":   # median seconds of each stage, from the traces
                        res["steps"] = {st: median([r[3][st] for r in runs if st in r[3]]) for st in STEPS}
                    results.append(res)
                results[-2]["ratio"] = results[-2]["wall"] / results[-1]["wall"]
    finally:
        if pg:
            pg.stop()
    load_after = os.getloadavg()

    ref_names = {"duckdb": "duckdb read_json_auto CTAS", "postgres": "psql \\copy CSV",
                 "parquet": "duckdb COPY TO parquet"}
    lines = []
    lines.append("| data set | target | program | wall s (median) | runs | extract / normalize / load s | MB/s | rows/s "
                 "| peak RSS MiB | cdlt/ref |")
    lines.append("|---|---|---|---:|---|---|---:|---:|---:|---:|")
    for r in results:
        prog = "cdlt run" if r["who"] == "cdlt" else ref_names[r["target"]]
        steps = r.get("steps") or {}
        split = " / ".join("%.2f" % steps[st] if steps.get(st) is not None else "-" for st in STEPS) if steps else ""
        lines.append("| %s (%d rows, %.0f MB) | %s | %s | %.2f | %s | %s | %.1f | %.0f | %.0f | %s |" % (
            r["dataset"], r["nrows"], r["size"], r["target"], prog, r["wall"],
            " ".join("%.2f" % w for w in r["walls"]), split, r["mbs"], r["rows"], r["rss"],
            "%.2f" % r["ratio"] if "ratio" in r else ""))
    table = "\n".join(lines)
    print(table)
    print("\ncdlt --version: %.2f ms started with posix_spawn (median of 51; /bin/true: %.2f ms); %.2f ms through "
          "this script's fork + exec + wait4 (median of 21; /bin/true: %.2f ms)"
          % (spawn_version_ms, spawn_true_ms, version_ms, true_ms))
    for n in notes:
        print("note: " + n)

    if not a.no_write:
        day = datetime.date.today().isoformat()
        os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
        path = os.path.join(HERE, "results", day + ".md")
        n = 2   # a second run of the day gets its own file: <day>-2.md, ... (never overwrite results)
        while os.path.exists(path):
            path = os.path.join(HERE, "results", "%s-%d.md" % (day, n))
            n += 1
        git = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL).stdout.decode().strip()
        with open(path, "w", encoding="utf-8") as f:
            f.write("# Benchmark results %s\n\n" % day)
            f.write("`make bench` (bench/run.py), commit %s (plus working-tree changes), %d run(s) each, "
                    "alternating cdlt / reference; wall = median, peak RSS = max over runs (GNU time %%M).\n"
                    "Machine: %d CPU(s); load average before %.2f, after %.2f (shared machine: "
                    "compare ratios, not absolute times).\n\n" % (git or "?", a.runs, os.cpu_count() or 0,
                                                              load_before[0], load_after[0]))
            f.write(table + "\n\n")
            f.write("`cdlt --version` (target < 5 ms): %.2f ms started with posix_spawn as a shell starts it "
                    "(median of 51 runs; `/bin/true`: %.2f ms); %.2f ms through this script's fork + exec + wait4, "
                    "which copies the script's memory (median of 21 runs; `/bin/true`: %.2f ms)\n"
                    % (spawn_version_ms, spawn_true_ms, version_ms, true_ms))
            for n in notes:
                f.write("\nNote: %s\n" % n)
        print("\nwritten: " + os.path.relpath(path, ROOT))
    fresh(WORK)


if __name__ == "__main__":
    main()
