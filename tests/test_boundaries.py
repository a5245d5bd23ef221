"""The core never depends on a platform: adapters import bot/, never the reverse."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("adapters", "slack_bolt", "slack_sdk", "botbuilder", "botframework", "aiohttp")


def test_importing_every_core_module_pulls_in_no_platform_or_adapter() -> None:
    # A fresh interpreter, so modules imported by other tests cannot hide a leak.
    code = (
        "import importlib, pkgutil, sys, bot\n"
        "for m in pkgutil.walk_packages(bot.__path__, 'bot.'):\n"
        "    importlib.import_module(m.name)\n"
        f"bad = sorted(n for n in sys.modules if n.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "", f"bot/ imports platform code: {out.stdout.strip()}"


def test_no_core_source_mentions_an_adapter_import() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "bot").rglob("*.py")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.lstrip().startswith(("import ", "from "))
        and line.split()[1].split(".")[0] in FORBIDDEN
    ]
    assert offenders == []
