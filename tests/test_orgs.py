"""Organisation ids: a Slack workspace and a Teams tenant can never be the same one."""

from __future__ import annotations

import pytest

from bot.orgs import native_id, org_for, platform_of

TENANT = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"


@pytest.mark.parametrize(
    ("platform", "native", "org"),
    [
        # Ids a real platform produces keep today's form: stored history stays theirs.
        ("slack", "T0123ABC", "T0123ABC"),
        ("slack", "E0456:T0123", "E0456:T0123"),
        ("slack", "E0456", "E0456"),
        ("teams", TENANT, TENANT),
        # Anything else is namespaced by its platform.
        ("teams", "T0123ABC", "teams:T0123ABC"),
        ("teams", "E0456:T0123", "teams:E0456:T0123"),
        ("teams", "local", "teams:local"),
        ("slack", TENANT, f"slack:{TENANT}"),
        ("slack", "teams:x", "slack:teams:x"),
        ("teams", "slack:T1", "teams:slack:T1"),
    ],
)
def test_each_platform_id_maps_into_its_own_namespace(platform: str, native: str, org: str) -> None:
    assert org_for(platform, native) == org
    assert platform_of(org) == platform
    assert native_id(org) == native


@pytest.mark.parametrize("native", ["T0123ABC", "E0456:T0123", TENANT, "local", "teams:T1", ""])
def test_a_slack_and_a_teams_id_never_make_the_same_organisation(native: str) -> None:
    assert org_for("slack", native) != org_for("teams", native)


def test_console_ids_are_neither_platform() -> None:
    assert platform_of("local") == "console"
    assert platform_of("hotel") == "console"
    with pytest.raises(ValueError, match="no organisation namespace"):
        org_for("console", "local")
