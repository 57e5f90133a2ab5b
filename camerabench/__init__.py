"""camerabench: camera-motion understanding, geometric and semantic, on one taxonomy."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("camerabench")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
