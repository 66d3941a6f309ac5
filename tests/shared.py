"""Where the reference material is: ../shared beside the checkout, or where CBCOORD_SHARED_DIR
says (a git worktree elsewhere). No Django here: helpers outside pytest import it too.

A test that reads it is skipped when it is missing, so that a checkout without it still runs
the rest; with ``CBCOORD_REQUIRE_SHARED=1`` (CI sets it) such a test fails instead, saying what
is missing, so that a CI machine without the folder cannot pass by skipping them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

SHARED = Path(
    os.environ.get("CBCOORD_SHARED_DIR") or Path(__file__).resolve().parents[1].parent / "shared"
)
REQUIRED = os.environ.get("CBCOORD_REQUIRE_SHARED") == "1"


def needs(path: Path) -> Any:
    """Mark a test (or, as ``pytestmark``, a module) that reads ``path``, a file or folder of
    the shared folder: skipped without it, unless CBCOORD_REQUIRE_SHARED=1."""
    import pytest

    return pytest.mark.skipif(
        not path.exists() and not REQUIRED,
        reason=f"{path} is absent (the reference material, see tests/shared.py)",
    )


def require(path: Path) -> Path:
    """``path`` if it exists; otherwise skip the running test, or fail it with
    CBCOORD_REQUIRE_SHARED=1."""
    import pytest

    if path.exists():
        return path
    message = f"{path} is absent (the reference material, see tests/shared.py)"
    if REQUIRED:
        pytest.fail(f"{message}; CBCOORD_REQUIRE_SHARED=1 requires it", pytrace=False)
    pytest.skip(message)
