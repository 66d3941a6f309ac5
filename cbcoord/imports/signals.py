"""What the import tells the floors above it, which it does not import.

``run_finished``: an import run has ended and released its lock (any status); sent with
``run``. The coordination app works out its facts of what the run wrote then, so that no
page a reader opens pays for it.
"""

from django.dispatch import Signal

run_finished = Signal()
