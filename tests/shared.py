"""Where the reference material is: ../shared beside the checkout, or where CBCOORD_SHARED_DIR
says (a git worktree elsewhere). No Django here: helpers outside pytest import it too."""

from __future__ import annotations

import os
from pathlib import Path

SHARED = Path(
    os.environ.get("CBCOORD_SHARED_DIR") or Path(__file__).resolve().parents[1].parent / "shared"
)
