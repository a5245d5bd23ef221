"""Service Coach core: platform-neutral coaching, authority, ledger and state.

This package never imports an adapter, aiohttp or a platform SDK (a test checks it).
"""

__version__ = "0.1.0"
