"""The Teams app package: manifest filled in, icons of the sizes Teams requires."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

import pytest

from adapters.teams.package import main

APP_ID = "11111111-2222-3333-4444-555555555555"


def test_package_has_manifest_and_icons_at_the_root(tmp_path: Path) -> None:
    out = tmp_path / "coachbot-teams.zip"
    assert main(["--app-id", APP_ID, "--out", str(out), "--developer", "Harbourside"]) == 0
    with zipfile.ZipFile(out) as zf:
        assert sorted(zf.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(zf.read("manifest.json"))
        sizes = {
            name: struct.unpack(">II", zf.read(name)[16:24])
            for name in ("color.png", "outline.png")
        }
    assert manifest["id"] == APP_ID
    assert [b["botId"] for b in manifest["bots"]] == [APP_ID]
    assert manifest["developer"]["name"] == "Harbourside"
    assert {"personal", "team"} <= set(manifest["bots"][0]["scopes"])
    lists = manifest["bots"][0]["commandLists"]
    # Teams' limits (manifest 1.17): up to 3 lists, one per scope, 10 commands each.
    assert len(lists) <= 3
    scopes = [scope for listed in lists for scope in listed["scopes"]]
    assert sorted(scopes) == sorted(set(scopes)) == sorted(manifest["bots"][0]["scopes"])
    for listed in lists:
        commands = listed["commands"]
        assert len(commands) <= 10
        assert all(len(c["title"]) <= 32 and len(c["description"]) <= 128 for c in commands)
    # Everyone's home and the admin commands are in the menu of the 1:1 chat.
    personal = {c["title"] for listed in lists if "personal" in listed["scopes"]
                for c in listed["commands"]}  # fmt: skip
    assert {"home", "pending", "limits set", "role set", "playbooks disable"} <= personal
    assert sizes == {"color.png": (192, 192), "outline.png": (32, 32)}


@pytest.mark.parametrize(
    "args",
    [
        ["--app-id", "not-a-guid"],
        ["--app-id", APP_ID, "--website", "http://insecure.example"],
        ["--app-id", APP_ID, "--developer", "Harbourside Hotel and Spa Group Limited"],
        ["--app-id", APP_ID, "--developer", ""],
        ["--app-id", APP_ID, "--website", "https://example.com/" + "a" * 2040],
        ["--app-id", APP_ID, "--privacy", "https://example.com/a b"],
        ["--app-id", APP_ID, "--version", "one"],
    ],
)
def test_bad_arguments_exit_non_zero(
    tmp_path: Path, args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.zip"
    assert main([*args, "--out", str(out)]) == 2
    assert not out.exists()  # no package Teams would reject at upload
    assert capsys.readouterr().err.startswith("error: ")


def test_longest_accepted_developer_name_builds(tmp_path: Path) -> None:
    out = tmp_path / "x.zip"
    assert main(["--app-id", APP_ID, "--out", str(out), "--developer", "D" * 32]) == 0
    with zipfile.ZipFile(out) as zf:
        assert json.loads(zf.read("manifest.json"))["developer"]["name"] == "D" * 32
