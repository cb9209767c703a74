"""Runs a command and reports the CPU time of its whole process tree: `python bench/tree-cpu.py <out.json> cmd...`.

Spark's JVM, its Python daemon and workers and their Node engine hosts are not all waited for by their parents,
so `time`/getrusage of the command alone misses most of the work. This process makes itself the child subreaper
(Linux prctl PR_SET_CHILD_SUBREAPER): orphaned descendants are re-parented to it, it reaps every one of them, and
RUSAGE_CHILDREN then holds the user and system time of the whole tree. It also waits until the last descendant
has exited, so a process the job leaves behind shows up as a longer wall time instead of vanishing.
"""

import ctypes
import json
import os
import resource
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


def main() -> int:
    out, command = sys.argv[1], sys.argv[2:]
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")
    started = time.monotonic()
    code = subprocess.call(command)
    job_done = time.monotonic()
    while True:  # reap the orphans until none is left
        try:
            os.wait()
        except ChildProcessError:
            break
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(
            {
                "code": code,
                "wallSeconds": round(job_done - started, 2),
                "lastExitSeconds": round(time.monotonic() - started, 2),
                "userSeconds": round(usage.ru_utime, 2),
                "systemSeconds": round(usage.ru_stime, 2),
                "maxRssKiB": usage.ru_maxrss,
            },
            f,
        )
    return code


if __name__ == "__main__":
    sys.exit(main())
