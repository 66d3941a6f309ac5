"""The password hasher: Argon2id with OWASP's parameters instead of Django's.

Django's Argon2 defaults (100 MiB, 2 passes, 8 lanes) cost about 0.2 s of a core per sign-in;
on the two cores a small deployment has, 20 people signing in at once queue behind each other
for seconds (``make loadtest``). OWASP's Password Storage Cheat Sheet lists equally strong
configurations of Argon2id; this is its first, 19 MiB of memory, 2 passes, 1 lane: about 20 ms
per sign-in. Guessing online is held back by the login lock-out (django-axes), not by the hash.
Hashes written with other parameters still check (they carry their parameters) and are
written again with these at the next sign-in (``must_update``).
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id, m=19 MiB, t=2, p=1 (OWASP); the same ``argon2`` algorithm name, so the
    stored hashes are Django's own format."""

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
