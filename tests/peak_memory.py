"""A child process's own peak memory, for the tests that bound it.

`ru_maxrss` (from `wait4` or `getrusage(RUSAGE_SELF)` in the child) is no good for that: Linux keeps a
process's maximum across `exec`, starting from the parent it was forked from, so a child of a
pytest process that already grew to 1 GB reports at least 1 GB whatever it did. `VmHWM` in
/proc/self/status belongs to the memory map that `exec` made: read by the child just before it
ends, it is the child's own peak.
"""
from __future__ import annotations

VMHWM = ("import atexit, os\n"
         "def _peak():\n"
         "    for line in open('/proc/self/status'):\n"
         "        if line.startswith('VmHWM:'):\n"
         "            os.write(2, ('\\nVmHWM_MIB=%.1f\\n' % (int(line.split()[1]) / 1024)).encode())\n"
         "atexit.register(_peak)\n")


def peak_mib(stderr: str) -> float:
    """The VmHWM the child printed last (in MiB); fails loudly when it printed none."""
    lines = [line for line in stderr.splitlines() if line.startswith("VmHWM_MIB=")]
    assert lines, f"the child printed no VmHWM: {stderr[-500:]}"
    return float(lines[-1].split("=", 1)[1])


def strip_peak(stderr: str) -> str:
    return "\n".join(line for line in stderr.splitlines() if not line.startswith("VmHWM_MIB=")).strip() + "\n"


def cli_probe(*args: str) -> list[str]:
    """`python -c …` running `python -m pipelines ARGS` that prints its own VmHWM on stderr at exit."""
    return ["-c", VMHWM + "import runpy, sys\nsys.argv = ['pipelines', *sys.argv[1:]]\n"
                          "runpy.run_module('pipelines', run_name='__main__')\n", *args]

