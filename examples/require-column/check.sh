#!/bin/sh
# A job that fails on purpose: it requires a column (REQUIRED_COLUMN, default customer_id) that the
# demo's sample does not have, and exits 2 with a message on stderr. The processor records the file
# `failed` with class CommandFailed:exit, exit code 2 and these stderr lines.
set -eu
required="${REQUIRED_COLUMN:-customer_id}"
header=$(head -n 1 "$INPUT_FILE" | tr -d '\r')
echo "checking $INPUT_KEY for a column named $required"
if ! printf '%s\n' "$header" | tr ',' '\n' | grep -qx -- "$required"; then
    echo "error: $INPUT_KEY has no column named $required (its columns: $header)" >&2
    exit 2
fi
printf '%s\n' "$header" > "$OUTPUT_DIR/header.csv"
