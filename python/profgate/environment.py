"""Where a run happened: the results' ``environment`` object."""

import os
import platform
import subprocess

import profgate
from profgate.normalise import clip

_GIT_TIMEOUT = 10


def describe(cwd, valgrind=None):
    """The schema's ``environment`` for a run in ``cwd``; ``valgrind``, the version that counted instructions, and
    the C library (whose routines the counts include) only when instructions were counted."""
    described = {
        "python": {
            "version": platform.python_version(),
            "implementation": platform.python_implementation(),
            "build": clip(" ".join(platform.python_build())),
            "compiler": clip(platform.python_compiler()),
        },
        "platform": {
            "system": platform.system(),
            "release": clip(platform.release()),
            "machine": platform.machine(),
            "cpu_model": clip(_cpu_model()),
            "cpu_count": os.cpu_count() or 0,
        },
        "git": _git(cwd),
        "tool_version": profgate.__version__,
    }
    if valgrind is not None:
        described["instructions"] = {"valgrind": clip(valgrind), "libc": clip(" ".join(platform.libc_ver()).strip())}
    return described


def _cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as file:
            for line in file:
                key, _, value = line.partition(":")
                if key.strip() == "model name" and value.strip():
                    return value.strip()
    except OSError:
        pass
    return platform.processor() or ""


def _git_output(cwd, *args):
    """stdout of a git command, or None when git is missing, fails or takes too long."""
    try:
        completed = subprocess.run(
            ("git",) + args,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            timeout=_GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if completed.returncode != 0:
        return None
    return completed.stdout.decode("utf-8", errors="replace").strip()


def _git(cwd):
    commit = _git_output(cwd, "rev-parse", "--verify", "HEAD")
    if not commit:
        return None
    # Detached HEAD (as in a pull-request checkout) has no branch.
    branch = _git_output(cwd, "symbolic-ref", "--short", "-q", "HEAD")
    status = _git_output(cwd, "status", "--porcelain", "--untracked-files=no")
    return {"commit": clip(commit), "branch": clip(branch) if branch else None, "dirty": bool(status)}
