"""The lint view of the diagnostic catalogue (`nncc.codes`) and lint's own settings.

Every code `nncc lint` can report is a catalogue entry: E-codes are the compiler's
own errors, W-codes warnings about models that compile but are probably wrong or
hard to maintain. Each is documented, with a bad and a good example, in
docs/rules.md (generated from the catalogue).
"""
from __future__ import annotations

from ..codes import CATALOGUE as RULES
from ..codes import Code as Rule

__all__ = ["DEFAULT_MAX_WEIGHT_BYTES", "RULES", "Rule"]

# lint-level settings (overridable in [tool.nncc])
DEFAULT_MAX_WEIGHT_BYTES = 512 * 1024 * 1024
