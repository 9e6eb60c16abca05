"""nncc: a compiler for neural-network models (YAML model language → ONNX, LBANN, SINGA, SMAUG)."""
__version__ = "0.1.0"

__all__ = ["__version__", "compile_model", "frontend"]


def __getattr__(name: str):
    if name in ("compile_model", "frontend"):
        from . import driver

        return getattr(driver, name)
    raise AttributeError(name)
