"""What a member of staff notices about the matcher: the right playbook for what they
typed (however they typed it), an alert when a manager must know and none when not, a
"did you mean" when it is unsure, a usage hint for nonsense, and their own playbooks.

The situations here are written for these tests, not copied from the evaluation files
(benchmarks/matcher_quality.py measures those).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.errors import PlaybookError
from bot.matching import MatchResult, PlaybookMatcher
from bot.matching.classifier import situation_features
from bot.matching.matcher import SAFETY_MASS_TRUST
from bot.matching.safety import SAFETY_PLAYBOOKS as SAFETY_PLAYBOOK_IDS
from bot.playbooks import PlaybookLibrary, load_library
from bot.text import normalise, stem, tokenise


@pytest.fixture(scope="module")
def matcher() -> PlaybookMatcher:
    return PlaybookMatcher(load_library())


def top(result: MatchResult) -> str | None:
    return result.ranked[0].playbook_id if result.ranked else None


CLEAR_SITUATIONS = [
    (
        "angry-customer",
        "woman at the counter is yelling and says she's never been treated so badly",
    ),
    ("angry-customer", "cust going mad at me on the phone, won't let me get a word in"),
    ("slow-or-poor-service", "he's been in the queue for ages and only one till is open"),
    ("slow-or-poor-service", "nobody came to take their order for forty minutes"),
    ("product-defect", "the hairdryer we sold her last week has stopped working"),
    ("product-defect", "zip on the new jacket broke the first time he wore it"),
    (
        "property-damaged-or-stuck",
        "our tumble dryer ate her jumper and now the door is jammed shut",
    ),
    ("property-damaged-or-stuck", "the lift door closed on his coat and tore it"),
    ("billing-dispute", "he was billed twice for the same meal"),
    ("billing-dispute", "invoice shows a service charge she never agreed to"),
    ("review-threat", "says he'll put us on tripadvisor with photos of the room"),
    ("review-threat", "she's filming staff and says it's going on tiktok"),
    ("customer-leaving", "member wants to cancel her gym membership today"),
    ("customer-leaving", "client says he's moving his business to a rival firm"),
    ("no-response", "he emailed support three times last week and heard nothing"),
    ("no-response", "promised callback never happened, she's chasing again"),
    ("safety-emergency", "there's smoke coming out of the kitchen extractor"),
    ("medical-emergency", "elderly man collapsed in the lobby"),
    ("hesitant-or-quiet", "she keeps saying it's fine but won't look at me"),
    ("hesitant-or-quiet", "he just nodded and went quiet when I asked about the meal"),
    ("customer-at-fault", "he spilled coffee on the laptop and wants a free replacement"),
    # Worn and out of policy (a lost receipt alone is refund-or-return in the spec's table)
    ("customer-at-fault", "she wants to return worn shoes months past the return window"),
    ("third-party-failure", "the taxi company we booked for him never showed up"),
    ("third-party-failure", "the florist we use sent the flowers to the wrong venue"),
    ("wrong-order", "ordered medium steak, got it well done"),
    ("wrong-order", "half the takeaway order was missing"),
    ("high-value-customer", "one of our platinum members is unhappy with his suite"),
    ("high-value-customer", "our biggest corporate account is unhappy with how the event went"),
    ("abusive-or-legal-threat", "customer says her solicitor will be in touch"),
    ("handoff-transfer", "guest needs maintenance for the room but rang the restaurant"),
    ("delight-moment", "couple celebrating their 25th anniversary with us tonight"),
    ("delight-moment", "regular popped in just to say how much she loves the new menu"),
]


def test_abuse_of_a_colleague_pages_with_the_colleague_playbook_at_hand(
    matcher: PlaybookMatcher,
) -> None:
    # The spec's two abuse playbooks overlap ("abuse, harassment, threats" and "a
    # customer insults or harasses one of our staff"), and the training authors split
    # sworn insults between them. What must hold: a manager is paged for abuse, and the
    # colleague's playbook is the answer or the first alternative.
    result = matcher.match("he's swearing at my colleague and calling her names")
    assert result.escalate and "abuse" in result.all_reasons
    assert "staff-harassed" in [c.playbook_id for c in result.ranked[:2]]
    assert {c.playbook_id for c in result.ranked[:2]} <= {
        "staff-harassed",
        "abusive-or-legal-threat",
    }


@pytest.mark.parametrize(("expected", "text"), CLEAR_SITUATIONS)
def test_clear_situation_gets_its_playbook(
    matcher: PlaybookMatcher, expected: str, text: str
) -> None:
    result = matcher.match(text)
    assert top(result) == expected, [(c.playbook_id, c.score) for c in result.ranked[:3]]
    assert result.meaningful


def test_clear_situations_are_mostly_confident(matcher: PlaybookMatcher) -> None:
    confident = sum(matcher.match(text).confident for _, text in CLEAR_SITUATIONS)
    assert confident >= 0.85 * len(CLEAR_SITUATIONS)


@pytest.mark.parametrize(
    ("expected", "text"),
    [
        ("property-damaged-or-stuck", "gust's cloths stuck in the brokn washr"),
        ("billing-dispute", "custmer was overcharhed on her invoise"),
        ("abusive-or-legal-threat", "says his solictor is going to call us"),
        ("no-response", "nobdoy has replied to her emials for a week"),
    ],
)
def test_typos_are_tolerated(matcher: PlaybookMatcher, expected: str, text: str) -> None:
    result = matcher.match(text)
    assert top(result) == expected
    assert result.corrections  # the fixes are reported, for logs


def test_real_words_are_not_corrected_into_others(matcher: PlaybookMatcher) -> None:
    # "swapped" is one letter from "snapped", "unimpressed" from "impressed".
    for text in ("table 4 and 6 got their plates swapped", "guest seemed unimpressed"):
        corrected = dict(matcher.match(text).corrections)
        assert "swapped" not in corrected
        assert "unimpressed" not in corrected


def test_staff_shorthand_is_understood() -> None:
    assert normalise("gst's bag w/ the porter, she's fuming") == (
        "gst bag  with  the porter, she is fuming"
    )
    words = [t.word for t in tokenise("cust in rm 12 wants mgr asap pls")]
    assert words[:2] == ["customer", "in"]
    assert "room" in words
    assert "manager" in words


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("guest slipped on the wet floor and hurt her wrist", "safety"),
        ("strong smell of gas in the corridor", "safety"),
        ("old lady tripped over the mat and can't get up", "safety"),
        ("a diner's lips are swelling after the prawns", "safety"),
        ("he says he'll see us in court", "legal"),
        ("woman says she's calling trading standards", "legal"),
        ("man grabbed my colleague by the arm", "abuse"),
        ("says she'll post the video on instagram tonight", "review"),
        ("he's leaving a 1* review on trustpilot", "review"),
        ("reporter from the local paper is on the phone", "media"),
        ("fed up, she wants her account closed and everything deleted", "leaving"),
        ("says he'll take his custom elsewhere", "leaving"),
    ],
)
def test_escalation_signals(matcher: PlaybookMatcher, text: str, reason: str) -> None:
    result = matcher.match(text)
    assert result.escalate
    assert reason in result.all_reasons


def test_someone_stuck_in_our_lift_answers_safety_first(matcher: PlaybookMatcher) -> None:
    result = matcher.match("lady stuck in our lift for half an hour, panicking, alarm not working")
    assert result.ranked[0].playbook_id == "safety-emergency"
    assert result.escalate and "safety" in result.all_reasons


def test_signals_escalate_whatever_playbook_wins(matcher: PlaybookMatcher) -> None:
    # A wrong-order situation that also mentions a solicitor still alerts a manager.
    result = matcher.match("soup was cold and now he says his solicitor will hear about it")
    assert result.escalate
    assert "legal" in result.escalation_reasons
    assert "solicitor" in " ".join(result.signal_phrases)


def test_an_always_escalate_answer_pages_even_when_its_triggers_lead_thinly(
    matcher: PlaybookMatcher,
) -> None:
    # The reading of the whole line is sure a colleague is being stalked; no trigger
    # phrase leads clearly. Given as the answer, staff-harassed must still page.
    result = matcher.match(
        "man keeps phoning asking when our trainee finishes, says he knows which bus she gets home"
    )
    assert result.ranked[0].playbook_id == "staff-harassed"
    assert result.escalate
    assert "abuse" in result.all_reasons


@pytest.mark.parametrize(
    "text",
    [
        "she slipped on the step but she's fine, no harm done",
        "guest slipped but wasn't hurt, just embarrassed",
        "nobody was injured, just a lot of mess",
        "she's not going to sue, just wants an apology",
        "he's not going to complain online, just wanted to let us know",
        "left a glowing review on google for Sam",
        "customer wants to cancel one of the side dishes",
        "food court was packed so the queue was long",
        "he swears he returned the car with a full tank",
        "customer says the app keeps crashing",
        "steak was burnt, he wants another",
        "the zip fell off her new bag",
        "flooded with orders tonight so the kitchen is slow",
        "asked if she could review the bill before paying",
        # "Review" in its other senses, now that no praise word is no longer praise.
        "landlord asking when the annual rent review letters go out",
        "performance review for the new starter is at 3, can someone cover the desk",
        "she was charged twice for parking",
        "cust hit the wrong button on the kiosk and paid for two meals",
        "the price rise hit our pensioners hard, they want the old rate back",
    ],
)
def test_no_alarm_when_negated_or_a_false_friend(matcher: PlaybookMatcher, text: str) -> None:
    result = matcher.match(text)
    assert not result.escalate, (result.all_reasons, result.signal_phrases, top(result))


def test_negation_does_not_cross_a_clause(matcher: PlaybookMatcher) -> None:
    result = matcher.match("no injuries, but he's threatening to call the police")
    assert result.escalate
    assert result.escalation_reasons == ("legal",)


@pytest.mark.parametrize(
    "text",
    [
        "cust not happy",
        "he is not pleased with any of it",
    ],
)
def test_ambiguous_text_asks_did_you_mean(matcher: PlaybookMatcher, text: str) -> None:
    result = matcher.match(text)
    assert result.meaningful
    assert not result.confident
    assert len(result.alternatives) == 3


@pytest.mark.parametrize(
    "text", ["", "   ", "asdf qwerty", "xyz abc", "hello?", "help", "thanks", "ok", "lol"]
)
def test_nonsense_or_empty_gets_usage_hint(matcher: PlaybookMatcher, text: str) -> None:
    result = matcher.match(text)
    assert not result.meaningful
    assert not result.confident
    assert not result.escalate


@pytest.mark.parametrize(
    "text", ["customer has a problem", "need advice, complaint", "guest unhappy", "cust not happy"]
)
def test_a_vague_problem_gets_the_general_recovery_steps(
    matcher: PlaybookMatcher, text: str
) -> None:
    # Not nonsense: a customer problem told too vaguely for any playbook. The general
    # recovery steps help more than a usage hint, with three guesses behind them.
    result = matcher.match(text)
    assert result.meaningful
    assert result.fallback and result.ranked[0].playbook_id == "general-recovery"
    assert len(result.ranked) == 4
    assert not result.escalate


def test_a_situation_told_in_words_no_trigger_has_is_not_answered_with_the_usage_hint(
    matcher: PlaybookMatcher,
) -> None:
    # "g&t" and "rum" are in no playbook's triggers; the classifier reads a wrong drink.
    result = matcher.match("g&t came w rum lol")
    assert result.meaningful and result.fallback
    assert [c.playbook_id for c in result.ranked[:2]] == ["general-recovery", "wrong-order"]
    assert not result.escalate


@pytest.mark.parametrize(
    "text",
    [
        # Languages without a list of function words in bot.matching.language: known
        # by how few of their words the classifier has ever seen.
        "clientul zice ca mancarea a venit rece si vrea sa vorbeasca cu managerul",
        "misafir faturada iki kez ücret alındığını söylüyor, çok sinirli",
        "grahak bol raha hai ki khana bahut thanda hai aur manager se baat karni hai",
        "mteja anasema chakula kimechelewa sana na anataka kuongea na meneja",
        "ang customer ay nagagalit dahil malamig ang pagkain",
    ],
)
def test_a_line_in_another_language_says_so_and_picks_no_playbook(
    matcher: PlaybookMatcher, text: str
) -> None:
    result = matcher.match(text)
    assert result.answered_by == "language"
    assert result.ranked[0].playbook_id == "general-recovery"
    assert result.note and "English" in result.note


@pytest.mark.parametrize(
    "text",
    [
        "gst rm 214 cldnt get in, keycard dead agn",
        "pax 14c seat wont recline n tv broke, wants refund asap",
        "kid lost, blue tshirt, aisle 3",
        "cust wants refund, no reciept",
    ],
)
def test_shorthand_and_typos_are_still_english(matcher: PlaybookMatcher, text: str) -> None:
    assert matcher.match(text).answered_by != "language"


@pytest.mark.parametrize(
    "text",
    [
        "customer complaining our cashier was rude and swore at her",
        "lady says our engineer swore at her in her own kitchen and she wants an apology",
    ],
)
def test_our_colleague_swearing_at_a_customer_is_a_complaint_not_a_page(
    matcher: PlaybookMatcher, text: str
) -> None:
    # The abuse words are there, but aimed at the customer by one of ours: the
    # complaint-about-staff playbook (apologise, report it) answers, no manager is paged.
    result = matcher.match(text)
    assert result.ranked[0].playbook_id == "complaint-about-staff"
    assert not result.escalate


def test_abuse_aimed_at_our_staff_still_pages(matcher: PlaybookMatcher) -> None:
    result = matcher.match("customer keeps swearing at our driver and calling him names")
    assert result.escalate and "abuse" in result.all_reasons


def test_a_vip_with_an_ordinary_problem_does_not_page(matcher: PlaybookMatcher) -> None:
    # The escalation model reads "vip" here; a VIP's problem is the playbook's to handle,
    # only a major account leaving pages a manager.
    result = matcher.match("gold card member of 15 years annoyed his usual table is taken")
    assert result.ranked[0].playbook_id == "high-value-customer"
    assert not result.escalate


@pytest.mark.parametrize(
    ("text", "danger"),
    [
        (
            "cust with a back injury wants a refund on the massage voucher she cant use",
            "medical-emergency",
        ),
        (
            "the council says the burst water main is fixed, guest wants money off for the "
            "cold shower this morning",
            "safety-emergency",
        ),
    ],
)
def test_an_alarm_both_readers_doubt_neither_answers_nor_pages(
    matcher: PlaybookMatcher, text: str, danger: str
) -> None:
    # The detector (or a safety word rule) fires on "injury" / "burst water main"; the
    # classifier and the escalation model both find next to no danger in the line. The
    # complaint (or the general steps) answers, the safety playbook stays one tap away,
    # and no manager is paged.
    result = matcher.match(text)
    assert result.ranked[0].playbook_id not in SAFETY_PLAYBOOK_IDS
    assert result.ranked[1].playbook_id == danger
    assert not result.escalate
    # Without the escalation model (the second reader) the alarm stands.
    assert PlaybookMatcher(matcher.library, escalation=None).match(text).escalate


def test_an_unmistakable_sign_is_never_doubted(matcher: PlaybookMatcher) -> None:
    # The rest of the line is a calm refund, so both readers may find little danger in
    # it; blood pouring from a hand is an emergency all the same.
    text = (
        "cust returning a faulty planer, blood dripping down his wrist from where it "
        "caught him, says its fine, wants his money back"
    )
    result = matcher.match(text)
    assert result.ranked[0].playbook_id == "medical-emergency"
    assert result.escalate
    assert "safety" in result.all_reasons


def test_both_readers_sure_of_danger_overrule_a_reassurance(matcher: PlaybookMatcher) -> None:
    # "she's fine" would explain a sign away as settled; the classifier and the
    # escalation model both read an emergency in the whole line, and they win.
    text = (
        "elderly lady moaning about the bus times has blood running down from her "
        "hairline, says she tripped on the step earlier but shes fine"
    )
    result = matcher.match(text)
    assert result.ranked[0].playbook_id == "medical-emergency"
    assert result.escalate
    # A plain reassurance with no sign in sight stays calm.
    calm = matcher.match(
        "lady at reception says she slipped in the car park last week but shes fine now, "
        "just wants to move her appointment"
    )
    assert calm.ranked[0].playbook_id not in SAFETY_PLAYBOOK_IDS
    assert not calm.escalate


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "fire extinguisher" is a routine mention ("asked where the fire extinguisher
        # is"); swung at staff it is a weapon.
        (
            "lad grabbed the fire extinguisher and is swinging it at the bar staff",
            "safety-emergency",
        ),
        # "shelving collapsed" is furniture; someone trapped under it is not.
        (
            "bloke on the garden aisle collapsed under the shelving, trapped under it",
            "medical-emergency",
        ),
    ],
)
def test_both_readers_sure_of_danger_overrule_an_idiom_or_routine_situation(
    matcher: PlaybookMatcher, text: str, expected: str
) -> None:
    result = matcher.match(text)
    assert result.ranked[0].playbook_id in SAFETY_PLAYBOOK_IDS
    assert expected in [c.playbook_id for c in result.ranked[:2]]
    assert result.escalate
    assert "safety" in result.all_reasons


def test_a_child_gone_when_the_parent_came_back_is_not_found_again(
    matcher: PlaybookMatcher,
) -> None:
    # "came back" settles a search ("wandered off but came back"), not when it is the
    # parent who came back to find the child gone.
    result = matcher.match(
        "dad went to get the car, came back and his little girl is nowhere, she's 4"
    )
    assert result.ranked[0].playbook_id == "missing-person"
    assert result.escalate
    calm = matcher.match("little lad wandered off from the soft play but came back after a minute")
    assert not calm.escalate


def test_a_word_rule_page_the_escalation_model_is_sure_of_calm_is_dropped(
    matcher: PlaybookMatcher,
) -> None:
    # "swearing" raises abuse by rule; the line is noisy guests, not abuse of staff.
    text = "hen party at tbl 4 swearing and shrieking, other diners asking to be moved"
    result = matcher.match(text)
    assert result.ranked[0].playbook_id == "disruptive-other-customer"
    assert not result.escalate
    assert PlaybookMatcher(matcher.library, escalation=None).match(text).escalate


def test_the_escalation_model_pages_for_a_reason_no_rule_has_words_for(
    matcher: PlaybookMatcher,
) -> None:
    # A vulnerable customer at risk, told without any of the rules' words: the
    # escalation model reads it and pages a manager for wellbeing.
    text = (
        "old boy on the phone about his gas bill, says the heating's been off all week "
        "to save money and he's been in bed to keep warm, sounds very frail"
    )
    result = matcher.match(text)
    assert result.escalate
    assert "wellbeing" in result.learned_reasons
    assert "wellbeing" in result.all_reasons
    # The same matcher without the model does not page: the model made the difference.
    plain = PlaybookMatcher(matcher.library, escalation=None)
    assert not plain.match(text).escalate


def test_an_emergency_in_few_words_still_escalates(matcher: PlaybookMatcher) -> None:
    result = matcher.match("FIRE!!")
    assert result.escalate
    assert result.escalation_reasons == ("safety",)


def test_scores_are_ranked_and_bounded(matcher: PlaybookMatcher) -> None:
    result = matcher.match("the blender she bought is faulty and she wants a refund")
    scores = [c.score for c in result.ranked]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < s <= 1.5 for s in scores)
    assert 0 <= result.confidence <= 1
    assert result.matched_terms  # the words that drove the top match


def test_deterministic(matcher: PlaybookMatcher) -> None:
    text = "gst's clothes stuck in the broken washer, she's fuming"
    first = matcher.match(text)
    assert matcher.match(text) == first
    assert PlaybookMatcher(load_library()).match(text) == first


def _write_playbook(
    folder: Path, pid: str, title: str, keywords: list[str], examples: list[str]
) -> None:
    data = {
        "id": pid,
        "title": title,
        "owner": "Ops",
        "review_by": "2030-01-01",
        "triggers": {"keywords": keywords, "examples": examples},
        "steps": [{"do": "Listen."}],
    }
    (folder / f"{pid}.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")


def test_custom_library_with_a_new_playbook(tmp_path: Path) -> None:
    shipped = load_library()
    for pb in shipped:
        (tmp_path / f"{pb.id}.yaml").write_text(
            yaml.safe_dump(pb.model_dump(mode="json")), encoding="utf-8"
        )
    _write_playbook(
        tmp_path,
        "late-checkout-request",
        "Guest asks to keep the room past checkout time",
        ["late checkout", "check out late", "keep the room", "stay on in the room"],
        [
            "guest wants a late checkout tomorrow, flight is in the evening",
            "can he keep the room till 3pm, he has a conference call",
            "couple asking to check out late after the wedding",
        ],
    )
    library = load_library(tmp_path)
    matcher = PlaybookMatcher(library)
    result = matcher.match("lady in 12 asking if she can keep her room until 4 tomorrow")
    assert top(result) == "late-checkout-request"
    # The shipped playbooks still work beside it.
    assert top(matcher.match("he was billed twice for the same meal")) == "billing-dispute"


def test_tiny_custom_library(tmp_path: Path) -> None:
    _write_playbook(
        tmp_path, "pool-closed", "Pool closed", ["pool closed"], ["the pool is shut for cleaning"]
    )
    _write_playbook(
        tmp_path,
        "late-checkout",
        "Late checkout",
        ["late checkout"],
        ["wants to stay in the room until 3pm"],
    )
    matcher = PlaybookMatcher(load_library(tmp_path))
    assert top(matcher.match("guest upset the swimming pool is closed")) == "pool-closed"
    assert top(matcher.match("can he check out late tomorrow")) == "late-checkout"


def test_only_general_recovery_may_have_no_triggers(tmp_path: Path) -> None:
    steps = [{"do": "Listen to the whole story without interrupting."}]
    common = {"title": "t", "owner": "Ops", "review_by": "2030-01-01", "steps": steps}
    (tmp_path / "vague.yaml").write_text(yaml.safe_dump({"id": "vague", **common}))
    with pytest.raises(PlaybookError, match=r"vague.yaml: .*triggers"):
        load_library(tmp_path)
    (tmp_path / "vague.yaml").unlink()
    (tmp_path / "general-recovery.yaml").write_text(
        yaml.safe_dump({"id": "general-recovery", **common})
    )
    assert [p.id for p in load_library(tmp_path)] == ["general-recovery"]


def test_empty_library_does_not_crash() -> None:
    matcher = PlaybookMatcher(PlaybookLibrary(()))
    result = matcher.match("customer fell and is bleeding")
    assert result.ranked == ()
    assert result.escalate


# --- phone-typed dialect, slang and shorthand ---------------------------------------------


def concepts_in(matcher: PlaybookMatcher, text: str) -> set[str]:
    """The stems and canonical concepts the matcher reads in ``text``."""
    return matcher.lexical._analyse(text, correct=True).content


@pytest.mark.parametrize(
    "text",
    [
        "the old fella at table 3 wants his steak redone",
        "kid drew a pic for the staff, so sweet",
        "the lads at the bar have real skill at darts",
        "she left her scarf on the chair by the window",
        "two fellas asking if the kitchen is still open",
        "his missus wants the bill split",
        "telling all his mates about us",
        "will recommend us to all her friends",
        "they left us 5 stars and a lovely comment",
        "posted a lovely pic of the food on insta",
        "regular says the craic was great, cheers from him",
        "proper mental in here tonight, ppl waiting ages",
        "mate of the owner is in tonight",
    ],
)
def test_slang_and_real_words_raise_no_false_alarm(matcher: PlaybookMatcher, text: str) -> None:
    result = matcher.match(text)
    assert not result.escalate, (result.all_reasons, result.signal_phrases, top(result))
    assert top(result) != "abusive-or-legal-threat"


@pytest.mark.parametrize(
    "word", ["fella", "skill", "scarf", "sweet", "fellas", "cloths", "mates", "heaps", "dodgy"]
)
def test_real_words_and_slang_are_never_corrected(matcher: PlaybookMatcher, word: str) -> None:
    assert matcher.lexical._correct(word) == word


def test_correction_is_one_edit_and_five_letters(matcher: PlaybookMatcher) -> None:
    assert matcher.lexical._correct("solictor") == "solicitor"  # one letter dropped
    assert matcher.lexical._correct("nobdoy") == "nobody"  # one transposition
    assert matcher.lexical._correct("solicter") == "solicter"  # two edits: leave it alone
    assert matcher.lexical._correct("bil") == "bil"  # too short to guess
    assert matcher.lexical._correct("bleding") == "bleeding"  # a dropped letter in a signal word


@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("bloke at the bar going spare", "angry"),
        ("she's narked about the table", "angry"),
        ("kid having a total meltdown", "angry"),
        ("he's throwing a wobbly at reception", "angry"),
        ("woman losing the plot over the wifi", "angry"),
        ("mardy customer on line 2", "angry"),
        ("proper wound up about the bill", "angry"),
        ("gutted his table was given away", "unhappy"),
        ("chuffed to bits with the cake", "happy"),
        ("she's over the moon", "happy"),
        ("he was stoked with the room", "happy"),
        ("ta for sorting it, cheers", "thanks"),
        ("the coffee machine conked out", "broken"),
        ("the card reader is dodgy", "broken"),
        ("the dryer's knackered", "broken"),
        ("gardai called to the lobby", "police"),
        ("he says he's ringing the ombudsman", "lawyer"),
        ("she's reporting us to trading standards", "lawyer"),
        ("place is rammed, we're flat out", "busy"),
    ],
)
def test_dialect_maps_to_its_concept(matcher: PlaybookMatcher, text: str, concept: str) -> None:
    assert stem(concept) in concepts_in(matcher, text)


def test_going_mental_is_anger_but_mental_alone_is_busy() -> None:
    assert "mad" in [t.word for t in tokenise("he went mental at the till")]
    words = [t.word for t in tokenise("its mental in here tonight")]
    assert "busy" in words
    assert "mental" not in words
    assert "mental" in [t.word for t in tokenise("mental health first aider on shift")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cust n her son waiting", ["customer", "and", "her", "son", "waiting"]),
        ("asked bout the room", ["asked", "about", "the", "room"]),
        ("wat time is checkout", ["what", "time", "is", "checkout"]),
        ("told em to wait", ["told", "them", "to", "wait"]),
        ("sent an em yesterday", ["sent", "an", "email", "yesterday"]),
        ("angry cuz no table", ["angry", "because", "no", "table"]),
        ("she is acc fuming", ["she", "is", "actually", "fuming"]),
        ("close her acc pls", ["close", "her", "account", "please"]),
        ("quick q abt the bill", ["quick", "question", "about", "the", "bill"]),
        ("long q at the till", ["long", "queue", "at", "the", "till"]),
        ("back tmrw b4 10", ["back", "tomorrow", "before"]),
        ("waited 2 hrs w/o a drink", ["waited", "hours", "without", "a", "drink"]),
        ("gonna slate us", ["going", "to", "slate", "us"]),
        ("old fella wants his brekkie", ["old", "man", "wants", "his", "breakfast"]),
        ("cops on the way", ["police", "on", "the", "way"]),
    ],
)
def test_texting_shorthand_is_expanded(text: str, expected: list[str]) -> None:
    assert [t.word for t in tokenise(text)] == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("gonna slate us online", "review"),
        ("says she'll give us 1 star", "review"),
        ("he's posting about this on fb", "review"),
        ("says he's calling the paper about this", "media"),
        ("the feds are on their way", "legal"),
        ("says the gardai are coming", "legal"),
        # The press "would love" it: a threat, not praise; their own lawyer, not a guest.
        ("says the local paper would love to see the state of our toilets", "media"),
        ("client has a lawyer already and wants her file sent over today", "legal"),
        (
            "her son is a barrister and they're making a formal claim about the wrong crown "
            "being fitted",
            "legal",
        ),
        # A colleague refused for where he is from.
        (
            "after the room move the husband started on Marek at the desk, doesn't want one of "
            "them touching his key and wants a proper english receptionist",
            "abuse",
        ),
    ],
)
def test_hostile_word_of_mouth_escalates(matcher: PlaybookMatcher, text: str, reason: str) -> None:
    result = matcher.match(text)
    assert result.escalate
    assert reason in result.all_reasons


@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("she ordered the burger and got chicken", "wrong"),
        ("asked for oat milk got dairy", "wrong"),
        ("we forgot the chips", "missing"),
        ("kitchen left out the sauce", "missing"),
        ("missing the side salad", "missing"),
        ("been ringing all morning, just rings out", "ignored"),
        ("nobody picks up at head office", "ignored"),
        ("wants a refund, that's the accounts team", "transfer"),
        ("lost bag, that is one for the front desk", "transfer"),
        ("will recommend us to everyone", "happy"),
        ("said he was the nicest waiter she has ever had", "happy"),
        ("asked for a pot of tea and was poured coffee", "wrong order"),
        ("told me it was delicious then left most of it", "hesitant"),
        ("caller says the agent was clueless", "incompetent"),
        ("he put the leather boots in the washing machine", "fault"),
        ("asking about her pension, i only do current accounts", "transfer"),
    ],
)
def test_gapped_service_patterns(matcher: PlaybookMatcher, text: str, concept: str) -> None:
    # A two-word concept is the bigram of its stems ("wrong order" → "wrong order").
    assert " ".join(stem(w) for w in concept.split()) in concepts_in(matcher, text)


def test_negated_praise_is_not_praise(matcher: PlaybookMatcher) -> None:
    found = concepts_in(matcher, "woman clearly not impressed with the room")
    assert stem("unhappy") in found
    assert stem("happy") not in found


# Phrasings a purely lexical matcher used to miss, one class each: scene words pulling
# to the wrong playbook, quoted speech, first person, questions, long tidy sentences,
# staff naming their own team, praise in superlatives, misuse, false friends.
HARDER_SITUATIONS = [
    ("angry-customer", "what do i do, caller says we're a total shambles and is yelling"),
    ("angry-customer", "woman at the post office counter red faced and slamming her hand down"),
    ("slow-or-poor-service", "line at the chemist is huge and people keep tutting at me"),
    ("slow-or-poor-service", "she said the trainee had no idea what he was doing with her order"),
    ("wrong-order", "i asked for a cheese toastie and was given ham"),
    ("wrong-order", "he paid for the blue jumper and the bag had a red one"),
    ("delight-moment", "patient said our hygienist is the kindest she's ever met"),
    ("delight-moment", "a boy brought in a drawing of our tow truck for the mechanics"),
    ("handoff-transfer", "customer on the phone wants his car insurance, i only do home cover"),
    ("customer-at-fault", "he took the hired speaker into the pool and it's dead now"),
    ("high-value-customer", "famous singer at the salon, her colourist is running late"),
    ("hesitant-or-quiet", "she said the curry was great but left almost all of it"),
    ("third-party-failure", "the payment processor has an outage, no cards working anywhere"),
    ("billing-dispute", "her gas bill doubled and the meter reading looks estimated"),
    (
        "angry-customer",
        "This morning a gentleman at the hotel reception became very agitated about the "
        "noise from the building work and would not calm down when I apologised.",
    ),
]


@pytest.mark.parametrize(("expected", "text"), HARDER_SITUATIONS)
def test_harder_phrasings_get_their_playbook(
    matcher: PlaybookMatcher, expected: str, text: str
) -> None:
    ids = [c.playbook_id for c in matcher.match(text).ranked]
    assert expected in ids[:2], ids[:3]


@pytest.mark.parametrize(
    "text",
    [
        "card terminal keeps declining, the payment provider is down",
        "bike gears slipping after a week, he wants it looked at",
        "caller disputes her gas bill, says the meter reading is wrong",
    ],
)
def test_false_friends_of_escalation_words(matcher: PlaybookMatcher, text: str) -> None:
    """A card terminal is no termination, gears slip without a fall, a gas bill is no
    gas leak: none of these pages a manager."""
    assert not matcher.match(text).escalate


def test_scene_words_do_not_decide_the_playbook(matcher: PlaybookMatcher) -> None:
    """Where it happened ("at the counter", "front desk") says nothing about what."""
    for text in (
        "lady at the front desk absolutely livid and stomping about",
        "bloke at the counter seething, having a tantrum",
    ):
        assert top(matcher.match(text)) == "angry-customer", text


def _read_as(
    matcher: PlaybookMatcher, text: str, ranked: list[tuple[str, float]], mass: float
) -> MatchResult:
    """The matcher's decision for a line whose blended ranking and classifier reading are
    ``ranked`` and ``mass`` (the safety playbooks' probability together)."""
    from bot.matching.result import Candidate

    base = MatchResult(
        ranked=tuple(Candidate(pid, score) for pid, score in ranked),
        confidence=ranked[0][1],
        confident=True,
        escalation_reasons=(),
        matched_terms=(),
        meaningful=True,
        learned=0.3,
        safety_mass=mass,
        learned_safety="medical-emergency",
    )
    assert matcher.model is not None
    probabilities = matcher.model.probabilities_of(situation_features(text))
    return matcher._ranked(base, text, tokenise(text), probabilities)


def test_a_line_the_classifier_reads_as_an_emergency_answers_safety_first(
    matcher: PlaybookMatcher,
) -> None:
    # A complaint ranks first, but the classifier puts most of the line's weight on the
    # safety playbooks together: the emergency answers, the complaint is next, and a
    # manager is paged.
    text = "moaning about the bill and he has gone a strange colour and sat down"
    ranked = [("billing-dispute", 0.52), ("medical-emergency", 0.31), ("safety-emergency", 0.2)]
    sure = _read_as(matcher, text, ranked, mass=SAFETY_MASS_TRUST + 0.1)
    assert [c.playbook_id for c in sure.ranked[:2]] == ["medical-emergency", "billing-dispute"]
    assert sure.escalate and "safety" in sure.escalation_reasons
    # Below the bar it stays the complaint, with no page.
    unsure = _read_as(matcher, text, ranked, mass=SAFETY_MASS_TRUST - 0.1)
    assert unsure.ranked[0].playbook_id == "billing-dispute" and not unsure.escalate
    # A routine mention the detector explains away never pages, however it reads.
    drill = "asking if the fire drill is still on tomorrow, annoyed about the bill"
    assert not _read_as(matcher, drill, ranked, mass=0.9).escalate


@pytest.mark.parametrize(
    "text",
    [
        "says her write-up of the painter we sent goes on trustpilot tonight",
        "he's filming the state of the changing rooms for his tiktok",
        # No word of praise either: the escalation model's reading stands.
        "he's putting the whole saga on the village noticeboard page with screenshots of our "
        "emails",
        "pax tells me she's live on twitch right now and 3k people are watching her argue about "
        "the seat",
    ],
)
def test_a_review_threat_without_an_angry_word_still_pages(
    matcher: PlaybookMatcher, text: str
) -> None:
    # No negative word, so the words alone might be praise; the classifier reads a
    # threat with confidence, and the review playbook's "always escalate" stands.
    result = matcher.match(text)
    assert top(result) == "review-threat"
    assert result.escalate
    assert "review" in result.all_reasons
    # Praise stays praise.
    assert not matcher.match("she loved the cake and is going to post a review tonight").escalate


def test_the_shipped_readers_average_a_linear_model_and_two_mlps() -> None:
    # The linear model weighs half, the two MLPs (two seeds) a quarter each, so one
    # MLP's over-sure mistake is tempered ("the tv in 204 keeps jerking and freezing":
    # an MLP alone reads a seizure at over 0.9).
    from bot.matching.classifier import (
        SHIPPED_MLPS,
        SHIPPED_MODEL,
        AveragedModel,
        MlpSituationModel,
        SituationModel,
        shipped_model,
    )

    model = shipped_model()
    assert isinstance(model, AveragedModel)
    linear = SituationModel.load(SHIPPED_MODEL)
    mlps = [SituationModel.load(path) for path in SHIPPED_MLPS]
    assert isinstance(linear, SituationModel)
    assert len(mlps) == 2 and all(isinstance(m, MlpSituationModel) for m in mlps)
    features = situation_features("the tv in 204 keeps jerking and freezing")
    mean = model.probabilities_of(features)
    a, b, c = (m.probabilities_of(features) for m in (linear, *mlps))
    assert sum(mean.values()) == pytest.approx(1.0)
    for label in mean:
        assert mean[label] == pytest.approx(a[label] / 2 + b[label] / 4 + c[label] / 4)
    assert max(b["medical-emergency"], c["medical-emergency"]) > 0.9 > mean["medical-emergency"]
