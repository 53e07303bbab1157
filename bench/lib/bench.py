#!/usr/bin/env python3
"""Helpers for bench/run (standard library only).

  prepare      discover the data-dependent values of the query mix from a running gateway
               (phone fragment, deep-page cursor, a conversation and a user for the
               mutations), render one directory per query, and measure SQL statements
               per request from the gateway's /metrics counter
  prepare-pgl  the same for the PostGraphile spelling, and compare its totals
  sqlite-size  "<workspace> <conversations>" of the largest workspace of a SQLite file
  report       the Markdown report of a run directory
"""

import argparse
import json
import os
import random
import re
import shutil
import sqlite3
import sys
import urllib.error
import urllib.request

TIMEOUT_S = 60


def post(endpoint, headers, query, variables=None):
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    req = urllib.request.Request(endpoint, data=body, method="POST")
    req.add_header("Content-Type", "application/json")
    req.add_header("Accept", "application/json")
    for name, value in headers.items():
        req.add_header(name, value)
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp:
            status, text = resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        status, text = err.code, err.read().decode(errors="replace")
    try:
        doc = json.loads(text)
    except ValueError:
        doc = {"errors": [{"message": f"HTTP {status}: {text[:200]}"}]}
    if status != 200 and not doc.get("errors"):
        doc["errors"] = [{"message": f"HTTP {status}"}]
    return doc


def must(doc, what):
    if doc.get("errors") or not doc.get("data"):
        sys.exit(f"{what}: {json.dumps(doc.get('errors'))[:400]}")
    return doc["data"]


def gateway_headers(args):
    return {"Authorization": f"Bearer {args.key}", "X-Workspace-ID": args.workspace}


def statements_total(metrics_url):
    with urllib.request.urlopen(metrics_url, timeout=TIMEOUT_S) as resp:
        text = resp.read().decode()
    m = re.search(r"^inbox_db_statements_total\s+(\d+)", text, re.M)
    if not m:
        raise RuntimeError("no inbox_db_statements_total in /metrics")
    return int(m.group(1))


INBOX = {"status": "OPEN", "channels": ["VOICE", "SMS"]}
ROW = "id summary priority status lastActivityAt customer { id name phone } assignee { id name } tags"


def page(endpoint, headers, filt, limit=20, offset=0, sort="LAST_ACTIVITY_DESC", after=None):
    q = (
        "query($f: ConversationFilter, $l: Int, $o: Int, $a: String) {"
        f" conversations(filter: $f, sort: {sort}, limit: $l, offset: $o, after: $a)"
        f" {{ conversations {{ {ROW} }} pagination {{ total hasMore nextCursor }} }} }}"
    )
    data = must(post(endpoint, headers, q, {"f": filt, "l": limit, "o": offset, "a": after}), "probe query")
    return data["conversations"]


def substitute(value, params):
    """Replaces "@NAME@" placeholders; a string that is only a placeholder takes the value's type."""
    if isinstance(value, dict):
        return {k: substitute(v, params) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, params) for v in value]
    if isinstance(value, str):
        whole = re.fullmatch(r"@([A-Z_]+)@", value)
        if whole:
            return params[whole.group(1)]
        return re.sub(r"@([A-Z_]+)@", lambda m: str(params[m.group(1)]), value)
    return value


def render(src, out, params, only):
    """One directory per query (the shared runner takes a directory), placeholders filled."""
    shutil.rmtree(out, ignore_errors=True)
    names = []
    for fname in sorted(os.listdir(src)):
        if not fname.endswith(".graphql"):
            continue
        name = fname[: -len(".graphql")]
        if only and not re.search(only, name):
            continue
        qdir = os.path.join(out, name)
        os.makedirs(qdir)
        with open(os.path.join(src, fname)) as f:
            text = f.read()
        with open(os.path.join(qdir, fname), "w") as f:
            f.write(substitute(text, params))
        vpath = os.path.join(src, name + ".variables.json")
        if os.path.exists(vpath):
            with open(vpath) as f:
                variables = substitute(json.load(f), params)
            with open(os.path.join(qdir, name + ".variables.json"), "w") as f:
                json.dump(variables, f)
        names.append(name)
    return names


def load_query(qdir, name):
    with open(os.path.join(qdir, name, name + ".graphql")) as f:
        query = f.read()
    vpath = os.path.join(qdir, name, name + ".variables.json")
    variables = {}
    if os.path.exists(vpath):
        with open(vpath) as f:
            variables = json.load(f)
    return query, variables


def find_total(data):
    if isinstance(data, dict):
        for k, v in data.items():
            if k in ("total", "totalCount") and isinstance(v, int):
                return v
            found = find_total(v)
            if found is not None:
                return found
    return None


def row_ids(data):
    root = next(iter(data.values()))
    rows = root.get("conversations") or root.get("nodes") or []
    return [r["id"] for r in rows]


def cmd_prepare(args):
    ep, hdr = args.endpoint, gateway_headers(args)
    notes = []
    first = page(ep, hdr, INBOX)
    q1_total = first["pagination"]["total"]
    rows = first["conversations"]
    if not rows:
        sys.exit("the inbox filter (OPEN, VOICE or SMS) matches nothing: is the data set empty?")

    phone = ""
    for row in rows:
        digits = re.sub(r"\D", "", (row.get("customer") or {}).get("phone") or "")
        if len(digits) >= 7:
            phone = digits[-7:]
            break
    if not phone:
        phone = "5551234"
        notes.append("no customer phone with 7 digits on the first page: searched for 5551234")

    # Deep paging: the page at `depth`, by offset and by the cursor of the page before it.
    depth = max(1, min(args.depth, q1_total - 20))
    if depth < args.depth:
        notes.append(f"Q6 at depth {depth}, not {args.depth}: the inbox filter matches only {q1_total}")
    before = page(ep, hdr, INBOX, limit=min(20, depth), offset=depth - min(20, depth))
    cursor = before["pagination"]["nextCursor"]
    if not cursor:
        sys.exit(f"no nextCursor at depth {depth} (total {q1_total})")
    by_offset = row_ids({"x": page(ep, hdr, INBOX, offset=depth)})
    by_cursor = row_ids({"x": page(ep, hdr, INBOX, after=cursor)})
    if by_offset != by_cursor:
        sys.exit(f"the page at offset {depth} and the page after its cursor differ: {by_offset[:3]} vs {by_cursor[:3]}")

    # The mutations' conversation: outside the inbox filter, so the reads' totals stay put;
    # a different one each run, so notes added by earlier runs on a reused data set do not pile up.
    target = None
    for filt in ({"status": "RESOLVED", "channels": ["EMAIL"]}, {"status": "RESOLVED"}, {}):
        total = page(ep, hdr, filt, limit=1)["pagination"]["total"]
        if total:
            found = page(ep, hdr, filt, limit=1, offset=random.randrange(min(total, 1000)))["conversations"]
            target = found[0]["id"]
            break
    assignee = next((r["assignee"]["id"] for r in rows if r.get("assignee")), None)
    if not assignee:
        for r in page(ep, hdr, {}, limit=100)["conversations"]:
            if r.get("assignee"):
                assignee = r["assignee"]["id"]
                break

    params = {
        "WORKSPACE": args.workspace,
        "SEARCH_WORD": args.word,
        "TAG": args.tag,
        "PHONE_FRAGMENT": phone,
        "DEPTH": depth,
        "CURSOR": cursor,
        "MUTATION_CONVERSATION": target,
        "ASSIGNEE": assignee,
    }
    names = render(args.src, args.out, params, args.only)

    # Statements per request: the counter's delta over sequential requests (nothing else runs).
    totals, statements, errors = {}, {}, {}
    for name in names:
        query, variables = load_query(args.out, name)
        start = statements_total(args.metrics)
        bad = 0
        for _ in range(args.samples):
            doc = post(ep, hdr, query, variables)
            if doc.get("errors") or not doc.get("data"):
                bad += 1
                errors[name] = json.dumps(doc.get("errors"))[:300]
            else:
                totals[name] = find_total(doc["data"])
        statements[name] = (statements_total(args.metrics) - start) / args.samples
        print(f"  {name:22} statements/req {statements[name]:5.1f}  total {totals.get(name)}"
              + (f"  ERRORS {bad}/{args.samples}: {errors[name]}" if bad else ""))
    for name in ("q2_search_word", "q3_search_phone", "q4_tag"):
        if totals.get(name) == 0:
            notes.append(f"{name} matches nothing in this data set")

    with open(args.params, "w") as f:
        json.dump({"params": params, "q1_total": q1_total, "totals": totals, "statements": statements,
                   "probe_errors": errors, "notes": notes}, f, indent=1)
    for note in notes:
        print("  note: " + note)


def cmd_prepare_pgl(args):
    with open(args.params) as f:
        gw = json.load(f)
    params = dict(gw["params"])
    ep, hdr = args.endpoint, {}
    depth = params["DEPTH"]
    first = min(20, depth)
    q = ("query($ws: String!, $n: Int!, $o: Int!) { conversations(condition: {workspaceId: $ws, status: \"open\"},"
         " filter: {channel: {in: [\"voice\", \"sms\"]}}, orderBy: [LAST_ACTIVITY_AT_DESC, ID_DESC],"
         " first: $n, offset: $o) { pageInfo { endCursor } } }")
    data = must(post(ep, hdr, q, {"ws": params["WORKSPACE"], "n": first, "o": depth - first}), "PostGraphile cursor")
    params["PGL_CURSOR"] = data["conversations"]["pageInfo"]["endCursor"]
    names = render(args.src, args.out, params, args.only)

    totals, mismatches, errors = {}, [], {}
    ids = {}
    for name in names:
        query, variables = load_query(args.out, name)
        doc = post(ep, hdr, query, variables)
        if doc.get("errors") or not doc.get("data"):
            errors[name] = json.dumps(doc.get("errors"))[:300]
            print(f"  {name:22} ERROR {errors[name]}")
            continue
        totals[name] = find_total(doc["data"])
        ids[name] = row_ids(doc["data"])
        expected = gw["totals"].get(name)
        same = totals[name] is None or expected is None or totals[name] == expected
        if not same:
            mismatches.append(f"{name}: PostGraphile {totals[name]}, gateway {expected}")
        print(f"  {name:22} total {totals[name]} (gateway {expected}){'' if same else '  MISMATCH'}")
    if "q6a_deep_offset" in ids and "q6b_deep_cursor" in ids and ids["q6a_deep_offset"] != ids["q6b_deep_cursor"]:
        mismatches.append("PostGraphile: the deep page by offset and by cursor differ")
    with open(args.out_params, "w") as f:
        json.dump({"totals": totals, "mismatches": mismatches, "errors": errors}, f, indent=1)
    if mismatches or errors:
        for m in mismatches:
            print("  " + m)
        sys.exit(1)


def cmd_sqlite_size(args):
    if not os.path.exists(args.file):
        return
    try:
        con = sqlite3.connect(f"file:{args.file}?mode=ro", uri=True)
        row = con.execute("SELECT workspace_id, COUNT(*) FROM conversations GROUP BY workspace_id "
                          "ORDER BY COUNT(*) DESC LIMIT 1").fetchone()
        ws_count = con.execute("SELECT COUNT(DISTINCT workspace_id) FROM conversations").fetchone()[0]
    except sqlite3.Error:
        return
    if row and ws_count == 1:
        print(row[0], row[1])


# ---------------------------------------------------------------- report

QUERY_LABELS = {
    "q1_inbox_total": "Q1 inbox + total",
    "q2_search_word": "Q2 + search word",
    "q3_search_phone": "Q3 + phone fragment",
    "q4_tag": "Q4 + tag",
    "q5_inbox_no_total": "Q5 inbox, no total",
    "q6a_deep_offset": "Q6a deep, by offset",
    "q6b_deep_cursor": "Q6b deep, by cursor",
    "q7_priority": "Q7 sort PRIORITY_DESC",
    "q8a_assign": "Q8 assignConversation",
    "q8b_status": "Q8 updateConversationStatus",
    "q8c_add_tags": "Q8 addConversationTags",
    "q8d_remove_tags": "Q8 removeConversationTags",
    "q8e_add_note": "Q8 addConversationNote",
}

# The raw-SQL floor each query is compared with.
FLOOR_OF = {
    "q1_inbox_total": "q1_page_count",
    "q2_search_word": "q2_search_page_count",
    "q3_search_phone": "q3_phone_page_count",
    "q4_tag": "q4_tag_page_count",
    "q5_inbox_no_total": "q1_page",
    "q6a_deep_offset": "q6a_offset_page",
    "q6b_deep_cursor": "q6b_keyset_page",
}


def read_tsv(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        lines = [l.rstrip("\n").split("\t") for l in f if l.strip()]
    if not lines:
        return []
    head = lines[0]
    return [dict(zip(head, l)) for l in lines[1:]]


def read_json(path, default=None):
    if not os.path.exists(path):
        return default if default is not None else {}
    with open(path) as f:
        return json.load(f)


def num(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


def fmt(x, digits=0):
    if x is None:
        return "–"
    return f"{x:,.{digits}f}"


def size_label(size):
    return f"{int(size):,}" if str(size).isdigit() else str(size)


def ratio(a, b):
    if a is None or b in (None, 0):
        return None
    return a / b


def fmt_ratio(x):
    return "–" if x is None else f"{x:.2f}"


def cmd_report(args):
    run = args.run
    meta = read_json(os.path.join(run, "meta.json"))
    out = []
    out.append("# inbox-gateway benchmark")
    out.append("")
    out.append(f"- date: {meta.get('date', '?')}")
    out.append(f"- machine: {meta.get('machine', '?')}; load average at the start: {meta.get('load', '?')}")
    out.append(f"- gateway: {meta.get('commit', '?')}; {meta.get('postgres', '')}")
    out.append(f"- load: wrk, {meta.get('connections')} connections, {meta.get('threads')} threads, "
               f"{meta.get('warmup')} s warm-up, {meta.get('duration')} s measured per query; "
               f"pgbench -M prepared -c {meta.get('connections')} -j {meta.get('threads')} -T {meta.get('duration')}")
    out.append("")
    failures = []
    if os.path.exists(os.path.join(run, "failures.txt")):
        with open(os.path.join(run, "failures.txt")) as f:
            failures = [l.strip() for l in f if l.strip()]
    total_errors = 0

    cases = read_tsv(os.path.join(run, "cases.tsv"))
    header = ("| engine | size | query | gateway rps | p50 ms | p99 ms | errors | statements/req "
              "| PostGraphile rps | raw-SQL floor tps | gateway / floor | gateway / PostGraphile |")
    out.append(header)
    out.append("|" + "---|" * 12)
    targets = []
    notes = []
    for case in cases:
        engine, size, cdir = case["engine"], case["size"], os.path.join(run, case["dir"])
        gw = {r["query"]: r for r in read_tsv(os.path.join(cdir, "gateway.tsv"))}
        pgl = {r["query"]: r for r in read_tsv(os.path.join(cdir, "postgraphile.tsv"))}
        floors = {r["floor"]: r for r in read_tsv(os.path.join(cdir, "floors.tsv"))}
        params = read_json(os.path.join(cdir, "params.json"))
        pgl_params = read_json(os.path.join(cdir, "pgl-params.json"))
        checks = {r["query"]: r.get("message", "") for r in read_tsv(os.path.join(cdir, "checks.tsv"))}
        refused = {r["query"]: int(r["refused"]) for r in read_tsv(os.path.join(cdir, "ratelimited.tsv"))}
        stmts = params.get("statements", {})
        names = sorted(set(gw) | set(stmts) | set(checks))
        for name in names:
            g = gw.get(name, {})
            rps, p50, p99 = num(g.get("rps")), num(g.get("p50_ms")), num(g.get("p99_ms"))
            errs = num(g.get("errors"))
            if name in checks:
                errs = (errs or 0) + 1
                failures.append(f"{engine} {size} {name}: {checks[name]}")
            total_errors += int(errs or 0)
            floor_name = FLOOR_OF.get(name)
            floor = num(floors.get(floor_name, {}).get("tps")) if floor_name else None
            pg = num(pgl.get(name, {}).get("rps"))
            st = stmts.get(name)
            errs_cell = "–" if errs is None else str(int(errs))
            if refused.get(name):
                errs_cell += f" ({refused[name]} refused by the rate limit)"
            out.append(f"| {engine} | {size_label(size)} | {QUERY_LABELS.get(name, name)} | {fmt(rps)} | {fmt(p50, 2)} "
                       f"| {fmt(p99, 2)} | {errs_cell} | {fmt(st, 1)} | {fmt(pg)} "
                       f"| {fmt(floor)}{' (' + floor_name + ')' if floor is not None else ''} "
                       f"| {fmt_ratio(ratio(rps, floor))} | {fmt_ratio(ratio(rps, pg))} |")

        def g_(name, key):
            return num(gw.get(name, {}).get(key))

        def f_(name):
            return num(floors.get(name, {}).get("tps"))

        t = [
            ("Q5 rps / page-only floor", ratio(g_("q5_inbox_no_total", "rps"), f_("q1_page"))),
            ("Q5 rps / PostGraphile Q5", ratio(g_("q5_inbox_no_total", "rps"), num(pgl.get("q5_inbox_no_total", {}).get("rps")))),
            ("Q1 rps / page+COUNT floor", ratio(g_("q1_inbox_total", "rps"), f_("q1_page_count"))),
            ("Q2 rps / its page+count floor", ratio(g_("q2_search_word", "rps"), f_("q2_search_page_count"))),
            ("Q3 rps / its page+count floor", ratio(g_("q3_search_phone", "rps"), f_("q3_phone_page_count"))),
            ("Q4 rps / its page+count floor", ratio(g_("q4_tag", "rps"), f_("q4_tag_page_count"))),
            ("Q6b p50 / Q5 p50", ratio(g_("q6b_deep_cursor", "p50_ms"), g_("q5_inbox_no_total", "p50_ms"))),
        ]
        targets.append((engine, size, t))
        p = params.get("params", {})
        if p:
            notes.append(f"{engine} {size_label(size)}: workspace {p.get('WORKSPACE')}, Q1 total {params.get('q1_total')}, "
                         f"search word \"{p.get('SEARCH_WORD')}\", phone fragment \"{p.get('PHONE_FRAGMENT')}\", "
                         f"tag \"{p.get('TAG')}\", Q6 depth {p.get('DEPTH')}; mutations on {p.get('MUTATION_CONVERSATION')}"
                         + (f", data generated in {case.get('generate_s')} s" if case.get("generate_s") not in (None, "", "-") else ""))
        for note in params.get("notes", []):
            notes.append(f"{engine} {size_label(size)}: {note}")
        for m in pgl_params.get("mismatches", []):
            failures.append(f"{engine} {size} totals differ: {m}")
        for name, err in pgl_params.get("errors", {}).items():
            failures.append(f"{engine} {size} PostGraphile {name}: {err}")
        if pgl_params.get("totals"):
            same = [n for n, v in pgl_params["totals"].items()
                    if v is not None and params.get("totals", {}).get(n) == v]
            notes.append(f"{engine} {size_label(size)}: PostGraphile returns the gateway's totals for "
                         + (", ".join(n.split("_")[0].upper() for n in same) or "no query"))
        for fl in floors.values():
            if num(fl.get("failed")):
                failures.append(f"{engine} {size} floor {fl['floor']}: {fl['failed']} failed transactions")

    out.append("")
    if targets:
        out.append("Ratios the targets use (higher is better, except Q6b p50 / Q5 p50):")
        out.append("")
        out.append("| engine | size | " + " | ".join(n for n, _ in targets[0][2]) + " |")
        out.append("|" + "---|" * (2 + len(targets[0][2])))
        for engine, size, t in targets:
            out.append(f"| {engine} | {size_label(size)} | " + " | ".join(fmt_ratio(v) for _, v in t) + " |")
        out.append("")
    out.append("Notes:")
    out.append("")
    out.append("- rps: requests per second over the measured window; p50/p99 in milliseconds; errors: "
               "non-200, GraphQL errors, socket errors and timeouts (a failed correctness check counts as one).")
    out.append("- statements/req: the gateway's `inbox_db_statements_total` delta over sequential requests "
               "(authentication included). Mutation figures include the first, real, request.")
    out.append("- Floors are pgbench transactions per second of the SQL in `bench/sql/floor_*.sql`: page = one "
               "statement (page joined with customers and users, tags by sub-select, 21 rows); page+count adds "
               "`SELECT COUNT(*)` over the same filter. Q5 is compared with the page-only floor; Q6b with the keyset "
               "page at the same depth.")
    out.append("- PostGraphile v4 (simplify-inflector, connection-filter) serves the same tables; relations by smart "
               "comments and search by `bench_search_conversations` (`bench/sql/postgraphile.sql`).")
    out.append("- Mutations send one body to one conversation (outside the inbox filter) from 8 connections, so they "
               "queue on its row lock: assignConversation, updateConversationStatus (RESOLVED with the same notes), "
               "addConversationTags and removeConversationTags are no-ops after the first request; "
               "addConversationNote adds a note every time (the data grow).")
    for n in notes:
        out.append(f"- {n}")
    if failures:
        out.append("")
        out.append("FAILURES:")
        out.append("")
        for f_ in failures:
            out.append(f"- {f_}")
    text = "\n".join(out) + "\n"
    with open(os.path.join(run, "report.md"), "w") as f:
        f.write(text)
    print(text)
    sys.exit(1 if failures or total_errors else 0)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--endpoint", required=True)
    p.add_argument("--metrics", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--workspace", required=True)
    p.add_argument("--src", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--params", required=True)
    p.add_argument("--only", default="")
    p.add_argument("--word", default="heater")
    p.add_argument("--tag", default="emergency")
    p.add_argument("--depth", type=int, default=10000)
    p.add_argument("--samples", type=int, default=20)
    p.set_defaults(fn=cmd_prepare)
    p = sub.add_parser("prepare-pgl")
    p.add_argument("--endpoint", required=True)
    p.add_argument("--src", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--params", required=True)
    p.add_argument("--out-params", required=True)
    p.add_argument("--only", default="")
    p.set_defaults(fn=cmd_prepare_pgl)
    p = sub.add_parser("sqlite-size")
    p.add_argument("file")
    p.set_defaults(fn=cmd_sqlite_size)
    p = sub.add_parser("report")
    p.add_argument("run")
    p.set_defaults(fn=cmd_report)
    args = ap.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
