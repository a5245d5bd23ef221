"""Build the Teams app package (manifest.json + two icons, zipped) for upload to Teams.

    python -m adapters.teams.package --app-id <Microsoft App ID> --out coachbot-teams.zip

The manifest template beside this file is filled in with the bot's app id and your
organisation's details; the icons are drawn here (no image files in the repository, no
imaging library needed): a 192×192 colour icon and a 32×32 white-on-transparent outline,
the sizes Teams requires.
"""

from __future__ import annotations

import argparse
import json
import re
import struct
import sys
import zipfile
import zlib
from pathlib import Path
from typing import Any

TEMPLATE = Path(__file__).with_name("manifest.json")
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
ACCENT = (0x1F, 0x6F, 0x5C)
# Limits of MicrosoftTeams.schema.json v1.17 (the template's manifestVersion): Teams
# rejects a package that breaks them at upload, long after the operator built it.
MAX_DEVELOPER_NAME = 32
MAX_URL = 2048
SEMVER = re.compile(r"^\d+\.\d+\.\d+$")
Pixel = tuple[int, int, int, int]


def png(width: int, height: int, pixel: Any) -> bytes:
    """A minimal RGBA PNG; ``pixel(x, y)`` gives each pixel."""
    rows = b"".join(
        b"\x00" + b"".join(struct.pack("BBBB", *pixel(x, y)) for x in range(width))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def _bubble(x: float, y: float) -> bool:
    """A speech bubble with a tail, in a unit square."""
    body = 0.18 <= x <= 0.82 and 0.22 <= y <= 0.66
    tail = 0.30 <= x <= 0.46 and 0.66 <= y <= 0.80 and (y - 0.66) <= (0.46 - x)
    return body or tail


def color_icon(size: int = 192) -> bytes:
    def pixel(x: int, y: int) -> Pixel:
        if _bubble(x / size, y / size):
            return (255, 255, 255, 255)
        return (*ACCENT, 255)

    return png(size, size, pixel)


def outline_icon(size: int = 32) -> bytes:
    def pixel(x: int, y: int) -> Pixel:
        u, v = x / size, y / size
        inside = _bubble(u, v)
        edge = inside and not all(
            _bubble(u + dx / size, v + dy / size) for dx in (-1, 1) for dy in (-1, 1)
        )
        return (255, 255, 255, 255) if edge else (255, 255, 255, 0)

    return png(size, size, pixel)


def manifest(
    app_id: str,
    *,
    version: str,
    developer: str | None = None,
    website: str | None = None,
    privacy: str | None = None,
    terms: str | None = None,
) -> dict[str, Any]:
    if not GUID.match(app_id):
        raise ValueError(f"--app-id must be the bot's Microsoft App ID (a GUID), not {app_id!r}")
    if not SEMVER.match(version):
        raise ValueError(f"--version must look like 1.2.3, not {version!r}")
    data: dict[str, Any] = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    data["id"] = app_id
    data["version"] = version
    for bot in data["bots"]:
        bot["botId"] = app_id
    dev = data["developer"]
    if developer is not None:
        dev["name"] = developer
    if website:
        dev["websiteUrl"] = website
    if privacy:
        dev["privacyUrl"] = privacy
    if terms:
        dev["termsOfUseUrl"] = terms
    if not 0 < len(dev["name"]) <= MAX_DEVELOPER_NAME:
        raise ValueError(
            f"--developer must be 1 to {MAX_DEVELOPER_NAME} characters "
            f"(Teams' limit), not {len(dev['name'])}"
        )
    for key in ("websiteUrl", "privacyUrl", "termsOfUseUrl"):
        url = str(dev[key])
        if not url.startswith("https://"):
            raise ValueError(f"developer {key} must be an https:// URL")
        if len(url) > MAX_URL or any(c.isspace() for c in url):
            raise ValueError(
                f"developer {key} must be one URL of at most {MAX_URL} characters, no spaces"
            )
    return data


def build(out: Path, app_id: str, **details: Any) -> Path:
    content = manifest(app_id, **details)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        # Teams wants the three files at the root of the zip, not in a folder.
        zf.writestr("manifest.json", json.dumps(content, indent=2, ensure_ascii=False))
        zf.writestr("color.png", color_icon())
        zf.writestr("outline.png", outline_icon())
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m adapters.teams.package", description=__doc__)
    parser.add_argument("--app-id", required=True, help="the bot's Microsoft App ID")
    parser.add_argument("--out", type=Path, default=Path("coachbot-teams.zip"))
    parser.add_argument("--version", default="0.1.0", help="app version (raise it to update)")
    parser.add_argument("--developer", help="your organisation's name")
    parser.add_argument("--website", help="https:// URL shown in Teams")
    parser.add_argument("--privacy", help="https:// privacy statement URL")
    parser.add_argument("--terms", help="https:// terms of use URL")
    args = parser.parse_args(argv)
    try:
        out = build(
            args.out,
            args.app_id,
            version=args.version,
            developer=args.developer,
            website=args.website,
            privacy=args.privacy,
            terms=args.terms,
        )
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
