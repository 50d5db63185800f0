"""Run one command in this fresh process and report its cost as one JSON line.

    python bench/_wrap.py LOG -- CMD [ARG...]

The command's stdout and stderr go to LOG. The last line on our stdout is
``{"wall": seconds, "cpu": seconds, "peak_rss_mb": MB, "rc": exit code}``. Peak RSS
is ``getrusage(RUSAGE_CHILDREN).ru_maxrss``: the largest resident set of any
descendant that was waited for (so `dvc repro`'s stage processes count); CPU is
the user + system time of the same descendants: what the command costs whatever
else the machine runs (wall time grows with load, CPU time barely does). This
wrapper is started fresh for every measurement, so earlier commands never leak
into the figure.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    log, cmd = argv[0], argv[2:]
    with open(log, "ab") as handle:
        start = time.perf_counter()
        rc = subprocess.call(cmd, stdout=handle, stderr=subprocess.STDOUT)
        wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_kb = usage.ru_maxrss  # kilobytes on Linux
    cpu = usage.ru_utime + usage.ru_stime
    print(json.dumps({"wall": round(wall, 3), "cpu": round(cpu, 3), "peak_rss_mb": round(peak_kb / 1024, 1), "rc": rc}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
