"""The exit codes of every ``llmreg`` command, in one place (documented in the README):

0  success (warnings allowed)
1  findings: the check found errors (or, for drift and diff commands, a difference)
2  usage or I/O problem: unknown option, a PATH that does not exist, broken settings
3  internal error: a bug in llmreg, to be reported (traceback with --debug)
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130  # the shell's code for SIGINT
