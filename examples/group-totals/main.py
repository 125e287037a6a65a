#!/usr/bin/env python3
"""Group-by totals of a CSV file, with nothing but the Python 3 standard library.

Reads INPUT_FILE (CSV with a header row), groups the rows by one column and, per group, counts the
rows and sums each numeric column. Writes OUTPUT_DIR/totals.csv and OUTPUT_DIR/totals.json, and
reports its counts in OUTPUT_DIR/.status.json (the processor runtime merges them into the file's
status document and emits them as metrics).

Settings (environment):
  GROUP_BY   the column to group by (default: "region" when the file has one, else the first column)
  SUM        comma-separated columns to sum (default: every column whose values are all numbers,
             except the group column and ids: "id" or names ending in "_id")

Exit codes: 0 done; 65 the file is not a CSV this job can use (no header, unknown column).
A row whose SUM column is not a number is a bad row: counted, reported, left out of the sums.
"""
import csv
import json
import os
import sys

csv.field_size_limit(16 * 1024 * 1024)


def fail(message, code=65):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(code)


def number(text):
    """The value as a float, or None when it is not a number (empty counts as 0)."""
    if text.strip() == "":
        return 0.0
    try:
        return float(text)
    except ValueError:
        return None


def numeric_columns(path, header, group_index):
    """Columns whose non-empty values in the first 1,000 rows are all numbers."""
    candidates = {i for i, name in enumerate(header) if i != group_index and name != "id" and not name.endswith("_id")}
    with open(path, newline="", encoding="utf-8", errors="replace") as f:
        reader = csv.reader(f)
        next(reader, None)
        for n, row in enumerate(reader):
            if n >= 1000 or not candidates:
                break
            for i in list(candidates):
                if i < len(row) and row[i].strip() != "" and number(row[i]) is None:
                    candidates.discard(i)
    return sorted(candidates)


def main():
    path = os.environ["INPUT_FILE"]
    out = os.environ["OUTPUT_DIR"]
    with open(path, newline="", encoding="utf-8", errors="replace") as f:
        header = next(csv.reader(f), None)
    if not header:
        fail(f"{os.environ.get('INPUT_KEY', path)} is empty; expected a CSV file with a header row")

    group_by = os.environ.get("GROUP_BY") or ("region" if "region" in header else header[0])
    if group_by not in header:
        fail(f"GROUP_BY: no column {group_by!r}; the columns are {', '.join(header)}")
    group_index = header.index(group_by)
    if os.environ.get("SUM"):
        names = [s.strip() for s in os.environ["SUM"].split(",") if s.strip()]
        missing = [n for n in names if n not in header]
        if missing:
            fail(f"SUM: no column {missing[0]!r}; the columns are {', '.join(header)}")
        sum_indexes = [header.index(n) for n in names]
    else:
        sum_indexes = numeric_columns(path, header, group_index)
    sum_names = [header[i] for i in sum_indexes]

    groups = {}
    rows = bad = 0
    with open(path, newline="", encoding="utf-8", errors="replace") as f:
        reader = csv.reader(f)
        next(reader, None)
        for row in reader:
            if not row:
                continue
            values = [number(row[i]) if i < len(row) else None for i in sum_indexes]
            if group_index >= len(row) or any(v is None for v in values):
                bad += 1
                continue
            rows += 1
            total = groups.setdefault(row[group_index], [0] + [0.0] * len(sum_indexes))
            total[0] += 1
            for k, v in enumerate(values):
                total[k + 1] += v

    ordered = sorted(groups.items())
    with open(os.path.join(out, "totals.csv"), "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([group_by, "rows"] + [f"{n}_sum" for n in sum_names])
        for key, total in ordered:
            writer.writerow([key, total[0]] + [round(v, 6) for v in total[1:]])
    with open(os.path.join(out, "totals.json"), "w", encoding="utf-8") as f:
        json.dump(
            {
                "groupBy": group_by,
                "sums": sum_names,
                "groups": [{"group": key, "rows": total[0], "sums": dict(zip(sum_names, (round(v, 6) for v in total[1:])))} for key, total in ordered],
            },
            f,
            indent=2,
        )
        f.write("\n")
    with open(os.path.join(out, ".status.json"), "w", encoding="utf-8") as f:
        json.dump(
            {
                "rowsProcessed": rows,
                "badRows": bad,
                "message": f"{len(groups)} groups by {group_by}, sums of {', '.join(sum_names) or 'no column'}",
                "metrics": {"Groups": len(groups)},
            },
            f,
        )


if __name__ == "__main__":
    main()
