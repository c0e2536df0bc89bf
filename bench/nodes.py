#!/usr/bin/env python3
"""Several nodes on one store (issue 13, docs/scaling.md): the same
protected load through one node on SQLite, one node on PostgreSQL and two
nodes on one PostgreSQL, in one run, for 4 KB and 64 KB messages.

Load: Postfix's smtp-source, every message to one external recipient, so a
rule seals each into a portal wrapper (as bench/run's "protected"). With
two nodes the sessions are split between them. Rate: messages per second
from the first connection until smtp-sink (the next hop) has received the
last one, counted in its dump file (bench/run's SinkWatch). PostgreSQL is a
server of the run's own (tests/pg_testlib.py: initdb, fsync on). Both
engines fsync every commit.

Usage: bench/nodes.py [--quick]   (SEALPOST_BINARY: default build/sealpost)
"""

import functools
import importlib.machinery
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
os.environ.setdefault("SEALPOST_BINARY", os.path.join(ROOT, "build",
                                                      "sealpost"))

from pg_testlib import PostgresServer  # noqa: E402
from smtp_testlib import DevServer, SmtpSink, run_together  # noqa: E402
from usage import check_args  # noqa: E402

RUN = importlib.machinery.SourceFileLoader(
    "bench_run", os.path.join(ROOT, "bench", "run")).load_module()

QUICK = check_args(__doc__, flags=("--quick",)).flag("--quick")
SIZES = [(4 * 1024, "4 KB", 1200), (64 * 1024, "64 KB", 400)]
SESSIONS = 20


def protected_node(sink, args):
    node = DevServer(args=["--next-hop", "127.0.0.1:%d" % sink.port,
                           "--log-level", "warn"] + args)
    return node


def add_rule(node):
    node.cli("rule", "new", "Encrypt external", "--if",
             "recipient-scope=NotInOrganization", "--apply-template",
             "Encrypt", check=True)


def cpu_seconds(pid):
    """User + system CPU time of one process, from /proc."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_pids(pg):
    """The postmaster and its children (the backends doing the work)."""
    with open(os.path.join(pg.dir, "data", "postmaster.pid")) as f:
        master = int(f.readline())
    pids = [master]
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == master:
            pids.append(int(entry))
    return pids


def commits(nodes):
    total = 0
    for node in nodes:
        total += node.metric("sealpost_queue_commits_total") or 0
    return total


def transactions(pg, db):
    """Transactions PostgreSQL counted in `db`: each statement the nodes
    send outside BEGIN is one, so this counts their round trips."""
    if db is None:
        return 0
    time.sleep(1.5)  # the statistics reach the view within a second
    return int(pg.psql(db, "SELECT xact_commit + xact_rollback FROM "
                           "pg_stat_database WHERE datname = "
                           "current_database()"))


def run(nodes, watch, size, count, pg, db):
    """Sends `count` messages split over `nodes`: messages per second until
    the sink has them all, CPU seconds of the nodes and of PostgreSQL, and
    the nodes' group commits."""
    target = watch.poll() + count
    pg_pids = postgres_pids(pg)
    cpu0 = ([cpu_seconds(n.proc.pid) for n in nodes],
            [cpu_seconds(p) for p in pg_pids], commits(nodes),
            transactions(pg, db))
    errors = []

    def send(node, n, sessions):
        r = RUN.smtp_source(node.smtp_port, n, sessions, size)
        if r.returncode != 0:
            errors.append(r.stderr)
    share = count // len(nodes)
    start = time.time()
    run_together([functools.partial(send, node, share, SESSIONS // len(nodes))
                  for node in nodes])
    if errors:
        raise RuntimeError("smtp-source: " + errors[0])
    elapsed = watch.wait(target, start)
    node_cpu = sum(cpu_seconds(n.proc.pid) for n in nodes) - sum(cpu0[0])
    # Backends that came and went are missed: a lower bound.
    pg_cpu = sum(cpu_seconds(p) for p in pg_pids) - sum(cpu0[1])
    return (count / elapsed, node_cpu / elapsed, pg_cpu / elapsed,
            commits(nodes) - cpu0[2],
            (transactions(pg, db) - cpu0[3]) / count)


def main():
    sink = SmtpSink()
    watch = RUN.SinkWatch(sink)
    pg = PostgresServer()
    setups = []
    try:
        sqlite = protected_node(sink, [])
        add_rule(sqlite)
        setups.append(("1 node, SQLite", [sqlite], None))
        url1 = pg.create_database("one")
        pg1 = protected_node(sink, ["--store-url", url1])
        add_rule(pg1)
        setups.append(("1 node, PostgreSQL", [pg1], "one"))
        url2 = pg.create_database("two")
        a = protected_node(sink, ["--store-url", url2])
        add_rule(a)  # in the store: both nodes apply it
        b = protected_node(sink, ["--store-url", url2, "--master-key-file",
                                  os.path.join(a.data_dir, "master.key")])
        setups.append(("2 nodes, PostgreSQL", [a, b], "two"))
        rows = []
        for size, label, count in SIZES:
            count = count // 3 if QUICK else count
            for name, nodes, db in setups:
                rate, node_cpu, pg_cpu, n_commits, xacts = run(
                    nodes, watch, size, count, pg, db)
                rows.append((label, name, count, rate, node_cpu, pg_cpu,
                             count / max(1, n_commits), xacts))
                print("  %-5s %-20s %5d messages %7.1f msg/s, CPU: "
                      "nodes %.2f PostgreSQL %.2f cores, %.1f messages per "
                      "commit, %.1f PostgreSQL statements per message"
                      % rows[-1], file=sys.stderr, flush=True)
    finally:
        for _, nodes, _ in setups:
            for node in nodes:
                node.stop()
        pg.stop()
        sink.cleanup()
    print()
    print("Protected mail, smtp-source (%d sessions) -> node(s) -> smtp-sink "
          "(loopback, %d cores, fsync on)" % (SESSIONS, os.cpu_count()))
    print()
    print("| Size  | Setup | Messages | msg/s | CPU nodes | CPU PostgreSQL "
          "| Messages per commit | Statements per message |")
    print("|-------|-------|---------:|------:|------:|------:|------:|"
          "------:|")
    for row in rows:
        print("| %-5s | %s | %d | %.1f | %.2f cores | %.2f cores | %.1f | "
              "%.1f |" % row)


if __name__ == "__main__":
    main()
