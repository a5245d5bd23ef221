"""The organisation file and the authority policy: limits, overrides, caps, bad files."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.authority import (
    DEFAULT_ORG_FILE,
    AuthorityDecision,
    AuthorityPolicy,
    OrgConfig,
    OrgConfigError,
    load_org_config,
    parse_org_config,
)
from bot.errors import CoachError, InvalidAmount
from bot.models import Money, Role
from bot.playbooks import Playbook

ROLES = {
    "associate": {"per_incident": 100, "daily": 300},
    "lead": {"per_incident": 250, "daily": 750},
    "manager": {"per_incident": 1000, "daily": 3000},
    "admin": {"per_incident": 5000, "daily": 20000},
}


def org_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Test Hotel",
        "currency": "GBP",
        "timezone": "Europe/London",
        "roles": {k: dict(v) for k, v in ROLES.items()},
        "max_single_spend": 10000,
        "customer_daily_cap": 250,
        "users": {"U_MANAGER": "manager", "U_LEAD": "lead", "U_ADMIN": "admin"},
    }
    data.update(changes)
    return data


def gbp(pounds: int | str) -> Money:
    return Money(int(Decimal(str(pounds)) * 100), "GBP")


def playbook(**authority: Any) -> Playbook:
    return Playbook.model_validate(
        {
            "id": "billing-dispute",
            "title": "Billing dispute",
            "owner": "ops",
            "review_by": "2030-01-01",
            "triggers": {"keywords": ["overcharged"], "examples": ["I was charged twice"]},
            "steps": [{"do": "Apologise", "say": "I'm sorry."}],
            "authority": authority,
        }
    )


@pytest.fixture
def policy() -> AuthorityPolicy:
    return AuthorityPolicy(parse_org_config(org_data(), "test.yaml"))


def write(tmp_path: Path, data: Any, name: str = "org.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


# --- the shipped default ---------------------------------------------------------------------


def test_default_file_loads() -> None:
    config = load_org_config(None)
    assert config.currency == "GBP"
    assert config.timezone == "Europe/London"
    assert config.roles[Role.ASSOCIATE].per_incident == Decimal(100)
    assert config.roles[Role.ASSOCIATE].daily == Decimal(300)
    assert config.roles[Role.LEAD].per_incident == Decimal(250)
    assert config.roles[Role.LEAD].daily == Decimal(750)
    assert config.roles[Role.MANAGER].per_incident == Decimal(1000)
    assert config.roles[Role.MANAGER].daily == Decimal(3000)
    assert config.roles[Role.ADMIN].per_incident == Decimal(5000)
    assert config.roles[Role.ADMIN].daily == Decimal(20000)
    assert config.max_single_spend == Decimal(10000)
    assert config.customer_daily_cap == Decimal(250)
    assert config.incident_ttl_minutes == 120
    assert config.users == {}
    assert load_org_config(DEFAULT_ORG_FILE) == config
    policy = AuthorityPolicy(config)
    assert policy.per_incident(Role.ASSOCIATE, None) == gbp(100)


def test_defaults_for_optional_fields() -> None:
    data = org_data()
    for key in ("timezone", "customer_daily_cap", "users"):
        del data[key]
    config = parse_org_config(data)
    assert config.timezone == "UTC"
    assert config.customer_daily_cap is None
    assert config.users == {}
    assert config.incident_ttl_minutes == 120
    assert config.escalation_channel is None


def test_amounts_accept_ints_quoted_decimals_and_whole_floats(tmp_path: Path) -> None:
    data = org_data(max_single_spend=10000.0, customer_daily_cap="99.50")
    data["roles"]["associate"] = {"per_incident": "75.50", "daily": 300}
    config = load_org_config(write(tmp_path, data))
    assert config.roles[Role.ASSOCIATE].per_incident == Decimal("75.50")
    assert config.max_single_spend == Decimal(10000)
    assert AuthorityPolicy(config).customer_daily_cap == gbp("99.50")


def test_quoted_limits_with_trailing_zeros_are_exact(tmp_path: Path) -> None:
    data = org_data(max_single_spend="10000.000", customer_daily_cap="250.0")
    data["roles"]["associate"] = {"per_incident": "100.000", "daily": "300.00"}
    policy = AuthorityPolicy(load_org_config(write(tmp_path, data)))
    assert policy.per_incident(Role.ASSOCIATE) == gbp(100)
    assert policy.daily_allowance(Role.ASSOCIATE) == gbp(300)
    assert policy.max_single_spend == gbp(10000)
    assert policy.customer_daily_cap == gbp(250)


def test_per_incident_may_equal_the_daily_allowance(tmp_path: Path) -> None:
    data = org_data()
    data["roles"]["associate"] = {"per_incident": 300, "daily": 300}
    policy = AuthorityPolicy(load_org_config(write(tmp_path, data)))
    assert policy.check(Role.ASSOCIATE, gbp(300), None, 0, None).within


def test_lowercase_currency_and_numeric_user_ids(tmp_path: Path) -> None:
    path = tmp_path / "org.yaml"
    text = yaml.safe_dump(org_data(currency="eur", users={}))
    path.write_text(text.replace("users: {}", "users:\n  12345: lead\n"), encoding="utf-8")
    config = load_org_config(path)
    assert config.currency == "EUR"
    assert config.users == {"12345": Role.LEAD}


def test_numeric_user_ids_in_locations(tmp_path: Path) -> None:
    path = tmp_path / "org.yaml"
    text = yaml.safe_dump(org_data(locations={}))
    path.write_text(text.replace("locations: {}", "locations:\n  12345: Bar\n"), "utf-8")
    assert load_org_config(path).locations == {"12345": "Bar"}
    assert parse_org_config(org_data(locations=None)).locations == {}
    assert parse_org_config(org_data(locations={" U1 ": "Bar"})).locations == {"U1": "Bar"}
    with pytest.raises(OrgConfigError, match=r"^acme\.yaml: locations: Input should be a valid"):
        parse_org_config(org_data(locations=["U1"]), "acme.yaml")


# --- bad files: every error names the file and the field -------------------------------------


def _bad_roles(**role_changes: Any) -> dict[str, Any]:
    roles = {k: dict(v) for k, v in ROLES.items()}
    for role, limits in role_changes.items():
        if limits is None:
            del roles[role]
        else:
            roles[role] = limits
    return roles


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"currency": "XYZ"}, "currency", "unknown currency 'XYZ'"),
        ({"currency": 5}, "currency", "currency code"),
        ({"timezone": "Mars/Olympus"}, "timezone", "unknown time zone 'Mars/Olympus'"),
        ({"timezone": "../etc/passwd"}, "timezone", "unknown time zone"),
        ({"name": ""}, "name", "at least 1 character"),
        ({"max_single_spend": 12.5}, "max_single_spend", "quoted decimals"),
        ({"max_single_spend": "lots"}, "max_single_spend", "not an amount"),
        ({"max_single_spend": 0}, "max_single_spend", "more than zero"),
        ({"customer_daily_cap": -1}, "customer_daily_cap", "negative"),
        ({"customer_daily_cap": "NaN"}, "customer_daily_cap", "not an amount"),
        ({"customer_daily_cap": "12.555"}, "customer_daily_cap", "at most 2 decimal"),
        ({"incident_ttl_minutes": 0}, "incident_ttl_minutes", "greater than or equal to 1"),
        ({"users": {"U999": "boss"}}, "users", "user 'U999' has unknown role 'boss'"),
        ({"colour": "blue"}, "colour", "Extra inputs are not permitted"),
        ({"roles": _bad_roles(lead=None)}, "roles", "limits missing for role(s): lead"),
        ({"roles": _bad_roles(boss={"per_incident": 1, "daily": 2})}, "roles", "'boss'"),
        (
            {"roles": _bad_roles(associate={"per_incident": 400, "daily": 300})},
            "roles.associate",
            "per_incident (400) is more than daily (300)",
        ),
        (
            {"roles": _bad_roles(lead={"per_incident": 12.5, "daily": 300})},
            "roles.lead.per_incident",
            "quoted decimals",
        ),
        (
            {"roles": _bad_roles(lead={"per_incident": 100})},
            "roles.lead.daily",
            "Field required",
        ),
        (
            {"roles": _bad_roles(lead={"per_incident": 1, "daily": 2, "weekly": 9})},
            "roles.lead.weekly",
            "Extra inputs",
        ),
    ],
)
def test_bad_org_files_name_file_and_field(
    tmp_path: Path, changes: dict[str, Any], field: str, words: str
) -> None:
    path = write(tmp_path, org_data(**changes), "acme-org.yaml")
    with pytest.raises(OrgConfigError) as excinfo:
        load_org_config(path)
    message = str(excinfo.value)
    assert "acme-org.yaml" in message
    assert f"{field}:" in message
    assert words in message


def test_every_problem_is_listed_once_in_plain_words() -> None:
    bad = org_data(currency="XYZ", timezone="Mars/Olympus")
    with pytest.raises(OrgConfigError) as excinfo:
        parse_org_config(bad, "acme-org.yaml")
    assert str(excinfo.value) == (
        "acme-org.yaml: currency: unknown currency 'XYZ'; use an ISO 4217 code such as GBP or EUR;"
        " timezone: unknown time zone 'Mars/Olympus'; use an IANA name such as Europe/London"
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"max_single_spend": 0}, "max_single_spend: must be more than zero"),
        ({"customer_daily_cap": "1.001"}, "customer_daily_cap: GBP has at most 2 decimal places"),
        ({"max_single_spend": True}, "max_single_spend: not an amount: True"),
        ({"customer_daily_cap": [250]}, "customer_daily_cap: not an amount: [250]"),
        ({"locations": {"U1": ["bar"]}}, "locations.U1: Input should be a valid string"),
    ],
)
def test_file_errors_start_with_the_field(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(OrgConfigError) as excinfo:
        parse_org_config(org_data(**changes), "acme-org.yaml")
    assert str(excinfo.value).startswith(f"acme-org.yaml: {message}")


def test_data_that_is_not_a_mapping_names_the_organisation_file() -> None:
    with pytest.raises(OrgConfigError) as excinfo:
        parse_org_config(["name", "currency"])
    assert str(excinfo.value) == "organisation file: expected a mapping of fields at the top level"


def test_missing_required_fields_are_named(tmp_path: Path) -> None:
    with pytest.raises(OrgConfigError) as excinfo:
        load_org_config(write(tmp_path, {"name": "x"}))
    message = str(excinfo.value)
    for field in ("currency", "roles", "max_single_spend"):
        assert f"{field}: Field required" in message


def test_amounts_must_fit_the_currency(tmp_path: Path) -> None:
    roles = _bad_roles(associate={"per_incident": "100.50", "daily": 300})
    with pytest.raises(OrgConfigError, match=r"roles\.associate\.per_incident: JPY has no decimal"):
        load_org_config(write(tmp_path, org_data(currency="JPY", roles=roles)))


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("name: [unclosed\n", "is not valid YAML"),
        ("- just\n- a list\n", "expected a mapping"),
        ("", "expected a mapping"),
    ],
)
def test_unreadable_org_files(tmp_path: Path, content: str, words: str) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(OrgConfigError, match=words) as excinfo:
        load_org_config(path)
    assert "broken.yaml" in str(excinfo.value)


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: Hotel\ncurrency: GBP\nroles:\n  associate: 1\n lead: 2\n", "utf-8")
    with pytest.raises(OrgConfigError) as excinfo:
        load_org_config(path)
    assert str(excinfo.value) == f"{path}: line 5 is not valid YAML"


def test_yaml_the_reader_refuses_is_not_valid_yaml(tmp_path: Path) -> None:
    path = tmp_path / "bell.yaml"
    path.write_text("name: Hotel\x07\n", encoding="utf-8")  # a control character, no line mark
    with pytest.raises(OrgConfigError) as excinfo:
        load_org_config(path)
    assert str(excinfo.value) == f"{path}: is not valid YAML"


def test_a_directory_is_not_an_organisation_file(tmp_path: Path) -> None:
    with pytest.raises(OrgConfigError) as excinfo:
        load_org_config(tmp_path)
    assert str(excinfo.value) == f"{tmp_path}: cannot read it (Is a directory)"


def test_missing_org_file(tmp_path: Path) -> None:
    with pytest.raises(OrgConfigError, match=r"nowhere\.yaml: no such organisation file"):
        load_org_config(tmp_path / "nowhere.yaml")


def test_org_config_error_is_a_coach_error() -> None:
    assert issubclass(OrgConfigError, CoachError)


def test_org_config_is_frozen() -> None:
    config = parse_org_config(org_data())
    with pytest.raises(ValueError, match="frozen"):
        config.name = "other"
    assert isinstance(config, OrgConfig)


# --- roles ---------------------------------------------------------------------------------


def test_role_for_uses_the_org_file_over_a_claim(policy: AuthorityPolicy) -> None:
    assert policy.role_for("U_MANAGER", platform="slack") is Role.MANAGER
    assert policy.role_for("U_MANAGER", claimed=Role.ASSOCIATE, platform="slack") is Role.MANAGER
    assert policy.role_for("U_LEAD", claimed=Role.ADMIN, platform="slack") is Role.LEAD


def test_unknown_users_get_the_lowest_role_unless_they_claim_one(policy: AuthorityPolicy) -> None:
    assert policy.role_for("U_STRANGER", platform="slack") is Role.ASSOCIATE
    assert policy.role_for("U_STRANGER", claimed=Role.MANAGER, platform="slack") is Role.MANAGER
    assert policy.role_for("u_manager", platform="slack") is Role.ASSOCIATE  # ids are exact


def test_bare_user_ids_apply_on_every_platform_of_a_one_platform_file(
    policy: AuthorityPolicy,
) -> None:
    for platform in ("slack", "teams", "console"):
        assert policy.role_for("U_MANAGER", platform=platform) is Role.MANAGER


def test_per_platform_users_give_a_role_only_on_their_own_platform() -> None:
    config = parse_org_config(
        org_data(
            users={},
            slack={"users": {"U_SAME": "manager"}, "locations": {"U_SAME": "Lobby"}},
            teams={"users": {"29:teams-admin": "admin"}},
        ),
        "test.yaml",
    )
    policy = AuthorityPolicy(config)
    assert policy.role_for("U_SAME", platform="slack") is Role.MANAGER
    # The same id arriving from Teams is nobody there: the lowest role.
    assert policy.role_for("U_SAME", platform="teams") is Role.ASSOCIATE
    assert policy.role_for("29:teams-admin", platform="teams") is Role.ADMIN
    assert policy.role_for("29:teams-admin", platform="slack") is Role.ASSOCIATE
    assert policy.role_for("U_SAME", platform="console") is Role.ASSOCIATE
    assert config.people("slack").locations == {"U_SAME": "Lobby"}
    assert config.people("teams").locations == {}


def test_only_one_platform_section_leaves_the_other_platform_unmapped() -> None:
    policy = AuthorityPolicy(
        parse_org_config(org_data(users=None, slack={"users": {"U1": "lead"}}), "t.yaml")
    )
    assert policy.role_for("U1", platform="slack") is Role.LEAD
    assert policy.role_for("U1", platform="teams") is Role.ASSOCIATE


def test_bare_users_beside_platform_sections_are_refused_with_the_fix() -> None:
    with pytest.raises(OrgConfigError) as err:
        parse_org_config(org_data(teams={"users": {"29:x": "manager"}}), "org.yaml")
    message = str(err.value)
    assert message.startswith("org.yaml:")
    assert "users: with a teams: section" in message
    assert "teams.users" in message
    with pytest.raises(OrgConfigError, match="locations: with a slack: section"):
        parse_org_config(
            org_data(users={}, locations={"U1": "Bar"}, slack={"users": {}}), "org.yaml"
        )


def test_platform_sections_are_validated_like_the_bare_mapping() -> None:
    with pytest.raises(OrgConfigError, match=r"slack\.users.*'U1' has unknown role 'boss'"):
        parse_org_config(org_data(users={}, slack={"users": {"U1": "boss"}}), "org.yaml")
    with pytest.raises(OrgConfigError, match=r"teams\.roles"):
        parse_org_config(org_data(users={}, teams={"roles": {}}), "org.yaml")
    with pytest.raises(OrgConfigError, match=r"discord"):
        parse_org_config(org_data(users={}, discord={"users": {}}), "org.yaml")


def test_can_decide_is_manager_and_admin_only(policy: AuthorityPolicy) -> None:
    assert not policy.can_decide(Role.ASSOCIATE)
    assert not policy.can_decide(Role.LEAD)
    assert policy.can_decide(Role.MANAGER)
    assert policy.can_decide(Role.ADMIN)


# --- limits ---------------------------------------------------------------------------------


def test_role_defaults(policy: AuthorityPolicy) -> None:
    assert policy.per_incident(Role.ASSOCIATE, None) == gbp(100)
    assert policy.per_incident(Role.ADMIN) == gbp(5000)
    assert policy.daily_allowance(Role.ASSOCIATE) == gbp(300)
    assert policy.daily_allowance(Role.MANAGER) == gbp(3000)
    assert policy.max_single_spend == gbp(10000)


def test_playbook_override_replaces_the_role_default(policy: AuthorityPolicy) -> None:
    raised = playbook(associate=150)
    assert policy.per_incident(Role.ASSOCIATE, raised) == gbp(150)
    assert policy.per_incident(Role.LEAD, raised) == gbp(250)  # no override for lead
    lowered = playbook(lead="40.50")
    assert policy.per_incident(Role.LEAD, lowered) == gbp("40.50")
    assert policy.per_incident(Role.ASSOCIATE, playbook()) == gbp(100)


def test_playbook_override_is_capped_by_max_single_spend(policy: AuthorityPolicy) -> None:
    assert policy.per_incident(Role.ADMIN, playbook(admin=50000)) == gbp(10000)


def test_override_changes_the_decision(policy: AuthorityPolicy) -> None:
    assert not policy.check(Role.ASSOCIATE, gbp(120), None, 0, None).within
    decision = policy.check(Role.ASSOCIATE, gbp(120), playbook(associate=150), 0, None)
    assert decision.within
    assert decision.per_incident == gbp(150)
    lowered = policy.check(Role.LEAD, gbp(50), playbook(lead=40), 0, None)
    assert lowered.reasons == ("over your £40 per-incident limit",)


def test_exactly_the_per_incident_limit_is_within(policy: AuthorityPolicy) -> None:
    decision = policy.check(Role.ASSOCIATE, gbp(100), None, 0, None)
    assert decision == AuthorityDecision(
        within=True, reasons=(), per_incident=gbp(100), remaining_today=gbp(300)
    )
    over = policy.check(Role.ASSOCIATE, Money(10001, "GBP"), None, 0, None)
    assert not over.within
    assert over.reasons == ("over your £100 per-incident limit",)


def test_exactly_what_is_left_today_is_within(policy: AuthorityPolicy) -> None:
    decision = policy.check(Role.ASSOCIATE, gbp(52), None, 24800, None)
    assert decision.within
    assert decision.remaining_today == gbp(52)


def test_over_what_is_left_of_the_daily_allowance(policy: AuthorityPolicy) -> None:
    decision = policy.check(Role.ASSOCIATE, gbp(60), None, 24800, None)
    assert not decision.within
    assert decision.reasons == ("over what is left of today's £300 allowance (£52 left)",)
    assert decision.remaining_today == gbp(52)


def test_daily_allowance_exhausted(policy: AuthorityPolicy) -> None:
    decision = policy.check(Role.ASSOCIATE, Money(1, "GBP"), None, 30000, None)
    assert not decision.within
    assert decision.remaining_today == gbp(0)
    assert "(£0 left)" in decision.reasons[0]
    # Spending beyond the allowance (approved by a manager) never shows a negative remainder.
    assert policy.remaining_today(Role.ASSOCIATE, 50000) == gbp(0)


def test_customer_cap(policy: AuthorityPolicy) -> None:
    assert policy.check(Role.ASSOCIATE, gbp(50), None, 0, 20000).within  # exactly £250
    decision = policy.check(Role.ASSOCIATE, gbp(60), None, 0, 20000, customer_ref="room 214")
    assert not decision.within
    assert decision.reasons == ("over the £250 daily cap for room 214 (£200 already given)",)
    anonymous = policy.check(Role.MANAGER, gbp(300), None, 0, 0)
    assert anonymous.reasons == ("over the £250 daily cap for this customer (£0 already given)",)
    # Not tied to a customer: no cap applies.
    assert policy.check(Role.MANAGER, gbp(300), None, 0, None).within


def test_no_customer_cap_configured() -> None:
    policy = AuthorityPolicy(parse_org_config(org_data(customer_daily_cap=None)))
    assert policy.customer_daily_cap is None
    assert policy.check(Role.MANAGER, gbp(900), None, 0, 100000).within


def test_every_reason_is_listed(policy: AuthorityPolicy) -> None:
    decision = policy.check(Role.ASSOCIATE, gbp(150), None, 24800, 20000, customer_ref="room 214")
    assert decision.reasons == (
        "over your £100 per-incident limit",
        "over what is left of today's £300 allowance (£52 left)",
        "over the £250 daily cap for room 214 (£200 already given)",
    )


def test_over_the_maximum_single_spend(policy: AuthorityPolicy) -> None:
    decision = policy.check(Role.ADMIN, gbp(10001), None, 0, None)
    assert "over the £10,000 maximum for a single spend" in decision.reasons


def test_exactly_the_maximum_single_spend_is_within(policy: AuthorityPolicy) -> None:
    decision = policy.check(Role.ADMIN, gbp(10000), playbook(admin=50000), 0, None)
    assert decision.reasons == ()
    assert decision.within


def test_check_refuses_bad_amounts(policy: AuthorityPolicy) -> None:
    with pytest.raises(InvalidAmount, match=r"^this organisation spends in GBP; you typed EUR$"):
        policy.check(Role.ASSOCIATE, Money(100, "EUR"), None, 0, None)
    with pytest.raises(InvalidAmount, match=r"^the amount must be more than zero$"):
        policy.check(Role.ASSOCIATE, Money(0, "GBP"), None, 0, None)
    with pytest.raises(ValueError, match=r"^spent_today_minor must not be negative$"):
        policy.check(Role.ASSOCIATE, gbp(1), None, -1, None)
    with pytest.raises(ValueError, match=r"^customer_today_minor must not be negative$"):
        policy.check(Role.ASSOCIATE, gbp(1), None, 0, -1)


def test_authority_summary(policy: AuthorityPolicy) -> None:
    summary = policy.authority(Role.LEAD, playbook(lead=300), 50000)
    assert summary.role is Role.LEAD
    assert summary.per_incident == gbp(300)
    assert summary.daily_allowance == gbp(750)
    assert summary.remaining_today == gbp(250)


def test_zero_decimal_currency() -> None:
    data = org_data(currency="JPY", max_single_spend=1_000_000)
    data["roles"]["associate"] = {"per_incident": 10000, "daily": 30000}
    policy = AuthorityPolicy(parse_org_config(data))
    assert policy.per_incident(Role.ASSOCIATE) == Money(10000, "JPY")
    decision = policy.check(Role.ASSOCIATE, Money(10001, "JPY"), None, 0, None)
    assert decision.reasons == ("over your ¥10,000 per-incident limit",)
    # A playbook override finer than the currency rounds down, never up.
    assert policy.per_incident(Role.ASSOCIATE, playbook(associate="99.50")) == Money(99, "JPY")
