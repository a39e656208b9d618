"""Where the suite finds things.

`PACKAGE_ROOT` is the folder the code under test is imported from: the source tree when the
suite runs in a checkout, site-packages when `scripts/test.sh` runs it against the installed
package. Subprocesses get it as PYTHONPATH, so they run the same code the suite imported.
`SOURCE_ROOT` is the checkout (README, Dockerfile, pyproject.toml), given by SMM_KPI_SOURCE when
the suite runs from a copy outside it.
"""

from __future__ import annotations

import os
from pathlib import Path

import bot

PACKAGE_ROOT = Path(bot.__file__).resolve().parents[1]
SOURCE_ROOT = Path(os.environ.get("SMM_KPI_SOURCE") or Path(__file__).resolve().parents[1])
