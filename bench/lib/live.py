#!/usr/bin/env python3
"""The live-updates benchmark of bench/live (standard library only; the subscribers are
bench/live-clients/subscribers.mjs, the mutation mix bench/lib/live-mix.lua under wrk).

  run   with two gateways already serving one PostgreSQL database: prepare the mutation
        mix, run it without subscribers, open the subscribers (half on each gateway), run
        it again, wait until every subscriber has what it should, check what each
        received against the event log, and write the Markdown report
"""

import argparse
import json
import math
import os
import re
import select
import subprocess
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import must, post  # noqa: E402

MIX_TAG = "live_bench"
KINDS = ("note", "tag", "status", "assign")
# Which filter subscriber number j (counted per gateway) gets: most none, a few each of these.
FILTERS = {
    "none": None,
    "status OPEN": {"status": "OPEN"},
    "channel SMS": {"channels": ["SMS"]},
}
SELECTION = ("subscription($filter: ConversationFilter, $after: String) {"
             " conversationEvents(filter: $filter, after: $after) {"
             " cursor event { id kind at details }"
             " conversation { id status priority channel tags lastActivityAt summary } matches } }")


def log(text):
    print(f"[live {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def filter_of(j, filtered_every):
    """The filter of a gateway's j-th subscriber: one in `filtered_every` has status OPEN,
    the next one in `filtered_every` channel SMS; the rest none."""
    if filtered_every <= 0:
        return "none"
    r = j % filtered_every
    return "status OPEN" if r == filtered_every - 2 else "channel SMS" if r == filtered_every - 1 else "none"


# ---------------------------------------------------------------- database and metrics

def psql(db_url, sql):
    out = subprocess.run(["psql", db_url, "-XAtq", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                         check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def head(args):
    rows = psql(args.db_url, "SELECT coalesce(max(position), 0) FROM activity_events "
                             f"WHERE workspace_id = '{args.workspace}'")
    return int(rows[0][0])


def settled_head(args, quiet_s=1.0, limit_s=30):
    """The event head once no write has landed for `quiet_s` (requests wrk left in flight)."""
    last, since, start = head(args), time.time(), time.time()
    while time.time() - start < limit_s:
        time.sleep(0.25)
        now = head(args)
        if now != last:
            last, since = now, time.time()
        elif time.time() - since >= quiet_s:
            break
    return last


def expectations(args, after, upto):
    """The positions each filter should deliver, in commit order, from the log and the
    conversations (independently of the gateway's own matching): every event; the events
    of conversations whose status is OPEN (only the mix's status changes move a status,
    between OPEN and PENDING, so an event on any other conversation matches as its
    conversation is now); the events of SMS conversations (channels do not change)."""
    rows = psql(args.db_url, f"""
        SELECT e.position, lower(e.kind), e.details, c.status, c.channel
        FROM activity_events e JOIN conversations c ON c.workspace_id = e.workspace_id AND c.id = e.conversation_id
        WHERE e.workspace_id = '{args.workspace}' AND e.position > {after} AND e.position <= {upto}
        ORDER BY e.position""")
    exp = {name: [] for name in FILTERS}
    for pos, kind, details, status, channel in rows:
        p = int(pos)
        exp["none"].append(p)
        if kind == "status_changed":
            d = json.loads(details)
            opens = "open" in (str(d.get("from", "")).lower(), str(d.get("to", "")).lower())
        else:
            opens = status.lower() == "open"
        if opens:
            exp["status OPEN"].append(p)
        if channel.lower() == "sms":
            exp["channel SMS"].append(p)
    return exp


def scrape(base):
    with urllib.request.urlopen(base + "/metrics", timeout=10) as resp:
        text = resp.read().decode()
    values = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$", line)
        if m:
            values[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return values


def metric(values, name):
    return values.get(name, 0.0)


def lag_buckets(after, before):
    """The delivery-lag histogram's buckets (upper bound, count) of the delta."""
    out = []
    for name, v in after.items():
        m = re.match(r'^inbox_live_delivery_lag_seconds_bucket\{le="([^"]+)"\}$', name)
        if m:
            le = math.inf if m.group(1) == "+Inf" else float(m.group(1))
            out.append((le, v - before.get(name, 0.0)))
    return sorted(out)


def histogram_quantile(q, buckets):
    """Prometheus' histogram_quantile over cumulative buckets."""
    if not buckets or buckets[-1][1] <= 0:
        return None
    total = buckets[-1][1]
    rank = q * total
    prev_le, prev_count = 0.0, 0.0
    for le, count in buckets:
        if count >= rank:
            if math.isinf(le):
                return prev_le
            if count == prev_count:
                return le
            return prev_le + (le - prev_le) * (rank - prev_count) / (count - prev_count)
        prev_le, prev_count = le, count
    return prev_le


def cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


# ---------------------------------------------------------------- the mix

def prepare_mix(args, endpoint, headers):
    """Picks --pool conversations and what the mix does to each (a quarter each of note,
    tag, status, assign; status only on OPEN or PENDING ones), and two users."""
    q = ("query($a: String) { conversations(limit: 100, after: $a) {"
         " conversations { id status assignee { id } } pagination { nextCursor } } }")
    convs, after = [], None
    while len(convs) < args.pool * 2:
        data = must(post(endpoint, headers, q, {"a": after}), "listing conversations")["conversations"]
        convs += data["conversations"]
        after = data["pagination"]["nextCursor"]
        if not after:
            break
    users = sorted({c["assignee"]["id"] for c in convs if c.get("assignee")})
    if len(users) < 2:
        sys.exit("the mix needs two users who hold conversations; found " + ", ".join(users))
    quota = {k: args.pool // 4 + (1 if i < args.pool % 4 else 0) for i, k in enumerate(KINDS)}
    by_kind, turn = {k: [] for k in KINDS}, 0
    for c in convs:
        if quota["status"] and c["status"] in ("OPEN", "PENDING"):
            kind = "status"
        else:
            kinds = [k for k in KINDS if k != "status" and quota[k]]
            if not kinds:
                continue
            kind = kinds[turn % len(kinds)]
            turn += 1
        quota[kind] -= 1
        by_kind[kind].append(c["id"])
    # Thread t takes lines t, t + threads, ...: runs of `threads` lines of one kind, the
    # kinds in turn, give each thread (and so each gateway) all four kinds.
    items = []
    while any(by_kind.values()):
        for k in KINDS:
            for _ in range(args.threads):
                if by_kind[k]:
                    items.append((k, by_kind[k].pop(0)))
    return items, users[:2]


def write_mix(args):
    """The mix file, each conversation with where it starts from now (the previous run
    may have left a tag on, a status or an assignee)."""
    ids = ",".join(f"'{i}'" for _, i in args.items)
    rows = psql(args.db_url, f"""
        SELECT c.id, upper(c.status), coalesce(c.assignee_id, ''),
               EXISTS (SELECT 1 FROM conversation_tags t WHERE t.workspace_id = c.workspace_id
                       AND t.conversation_id = c.id AND t.tag = '{MIX_TAG}')
        FROM conversations c WHERE c.workspace_id = '{args.workspace}' AND c.id IN ({ids})""")
    state = {r[0]: r[1:] for r in rows}
    a, b = args.users
    lines = []
    for kind, cid in args.items:
        status, assignee, tagged = state[cid]
        start = {"note": "-", "tag": "1" if tagged == "t" else "0", "status": status,
                 "assign": b if assignee == a else a}[kind]
        if kind == "status" and status not in ("OPEN", "PENDING"):
            sys.exit(f"conversation {cid} of the status group is {status}")
        lines.append(f"{kind}\t{cid}\t{start}")
    with open(args.mix_file, "w") as f:
        f.write("\n".join(lines) + "\n")


def run_mix(args, seconds, label):
    write_mix(args)
    env = dict(os.environ, MIX_FILE=args.mix_file, MIX_PORTS=",".join(args.ports), MIX_THREADS=str(args.threads),
               MIX_TAG=MIX_TAG, MIX_USERS=",".join(args.users),
               HEADERS=f"Authorization: Bearer {args.key}\nX-Workspace-ID: {args.workspace}")
    cmd = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds}s", "--timeout", "10s",
           "-s", args.mix_lua, f"http://127.0.0.1:{args.ports[0]}/graphql"]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    with open(os.path.join(args.out, f"wrk-{label}.out"), "w") as f:
        f.write(out.stdout + out.stderr)
    line = next((l for l in out.stdout.splitlines() if l.startswith("MIX ")), None)
    if out.returncode != 0 or not line:
        sys.exit(f"wrk ({label}) failed: {(out.stdout + out.stderr)[-600:]}")
    fields = dict(part.split("=", 1) for part in line[4:].split(" ") if "=" in part)
    return fields


class LockSampler(threading.Thread):
    """Samples, twice a second, the database's sessions: how many wait on a lock, and how
    many sit idle inside a transaction (waiting for their gateway's next statement)."""

    def __init__(self, args):
        super().__init__(daemon=True)
        self.args, self.stop, self.samples = args, threading.Event(), []

    def run(self):
        db = self.args.db_url.rsplit("/", 1)[1]
        while not self.stop.wait(0.5):
            try:
                rows = psql(self.args.db_url, "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock'),"
                            " count(*) FILTER (WHERE state = 'idle in transaction')"
                            f" FROM pg_stat_activity WHERE datname = '{db}'")
                self.samples.append((int(rows[0][0]), int(rows[0][1])))
            except (subprocess.CalledProcessError, IndexError, ValueError):
                pass

    def means(self):
        n = len(self.samples) or 1
        return (sum(a for a, _ in self.samples) / n, sum(b for _, b in self.samples) / n)


def measured_mix(args, label, pids):
    before_head = settled_head(args)
    cpu0 = {name: cpu_seconds(pid) for name, pid in pids.items()}
    stmts0 = sum(metric(scrape(e), "inbox_db_statements_total") for e in args.endpoints)
    log(f"mix {label}: {args.duration} s, {args.connections} connections over both gateways")
    sampler = LockSampler(args)
    sampler.start()
    w = run_mix(args, args.duration, label)
    sampler.stop.set()
    sampler.join()
    cpu1 = {name: cpu_seconds(pid) for name, pid in pids.items()}
    w["statements"] = sum(metric(scrape(e), "inbox_db_statements_total") for e in args.endpoints) - stmts0
    w["lock_waiting"], w["idle_in_transaction"] = sampler.means()
    after_head = settled_head(args)
    w["events"] = after_head - before_head
    w["head_before"], w["head_after"] = before_head, after_head
    w["cpu"] = {n: (cpu1[n] - cpu0[n]) if cpu0[n] is not None and cpu1[n] is not None else None for n in pids}
    log(f"mix {label}: {w['rps']} mutations/s, p50 {w['p50_ms']} ms, p99 {w['p99_ms']} ms, "
        f"errors {w['errors']}, events recorded {w['events']} for {w['requests']} requests")
    return w


# ---------------------------------------------------------------- the subscribers

class Clients:
    """The subscriber processes, one per gateway."""

    def __init__(self, args):
        self.procs = []
        self.buffers = {}
        self.args = args

    def start(self, count):
        a = self.args
        per_gateway = [[] for _ in a.endpoints]
        for i in range(count):
            g = i % len(a.endpoints)
            per_gateway[g].append(i)
        for g, indices in enumerate(per_gateway):
            subs = []
            for j, i in enumerate(indices):
                name = filter_of(j, a.filtered_every)
                subs.append({"index": i, "filterName": name, "filter": FILTERS[name]})
            cfg = {"url": a.endpoints[g].replace("http://", "ws://") + "/graphql", "key": a.key,
                   "workspace": a.workspace, "perSocket": a.per_socket, "query": SELECTION,
                   "connectConcurrency": 25, "subscribers": subs}
            path = os.path.join(a.out, f"clients-{g}.json")
            with open(path, "w") as f:
                json.dump(cfg, f)
            err = open(os.path.join(a.out, f"clients-{g}.log"), "w")
            proc = subprocess.Popen(["node", os.path.join(a.clients_dir, "subscribers.mjs"), path],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, text=True)
            self.procs.append(proc)
        return [len(x) for x in per_gateway]

    def wait_line(self, proc, prefix, timeout):
        """The next line of the process's output that starts with `prefix` (None at its
        end or after `timeout` seconds)."""
        fd = proc.stdout.fileno()
        buf = self.buffers.setdefault(proc.pid, b"")
        deadline = time.time() + timeout
        while True:
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                if line.decode().startswith(prefix):
                    self.buffers[proc.pid] = buf
                    return line.decode().strip()
            if time.time() >= deadline:
                self.buffers[proc.pid] = buf
                return None
            ready, _, _ = select.select([fd], [], [], 0.5)
            if ready:
                chunk = os.read(fd, 4096)
                if not chunk:
                    return None
                buf += chunk


    def wait_connected(self, timeout):
        for g, proc in enumerate(self.procs):
            line = self.wait_line(proc, "CONNECTED", timeout)
            if not line:
                self.tail(g)
                return False
            log(f"gateway {g + 1}: {line.lower()}")
        return True

    def drain(self, exp_path, timeout):
        results = []
        for g, proc in enumerate(self.procs):
            out = os.path.join(self.args.out, f"clients-{g}-results.json")
            proc.stdin.write(f"DRAIN {exp_path} {timeout} {out}\n")
            proc.stdin.flush()
        for g, proc in enumerate(self.procs):
            line = self.wait_line(proc, "DONE", timeout + 60)
            if not line:
                self.tail(g)
                sys.exit(f"subscriber process {g + 1} did not finish")
            with open(os.path.join(self.args.out, f"clients-{g}-results.json")) as f:
                results.append(json.load(f))
            proc.wait(timeout=30)
        return results

    def cpu(self):
        return {f"subscribers {g + 1}": p.pid for g, p in enumerate(self.procs)}

    def tail(self, g):
        path = os.path.join(self.args.out, f"clients-{g}.log")
        if os.path.exists(path):
            with open(path) as f:
                sys.stderr.write(f.read()[-2000:])

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


def wait_registered(args, want, timeout):
    deadline = time.time() + timeout
    have = 0
    while time.time() < deadline:
        have = sum(metric(scrape(e), "inbox_live_subscriptions") for e in args.endpoints)
        if have >= want:
            return int(have)
        time.sleep(0.25)
    return int(have)


# ---------------------------------------------------------------- lag arithmetic

def merged_lag(results):
    first = results[0]["lag"]
    counts = [0] * len(first["counts"])
    n, total, worst, negative = 0, 0.0, 0.0, 0
    for r in results:
        lag = r["lag"]
        for i, c in enumerate(lag["counts"]):
            counts[i] += c
        n += lag["n"]
        total += lag["sumMs"]
        worst = max(worst, lag["maxMs"])
        negative += lag["negative"]

    def quantile(q):
        if n == 0:
            return None
        rank, seen = q * n, 0
        for i, c in enumerate(counts):
            seen += c
            if seen >= rank and c:
                upper = first["minMs"] * first["growth"] ** i
                return min(upper, worst)
        return worst

    return {"n": n, "mean": total / n if n else None, "p50": quantile(0.5), "p90": quantile(0.9),
            "p99": quantile(0.99), "max": worst if n else None, "negative": negative}


# ---------------------------------------------------------------- report

def fmt(x, digits=0):
    return "–" if x is None else f"{x:,.{digits}f}"


def report(args, meta, mix, base, with_subs, results, server, registered, failures):
    lag = merged_lag(results)
    out = ["# inbox-gateway live updates benchmark", ""]
    out.append(f"- date: {meta['date']}")
    out.append(f"- machine: {meta['machine']}; load average at the start: {meta['load']}")
    out.append(f"- gateway: {meta['commit']}; {meta['postgres']}; two gateway processes on one database "
               f"({args.conversations:,} conversations, workspace {args.workspace})")
    out.append(f"- subscribers: {args.subscribers:,} ({registered:,} registered), half on each gateway, "
               f"{args.per_socket} subscription(s) per socket, graphql-transport-ws (npm graphql-ws); "
               + ", ".join(f"{sum(r['perFilter'].get(n, {}).get('subscribers', 0) for r in results)} with filter {n}"
                           for n in FILTERS))
    out.append(f"- mix: wrk, {args.connections} connections, {args.threads} threads (alternate threads on each "
               f"gateway), {args.duration} s each, after a {args.warmup} s warm-up; {mix['pool']} conversations: "
               + ", ".join(f"{v} {k}" for k, v in mix["counts"].items()))
    out.append("")
    out.append("## Mutations")
    out.append("")
    out.append("| phase | mutations/s | p50 ms | p90 ms | p99 ms | max ms | requests | errors | events recorded "
               "| gateway CPU s | subscriber CPU s | SQL statements / mutation | sessions waiting on a lock "
               "| sessions idle in a transaction |")
    out.append("|" + "---|" * 14)
    for label, w in (("without subscribers", base), (f"with {registered:,} subscribers", with_subs)):
        gw_cpu = sum(v for k, v in w["cpu"].items() if k.startswith("gateway") and v is not None)
        sub_cpu = [v for k, v in w["cpu"].items() if k.startswith("subscribers") and v is not None]
        out.append(f"| {label} | {fmt(float(w['rps']))} | {w['p50_ms']} | {w['p90_ms']} | {w['p99_ms']} | {w['max_ms']} "
                   f"| {int(w['requests']):,} | {w['errors']} | {int(w['events']):,} | {fmt(gw_cpu, 1)} "
                   f"| {fmt(sum(sub_cpu), 1) if sub_cpu else '–'} "
                   f"| {fmt(w['statements'] / max(1, int(w['requests'])), 1)} | {fmt(w['lock_waiting'], 1)} "
                   f"| {fmt(w['idle_in_transaction'], 1)} |")
    ratio = float(with_subs["rps"]) / float(base["rps"]) if float(base["rps"]) else None
    out.append("")
    out.append(f"Throughput with subscribers / without: {fmt(ratio, 2)}.")
    out.append("")
    out.append("## Delivery")
    out.append("")
    delivered = sum(r["delivered"] for r in results)
    expected = sum(f["subscribers"] * f["expectedEach"] for r in results for f in r["perFilter"].values())
    out.append("| filter | subscribers | events each (expected) | delivered | expected | exactly right | matches: false |")
    out.append("|---|---|---|---|---|---|---|")
    for name in FILTERS:
        subs = sum(r["perFilter"].get(name, {}).get("subscribers", 0) for r in results)
        if not subs:
            continue
        each = max(r["perFilter"].get(name, {}).get("expectedEach", 0) for r in results)
        got = sum(r["perFilter"].get(name, {}).get("delivered", 0) for r in results)
        exact = sum(r["perFilter"].get(name, {}).get("exact", 0) for r in results)
        mf = sum(r["perFilter"].get(name, {}).get("matchesFalse", 0) for r in results)
        out.append(f"| {name} | {subs:,} | {each:,} | {got:,} | {subs * each:,} | {exact:,} | {mf:,} |")
    out.append(f"| all | {sum(r['subscribers'] for r in results):,} | | {delivered:,} | {expected:,} "
               f"| {sum(f['exact'] for r in results for f in r['perFilter'].values()):,} | |")
    out.append("")
    out.append(f"Missing {sum(r['missing'] for r in results):,}, twice {sum(r['duplicates'] for r in results):,}, "
               f"unexpected {sum(r['extra'] for r in results):,}, out of order {sum(r['notIncreasing'] for r in results):,}; "
               f"subscriptions resumed after the gateway ended them {sum(r['resumed'] for r in results):,}; "
               f"GraphQL errors {sum(r['errors'] for r in results):,}; all delivered "
               f"{max(r['drainMs'] for r in results) / 1000:.1f} s after the mix ended (drain).")
    out.append("")
    out.append("| delivery lag, commit to client | p50 ms | p90 ms | p99 ms | max ms | mean ms | deliveries |")
    out.append("|---|---|---|---|---|---|---|")
    out.append(f"| subscribers (client receive time − `event.at`) | {fmt(lag['p50'], 1)} | {fmt(lag['p90'], 1)} "
               f"| {fmt(lag['p99'], 1)} | {fmt(lag['max'], 1)} | {fmt(lag['mean'], 1)} | {lag['n']:,} |")
    sb = server["buckets"]
    sq = [histogram_quantile(q, sb) for q in (0.5, 0.9, 0.99)]
    out.append(f"| gateways' `inbox_live_delivery_lag_seconds` (to the send) | {fmt(sq[0] and sq[0] * 1000, 1)} "
               f"| {fmt(sq[1] and sq[1] * 1000, 1)} | {fmt(sq[2] and sq[2] * 1000, 1)} | – "
               f"| {fmt(server['mean_ms'], 1)} | {int(server['count']):,} |")
    out.append("")
    out.append(f"Gateways' counters over the phase: `inbox_live_events_delivered_total` +{int(server['delivered']):,} "
               f"(the subscribers counted {delivered:,}), `inbox_live_events_published_total` "
               f"+{int(server['published']):,}, `inbox_live_subscribers_too_slow_total` +{int(server['too_slow']):,}.")
    out.append("")
    out.append("Notes:")
    out.append("")
    out.append("- Every mutation is a real change that records one event: addConversationNote; the tag "
               f"`{MIX_TAG}` added then removed; status OPEN and PENDING in turn; assignment between two users in "
               "turn. Each wrk thread owns its conversations and takes them in turn, so none is touched twice at once.")
    out.append("- Expected events: every event the log holds after the subscribers registered (nothing was written "
               "between), taken from `activity_events` and `conversations` after the mix; status OPEN: events on "
               "conversations now OPEN, and the mix's status changes from or to OPEN; channel SMS: events on SMS "
               "conversations. A subscriber is right when it received exactly those positions, in order.")
    out.append("- Lag is the subscriber's receive time (Node's clock, sub-millisecond) minus `event.at` (the time "
               "the writing transaction took the event lock, just before commit), on one machine's clock; it "
               "includes the subscriber processes' own queueing. Percentiles to 1%. The gateways' histogram stops "
               "at the send and has coarse buckets (Prometheus interpolation).")
    out.append("- SQL statements / mutation: both gateways' `inbox_db_statements_total` over the phase (the "
               "feeds' reads of the log included) per mutation. Sessions waiting on a lock and idle in a "
               "transaction: means of `pg_stat_activity` sampled twice a second; every write of a workspace "
               "takes the row of its event counter (`event_heads`) until it commits.")
    out.append("- The two phases ran on the same gateways, one after the other; the machine is shared and noisy.")
    if failures:
        out.append("")
        out.append("FAILURES:")
        out.append("")
        for f in failures:
            out.append(f"- {f}")
    problems = [p for r in results for p in r["problems"]]
    if problems:
        out.append("")
        out.append(f"First problems the subscribers saw ({len(problems)} kept):")
        out.append("")
        for p in problems[:20]:
            out.append(f"- {p}")
    return "\n".join(out) + "\n", lag


def cmd_run(args):
    args.endpoints = [e.rstrip("/") for e in args.endpoints.split(",")]
    args.ports = [e.rsplit(":", 1)[1] for e in args.endpoints]
    args.mix_file = os.path.join(args.out, "mix.tsv")
    headers = {"Authorization": f"Bearer {args.key}", "X-Workspace-ID": args.workspace}
    with open(os.path.join(args.out, "meta.json")) as f:
        meta = json.load(f)
    pids = {f"gateway {i + 1}": int(p) for i, p in enumerate(args.gateway_pids.split(","))}

    args.items, args.users = prepare_mix(args, args.endpoints[0] + "/graphql", headers)
    counts = {k: sum(1 for kind, _ in args.items if kind == k) for k in KINDS}
    mix = {"pool": len(args.items), "counts": counts}
    log(f"mix: {mix['pool']} conversations ({', '.join(f'{v} {k}' for k, v in counts.items())}), "
        f"users {args.users[0]} and {args.users[1]}")
    if args.warmup > 0:
        log(f"warm-up: {args.warmup} s")
        run_mix(args, args.warmup, "warmup")
    base = measured_mix(args, "without-subscribers", pids)

    failures = []
    clients = Clients(args)
    try:
        log(f"opening {args.subscribers} subscribers")
        t0 = time.time()
        split = clients.start(args.subscribers)
        if not clients.wait_connected(180):
            sys.exit("the subscribers could not connect (see clients-*.log)")
        registered = wait_registered(args, args.subscribers, 60)
        log(f"{registered} subscriptions registered ({' + '.join(map(str, split))}) in {time.time() - t0:.1f} s")
        if registered < args.subscribers:
            failures.append(f"only {registered} of {args.subscribers} subscriptions registered on the gateways")
        before = {e: scrape(e) for e in args.endpoints}
        pids_all = dict(pids, **clients.cpu())
        with_subs = measured_mix(args, "with-subscribers", pids_all)
        exp = expectations(args, with_subs["head_before"], with_subs["head_after"])
        exp_path = os.path.join(args.out, "expected.json")
        with open(exp_path, "w") as f:
            json.dump(exp, f)
        log(f"waiting for every subscriber to receive its events (up to {args.drain_timeout} s)")
        results = clients.drain(exp_path, args.drain_timeout)
        after = {e: scrape(e) for e in args.endpoints}
    finally:
        clients.stop()

    server = {"buckets": [], "delivered": 0, "published": 0, "too_slow": 0, "count": 0, "mean_ms": None}
    merged = {}
    for e in args.endpoints:
        for le, c in lag_buckets(after[e], before[e]):
            merged[le] = merged.get(le, 0) + c
        for key, name in (("delivered", "inbox_live_events_delivered_total"),
                          ("published", "inbox_live_events_published_total"),
                          ("too_slow", "inbox_live_subscribers_too_slow_total"),
                          ("count", "inbox_live_delivery_lag_seconds_count")):
            server[key] += metric(after[e], name) - metric(before[e], name)
        server.setdefault("sum", 0.0)
        server["sum"] += metric(after[e], "inbox_live_delivery_lag_seconds_sum") - metric(before[e], "inbox_live_delivery_lag_seconds_sum")
    server["buckets"] = sorted(merged.items())
    if server["count"]:
        server["mean_ms"] = server["sum"] / server["count"] * 1000

    for key, what in (("missing", "missed"), ("duplicates", "received twice"), ("extra", "received unexpectedly"),
                      ("notIncreasing", "received out of order")):
        n = sum(r[key] for r in results)
        if n:
            failures.append(f"{n} events {what} (see the problems below and clients-*-results.json)")
    errors = sum(r["errors"] for r in results)
    if errors:
        failures.append(f"{errors} GraphQL errors on subscriptions")
    for label, w in (("without subscribers", base), ("with subscribers", with_subs)):
        if int(w["errors"]):
            failures.append(f"mix {label}: {w['errors']} failed requests (first: {w.get('first_error', '')[:200]})")
        # wrk counts the answers it read; the requests in flight when it stopped commit too.
        if abs(int(w["events"]) - int(w["requests"])) > args.connections:
            failures.append(f"mix {label}: {w['events']} events recorded for {w['requests']} requests "
                            "(each should record one)")
    if not with_subs["events"]:
        failures.append("the mix recorded no event while the subscribers listened")

    text, lag = report(args, meta, mix, base, with_subs, results, server, registered, failures)
    with open(os.path.join(args.out, "report.md"), "w") as f:
        f.write(text)
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump({"without": base, "with": with_subs, "lag_ms": lag, "server": {k: v for k, v in server.items()},
                   "mix": mix, "registered": registered, "failures": failures}, f, indent=1, default=str)
    print(text)
    sys.exit(1 if failures else 0)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("run")
    p.add_argument("--endpoints", required=True, help="the gateways' base URLs, comma-separated")
    p.add_argument("--gateway-pids", required=True)
    p.add_argument("--db-url", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--workspace", required=True)
    p.add_argument("--conversations", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--clients-dir", required=True)
    p.add_argument("--mix-lua", required=True)
    p.add_argument("--subscribers", type=int, default=1000)
    p.add_argument("--per-socket", type=int, default=1)
    p.add_argument("--filtered-every", type=int, default=20)
    p.add_argument("--duration", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--pool", type=int, default=2000)
    p.add_argument("--drain-timeout", type=int, default=60)
    p.set_defaults(fn=cmd_run)
    args = ap.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
