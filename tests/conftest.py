"""Shared test settings.

Hypothesis: no per-example deadline (the machine is shared; tests never assert time), and under
CI (`CI=true`, set by the CI runner) a derandomized run, so a submission's result does not hang
on a random draw. Property tests still explore freely in local runs, where a find is a bug to
fix with a regression example.
"""

import os

from hypothesis import settings

settings.register_profile("local", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "local")
