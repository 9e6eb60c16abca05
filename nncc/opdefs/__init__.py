"""The language's ops, one module per family; importing this package registers them all.

Registration order is the order of docs/ops.md within each section.
"""
from . import attention, conv, dense, dims, elementwise, heads, mathops, norms, recurrent, reduce, resample, structure  # noqa: F401
