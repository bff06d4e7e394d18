"""An independent implementation of the log format, for export.test.ts: Python writes a log the
way another team's tool would (CRLF, unicode, a rotated .gz made with Python's gzip), reads our CSV
back with its csv module, and computes from the JSONL itself what the CSV must contain.

  python-csv.py write DIR      -> writes DIR/missed_blocks.jsonl and a rotated .gz sibling
  python-csv.py check CSV F... -> prints {"header", "expected", "actual"} as JSON
"""
import csv
import gzip
import json
import os
import sys

COLUMNS = ["block_number", "reason", "severity", "expected_timestamp", "actual_timestamp",
           "recovery_attempts", "recovered", "missed_at"]


def record(n, ts, **kw):
    r = {"timestamp": ts, "block_number": n, "reason": "NetworkLatency", "severity": "Medium",
         "expected_timestamp": ts - 20, "actual_timestamp": ts - 5, "recovery_attempts": 0,
         "recovered": False, "metadata": {}, "alert_sent": False}
    r.update(kw)
    return r


def write(directory):
    old = [
        record(100, 1700000000, metadata={"note": "déjà vu — 区块"}, kind="gap"),
        record(101, 1700000012, reason="Timeout", severity="High", kind="gap"),
        record(102, 1700000024, kind="delayed", metadata={"text": "=HYPERLINK(\"x\")", "n": -5}),
    ]
    new = [
        # rewrites block 101's gap record from the rotated file: recovered now
        record(101, 1700000040, reason="Timeout", severity="Low", kind="gap", recovered=True,
               recovery_attempts=2, recovered_at=1700000040, recovery_ms=28000),
        record(103, 1700000050, reason="ChainReorg", severity="Critical", kind="reorg",
               reorg_depth=2, metadata={"emoji": "🔥", "quote": "a,\"b\"\nc"}),
        record(104, 1700000062, reason="RateLimitExceeded", kind="missed_slot", source="infura ☁"),
    ]
    # Python's gzip module, and Windows line ends, as a script on another machine would write them
    with gzip.open(os.path.join(directory, "missed_blocks.20240101T000000.jsonl.gz"), "wt",
                   encoding="utf-8", newline="\r\n") as f:
        for r in old:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    with open(os.path.join(directory, "missed_blocks.jsonl"), "w", encoding="utf-8",
              newline="\r\n") as f:
        for i, r in enumerate(new):
            # both spellings of non-ASCII text: raw UTF-8 and \\u escapes
            f.write(json.dumps(r, ensure_ascii=(i % 2 == 0)) + "\n")


def read_jsonl(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if line.strip():
                yield json.loads(line)


def check(csv_path, files):
    last = {}
    order = 0
    for path in files:
        for r in read_jsonl(path):
            order += 1
            key = (r["block_number"], r.get("kind", "gap"))
            # the last version of a key, at the position of its first
            last[key] = (last[key][0] if key in last else order, r)
    expected = []
    for _, r in sorted(last.values(), key=lambda x: x[0]):
        expected.append([str(r["block_number"]), r["reason"], r["severity"],
                         str(r["expected_timestamp"]), str(r["actual_timestamp"]),
                         str(r["recovery_attempts"]), "true" if r["recovered"] else "false",
                         str(r["timestamp"])])
    with open(csv_path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    print(json.dumps({"header": rows[0] if rows else None, "columns": COLUMNS,
                      "expected": expected, "actual": rows[1:]}))


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2])
    elif sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3:])
    else:
        sys.exit("usage: python-csv.py write DIR | check CSV FILE...")
