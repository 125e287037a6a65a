#!/bin/sh
# Counts each value of one CSV column with coreutils: cut | sort | uniq -c | sort -rn.
# COLUMN: the column's name (default: region when the header has one, else the first column).
# cut splits on every comma: a quoted field holding a comma shifts the columns after it.
set -eu

header=$(head -n 1 "$INPUT_FILE" | tr -d '\r')
if [ -z "$header" ]; then
    echo "error: $INPUT_KEY is empty; expected a CSV file with a header row" >&2
    exit 65
fi
if [ -z "${COLUMN:-}" ]; then
    COLUMN=$(printf '%s\n' "$header" | tr ',' '\n' | grep -qx region && echo region || printf '%s\n' "$header" | cut -d, -f1)
fi
number=$(printf '%s\n' "$header" | tr ',' '\n' | grep -nx -- "$COLUMN" | head -n 1 | cut -d: -f1)
if [ -z "$number" ]; then
    echo "error: COLUMN: no column '$COLUMN'; the columns are $header" >&2
    exit 65
fi

# sort spills to WORK_DIR (also TMPDIR), never to the read-only input folder.
tail -n +2 "$INPUT_FILE" | tr -d '\r' | cut -d, -f"$number" | sort -T "$WORK_DIR" | uniq -c | sort -rn -T "$WORK_DIR" > "$OUTPUT_DIR/counts.txt"

rows=$(($(wc -l < "$INPUT_FILE") - 1))
values=$(wc -l < "$OUTPUT_DIR/counts.txt")
printf '{"rowsProcessed": %d, "message": "%d distinct values of column %d", "metrics": {"DistinctValues": %d}}\n' \
    "$rows" "$values" "$number" "$values" > "$OUTPUT_DIR/.status.json"
