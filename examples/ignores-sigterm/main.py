#!/usr/bin/env python3
"""A job that breaks the SIGTERM rule on purpose: it ignores SIGTERM and keeps working.

It counts the input's lines slowly (WORK_SECONDS in all, default 30) and writes OUTPUT_DIR/lines.txt.
Left alone it succeeds. Stopped (a Spot interruption, a scale-in, a deploy), it does not exit: the
processor runtime kills it (SIGKILL to its process group) when COMMAND_GRACE_MS has passed since
SIGTERM, and the file's status is `interrupted`, class `Interrupted:killed`. `npm run conformance`
reports it. Do not copy this: a job should exit promptly on SIGTERM (Python's default does).
"""
import os
import signal
import sys
import time

signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("started; SIGTERM is ignored", file=sys.stderr, flush=True)

seconds = float(os.environ.get("WORK_SECONDS", "30"))
deadline = time.monotonic() + seconds
lines = 0
with open(os.environ["INPUT_FILE"], "rb") as f:
    for lines, _ in enumerate(f, start=1):
        pass
while time.monotonic() < deadline:
    time.sleep(0.05)

with open(os.path.join(os.environ["OUTPUT_DIR"], "lines.txt"), "w") as out:
    out.write(f"{lines}\n")
