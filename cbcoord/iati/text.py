"""What text an IATI file can hold."""

from __future__ import annotations

import re

# What XML 1.0 cannot hold: C0 controls but tab, newline and return; lone surrogates; U+FFFE/F.
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
