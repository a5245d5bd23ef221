"""Safety before every score, honest when unsure, two problems in one line: what staff
see when a line hides a danger, when the bot is not sure, and when it cannot read it.

The Library v2 playbooks are not all shipped yet, so most tests run on the shipped
library plus small stand-ins for the new ids, written to a temporary folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from adapters.console import render
from adapters.slack import blocks
from adapters.teams import cards
from bot.authority import AuthorityPolicy, parse_org_config
from bot.coach import Coach, NotUnderstood
from bot.escalations.sql import SqlEscalationStore
from bot.ledger import open_ledger
from bot.matching import MatchResult, PlaybookMatcher
from bot.playbooks import load_library
from bot.state import open_state
from tests.clock import Clock

ROOT = Path(__file__).resolve().parents[1]

# Stand-ins for Library v2 ids: enough to load and to be answered with.
NEW_PLAYBOOKS = {
    "medical-emergency": ("Medical emergency", "collapsed, chest pain, seizure", ["safety"]),
    "missing-person": ("Missing person", "lost or missing child, vulnerable adult", ["safety"]),
    "self-harm-or-crisis": ("Self-harm or crisis", "threatens to harm themselves", ["safety"]),
    "theft-or-security": ("Theft or security", "shoplifting, valuables missing", ["security"]),
    "staff-harassed": ("Staff harassed", "a customer harasses one of our staff", ["abuse"]),
    "general-recovery": ("General recovery", "", []),
}


def write_library(folder: Path, *, with_new: bool = True) -> Path:
    for source in (ROOT / "playbooks").glob("*.yaml"):
        shutil.copy(source, folder / source.name)
    if with_new:
        for pid, (title, summary, reasons) in NEW_PLAYBOOKS.items():
            doc: dict[str, object] = {
                "id": pid,
                "title": title,
                "owner": "Test owner",
                "review_by": "2027-06-30",
                "steps": [
                    {"do": f"{title}: first step.", "say": "I am sorry, let me help."},
                    {"do": "Follow up."},
                ],
                "escalation": {"always": bool(reasons), "reasons": reasons},
            }
            if summary:
                doc["summary"] = summary
                doc["triggers"] = {"keywords": [title.lower()], "examples": [summary]}
            (folder / f"{pid}.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def v2_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_library(tmp_path_factory.mktemp("library_v2"))


@pytest.fixture(scope="module")
def matcher(v2_dir: Path) -> PlaybookMatcher:
    return PlaybookMatcher(load_library(v2_dir))


@pytest.fixture(scope="module")
def shipped() -> PlaybookMatcher:
    return PlaybookMatcher(load_library())


SAFETY_IDS = {"safety-emergency", "medical-emergency", "missing-person", "self-harm-or-crisis"}


def ids(result: MatchResult) -> list[str]:
    return [c.playbook_id for c in result.ranked]


def assert_safety_first(result: MatchResult, expected: str) -> None:
    """The safety playbook ``expected`` answers first and a manager is paged for safety."""
    assert ids(result)[0] == expected, ids(result)[:3]
    assert result.escalate and "safety" in result.all_reasons


def assert_no_safety_alarm(result: MatchResult) -> None:
    """No safety reason, no detector finding, and no safety playbook as the answer."""
    assert "safety" not in result.all_reasons, (result.signal_phrases, ids(result)[:3])
    assert not result.safety
    assert not ids(result) or ids(result)[0] not in SAFETY_IDS


# --- safety before every score ------------------------------------------------------------

CRITICAL = [
    (
        "medical-emergency",
        "gst at tbl 12 moaning his steak is overdone and wants the mgr, keeps rubbing his "
        "left arm and says his chest is tight but its just stress",
    ),
    (
        "medical-emergency",
        "rm 214 complaining the curry had peanuts in, says her throat feels funny and shes a "
        "bit wheezy, wants it off her bill",
    ),
    (
        "medical-emergency",
        "pt arguing about a parking fine and her words went all slurred, one side of her "
        "face looks droopy",
    ),
    ("medical-emergency", "old man shouted thru the letterbox hes had a fall and cant get up"),
    ("medical-emergency", "cust said she took too many pills earlier, now asking about her parcel"),
    ("medical-emergency", "he's diabetic and seems confused, keeps asking for his bill"),
    ("missing-person", "little boy sat on his own by the self checkouts, no adult anywhere near"),
    ("missing-person", "lost kid at the info desk, cant find his mum"),
    ("missing-person", "her husband has dementia and went for a coffee an hour ago, not come back"),
    (
        "self-harm-or-crisis",
        "cust cancelling said it won't matter soon, she's sorting out who gets her cat",
    ),
    ("self-harm-or-crisis", "he said this is the last time you'll see me and left"),
    ("self-harm-or-crisis", "she says everyone would be better off without her"),
    ("self-harm-or-crisis", "regular has been giving her things away, won't need them soon"),
    ("safety-emergency", "2 custs arguing over a parking space and one just flashed a knife"),
    ("safety-emergency", "bloke threatening my colleague with a bottle at the bar"),
    ("safety-emergency", "fight broke out in the car park"),
    ("safety-emergency", "smoke pouring out of the kitchen extractor"),
    ("safety-emergency", "cust on the line can smell gas in her hallway"),
    ("safety-emergency", "carbon monoxide alarm going off in room 4"),
    ("safety-emergency", "water coming through the ceiling in the corridor"),
    ("theft-or-security", "we've been robbed, man grabbed the cash from the till"),
    ("staff-harassed", "the regular was waiting by her car after her late shift"),
]


@pytest.mark.parametrize(("expected", "text"), CRITICAL)
def test_a_danger_answers_with_its_safety_playbook_first_and_alerts(
    matcher: PlaybookMatcher, expected: str, text: str
) -> None:
    result = matcher.match(text)
    assert ids(result)[0] == expected, ids(result)[:3]
    assert result.escalate
    assert "safety" in result.all_reasons
    assert result.confident


IDIOMS = [
    "this queue is killing me",
    "I'm dying for a coffee",
    "they're robbing me with these prices",
    "is the evacuation drill still on tomorrow",
    "fire alarm test at 10, guest asking if it will be loud",
    "her phone is dead so she can't show the booking",
    "gas bill wrong again, charged twice",
    "kids menu has nothing her son will eat",
    "the new chef is on fire tonight",
    "tbl 4 steak came out bloody, hes bloody annoyed",
    "flooded with calls about the outage",
    "he nearly had a heart attack when he saw the bill",
    "the birthday cake collapsed in the box",
    "little girl lost her teddy, mum is right with her",
    "the price is daylight robbery",
    "steak knife missing from his place setting",
    "she'll kill her husband if he's late again lol",
]


@pytest.mark.parametrize("text", IDIOMS)
def test_idioms_and_routine_mentions_raise_no_safety_alarm(
    matcher: PlaybookMatcher, text: str
) -> None:
    assert_no_safety_alarm(matcher.match(text))


# --- wording the first rules did not foresee (a second author's classes of signs) -----------
# Each line says the danger in other words than the ones the rules were first written for:
# the sign in another order, typed in haste, described rather than named.

SIGNS_IN_OTHER_WORDS = [
    # the heart: a pain word before the body part, a typo, a comparison
    ("medical-emergency", "cust moaning about the wifi says theres a squeezing in his chest"),
    ("medical-emergency", "gst says her cheast hurts and shes gone clammy, wants a taxi"),
    ("medical-emergency", "man at the bar says its like an elephant sitting on him"),
    # a stroke: sight or one side
    ("medical-emergency", "pt suddenly cant see out of her left eye, wants to rebook"),
    ("medical-emergency", "old boy at the desk, his hand has gone all floppy and weak"),
    # a body's signs before anyone names them
    ("medical-emergency", "diner says its hard to swallow after the mussels"),
    ("medical-emergency", "toddler at tbl 3 has gone a funny colour and is breathing oddly"),
    ("medical-emergency", "cleaner says the gst in 12 wont wake up"),
    ("medical-emergency", "cust came in to pay his bill then collapsed by the door"),
    ("medical-emergency", "nosebleed on the 3rd floor, wont stop, towels soaked"),
    ("medical-emergency", "gst says her husband is coughing up blood in the room"),
    ("medical-emergency", "lad in the toilets has taken something, cant sit up"),
    ("medical-emergency", "pt says she doubled her insulin by mistake this morning"),
    ("medical-emergency", "visitor says worst headache ever, came on out of nowhere"),
    # a child nobody is minding, one lost across the line
    ("missing-person", "3 kids in the splash pool and no adult watching them"),
    ("missing-person", "dad says his little girl got seperated from him at the parade"),
    ("missing-person", "her son was at the till with her, now he is nowhere to be found"),
    # self-harm said without saying it
    ("self-harm-or-crisis", "caller says nobody would notice if she wasnt here"),
    ("self-harm-or-crisis", "he said he just wants to go to sleep and never wake up"),
    ("self-harm-or-crisis", "client says she has been stockpiling her tablets"),
    ("self-harm-or-crisis", "member asked who would look after his cats, said it wont be long"),
    ("self-harm-or-crisis", "cust on the phone says hes standing on the edge of the bridge"),
    ("self-harm-or-crisis", "tenant said theres no reason to carry on any more"),
    # weapons and threats in other words
    ("safety-emergency", "they robbed the kiosk at knifepoint ten mins ago"),
    ("safety-emergency", "he says hell hurt her when her shift ends"),
    ("safety-emergency", "cust says he'll come back and torch the shop"),
    # fire, gas, a structure, said by what staff notice
    ("safety-emergency", "the toaster in the breakfast room is smoking and melting"),
    ("safety-emergency", "smells like rotten eggs in the plant room"),
    ("safety-emergency", "the handrail on the stairs came away in her hand"),
    ("safety-emergency", "crack has opened in the ceiling and plaster keeps falling"),
]


@pytest.mark.parametrize(("expected", "text"), SIGNS_IN_OTHER_WORDS)
def test_a_sign_in_other_words_answers_with_the_safety_playbook_and_alerts(
    shipped: PlaybookMatcher, expected: str, text: str
) -> None:
    result = shipped.match(text)
    assert ids(result)[0] == expected, (ids(result)[:3], result.signal_phrases)
    assert result.escalate
    assert "safety" in result.all_reasons
    assert result.confident


IDIOMS_OF_THOSE_WORDS = [
    "its bleeding obvious nobody cleaned the rm",
    "he says our fees are bleeding him dry",
    "the shower goes scalding then freezing",
    "the band set the dance floor on fire",
    "gst says the fire in the lounge is lovely, can we light it again",
    "the knife sharpener we sold him is blunt already",
    "member asked where the first aid box is, she wants a plaster",
    "cust says we are robbing her blind on the parking",
    "her legs went weak when she saw the bill",
    "he has a sore chest from the cold and wants a lemsip",
    "the app is not responding again, cust furious",
    "who will feed her cat while she is on holiday, asking about pet friendly rooms",
    "the alarm clock would not wake him up so he missed breakfast",
    "the tv in 204 keeps jerking and freezing",
    "little boy lost his scooter by the bins, dad is with him",
    "cust says they are gonna kill us on price at the other shop",
    # An injury of long ago, or the football kind.
    "gst has an old knee injury and asked for a room near the lift",
    "lads fuming the stream cut out in injury time",
    # Things, calls and chats go missing; machines "rob" people of coins.
    "the live chat went missing halfway through and he got cut off",
    "her booking went missing from the system, she has the confirmation email",
    "the kids went missing in action at the buffet and ate every dessert",
    "cust says the parking machine robbed her, took her coins and no ticket",
    # The trade, fiction and things, not threats or losses of people.
    "cust at the gun counter wants to return a scope that fogs up",
    "says the knife fight in act 2 was brilliant, asks if the cast do signings",
    "lady says her sunglasses went missing off the sunbed while she swam",
    "cust says his wallets hurting after xmas, asks when the sale starts",
    # A machine that chokes is jammed.
    "the photocopier choked on her passport copy, jammed solid",
    "card machine keeps choking on contactless, cust stuck at the till",
]


@pytest.mark.parametrize("text", IDIOMS_OF_THOSE_WORDS)
def test_the_same_words_as_idioms_raise_no_safety_alarm(
    shipped: PlaybookMatcher, text: str
) -> None:
    assert_no_safety_alarm(shipped.match(text))


# --- the development sets: critical lines and near misses, each written by its own hand ---
# safety_dev*.jsonl: lines that must page a manager with a safety playbook first, and near
# misses (escalate false) that must not; near_miss_dev3.jsonl holds only near misses. Each
# was written by someone before reading the detector's patterns.

CRITICAL_SETS = ("safety_dev.jsonl", "safety_dev2.jsonl", "safety_dev3.jsonl")
NEAR_MISS_SETS = ("safety_dev.jsonl", "safety_dev2.jsonl", "near_miss_dev3.jsonl")


def dev_lines(name: str) -> list[dict[str, object]]:
    path = ROOT / "tests" / "data" / name
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.mark.parametrize("name", CRITICAL_SETS)
def test_every_critical_line_of_a_dev_set_alerts_with_its_safety_playbook_first(
    shipped: PlaybookMatcher, name: str
) -> None:
    critical = [
        case
        for case in dev_lines(name)
        if case.get("escalate") is True and case["expect"][0] in SAFETY_IDS  # type: ignore[index]
    ]
    assert critical
    unalerted, wrong_first = [], []
    for case in critical:
        result = shipped.match(str(case["text"]))
        if not (result.escalate and "safety" in result.all_reasons):
            unalerted.append(case["text"])
        if not ids(result) or ids(result)[0] not in case["expect"]:  # type: ignore[operator]
            wrong_first.append((case["text"], ids(result)[:2]))
    # Every safety-critical line pages a manager for safety (the bar) ...
    assert not unalerted, unalerted
    # ... and the playbook for its danger answers first (one slip in forty allowed: a
    # robbery answered theft-first where the set wanted safety-first, say).
    assert len(wrong_first) <= len(critical) // 40, wrong_first


@pytest.mark.parametrize("name", NEAR_MISS_SETS)
def test_near_misses_of_a_dev_set_rarely_alert(shipped: PlaybookMatcher, name: str) -> None:
    near = [case for case in dev_lines(name) if case.get("escalate") is False]
    assert near
    alarms = []
    for case in near:
        result = shipped.match(str(case["text"]))
        if result.escalate or (ids(result) and ids(result)[0] in SAFETY_IDS):
            alarms.append((case["text"], ids(result)[:2], result.all_reasons))
    # At most one near miss in fifteen pages anyone or answers with a safety playbook.
    assert len(alarms) * 15 <= len(near), alarms


# --- what the detector understands, beyond its dev sets ------------------------------------

SIGNS_DESCRIBED = [
    ("theft-or-security", "two lads in masks took the till and ran, our cashier is shaking"),
    ("medical-emergency", "delivery guy came back with his thumb crushed in the roller door"),
    ("medical-emergency", "member on the bike says he feels dizzy and has gone clammy"),
    ("medical-emergency", "cust at the till just dropped, out cold"),
    ("medical-emergency", "pt says she cant get her words out and her arm feels heavy"),
    ("missing-person", "found a little girl crying by the lifts looking for her mummy"),
    ("missing-person", "resident with dementia let herself out the fire door, not back"),
    ("self-harm-or-crisis", "caller says theres no point her being here any more"),
    ("self-harm-or-crisis", "he's rehoming his dog and says it will all be over soon"),
    ("self-harm-or-crisis", "guest said he wants to disappear for good, wont open his door"),
    ("safety-emergency", "bloke in reception keeps reaching into his waistband, shouting"),
    ("safety-emergency", "someone threw a bottle at the barista"),
    ("safety-emergency", "the charging station is sparking and smoking"),
]


@pytest.mark.parametrize(("expected", "text"), SIGNS_DESCRIBED)
def test_a_danger_described_rather_than_named_alerts(
    shipped: PlaybookMatcher, expected: str, text: str
) -> None:
    result = shipped.match(text)
    assert ids(result)[0] == expected, (ids(result)[:3], result.signal_phrases)
    assert result.escalate and "safety" in result.all_reasons
    assert result.safety  # the detector's own finding, not only the classifier's guess


SETTLED = [
    "gst bumped his head on the low beam, laughing it off, wants a drink",
    "toddler tripped in the soft play, crying but fine",
    "my son ran off to the sweets - oh found him, anyway the till overcharged me",
    "her kid is on his own in the ball pit while she pays, she can see him",
    "the gas leak yesterday was fixed, guest asking about compensation",
    "the printer is smoking again... only joking, it's just jammed",
    "the lady who collapsed last week came back to thank the team",
    "dad rang to say thanks, the staff were brilliant when his daughter had a nosebleed last thurs",
    "the burst pipe back in jan flooded the hall, she's asking why the insurance hasn't paid",
]


@pytest.mark.parametrize("text", SETTLED)
def test_a_danger_said_to_be_over_or_minor_raises_no_safety_alarm(
    shipped: PlaybookMatcher, text: str
) -> None:
    result = shipped.match(text)
    assert "safety" not in result.all_reasons, (result.signal_phrases, ids(result)[:3])
    assert not ids(result) or ids(result)[0] not in SAFETY_IDS


def test_a_colleague_attacked_is_safety_first_and_their_support_next(
    shipped: PlaybookMatcher,
) -> None:
    result = shipped.match("drunk guy just headbutted one of our waiters")
    assert ids(result)[:2] == ["safety-emergency", "staff-harassed"]
    assert {"safety", "abuse"} <= set(result.all_reasons)


def test_a_masked_robbery_is_safety_first_and_security_next(shipped: PlaybookMatcher) -> None:
    result = shipped.match("two men in balaclavas came in demanding the takings")
    assert ids(result)[0] == "safety-emergency"
    assert "theft-or-security" in ids(result)[1:3]
    assert {"safety", "security"} <= set(result.all_reasons)


def test_a_knife_in_the_hand_of_someone_in_crisis_is_a_crisis_first(
    shipped: PlaybookMatcher,
) -> None:
    result = shipped.match("caller crying, says she cant do this any more and has a knife")
    assert ids(result)[0] == "self-harm-or-crisis"
    assert result.escalate


# --- other escalation signals ----------------------------------------------------------------

ESCALATING = [
    ("legal", "I'm going to report this to trading standards"),
    ("review", "she's posting it on tiktok"),
    ("media", "he says he's ringing the local paper about this"),
    ("legal", "customer says his solicitor will be in touch"),
    ("abuse", "man keeps making sexual comments to the waitress"),
    ("leaving", "regular says he's moving his account to another bank after this"),
    ("wellbeing", "elderly customer has no heating and her prepayment meter has run out"),
    ("wellbeing", "old man says he hasn't eaten for two days, his card was blocked"),
]


@pytest.mark.parametrize(("reason", "text"), ESCALATING)
def test_a_threat_or_a_risk_in_the_text_pages_a_manager(
    shipped: PlaybookMatcher, reason: str, text: str
) -> None:
    result = shipped.match(text)
    assert result.escalate
    assert reason in result.all_reasons, (result.all_reasons, ids(result)[:3])


@pytest.mark.parametrize(
    "text",
    [
        "cust picked up her prescription bag and there's someone else's repeat slip inside",
        "we emailed her test results to the wrong patient this morning",
    ],
)
def test_records_in_the_wrong_hands_page_for_privacy(shipped: PlaybookMatcher, text: str) -> None:
    result = shipped.match(text)
    assert result.escalate and "privacy" in result.all_reasons, result.all_reasons


def test_a_scam_told_by_its_shape_pages_for_wellbeing(shipped: PlaybookMatcher) -> None:
    result = shipped.match(
        "old lady keeps buying gift cards at the shop, says 'the tax man' on the phone needs "
        "them, 3rd lot tonight"
    )
    assert ids(result)[0] == "vulnerable-customer"
    assert result.escalate and "wellbeing" in result.all_reasons
    assert not shipped.match("man wants a refund on the gift card his bank gave him").escalate


def test_a_wellbeing_risk_in_plain_words_is_never_calmed(shipped: PlaybookMatcher) -> None:
    # The escalation model reads this as needing no manager (0.91); a rule that found
    # someone going without food is not overruled by it.
    result = shipped.match(
        "library regular, usually chatty, looks very thin and unwashed, admitted she hasnt "
        "eaten for days"
    )
    assert ids(result)[0] == "vulnerable-customer"
    assert result.escalate and "wellbeing" in result.all_reasons


def test_a_wellbeing_risk_answers_with_the_vulnerable_customer_playbook(
    shipped: PlaybookMatcher,
) -> None:
    result = shipped.match("pensioner's carer hasn't turned up for three days, she's on her own")
    assert ids(result)[0] == "vulnerable-customer"
    assert "wellbeing" in result.all_reasons


ROUTINE = [
    "he reviewed the menu and ordered the fish",
    "the police officer came in for a coffee",
    "she said the leg press at the gym is broken",
    "lady cancelling her broadband, moving in with her daughter",
    "a customer punched in the wrong pin three times",
    # Knocked over, without a vehicle, is a drink, not a person.
    "toddler knocked over the customer's coffee, she wants a new one",
    "delivery from the paper shop is late again",
    "widow wants to be with her grandkids at the wake, asking for a bigger table",
    # A machine's "seizure", a bus missed, "rather die than", a child minded all along.
    "tills had a 'seizure' again per Ben, rebooted now, 3 customers waiting to pay",
    "young mum w twins stressed after missing her bus, next one's in 30, got her a seat",
    "student says she'd rather die than miss her exam, last train cancelled",
    "kid was 'lost' for about 2 min in the toy shop, dad had him the whole time",
    # Pushed or grabbed, a thing is no assault: the bar of a fire exit, her latte.
    "kid pushed the bar on the fire exit and set the door alarm off, parents said sorry",
    "someone else grabbed her latte off the counter so hers is missing, she's waited 15 min",
]


@pytest.mark.parametrize("text", ROUTINE)
def test_a_routine_mention_pages_nobody(shipped: PlaybookMatcher, text: str) -> None:
    result = shipped.match(text)
    assert not result.escalate, (result.all_reasons, result.signal_phrases, ids(result)[:3])


@pytest.mark.parametrize(
    "text",
    [
        # Violence told the way people tell it.
        "two lads in the queue, pushing turned to punches, one's on the floor",
        "bloke says if we don't refund him he's coming back with his mates to burn the shop down",
        "drunk fella at the counter threatening to kick the cashier's head in",
        # Labour told by its signs, inside a complaint.
        "pregnant guest moaning about the lift says she's having sharp pains every 5 mins now",
        # A knife said to be carried, or cutlery held to threaten, is a weapon.
        "punter arguing about his winnings says he's got a knife in his coat and he'll use it",
        "diner upset about the bill is holding his steak knife up and threatening my colleague",
        # "Came back" settles a search, not this.
        "driver came back white as a sheet, a customer chased him to the van with a hammer",
        # A blade held to one's own body; belongings left behind on the way out.
        "girl in the toilets holding a piece of glass to her wrist, her friend is knocking",
        "man said he's had enough of it all, left his wallet and keys and walked off to the river",
        # A dangerous animal loose; a weapon promised for a colleague.
        "keeper says one of the lions has got out of the enclosure and is near the cafe",
        "cust angry about his refund said he'll be back with a bat for the girl on the till",
        # "Does not really talk" takes nothing back.
        "mum says her deaf girl ran off through the car park doors, she's 5, doesn't really hear",
        "van mounted the pavement and went into the tables outside, someone's trapped under it",
        "caller wrote this is my last message to anyone, thanks for everything, then hung up",
        # The carer came back; the child did not.
        "nan came back from the till and her grandson isn't in the trolley any more",
    ],
)
def test_danger_in_everyday_words_answers_safety_first(shipped: PlaybookMatcher, text: str) -> None:
    result = shipped.match(text)
    assert ids(result)[0] in SAFETY_IDS, ids(result)[:3]
    assert result.escalate and "safety" in result.all_reasons


@pytest.mark.parametrize(
    "text",
    [
        "nan thought she'd lost her granddaughter but she was hiding under the rail, all ok",
        "dad panicked thinking his son ran off but he was in the toilets, now wants a refund",
        # A figure of speech the teller takes back at once.
        "cust says his toastie is 'on fire', means way too spicy, wrong filling, not actually "
        "burning",
    ],
)
def test_a_fright_that_was_wrong_pages_nobody(shipped: PlaybookMatcher, text: str) -> None:
    result = shipped.match(text)
    assert not result.escalate, (result.all_reasons, ids(result)[:3])


@pytest.mark.parametrize(
    "text",
    [
        "her lad got knocked out in the first round of the quiz and wants the entry fee back",
        "dad says his wife will kill him for losing the tickets, can we reprint them",
        "she says the suicide wings were barely warm, kitchen must have given her the mild",
        "new knife block set, the bread knife came with a chipped blade",
        "gent had a heart attack some years back and wants an aisle seat near the door",
        "the lady who fainted here on friday rang to say she's home and fine, wants to thank us",
    ],
)
def test_danger_words_said_of_something_else_page_nobody(
    shipped: PlaybookMatcher, text: str
) -> None:
    result = shipped.match(text)
    assert not result.escalate, (result.all_reasons, result.signal_phrases, ids(result)[:3])


@pytest.mark.parametrize(
    ("expected", "text"),
    [
        # A false alarm or a drill the teller goes on to contradict.
        (
            "safety-emergency",
            "people say the alarm is just a false alarm again but theres smoke coming out of "
            "the stockroom vent",
        ),
        ("safety-emergency", "the fire door alarm is going off and this is not the drill"),
        # Plain signs said without the usual words.
        ("medical-emergency", "lady had a fit by the self service tills"),
        ("medical-emergency", "the plumber fell through the ceiling hatch in the back office"),
        ("self-harm-or-crisis", "young lad in the waiting room has cut his wrists on purpose"),
        ("safety-emergency", "there's a teenager on the tracks at platform 2"),
        ("safety-emergency", "crew shouting someone went overboard off the back of the ferry"),
        ("safety-emergency", "man at the counter pulled a hammer on the cashier"),
        ("safety-emergency", "customer says she will cut the receptionist with the kitchen knife"),
        ("safety-emergency", "the car went through the front window into the cafe tables"),
        ("medical-emergency", "tenant says her dad has been on the floor since last night"),
        # Words that settle a search, said of before the person went.
        ("missing-person", "dad can't find his little girl, says she was under the slide"),
        (
            "missing-person",
            "carer says she was with him at the till and now her client with dementia has "
            "wandered off",
        ),
        (
            "self-harm-or-crisis",
            "caller keeps thinking about taking all her pills, lives alone, has got them out",
        ),
        # Gone, in the words carers and parents use.
        ("missing-person", "gran with dementia hasnt been home since lunch, daughter on the phone"),
        ("missing-person", "mum says her 12 year old has run away after a row, last seen here"),
        ("missing-person", "toddler wasn't in the trolley seat when mum came back from the car"),
        # Found, but not safe: no search is over.
        ("missing-person", "son went missing at the pool and they found him in a bad way"),
        # A belief that they were safe is how someone goes missing, not a fright over.
        (
            "missing-person",
            "swim teacher thought the boy had gone with his mum, mum is at reception and he "
            "never came out of the changing rooms",
        ),
        (
            "missing-person",
            "parent says her son didnt come out after football club, coach thought hed gone "
            "home with a friend",
        ),
        (
            "missing-person",
            "lost kid in the cinema foyer?? dad thought he was with mum, boy about 5, neither "
            "of them can find him",
        ),
        # A person knocked over by a car, in the words of the car park.
        (
            "medical-emergency",
            "client reversing out of our car park knocked over another client, she's on the "
            "ground, people shouting",
        ),
        # Where someone stands is not what had the seizure.
        ("medical-emergency", "man at the till is having a seizure"),
        # A wish to be with someone who died.
        (
            "self-harm-or-crisis",
            "came in to close her partner's account, he died last month, keeps saying she just "
            "wants to be with him now",
        ),
        # Where a child was a moment ago is not where they are: "now gone".
        (
            "missing-person",
            "toddler was right beside mum at the ticket machine, now gone, the quay is just "
            "outside those doors",
        ),
        # A vehicle used as a weapon; a missing adult whose condition makes it urgent.
        ("safety-emergency", "fella in the drive thru lane reversed his van at the attendant"),
        (
            "missing-person",
            "carer says her client who is diabetic hasn't been seen since breakfast",
        ),
        # Signs described, not named; still missing although "just here" a moment ago.
        (
            "missing-person",
            "grandma says the baby was in the buggy by the door a second ago and she was "
            "literally just here, she's 2",
        ),
        (
            "missing-person",
            "carer thought he'd gone to the gents but that was 40 minutes ago, he has dementia",
        ),
        (
            "missing-person",
            "family asking if we have seen their boy, 7, blue coat, went off to look at the fish",
        ),
        (
            "missing-person",
            "care home: room 4's bed is empty at the 3am check, resident has alzheimers",
        ),
        (
            "missing-person",
            "missing boy, 5, mum searched the toilets twice, fire exit to the car park has been "
            "left open",
        ),
        (
            "medical-emergency",
            "toddler in the caravan park shop chewed one of those laundry pods, foaming a bit",
        ),
        (
            "self-harm-or-crisis",
            "lad standing on the outside of the railings on the car park top deck, says he's "
            "fine, been there 20 mins",
        ),
        (
            "self-harm-or-crisis",
            "man asked how many of the sleeping tablets it would take to never wake up, then "
            "said he was only joking",
        ),
        ("safety-emergency", "little boy sitting on the open window sill in room 512"),
        ("missing-person", "dad turned round for a second and his son has gone from the play area"),
        (
            "missing-person",
            "mum in the fitting rooms says the pram was right here and now it has gone with "
            "the baby in it",
        ),
        (
            "safety-emergency",
            "shop fire alarm went off, team say it's the usual false alarm but the storeroom "
            "door is hot to touch",
        ),
        (
            "safety-emergency",
            "kitchen porter shut in the cold room, door won't open from the inside",
        ),
        (
            "safety-emergency",
            "customer moaning about his parcel said the garage door was shut with the engine "
            "running inside",
        ),
        # A joke, then a "but" that turns to what is really happening.
        (
            "medical-emergency",
            "lad at the bar joking it's only a scratch but there's a lot of blood from his "
            "head and he keeps asking where he is",
        ),
        (
            "missing-person",
            "dad joking his daughter has run off to join the circus but she is 4 and nobody "
            "has seen her for half an hour",
        ),
        # Said to be fine, then a "but" that turns to what is really happening.
        (
            "medical-emergency",
            "courier says he's ok to carry on but he came off his bike, his helmet is cracked "
            "and he's slurring",
        ),
        (
            "self-harm-or-crisis",
            "she says she's fine now, just a wobble, but she's clutching razor blades in her hand",
        ),
        # Terse, second-hand, or told with a past tense that is still going on.
        ("medical-emergency", "snowboarder snapped his leg, bone showing, wants a refund"),
        ("missing-person", "lost 4yo girl, pink coat, by the escalators"),
        (
            "medical-emergency",
            "caller about his direct debit says his mum fell last night and cannot get up",
        ),
        (
            "medical-emergency",
            "lady at the till said she saw a man keel over in the car park, nobody with him",
        ),
        # A danger word mistyped; a person in an animal enclosure; a barbecue in a tent.
        ("medical-emergency", "cinema screen 3 someone yelling a lady has stopped bretahing"),
        ("safety-emergency", "a boy has climbed into the penguin enclosure, keepers on their way"),
        (
            "safety-emergency",
            "couple running a disposable bbq inside their tent to keep warm, both very drowsy",
        ),
        # A weapon held to frighten, however terse; a child not in the room; a tenant
        # not seen for days.
        (
            "safety-emergency",
            "lad w blade threatening cashier at till 3 for cash, staff backed off",
        ),
        ("missing-person", "dad in 215 says 6yo not in the room when he woke, not in the corridor"),
        (
            "missing-person",
            "elderly tenant in the sheltered flats not seen for 4 days, post piling up",
        ),
        # Seen through a window, a fever, a count of tablets, gone walkabout, a note on a
        # locked door, a railing, trains let go, a ticking bag, a ramp, a knife waved, a dog.
        (
            "medical-emergency",
            "the courier rang, says through the letterbox he can see the old man at number 9 on "
            "the hall floor",
        ),
        (
            "medical-emergency",
            "mum dropped her daughter at the creche with a temp of 40, she is shaking now",
        ),
        (
            "medical-emergency",
            "customer buying more co codamol says she is fine but she has taken about 40 since "
            "yesterday",
        ),
        ("missing-person", "nan with dementia has gone walkabout in the shopping centre"),
        (
            "self-harm-or-crisis",
            "guest in room 12 locked in, a note stuck on the door saying sorry",
        ),
        ("self-harm-or-crisis", "man sitting on the bridge railing outside the hotel shouting"),
        (
            "self-harm-or-crisis",
            "lad at the station keeps staring at the tracks, let three trains go",
        ),
        ("safety-emergency", "rucksack left by the ticket machines is ticking"),
        ("safety-emergency", "mechanic says the ramp is slipping down with a fitter underneath"),
        (
            "safety-emergency",
            "owner laughing it's only a pocket knife but he is waving it at the door staff",
        ),
        ("medical-emergency", "the dog has got a little boy pinned by the leg in the park cafe"),
        # Carbon monoxide by its signs, a blow to the head, "one of her fits".
        (
            "safety-emergency",
            "tenant asking to move the boiler service, says the whole family have had "
            "headaches and been drowsy for days",
        ),
        (
            "medical-emergency",
            "five a side, one lad took a boot to the head and is out cold, they want a refund",
        ),
        (
            "medical-emergency",
            "card freeze call, husband shouting in the background she is having one of her "
            "fits again",
        ),
        # Threatening to jump; a floor giving way under people.
        ("self-harm-or-crisis", "bloke outside the offy is threatening to jump off the flyover"),
        (
            "safety-emergency",
            "INCIDENT - stockroom mezzanine sagging, beam cracked, staff up there",
        ),
        # Final arrangements made quietly, with a word of an ending.
        (
            "self-harm-or-crisis",
            "lady asked us to rehome her old cat and says she has sorted her will, keeps "
            "saying there's no point",
        ),
        (
            "self-harm-or-crisis",
            "man wants his savings put in his daughter's name today, says he is finished with "
            "it all, won't say more",
        ),
        # A joke the teller doubts was one.
        (
            "self-harm-or-crisis",
            "regular told the barman he won't see christmas, said it twice, not sure he was joking",
        ),
        # Blood told by the cloth it soaks, a way out chained, a lift with people in it.
        (
            "medical-emergency",
            "she says she's fine, but the tea towel round her hand has soaked right through",
        ),
        (
            "safety-emergency",
            "the emergency exit by the toilets is padlocked and we've got a full house tonight",
        ),
        (
            "safety-emergency",
            "lift's been stuck between floors for 15 mins with a mum and her kids in, nobody's "
            "answering the alarm",
        ),
        # Tablets counted, inside a calm errand: the readers see no danger, the count is one.
        (
            "medical-emergency",
            "bloke paying for his meal deal says he has taken about 30 since breakfast, wants "
            "a bag for it",
        ),
    ],
)
def test_danger_told_plainly_or_after_a_false_alarm_answers_safety_first(
    shipped: PlaybookMatcher, expected: str, text: str
) -> None:
    result = shipped.match(text)
    assert ids(result)[0] == expected, (ids(result)[:3], result.answered_by)
    assert result.escalate and "safety" in result.all_reasons


@pytest.mark.parametrize(
    "text",
    [
        # Supposed, not seen.
        "a parent asked what our plan is if a child collapses in the pool",
        # A faulty item brought back, its fright over.
        "the toaster she bought sparked once and she unplugged it, wants a replacement",
        "kettle smelt of burning and stopped working, he has brought it back with the receipt",
        # A search over in moments.
        "toddler wandered off in the garden centre, found in 2 mins by the fish tanks",
        # Figures of speech.
        "he feels stabbed in the back by the bank after they closed his overdraft",
        "she has fallen for the winter coats, asking if there is a student discount",
        "she feels like she has been stabbed in the back after 10 years as a member",
        "his weekend plans went up in flames when we cancelled the tour",
        "the live band is making my ears bleed and table 9 want to move",
        # A thing that fell down, kit looked after, a precaution asked about.
        "the marquee we rented to them collapsed overnight in the storm, nobody was there, "
        "they want their deposit back",
        "the defibrillator is being inspected this morning so the cabinet in reception is empty",
        "dad asking what we do if his daughter with a peanut allergy eats something by "
        "mistake, do we carry an epipen",
        # A hazard checked and declared safe.
        "gas smell in the lobby was the drains, engineer checked and gave us the all clear, "
        "guest wants a discount for the hassle",
        "water dripping from the ceiling turned out to be just the air con, bucket under it "
        "now, guest wants a different room",
        # Over in seconds, told as past, fixed, insured, a plant and a room.
        "boy wandered off from his dad in the soft play for 20 seconds, back together now, "
        "dad wants a wristband system",
        "patient who fainted at her last blood test is fine, asking to lie down for this one",
        "burst pipe in the gym showers was fixed by the plumber an hour ago, members asking "
        "when they open again",
        "customer asking whether her contents insurance covers flood damage before she buys",
        "garden centre customer wants three bleeding heart shrubs for her border",
        "mum in tears in the fitting room because the prom dress doesn't fit",
        # A threat said as a joke, a solicitors' office as the workplace, worn kit, an idiom.
        "bride says the staff are angels and she'd sue us if we ever stopped the sunday roast lol",
        "solicitors reception, client waited 30 minutes because nobody booked her appointment in",
        "his new ice skates have a blade already wobbling loose",
        "the magician at the kids party fell flat, parents want a partial refund",
        # Supposed, friendly, a lawn, a course, a machine, a bin, a mess.
        "staff meeting at 4 is about what to do if a child goes missing, can someone cover "
        "the till",
        "two old friends having a fight over who pays the bill, all friendly, need it split",
        "customer admits she overdosed her tomato plants with feed and wants a refund on it",
        "mum asking if the nursery staff know choking first aid before her son starts",
        "the car wash took my money and gave no wash, wants it back",
        "his wheelie bin went missing after collection day, wants a new one",
        "stock room looks like a bomb site after the delivery, customer can't find her size",
        # No cut, a fire to sit by, a smoky hire car, a sports court, a teenager on her own.
        "wine glass snapped in her hand as she lifted it, no cut, but red wine all over her dress",
        "regular widower sitting on his own by the fire, says the anniversary is hard this year",
        "hire car smells of smoke inside, customer wants a different one",
        "squash court double booked and both pairs want it, one says he paid twice",
        "teen patient came in alone for her appointment, quiet, asking about the pill",
        # A temper, a bus pass, a child stood right there, a repeat prescription, a till
        # warning, a room number, a quiz, gun dogs.
        "she's having a fit about the new parking charges, shouting at reception",
        "pensioner says his bus pass has gone missing, thinks it fell out on the 52",
        "mum upset her boy was missing for five minutes and no announcement, he is stood "
        "right next to her now",
        "regular collecting his epipen repeat, the script hasn't come through again",
        "till flagged an overdose warning on the paracetamol, she only wanted three packs",
        "guest says the fire door outside 112 bangs all night, wants another room",
        "dad says his daughter got knocked out in the first round of the quiz, wants the fee back",
        "caller chasing his gun dogs insurance claim, nobody has called back",
        # A name, not an event; a precaution; a figure of speech; a pet.
        "customer says the Robbery at the Museum board game is missing half its pieces",
        "passenger asking if he can take his epipen through security, no reaction at all",
        "caller says she has overdosed on our marketing emails lol, wants them stopped",
        "lady says her baby has gone missing, turns out she means her cat, wants a poster up",
        # Trade talk: a shooting ground, a vape cloud, fitting tyres, a messy loo.
        "member at the shooting ground says the clay trap keeps jamming, wants a refund",
        "vape shop customer blowing huge clouds and the smoke goes in the lady's face behind",
        "tyre bay scratched the customer's alloy while fitting the new tyres",
        "the ladies loos look like a bomb went off, paper everywhere, customer complaining",
        # A will made for the ordinary reasons.
        "customer made a will recently and wants statements for all her accounts, very "
        "organised, nothing wrong",
        # A joke, then a turn to the complaint.
        "the man said he'd rather jump off a cliff than call us again, he was joking but is "
        "really annoyed about the hold music",
        # A fitting booked, not a fit; a heart attack over a seating plan.
        "bride in for her fitting at 2 says the hem is uneven",
        "bride's mum is having a heart attack about the seating plan, wants it redone",
        # A cloth soaked by a drink, a lift with only shopping in it.
        "the kids spilled juice and the tea towel is soaking through, can we have another",
        "the lift was stuck for ages with the shopping in, she's fuming",
        # A count of minutes, not tablets; a danger supposed for a training session.
        "it's taken about 40 mins since we ordered, table 6 fuming",
        "training tomorrow on what to do if a guest collapses, who's free to cover",
        "quick one - whats the plan if a little one goes missing at the parade tomorrow",
    ],
)
def test_a_danger_supposed_over_or_a_figure_of_speech_pages_nobody(
    shipped: PlaybookMatcher, text: str
) -> None:
    result = shipped.match(text)
    assert not result.escalate, (result.all_reasons, result.signal_phrases, ids(result)[:3])


def test_a_fright_still_going_on_pages(shipped: PlaybookMatcher) -> None:
    result = shipped.match("mum thought her son was with dad but dad came back alone and he's gone")
    assert ids(result)[0] == "missing-person"
    assert result.escalate


def test_coming_back_to_sort_a_colleague_out_is_a_threat_to_staff(shipped: PlaybookMatcher) -> None:
    # UK slang for a beating: the colleague is protected first, and a manager is paged
    # for safety and abuse.
    result = shipped.match(
        "bloke said he's coming back tonight with his mates to sort our manager out"
    )
    assert ids(result)[0] in {"staff-harassed", "safety-emergency"}
    assert {"safety", "abuse"} <= set(result.all_reasons)


def test_a_veiled_threat_to_the_branch_pages_for_safety_and_abuse(shipped: PlaybookMatcher) -> None:
    result = shipped.match(
        "bloke told the cashier youll regret this and walked out slamming the door"
    )
    assert result.escalate
    assert {"safety", "abuse"} <= set(result.all_reasons)


@pytest.mark.parametrize(
    "text",
    [
        "needs a copy of the invoice for his insurer, broke his ankle on holiday last month",
        "asked for a quiet room, she had a fall last spring, all healed now",
        "he had food poisoning somewhere else 3 yrs ago so he wants to see the allergen sheet",
    ],
)
def test_a_hurt_told_as_over_pages_nobody(shipped: PlaybookMatcher, text: str) -> None:
    result = shipped.match(text)
    assert "safety" not in result.all_reasons, (result.signal_phrases, ids(result)[:3])
    assert ids(result)[0] not in SAFETY_IDS


@pytest.mark.parametrize(
    "text",
    [
        "office of 30 not renewing the coworking contract, heating broken all winter",
        "gold member switching hotels, third stay running the room wasn't ready",
        "customer cancelling after the mess with his last two deliveries",
    ],
)
def test_leaving_for_a_cause_told_as_a_fact_pages_a_manager(
    shipped: PlaybookMatcher, text: str
) -> None:
    result = shipped.match(text)
    assert result.escalate, ids(result)[:3]
    assert "leaving" in result.all_reasons


def library_without(folder: Path, *playbook_ids: str) -> Path:
    """The shipped library less ``playbook_ids`` (an organisation may lack some)."""
    for source in (ROOT / "playbooks").glob("*.yaml"):
        if source.stem not in playbook_ids:
            shutil.copy(source, folder / source.name)
    return folder


def test_a_library_without_the_specific_playbook_answers_with_safety_emergency(
    tmp_path: Path,
) -> None:
    matcher = PlaybookMatcher(load_library(library_without(tmp_path, "medical-emergency")))
    result = matcher.match("guest complaining about the bill says his chest feels tight")
    assert ids(result)[0] == "safety-emergency"
    assert result.escalate and "safety" in result.all_reasons


def test_a_robbery_is_security_and_safety(matcher: PlaybookMatcher) -> None:
    result = matcher.match("we've been robbed, man grabbed the cash from the till")
    assert ids(result)[0] == "theft-or-security"
    assert "safety-emergency" in ids(result)[1:3]
    assert {"safety", "security"} <= set(result.all_reasons)


@pytest.mark.parametrize(
    "text",
    [
        "bag left under a seat in departures 30 min, no one's claimed it",
        "someone left a bag by the lifts in the foyer 2 hours ago and no one has come back for it",
        "unattended suitcase by the ticket barriers on platform 2",
        "backpack on its own by gate 14 for 20 mins at least, nobody's come back for it",
        "suitcase sitting by the revolving door 40 mins, no tag, concierge doesn't know whose",
        "holdall under seat 14 been sat there 40 mins, nobody's claimed it",
    ],
)
def test_an_unattended_bag_is_security_first(shipped: PlaybookMatcher, text: str) -> None:
    result = shipped.match(text)
    assert ids(result)[0] == "theft-or-security", ids(result)[:3]
    assert "safety-emergency" in ids(result)[1:3]
    assert {"safety", "security"} <= set(result.all_reasons)


def test_wires_out_of_an_unattended_bag_are_a_danger_first(shipped: PlaybookMatcher) -> None:
    result = shipped.match(
        "bag left at gate 14 for half an hour, nobody claiming it, wires poking out the side"
    )
    assert ids(result)[:2] == ["safety-emergency", "theft-or-security"]


@pytest.mark.parametrize(
    "text",
    [
        "cust left her bag at table 4, nobody's claimed it yet",
        "bag left at the bus stop outside, someone handed it in to us, no id in it",
        "the police cleared the unattended bag an hour ago, station reopened, huge backlog",
        "guest asked if we have an unattended luggage room",
        "guest's suitcase sitting in the lobby while she checks in, no tag on it",
    ],
)
def test_a_bag_handed_in_cleared_or_a_customers_own_pages_nobody_for_danger(
    shipped: PlaybookMatcher, text: str
) -> None:
    result = shipped.match(text)
    assert "safety" not in result.all_reasons, (result.all_reasons, ids(result)[:3])


# --- honest when unsure -------------------------------------------------------------------


def test_unsure_answers_general_recovery_with_three_guesses(matcher: PlaybookMatcher) -> None:
    result = matcher.match("cust not happy")
    assert ids(result)[0] == "general-recovery"
    assert not result.confident
    assert result.fallback
    guesses = [c.playbook_id for c in result.guesses[:3]]
    assert ids(result)[1:4] == guesses
    assert not result.escalate


@pytest.mark.parametrize(
    "text",
    [
        "la sopa está fría y quiero hablar con el gerente",
        "el cliente dice q le cobramos 2 veces la hab y esta muy enfadado",
        "klientka czeka na zwrot kasy juz 2 tyg i nikt do niej nie oddzwonil",
        "Le client veut parler au responsable, la chambre est sale",
        "Der Gast sagt, das Zimmer ist kalt und er will sein Geld zurück",
    ],
)
def test_a_line_it_cannot_read_says_so_and_gives_general_recovery(
    matcher: PlaybookMatcher, text: str
) -> None:
    result = matcher.match(text)
    assert ids(result) == ["general-recovery"]
    assert result.note == "I can only read English, so here are the general recovery steps."
    assert not result.escalate


@pytest.mark.parametrize(
    ("text", "reason", "offered"),
    [
        (
            "el cliente dice que va a llamar a su abogado por la factura",
            "legal",
            "abusive-or-legal-threat",
        ),
        (
            "a cliente disse que vai pôr tudo no instagram, o quarto estava sujo",
            "review",
            "review-threat",
        ),
        (
            "der Kunde will den Vertrag kündigen, niemand hat ihn zurückgerufen",
            "leaving",
            "customer-leaving",
        ),
        # With an ending (Turkish), and a theft (Romanian).
        ("müşteri avukatını arayacağını söylüyor, çok sinirli", "legal", "abusive-or-legal-threat"),
        (
            "clientul spune că cineva i-a furat portofelul din vestiar",
            "security",
            "theft-or-security",
        ),
    ],
)
def test_a_line_it_cannot_read_still_pages_for_a_word_every_manager_must_hear(
    shipped: PlaybookMatcher, text: str, reason: str, offered: str
) -> None:
    result = shipped.match(text)
    assert ids(result)[:2] == ["general-recovery", offered]
    assert result.note is not None and result.note.startswith("I can only read English")
    assert result.escalate and result.all_reasons == (reason,)


def test_a_word_for_danger_in_a_line_it_cannot_read_puts_safety_first(
    shipped: PlaybookMatcher,
) -> None:
    result = shipped.match("la señora se ha desmayado en el baño y no se despierta")
    assert ids(result)[0] == "medical-emergency"
    assert result.escalate and "safety" in result.all_reasons
    assert result.note is not None and "danger" in result.note
    # Lost or gone is a missing person only with a person in the line.
    child = shipped.match("mi hijo se ha perdido en el centro comercial")
    assert ids(child)[0] == "missing-person" and child.escalate
    booking = shipped.match("bonjour, ma réservation pour ce soir a disparu, personne ne répond")
    assert not booking.escalate
    # Another language's everyday words raise nothing.
    calm = shipped.match("la sopa está fría y quiero hablar con el gerente")
    assert ids(calm) == ["general-recovery"] and not calm.escalate


def test_a_few_foreign_words_in_english_are_still_read(matcher: PlaybookMatcher) -> None:
    result = matcher.match("customer says merci but we charged her card twice")
    assert ids(result)[0] == "billing-dispute"
    assert result.note is None


# --- two problems in one line -------------------------------------------------------------


def test_the_more_urgent_problem_answers_and_the_other_follows(
    matcher: PlaybookMatcher,
) -> None:
    result = matcher.match("the pizza was cold and now she's threatening to post it online")
    assert ids(result)[:2] == ["review-threat", "wrong-order"]
    assert "review" in result.all_reasons


def test_a_danger_inside_a_complaint_keeps_the_complaint_as_an_alternative(
    matcher: PlaybookMatcher,
) -> None:
    result = matcher.match("soup was cold and the bread never came, now she says she can't breathe")
    assert ids(result)[0] == "medical-emergency"
    assert "wrong-order" in ids(result)[1:4]


# --- escalation rules ---------------------------------------------------------------------


def test_leaving_for_reasons_of_their_own_pages_nobody(shipped: PlaybookMatcher) -> None:
    result = shipped.match("member moving to leeds for work wants to cancel, no complaints")
    assert ids(result)[0] == "customer-leaving"
    assert not result.escalate


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            "patient told the nurse to go back where she came from because the clinic ran late",
            "abuse",
        ),
        (
            "customer keeps calling our waitress babe and patted her bottom when she walked past",
            "abuse",
        ),
        ("man photographed our rep's name badge and said he'd find her on facebook", "abuse"),
        # Waited for after work, night after night; remarks on her body.
        (
            "a regular has waited outside after close for Jess 3 nights running, says he just "
            "wants to talk",
            "abuse",
        ),
        (
            "lifeguard says dads in the gallery keep wolf whistling and commenting on her body",
            "abuse",
        ),
        # The press, a video channel or a claims firm, in the words staff hear them.
        ("found a cockroach in his bed, says he's sending the video to the local paper", "media"),
        (
            "woman says she writes for the Echo and asked why the lifts have been out for weeks",
            "media",
        ),
        ("cust in branch says his brief has drafted a letter about the frozen account", "legal"),
        ("man at the bar grabbed her arm as she collected the glasses", "abuse"),
        ("customer shoved the cashier when she asked for id", "abuse"),
        ("local radio rang asking for comment on the customer whose car caught fire", "media"),
        ("customer says he's a youtuber, doing a whole video on how grim our seats are", "review"),
        ("woman at the desk is live streaming right now while arguing about her refund", "review"),
        (
            "says our pallet cracked his windscreen, he's signed up with a no win no fee firm",
            "legal",
        ),
    ],
)
def test_harassment_of_our_staff_in_other_words_pages_a_manager(
    shipped: PlaybookMatcher, text: str, reason: str
) -> None:
    result = shipped.match(text)
    assert result.escalate and reason in result.all_reasons, result.all_reasons


@pytest.mark.parametrize(
    "text",
    [
        "solicitor from the practice over the road wants to book lunch for 8 on friday",
        "buyer's solicitor rang to confirm the completion date, all on track",
        "journalist from the gazette booking a table for four on saturday",
        "stag group said the landlord was a legend and they're putting us on google",
        "regular says he's writing to the local paper to say how good we were with his mum",
        "tennis club lot told the barman 'see you in court' before their match, all banter",
    ],
)
def test_a_lawyer_or_a_journalist_as_a_customer_or_praise_pages_nobody(
    shipped: PlaybookMatcher, text: str
) -> None:
    result = shipped.match(text)
    assert not result.escalate, (result.all_reasons, result.signal_phrases)


@pytest.mark.parametrize(
    "text",
    [
        "rain's so bad the outdoor tour is cancelled, 40 people want refunds",
        "parent cancelling all 3 kids' swimming lessons, the family is moving to dubai",
    ],
)
def test_a_booking_we_cancelled_or_a_family_moving_away_pages_nobody(
    shipped: PlaybookMatcher, text: str
) -> None:
    result = shipped.match(text)
    assert "leaving" not in result.all_reasons, result.all_reasons


def test_a_cancellation_said_to_be_no_complaint_pages_nobody(shipped: PlaybookMatcher) -> None:
    result = shipped.match("gym member wants to cancel, new baby so no time, not a complaint")
    assert not result.escalate, result.all_reasons


def test_a_bare_cancellation_pages_nobody(shipped: PlaybookMatcher) -> None:
    # No cause and no reason of their own: an ordinary cancellation, routine (the spec
    # pages for cause or a large account).
    result = shipped.match("caller on the phone asking to close his savings account")
    assert ids(result)[0] == "customer-leaving"
    assert not result.escalate


def test_blame_told_as_the_reason_for_leaving_pages_a_manager(shipped: PlaybookMatcher) -> None:
    result = shipped.match("switching energy supplier cos we got 3 bills wrong in a row")
    assert result.escalate
    assert "leaving" in result.all_reasons


def test_leaving_because_of_us_still_pages_a_manager(shipped: PlaybookMatcher) -> None:
    result = shipped.match("member wants to cancel, fed up with the broken showers")
    assert result.escalate
    assert "leaving" in result.all_reasons


@pytest.mark.parametrize(
    "text",
    [
        "bowls club cancelling all their future bookings because the bar staff were rude",
        "patient deregistering the whole family, says the nurse was rough with her daughter",
        "builder closing his trade account, says our deliveries have been a disaster",
        "caller closing all 6 of his business lines, billed wrong three months running",
        # A large booking or a contract ended, with its size or its cause.
        "the 150 seat wedding in august just cancelled, the bride's dad said after how the "
        "tasting went",
        "conference worth about 30k cancelled, organiser says sales never confirmed the rooms",
        "the hospital's catering contract, our longest one, just gave notice",
        "guest says they won't be rebooking next year, the room was never cleaned properly",
        "rotary club cancelled their christmas dinner booking for 60, says we never once rang "
        "the secretary back",
        "mum pulling both kids out of swimming, says the lessons are chaotic and the coaches "
        "don't care",
    ],
)
def test_leaving_told_in_other_words_with_its_cause_pages_a_manager(
    shipped: PlaybookMatcher, text: str
) -> None:
    result = shipped.match(text)
    assert result.escalate and "leaving" in result.all_reasons, result.all_reasons


# --- what staff see ------------------------------------------------------------------------

ORG = {
    "name": "Test Hotel",
    "currency": "GBP",
    "timezone": "Europe/London",
    "roles": {
        "associate": {"per_incident": 100, "daily": 300},
        "lead": {"per_incident": 250, "daily": 750},
        "manager": {"per_incident": 1000, "daily": 3000},
        "admin": {"per_incident": 5000, "daily": 20000},
    },
    "max_single_spend": 10000,
    "customer_daily_cap": 250,
}


async def _coach(sqlite_url: str, library_dir: Path | None) -> AsyncIterator[Coach]:
    clock = Clock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    ledger = open_ledger(sqlite_url, clock=clock)
    escalations = SqlEscalationStore(sqlite_url, clock=clock)
    state = open_state(None)
    await ledger.open()
    await escalations.open()
    await state.open()
    yield Coach(
        library=load_library(library_dir),
        policy=AuthorityPolicy(parse_org_config(ORG)),
        ledger=ledger,
        state=state,
        escalations=escalations,
        clock=clock,
    )
    await state.close()
    await escalations.close()
    await ledger.close()


@pytest.fixture
async def coach(sqlite_url: str, v2_dir: Path) -> AsyncIterator[Coach]:
    async for c in _coach(sqlite_url, v2_dir):
        yield c


async def test_a_buried_chest_pain_opens_a_safety_escalation(coach: Coach) -> None:
    sam = coach.actor("hotel", "U_SAM")
    advice = await coach.advise(
        sam, "ordered his steak rare and got it well done, and now he says his chest is tight"
    )
    assert advice.playbook.id == "medical-emergency"
    assert advice.escalation.needed and "safety" in advice.escalation.reasons
    assert advice.escalation_id is not None
    assert "wrong-order" in [a.id for a in advice.alternatives]


async def test_an_idiom_opens_no_escalation(coach: Coach) -> None:
    advice = await coach.advise(coach.actor("hotel", "U_SAM"), "this queue is killing me, he says")
    assert not advice.escalation.needed
    assert advice.escalation_id is None


async def test_unsure_advice_shows_general_steps_and_the_guesses_as_buttons(
    coach: Coach,
) -> None:
    advice = await coach.advise(coach.actor("hotel", "U_SAM"), "cust not happy")
    assert advice.playbook.id == "general-recovery"
    assert advice.fallback
    assert len(advice.alternatives) == 3
    guesses = [a.id for a in advice.alternatives]

    text = render.advice_text(advice)
    assert advice.step.do in text
    assert all(a.title in text for a in advice.alternatives)

    slack = json.dumps(blocks.advice_message(advice))
    assert "General recovery" in slack
    assert all(f'"value": "{g}"' in slack for g in guesses)

    card = cards.advice_card(advice)
    chosen = [a["data"]["playbook"] for a in card["actions"] if "playbook" in a.get("data", {})]
    assert chosen == guesses
    assert len(card["actions"]) <= 6  # Teams shows at most six actions on a card


async def test_picking_a_guess_switches_to_that_playbook(coach: Coach) -> None:
    sam = coach.actor("hotel", "U_SAM")
    advice = await coach.advise(sam, "cust not happy")
    chosen = await coach.choose_playbook(sam, advice.alternatives[0].id)
    assert chosen.playbook.id == advice.alternatives[0].id
    assert chosen.step.index == 1


async def test_a_line_it_cannot_read_is_said_in_one_sentence(coach: Coach) -> None:
    advice = await coach.advise(
        coach.actor("hotel", "U_SAM"), "la sopa está fría y quiero hablar con el gerente"
    )
    assert advice.playbook.id == "general-recovery"
    assert advice.note == "I can only read English, so here are the general recovery steps."
    assert advice.note in render.advice_text(advice)


async def test_without_general_recovery_an_unreadable_line_asks_for_english(
    sqlite_url: str, tmp_path: Path
) -> None:
    async for coach in _coach(sqlite_url, library_without(tmp_path, "general-recovery")):
        with pytest.raises(NotUnderstood, match="only read English"):
            await coach.advise(coach.actor("hotel", "U_SAM"), "la sopa está fría y quiero hablar")


def test_cli_json_carries_the_note_and_the_fallback(v2_dir: Path, tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("COACHBOT_", "DATABASE"))},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'coachbot.db'}",
        "COACHBOT_DATA_DIR": str(tmp_path),
        "COACHBOT_PLAYBOOKS_DIR": str(v2_dir),
        "PYTHONPATH": str(ROOT),
    }
    lines = ["la sopa está fría y quiero hablar con el gerente", "cust not happy"]
    out = subprocess.run(
        [sys.executable, "-m", "adapters.console.cli", "advise", "-", "--json"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    spanish, unsure = (json.loads(x) for x in out.stdout.splitlines())
    assert spanish["playbook"]["id"] == "general-recovery"
    assert spanish["note"].startswith("I can only read English")
    assert unsure["playbook"]["id"] == "general-recovery"
    assert unsure["fallback"] is True and unsure["note"] is None
    assert len(unsure["alternatives"]) == 3
    assert {"playbook", "step", "authority", "escalate", "alternatives", "confidence"} <= set(
        unsure
    )


def test_a_large_account_leaving_pages_a_manager_without_a_leaving_phrase(
    tmp_path: Path,
) -> None:
    # Library v2's customer-leaving no longer always escalates: the rule decides.
    folder = write_library(tmp_path)
    path = folder / "customer-leaving.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["escalation"] = {"always": False, "reasons": ["leaving"]}
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    matcher = PlaybookMatcher(load_library(folder))
    big = matcher.match("our biggest corporate client wants to cancel their contract")
    assert ids(big)[0] == "customer-leaving"
    assert big.escalate and "leaving" in big.all_reasons
    routine = matcher.match("member moving abroad wants to cancel her membership, no complaints")
    assert ids(routine)[0] == "customer-leaving"
    assert not routine.escalate


@pytest.mark.parametrize(
    "text",
    [
        "elderly lady just lost her husband, confused about the direct debits on his account",
        "man at the desk has just lost his wife, wants to close her gym membership",
    ],
)
def test_a_relative_lost_to_a_death_is_not_a_missing_person(
    shipped: PlaybookMatcher, text: str
) -> None:
    result = shipped.match(text)
    assert "missing" not in result.safety
    assert ids(result)[0] != "missing-person"


@pytest.mark.parametrize(
    "text",
    [
        "I've just lost my husband, he was by the tills a minute ago",
        "lady with dementia, her carer lost her in the shopping centre",
        "old man lost his wife in the crowd at the parade, she has her pension card on her",
    ],
)
def test_a_relative_lost_in_a_crowd_is_a_missing_person(
    shipped: PlaybookMatcher, text: str
) -> None:
    result = shipped.match(text)
    assert_safety_first(result, "missing-person")


@pytest.mark.parametrize(
    "text",
    [
        "laser tag gun wont fire, battery dead",
        "had to evacuate her room bc of snoring next door lol",
        "fire sauce on the fire n ice platter, has it got nuts",
        "mum lost the kids wristbands, kids right here w her",
        "car park took £40 he was in 20 min",
        "woman in a&e reception screaming shes been here 5 hrs",
        "chest of drawers 403 drawer fell off",
        "headliner pulled out, crowd booing",
        "child lost earlier found with granny, all fine, now mum complain price of the ice cream",
    ],
)
def test_alarming_words_about_a_game_a_dish_furniture_or_a_show_page_nobody(
    shipped: PlaybookMatcher, text: str
) -> None:
    result = shipped.match(text)
    assert not result.escalate, result.all_reasons
    assert ids(result)[0] not in SAFETY_IDS


@pytest.mark.parametrize(
    ("reason", "text"),
    [
        ("legal", "hostel guest say he sue us for the bed bug bites, he has photos of his back"),
        ("legal", "cust making a formal claim for his windscreen, our barrier came down on it"),
        ("abuse", "man in launderette shouting racist things at the family using the machine"),
        ("wellbeing", "cust cant afford his insulin this month, says hell just skip it"),
        ("wellbeing", "pt says pharmacy shut, out of her epilepsy meds, nobody to help her"),
        ("leaving", "customer want close phone contract because nobody fix his signal in 3 months"),
        ("leaving", "haulage firm closing fuel card acct, 40 lorries, billing wrong every month"),
    ],
)
def test_a_claim_a_slur_a_medicine_gone_without_or_a_cause_to_leave_pages(
    shipped: PlaybookMatcher, reason: str, text: str
) -> None:
    result = shipped.match(text)
    assert result.escalate and reason in result.all_reasons


@pytest.mark.parametrize(
    "text",
    [
        "switching to a cheaper gym nearer work, no complaints",
        "if her tariff goes up again she will jump ship to another supplier, no complaint about "
        "our service, just the price",
        "regular said 'I could sue you for this' laughing, because we ran out of his croissants",
    ],
)
def test_leaving_on_price_or_a_threat_said_laughing_pages_nobody(
    shipped: PlaybookMatcher, text: str
) -> None:
    assert not shipped.match(text).escalate


def test_a_threat_beside_someone_else_laughing_still_pages(shipped: PlaybookMatcher) -> None:
    result = shipped.match(
        "her kid bumped heads with another kid (both fine, laughing now) but she said 'see you "
        "in court' and is photographing the equipment"
    )
    assert result.escalate and "legal" in result.all_reasons


@pytest.mark.parametrize(
    "text",
    [
        "vet - client on a mobility scooter can't get up the step at the front door",
        "kid on the coach having a sugar overdose after the sweets, running up and down the aisle, "
        "other pax annoyed",
        "film crew shooting an advert on the station concourse, blocking the ticket machines",
        "carer's 'recognising a stroke' training moved mrs B's lunch call to 2pm, daughter annoyed",
        "care home: staff doing dementia wandering awareness training in the lounge, relative "
        "complained it was noisy",
        "boy dropped his toy dinosaur down the gap by the escalator, he's right here holding mum's "
        "hand crying about the dino",
        "snow has shut the motorway, the services are full of stranded coach passengers",
    ],
)
def test_a_step_a_sugar_rush_a_film_shoot_a_course_or_a_stranded_crowd_pages_nobody_for_safety(
    shipped: PlaybookMatcher, text: str
) -> None:
    assert_no_safety_alarm(shipped.match(text))


@pytest.mark.parametrize(
    ("reason", "text"),
    [
        ("media", "a reporter rang wanting a comment about a dog left in a hot car in our car"),
        ("media", "cust says he's emailing the Evening Post about the toy recall"),
        ("legal", "customer handed in a letter headed 'letter before action' about the sofa"),
        ("abuse", "cust said 'no wonder this place is a shambles, letting women run it'"),
        ("review", "hydrangea died in 2 days, she's 'telling everyone on the village page'"),
        ("leaving", "family cancelling mum's care package, she was left in bed till 11 twice"),
        ("leaving", "pass holder cancelling, the barrier's been broken for weeks, staff shrug"),
        ("leaving", "customer cancelling her season ticket because the guard humiliated her"),
    ],
)
def test_the_press_a_legal_letter_a_sexist_remark_a_post_or_a_cause_to_leave_pages(
    shipped: PlaybookMatcher, reason: str, text: str
) -> None:
    result = shipped.match(text)
    assert result.escalate and reason in result.all_reasons


@pytest.mark.parametrize(
    "text",
    [
        "can we get the daily mail delivered to room 4 tomorrow",
        "member cancelling, moving to spain, has been twice to the new gym there already",
        "family say the appointment to register nan's death got moved twice, they're calm",
    ],
)
def test_a_paper_delivered_or_a_repeat_with_a_reason_of_their_own_pages_nobody(
    shipped: PlaybookMatcher, text: str
) -> None:
    assert not shipped.match(text).escalate


def test_a_child_who_was_holding_a_hand_before_he_went_is_still_missing(
    shipped: PlaybookMatcher,
) -> None:
    result = shipped.match(
        "mum just ran up the escalator screaming her son's name, he was holding her hand at the "
        "bottom"
    )
    assert ids(result)[0] in SAFETY_IDS
    assert result.escalate and "safety" in result.all_reasons


@pytest.mark.parametrize(
    ("expected", "text"),
    [
        (
            "medical-emergency",
            "grandad in the cafe is sweating loads and says his jaw aches, he only came up to ask "
            "if the scones are gluten free",
        ),
        (
            "medical-emergency",
            "pregnant lady in screen 3 told the usher she thinks her waters have gone, she's more "
            "bothered about missing the end",
        ),
        (
            "self-harm-or-crisis",
            "guest left a letter at reception for his mother and says we post it after he is gone",
        ),
        (
            "self-harm-or-crisis",
            "student says he's ok but keeps saying his parents will be better off without the "
            "trouble of him",
        ),
        (
            "missing-person",
            "home carer rang: client not home, door unlocked, coat and keys on the hook, she has "
            "alzheimers, carer asking if she should log it as a missed visit",
        ),
        (
            "missing-person",
            "guy at the desk left his 3yo in the trolley by the flowers while he nipped back to "
            "the car for his wallet, wants to pay his parking first",
        ),
    ],
)
def test_a_danger_told_quietly_beside_an_errand_answers_safety_first(
    shipped: PlaybookMatcher, expected: str, text: str
) -> None:
    assert_safety_first(shipped.match(text), expected)


@pytest.mark.parametrize(
    "text",
    [
        "my jaw aches from laughing at the panto",
        "left the kids with their gran while she popped to the shops",
        "can you post this letter to her mum after lunch",
    ],
)
def test_the_same_words_said_of_a_joke_a_minder_or_an_errand_page_nobody(
    shipped: PlaybookMatcher, text: str
) -> None:
    assert_no_safety_alarm(shipped.match(text))


@pytest.mark.parametrize(
    ("expected", "text"),
    [
        (
            "self-harm-or-crisis",
            "guy at the gym desk said if we freeze his card again he'll just go jump off the "
            "multistorey next door. he didnt look like he was joking at all",
        ),
        (
            "self-harm-or-crisis",
            "climbing wall regular: 'i come to say thank you for all, i will not come again, i "
            "finish my life, is better for everybody'",
        ),
        (
            "safety-emergency",
            "a members ex keeps turning up and today he told reception he'll 'end her' when she "
            "comes out of class. he's still sat in the lobby",
        ),
        (
            "medical-emergency",
            "room service: gst open door in bathrobe, hand wrap in towel all red and dripping, he "
            "break a glass in shower he say. he want only new glasses and more towels",
        ),
        (
            "missing-person",
            "care home group came for chair yoga and one of the residents with dementia isn't with "
            "them anymore, carer thought she was in the loo, she isn't",
        ),
        (
            "missing-person",
            "mum left her 3yr old asleep in his buggy in reception while she does a class upstairs "
            "for an hour, said we'd 'keep an eye'",
        ),
    ],
)
def test_a_danger_half_hidden_by_a_joke_a_request_or_a_belief_answers_safety_first(
    shipped: PlaybookMatcher, expected: str, text: str
) -> None:
    assert_safety_first(shipped.match(text), expected)


@pytest.mark.parametrize(
    "text",
    [
        "kitchen on fire tonight (busy not real fire lol), table 9 asking why mains 40 min",
        "gst make flood on bathroom floor because shower curtain outside the bath, no leak",
        "the carbon monoxide alarm from the boiler cover welcome pack never arrived, cust chasing",
        "girl separated from dad at pool, lifeguard find her after 5 min, she fine and swimming "
        "again. dad complain nobody announce on speaker",
        "after-school club played hide and seek, one kid was 'lost' for 2 mins, found giggling in "
        "the tent, staff watching the whole time. mum asking about her invoice",
        "guest say tomorrow she go jump off cliff, it's cliff jumping tour she booked, ask pick up "
        "time",
    ],
)
def test_a_busy_kitchen_a_puddle_a_parcel_a_search_over_at_once_or_a_tour_pages_nobody(
    shipped: PlaybookMatcher, text: str
) -> None:
    assert_no_safety_alarm(shipped.match(text))


@pytest.mark.parametrize(
    ("reason", "text"),
    [
        ("legal", "cust ringing trading standards about happy hour, menu say 2 for 1"),
        ("review", "bride say she write everywhere our dj was 2 hour late"),
        ("review", "lady write on booking.com the room was filthy, now she at desk"),
        ("privacy", "swimming progress report for a different child got sent to this parent"),
        (
            "wellbeing",
            "caller wants to move all her savings urgently, i can hear someone in the "
            "background telling her what to say",
        ),
        ("abuse", "one guy keeps mimicking another customer's stammer and it's getting nasty"),
        ("leaving", "gst cancel rest of his 5 night stay, room not cleaned 3 days running"),
        ("leaving", "couple cancel the reception with us, they say we never answer their emails"),
    ],
)
def test_a_report_a_post_a_record_astray_a_coached_caller_a_mocker_or_a_cause_pages(
    shipped: PlaybookMatcher, reason: str, text: str
) -> None:
    result = shipped.match(text)
    assert result.escalate and reason in result.all_reasons


def test_asking_whether_toys_meet_trading_standards_pages_nobody_for_legal(
    shipped: PlaybookMatcher,
) -> None:
    result = shipped.match("mum asking if our toys meet trading standards rules before buying")
    assert "legal" not in result.all_reasons


@pytest.mark.parametrize(
    "text",
    [
        "man slipped on a grape in aisle 4 and landed on his bum, hes up and laughing, no harm, "
        "just wants someone to clean it up",
        "soft play: little boy bumped heads at the bottom of the slide, cried for a minute and "
        "now hes back in the ball pit laughing, mum says the slide padding is torn",
        "gran lost sight of her 6yo behind the teacups sign for a minute, hes holding her hand "
        "now, she wants the fast pass refunded as the queues were too long",
    ],
)
def test_a_fright_over_and_the_person_back_to_it_pages_nobody(
    shipped: PlaybookMatcher, text: str
) -> None:
    assert_no_safety_alarm(shipped.match(text))


def test_losing_sight_of_a_child_is_not_losing_sight_in_an_eye(shipped: PlaybookMatcher) -> None:
    result = shipped.match("mum lost sight of her boy in the crowd leaving the football, hes 8")
    assert "medical" not in result.safety
    assert ids(result)[0] == "missing-person"


@pytest.mark.parametrize(
    ("expected", "text"),
    [
        (
            "missing-person",
            "car park attendant: baby asleep in a car seat in a locked car on level 2, windows up, "
            "nobody has come back to the car for 25 min",
        ),
        (
            "missing-person",
            "woman says her kid was next to her 5 mins ago, she reckons hes in the lego aisle, my "
            "colleague checked lego and toys and hes not there",
        ),
        ("self-harm-or-crisis", "customer asked for books on painless ways to go, for herself"),
        (
            "self-harm-or-crisis",
            "87 yr old with no heating says shes stopped eating so she can go quicker and be with "
            "her husband",
        ),
        (
            "self-harm-or-crisis",
            "one guy hung back and said he's got tablets saved up and tonight's the night, then "
            "said forget it, it's fine",
        ),
        (
            "safety-emergency",
            "customer can smell that eggy smell from the meter cupboard again, but she's calling "
            "about her bill",
        ),
        (
            "safety-emergency",
            "phone in a customer's handbag is swelling and hissing and the bag is hot, she wants a "
            "refund on the battery we fitted",
        ),
    ],
)
def test_a_danger_never_named_by_its_word_answers_safety_first(
    shipped: PlaybookMatcher, expected: str, text: str
) -> None:
    assert_safety_first(shipped.match(text), expected)


@pytest.mark.parametrize(
    "text",
    [
        "mum at checkout asks did we see her boy, 6 yo, red tshirt. she think he was with dad but "
        "dad just come in from car park alone. she still want pay the bill first",
        "dad thought the little girl was with mum, mum thought she was with him, she's 5, pink "
        "coat, been about 10 mins now",
    ],
)
def test_each_parent_thinking_the_child_is_with_the_other_is_a_missing_child(
    shipped: PlaybookMatcher, text: str
) -> None:
    result = shipped.match(text)
    assert_safety_first(result, "missing-person")


def test_a_child_thought_to_be_with_dad_and_who_was_pages_nobody(
    shipped: PlaybookMatcher,
) -> None:
    assert_no_safety_alarm(
        shipped.match("mum thought her son was with his dad at the cafe, and he was, all fine")
    )
