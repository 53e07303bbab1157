#!/usr/bin/env python3
"""Helpers for bench/isolation (standard library only).

  counts   "<conversations of workspace A> <conversations of workspace B>" of a SQLite file
  words    the two search words of the case, discovered from a running gateway holding
           both workspaces: ABSENT (no conversation of the small workspace has it, the
           neighbour has it most often) and OWN (the small workspace has it, and the
           neighbour has it most often of those); prints JSON
  queries  one query directory per word (the search page with its total)
  report   the Markdown table of an isolation.tsv
"""

import argparse
import collections
import json
import os
import re
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import must, post  # noqa: E402

SEARCH = """query Search($search: String!) {
  conversations(filter: {search: $search}, sort: LAST_ACTIVITY_DESC, limit: 20) {
    conversations { id summary priority status lastActivityAt customer { id name phone } assignee { id name } tags }
    pagination { total hasMore }
  }
}
"""

SUMMARIES = """query Summaries($offset: Int!) {
  conversations(limit: 100, offset: $offset) { conversations { summary customer { name } } }
}
"""


def headers(key, workspace):
    return {"Authorization": f"Bearer {key}", "X-Workspace-ID": workspace}


def total(endpoint, key, workspace, word):
    data = must(post(endpoint, headers(key, workspace), SEARCH, {"search": word}), f"search {word!r}")
    return data["conversations"]["pagination"]["total"]


def words_of(endpoint, key, workspace, pages):
    counts = collections.Counter()
    for page in range(pages):
        data = must(post(endpoint, headers(key, workspace), SUMMARIES, {"offset": page * 100}), "summaries")
        rows = data["conversations"]["conversations"]
        for row in rows:
            text = f"{row['summary'] or ''} {row['customer']['name']}".lower()
            counts.update(set(re.findall(r"[a-z]{5,}", text)))
        if len(rows) < 100:
            break
    return counts


def cmd_counts(args):
    if not os.path.exists(args.file):
        return
    try:
        con = sqlite3.connect(f"file:{args.file}?mode=ro", uri=True)
        counts = [con.execute("SELECT COUNT(*) FROM conversations WHERE workspace_id = ?", (ws,)).fetchone()[0]
                  for ws in (args.a, args.b)]
    except sqlite3.Error:
        return
    print(*counts)


def cmd_words(args):
    small, big = (args.small_key, args.small_ws), (args.big_key, args.big_ws)
    own = words_of(args.endpoint, *small, pages=10)
    theirs = words_of(args.endpoint, *big, pages=3)
    absent = [w for w, _ in theirs.most_common(40) if w not in own]
    absent = [(total(args.endpoint, *big, w), w) for w in absent if total(args.endpoint, *small, w) == 0]
    if not absent:
        sys.exit("no word of the neighbour is absent from the small workspace")
    shared = [(total(args.endpoint, *big, w), w) for w in own]
    shared = [(n, w) for n, w in shared if total(args.endpoint, *small, w) > 0]
    if not shared:
        sys.exit("no word of the small workspace is found by a search")
    (absent_n, absent_w), (own_n, own_w) = max(absent), max(shared)
    print(json.dumps({"ABSENT": absent_w, "ABSENT_NEIGHBOUR_TOTAL": absent_n, "OWN": own_w,
                      "OWN_TOTAL": total(args.endpoint, *small, own_w), "OWN_NEIGHBOUR_TOTAL": own_n}))


def cmd_queries(args):
    params = json.load(open(args.params))
    for name in ("ABSENT", "OWN"):
        qdir = os.path.join(args.out, f"search_{name.lower()}")
        os.makedirs(qdir, exist_ok=True)
        with open(os.path.join(qdir, f"search_{name.lower()}.graphql"), "w") as f:
            f.write(SEARCH)
        with open(os.path.join(qdir, f"search_{name.lower()}.variables.json"), "w") as f:
            json.dump({"search": params[name]}, f)


def cmd_report(args):
    rows = []
    with open(args.tsv) as f:
        head = f.readline().rstrip("\n").split("\t")
        rows = [dict(zip(head, line.rstrip("\n").split("\t"))) for line in f if line.strip()]
    print("| engine | data | search | rps | p50 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['engine']} | {r['data']} | {r['search']} | {float(r['rps']):,.0f} | {r['p50_ms']} | "
              f"{r['p99_ms']} | {r['errors']} |")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("counts")
    p.add_argument("file")
    p.add_argument("a")
    p.add_argument("b")
    p = sub.add_parser("words")
    for name in ("endpoint", "small-key", "small-ws", "big-key", "big-ws"):
        p.add_argument(f"--{name}", required=True)
    p = sub.add_parser("queries")
    p.add_argument("--params", required=True)
    p.add_argument("--out", required=True)
    p = sub.add_parser("report")
    p.add_argument("tsv")
    args = ap.parse_args()
    {"counts": cmd_counts, "words": cmd_words, "queries": cmd_queries, "report": cmd_report}[args.cmd](args)


if __name__ == "__main__":
    main()
