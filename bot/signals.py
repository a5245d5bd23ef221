"""Escalation signals read from the situation text itself, whatever playbook wins.

A manager must hear about a fall, a fire, a solicitor, a one-star review or a customer
closing their account even when the matcher ranks "wrong order" first, so these phrases
are checked on every situation independently of the ranking.

Patterns run over normalised words (``bot.text.tokenise``), one clause at a time, so
"no injuries, but he is threatening to sue" flags *legal* and not *safety*. A hit
preceded within three words of its own clause by a negation ("no", "not", "never",
"nobody", "without") is dropped; "could not stop the bleeding" is not a negation,
because a verb such as "stop" sits between the two.

The lexicon errs towards flagging (a missed injury costs more than a needless
notification) but avoids the common service-talk false friends: "fell apart" (a
product), "burnt toast" (an order), "food court", "flooded with calls", "review the
bill", "leave a review" (not leaving), a glowing review (not a threat).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.text import JOKE_WORDS, Token, clauses_of, words

# Words that negate what follows within the clause ("not hurt", "no one injured").
NEGATIONS = frozenset(
    {"no", "not", "never", "nobody", "none", "without", "nothing", "neither", "nor"}
)
# Words that break a negation's reach: "not stop bleeding", "not sure if she is hurt".
_NEGATION_BREAKERS = frozenset(
    {
        "stop",
        "stopping",
        "stopped",
        "help",
        "sure",
        "only",
        "until",
        "unless",
        "if",
        "whether",
        "know",
        "tell",
        "see",
        "just",
        "because",
        "and",
        "but",
    }
)
_NEGATION_WINDOW = 3

# Person words, for "fell off" / "hit": the subject or object must be somebody.
_PERSON = (
    r"(?:he|she|they|him|her|them|me|us|i|guest|customer|client|man|woman|lady|gentleman|"
    r"child|kid|boy|girl|baby|person|someone|somebody|elderly|staff|colleague|waiter|"
    r"waitress|server|cashier|receptionist|member|manager|driver|passenger|patient|visitor|"
    r"resident|chef|cleaner|porter|agent|assistant|mum|dad|mother|father|son|daughter|wife|"
    r"husband|partner|friend|toddler|pensioner|student)"
)
# Someone pushed, grabbed or hit: a person, not "the bar" of a fire exit or "her latte"
# ("her" as a possessive counts only before a body part or clothing).
_BODY_OR_CLOTHES = (
    r"arm|arms|wrist|wrists|hand|hands|hair|neck|shoulder|shoulders|collar|throat|face|bum|"
    r"backside|bottom|waist|chest|top|shirt|jacket|coat|lanyard|badge|by"
)
_OBJ = (
    rf"(?:me|him|them|us|staff|my colleague|a colleague|a member of staff|her(?! (?!(?:"
    rf"{_BODY_OR_CLOTHES})\b)\w+)|(?:the|our|a|my) (?:\w+ )?(?:waiter|waitress|cashier|"
    r"receptionist|driver|guard|nurse|doctor|barman|barmaid|bartender|server|staff|assistant|"
    r"manager|girl|lad|boy|woman|man|lady|attendant|porter|cleaner|agent|officer|steward|"
    r"stewardess|security|chef|pharmacist|teller|lifeguard|instructor|trainer|coach|"
    r"conductor|colleague|worker|apprentice|trainee|supervisor|rep|advisor|adviser|clerk|"
    r"technician|engineer|courier|concierge))"
)
_POSSESSIVE = r"(?:my|his|her|their|our|the|your|a|an)"


# "bleeding obvious", "bleeding cheek": British English uses "bleeding" as an
# intensifier; followed by one of these it is no wound (shared with bot.matching.safety).
BLEEDING_INTENSIFIED = (
    r"obvious|hell|heck|cheek|nuisance|ridiculous|joke|useless|idiot|annoying|daft|stupid|"
    r"typical|freezing|boiling|expensive|awful|nightmare|racket|noise|shambles|disgrace|"
    r"liberty|rubbish|terrible|marvellous|lovely|brilliant|great|cold|slow|late|long|queue|"
    r"wifi|machine|phone|thing|app|printer|lift|door|bus|train|traffic|weather|rain|kids|"
    r"dog|idiots|cowboys|robbery|rip off|money|cash|customers"
)


@dataclass(frozen=True, slots=True)
class Rule:
    reason: str  # one of bot.playbooks.ESCALATION_REASONS
    pattern: re.Pattern[str]
    # Weak safety hints ("slipped", "fell") are dropped when the text also says nobody
    # was hurt; strong ones ("fire", "bleeding") never are.
    weak: bool = False
    # A review or post is only a threat when it is not a glowing one.
    positive_sensitive: bool = False
    # Counter-evidence ("unhurt", "no harm done"): never reported, suppresses weak hits.
    counter: bool = False


def _rules(
    reason: str,
    patterns: Sequence[str],
    *,
    weak: bool = False,
    positive_sensitive: bool = False,
    counter: bool = False,
) -> list[Rule]:
    return [
        Rule(reason, re.compile(rf"\b(?:{p})\b"), weak, positive_sensitive, counter)
        for p in patterns
    ]


# Words too plain for the escalation model to calm (``plain``): it learned from lines
# that did not use them, so its "no manager needed" says nothing about them.
# A claims firm signed up: "already signed up with a no win no fee firm".
_CLAIMS_FIRM = (
    r"no win no fee|personal injury (?:claim|lawyer|solicitor|firm)|claims? (?:firm|company|"
    r"management company)"
)
# Waited for, night after night: "a regular has waited outside after close for Jess 3
# nights running", "waiting by my sales exec's car after closing".
_STAFF_STALKED = (
    r"(?:waiting|waited|waits|hanging around|hung around|hangs around|lurking) (?:\w+ ){0,6}"
    r"(?:after (?:close|closing|closing time|her shift|his shift|work|we close|hours)|(?:\d+|"
    r"two|three|four|five|several|a few) nights)|follow\w* (?:her|him|them) (?:home|to (?:her|"
    r"his|their) car|to the bus stop)"
)
# Remarks on a colleague's body or speech: "keep wolf whistling and commenting on her body".
_STAFF_DEMEANED = (
    r"wolf whistl\w*|comment\w* on (?:her|his|(?:the|our) \w+(?: s)?) (?:body|figure|chest|boobs|"
    r"legs|bum|backside|looks)|(?:mock\w*|mimic\w*|imitat\w*) (?:\w+ ){0,3}(?:stammer|stutter|"
    r"accent|disability|lisp|"
    r"limp|weight|wheelchair)|"
    # A colleague refused for where they are from: "asked for a proper english receptionist",
    # "doesn't want one of them touching his card".
    r"(?:a|an|some|the) (?:proper|real) (?:english|british|white) (?:\w+ )?(?:receptionist|"
    r"person|doctor|nurse|driver|staff|member of staff|girl|man|woman|lad|server|waiter|"
    r"waitress|cashier|someone|one|carer|pharmacist|agent)|(?:not|never) want\w* (?:one of "
    r"them|a foreigner|foreigners|someone foreign|an immigrant|immigrants) (?:\w+ ){0,3}"
    r"(?:touching|serving|near|handling|treating|looking after|dealing with)|"
    # A colleague refused for being a woman: "no wonder this place is a shambles, letting
    # women run it".
    r"letting (?:a )?(?:women|woman|girls?) run|(?:women|girls) (?:can not|should not|"
    r"should never|do not know how to) (?:run|manage|be in charge)"
)
# Papers and records that carry someone's details.
_RECORDS = (
    r"(?:details|records|record|letter|letters|bill|invoice|results|prescription|repeat slip|"
    r"slip|statement|statements|data|file|paperwork|documents|medical notes|notes|payslip|"
    r"form|forms|passport|booking confirmation|report|account details|address|phone number|"
    r"card details|boarding pass|x ?rays?|scan|test results)"
)
# Someone's information in the wrong hands, told as what happened: "there's someone else's
# repeat slip inside", "emailed her results to the wrong patient". A parcel to the wrong
# address is a delivery, not a leak: only papers and records count.
_RECORDS_MISPLACED = (
    rf"(?:someone else|somebody else|another (?:customer|patient|guest|client|member|pupil|"
    rf"student|tenant|resident|caller|person)|the wrong (?:customer|patient|guest|client|"
    rf"person|member|family)) (?:\w+ )?{_RECORDS}|"
    rf"{_RECORDS} (?:\w+ ){{0,6}}(?:to|with|into|in) (?:the wrong|another|someone else|"
    rf"somebody else|a different) (?:\w+ )?(?:customer|patient|guest|client|person|member|"
    rf"family|couple|address|email|room|table|parent|tenant|caller)|"
    # "swimming lesson progress report for a different child got sent to this parent".
    rf"(?:{_RECORDS}|reports?|progress reports?) (?:for|of|about) (?:a different|another|someone "
    r"else s|the wrong) (?:\w+ )?(?:child|customer|patient|guest|pupil|member|person|student|"
    r"resident|client) (?:\w+ ){0,3}(?:sent|given|emailed|posted|handed|went)"
)
# A claim against us said outright ("he sue us for the bites", "making a formal claim for
# his windscreen"): the escalation model read such lines as routine complaints (P(none)
# 0.89-0.91 on three of them), so it may not calm them.
_SUED = (
    r"(?:sue|sues|suing|sued|sueing) (?:us|you|you lot|them|the (?:\w+ )?(?:hotel|company|shop|"
    r"firm|council|practice|airline|store|restaurant|gym|bank|place|garage|surgery|school|"
    r"business|club|branch|landlord|agency|owners?)|our \w+|this \w+)"
)
# Hate aimed at someone in front of us, staff or customer: "shouting racist things at the
# family using the machine" (the escalation model read it as none, 0.96).
_SLUR_AIMED = (
    r"(?:shout\w*|scream\w*|yell\w*|hurl\w*|mak\w*|made|say\w*|said|call\w*|throw\w*|"
    r"threw|spout\w*|mutter\w*) (?:\w+ ){0,2}(?:racist|racial|homophobic|sexist|transphobic"
    r"|disablist|ableist) (?:things|abuse|comments?|remarks?|slurs?|names|stuff|insults?|"
    r"words)|(?:called|calling|call) (?:him|her|them|the \w+) (?:a |an )?(?:\w+ )?(?:retard|"
    r"spastic|spaz|mong|cripple|tranny|faggot|poof|paki|chink|wog|n word)"
)
# Medicines whose going without is a risk in itself.
_LIFELINE = r"medication|medicine|insulin|inhaler|oxygen|meds|dialysis|epipen|epi pen"
# The press asking us for a comment, or a paper by its name ("emailing the Evening Post"):
# the escalation model calmed "a reporter rang wanting a comment about a dog left in a hot
# car in our car park".
_PRESS_ASKING = (
    r"(?:reporters?|journalists?|the press|newspaper|the paper|news desk) (?:\w+ ){0,6}(?:a "
    r"comment|comment on|statement|quote|interview)"
)
_PAPER_NAMED = (
    r"(?:call\w*|ring\w*|rang|phon\w*|contact\w*|tell\w*|told|email\w*|writ\w* to|wrote to|"
    r"going to|go to|gone to|went to|tip\w* off|in touch with|speak\w* to|spoke to|talk\w* "
    r"to|sen\w* (?:\w+ ){0,3}to|story (?:in|for|to)|from) (?:the )?(?:evening|daily|sunday|"
    r"local|morning|weekly) (?:post|echo|gazette|herald|mail|times|chronicle|argus|standard|"
    r"courier|telegraph|express|mirror|star|journal|advertiser|press|news)"
)
# "bride's father says he'll instruct a solicitor over the double-booked venue".
_LAWYER_ENGAGED = (
    r"(?:instruct\w*|engag\w*|hired?|contact\w*) (?:a |his |her |their |my |our )?(?:solicitor|"
    r"lawyer)s?"
)
# A review promised or written where it is read: "she write everywhere our dj was 2 hour
# late", "wrote on booking.com the room was filthy" (".com" ends the clause).
_REVIEW_SPREAD = (
    r"writ\w* (?:it |this |that |about (?:it|us) )?(?:everywhere|all over (?:social media|"
    r"facebook|instagram|the internet|online))|(?:writ\w*|wrote|post\w*) (?:\w+ )?on (?:booking(?:"
    r" com)?|tripadvisor|trustpilot|yelp|google reviews|the booking site)"
)
# Reported to trading standards, not asked whether toys meet its rules.
_STANDARDS_CALLED = (
    r"(?:ring\w*|rang|call\w*|report\w*|contact\w*|tell\w*|told|going to|go to|gone to|went "
    r"to|email\w*|writ\w* to|wrote to|complain\w* to) trading standards"
)
# Said outright, these open the legal rule (so they are the phrase it reports) and are
# never calmed (``_PLAIN``).
_CLAIM_OUTRIGHT = (
    rf"{_SUED}|{_LAWYER_ENGAGED}|{_STANDARDS_CALLED}|letter before (?:action|claim)|cease and "
    r"desist"
)
_LEGAL_PLAIN = (
    rf"{_CLAIM_OUTRIGHT}|{_PRESS_ASKING}|{_PAPER_NAMED}|lawsuit|law ?suit|(?:formal|negligence|"
    r"legal) claim|claim for negligence|take (?:us|you|them) to court|small claims"
)
_PLAIN = re.compile(
    rf"\b(?:{_CLAIMS_FIRM}|{_LEGAL_PLAIN}|{_REVIEW_SPREAD}|{_SLUR_AIMED}|{_STAFF_STALKED}|"
    rf"{_STAFF_DEMEANED}|{_RECORDS_MISPLACED})\b"
)


def plain(phrase: str) -> bool:
    """Whether a signal's ``phrase`` is one no reading of the whole line may calm."""
    return _PLAIN.fullmatch(phrase) is not None


RULES: tuple[Rule, ...] = (
    *_rules(
        "safety",
        [
            # Fire, smoke, flood, gas, collapse, fits, allergic reactions, weapons and
            # missing people are the safety detector's (bot.matching.safety), which knows
            # their idioms ("on fire tonight", "flooded with calls", "bloody annoyed");
            # these are the everyday injuries and hazards it leaves to this list.
            r"injur(?:y|ies|ed|ing)|wounded",
            r"hurt(?:ing|s)?(?! (?:feelings|her feelings|his feelings|their feelings))",
            rf"bleed(?:ing|s)?(?! (?:\w+ )?(?:dry|white)| (?:{BLEEDING_INTENSIFIED})\b)|bled",
            # Asking for the first aid box or about the course is no injury.
            # "woman in a&e reception screaming she's been here 5 hrs": a venue.
            r"ambulance|paramedics?|emergency services|a and e(?! (?:reception|receptionist|"
            r"desk|front desk|waiting room|waiting area|staff|car park|admin)\b)|"
            r"defibrillator|first aid(?! "
            r"(?:box|kit|course|training|certificate|room|cabinet|station|trained|qualified|"
            r"supplies)\b)",
            r"burn(?:ed|t|s)? (?:himself|herself|themselves|myself|his|her|their|my) "
            r"(?:\w+ )?(?:hand|hands|arm|arms|leg|legs|face|mouth|finger|fingers|skin|foot)|"
            # "scalding then freezing": a shower that runs too hot, not a burn.
            r"scald(?:ed|s)?|scalding(?! (?:hot|water|tea|coffee|shower|tap|bath|then|and|one "
            r"minute)\b)|burns",
            r"cut (?:himself|herself|themselves|myself|his|her|their|my) (?:\w+ )?"
            r"(?:hand|finger|arm|leg|foot|head|face|lip)",
            r"electric shock|electrocuted|shocked by",
            r"food poisoning|poisoned|vomit(?:ing|ed)?|threw up|throwing up",
            r"broken down (?:on|at|in) (?:the |a )?(?:motorway|road|highway|side of|hard "
            # Stranded by a road, not by a delay: "services full of stranded coach
            # passengers" is a mass disruption.
            r"shoulder|middle of|dual carriageway|m\d+)|hard shoulder|stranded (?:\w+ ){0,2}(?:on|"
            r"at|by) (?:the |a )?(?:hard shoulder|motorway|roadside|side of the road|dual "
            r"carriageway|m\d+)|trapped in (?:the "
            r"|a |our |their )?lift|stuck in (?:the |a |our |their )?lift",
            r"concussion|head injury|broke (?:his|her|their|my) (?:arm|leg|wrist|ankle|nose|tooth|"
            r"teeth|hip|finger|toe|collarbone|ribs?|jaw|neck|back)",
        ],
    ),
    *_rules(
        "safety",
        [
            # People falling; "fell apart / through / off the shelf" is a product or a plan.
            rf"fell(?! (?:apart|through|short|asleep|behind|for|in love|out of love|off|out))|"
            rf"fallen(?! (?:apart|through|off|out|behind|asleep))|"
            rf"(?:{_PERSON}) (?:\w+ )?(?:fell|has fallen|had a fall|took a fall) (?:off|out)|"
            r"had a fall|took a fall|a fall",
            r"slipped|slipping|slip (?:on|over)|tripped|tripping|trip (?:on|over)|"
            r"stumbled|fell over|knocked (?:his|her|their) head|knocked (?:him|her|them|someone) "
            r"(?:out|down|over)|knocked unconscious|knocked out(?! (?:in |of )?(?:the )?(?:\w+ )?"
            r"(?:round|rounds|tournament|competition|cup|league|quiz|heat|heats|contest))|"
            r"was knocked down",
        ],
        weak=True,
    ),
    *_rules(
        "safety",
        # A hazard someone has already dealt with ("a fire hazard, moved them, all fine")
        # needs nobody.
        [r"dangerous|unsafe|hazard(?:ous)?|broken glass"],
        weak=True,
    ),
    *_rules(
        "safety",
        [
            r"unhurt|uninjured|no harm done|is fine|are fine|is okay|are okay|no damage|"
            r"(?:but|and|now|all|seems|seemed|looks|looked|totally|completely|perfectly|"
            r"absolutely) "
            r"(?:fine|okay|alright|all right)|(?:fine|okay) now|laughing it off|just a "
            r"(?:scratch|bump|graze|bruise)|not (?:a scratch|a mark) on (?:him|her|them)|"
            # "crying but fine": the clause after "but" is the one word.
            r"^(?:fine|okay|alright|all good)(?: now)?$"
        ],
        counter=True,
    ),
    *_rules(
        "leaving",
        # Cancelling part of an order is not leaving us.
        [
            r"cancel\w* (?:\w+ ){0,3}(?:order|orders|dish|dishes|drink|drinks|starter|starters|"
            r"mains?|dessert|desserts|item|items|side|sides|meal|meals|pizza|burger|coffee|round|"
            r"bottle|taxi|cab)"
        ],
        counter=True,
    ),
    *_rules(
        "legal",
        [
            rf"{_CLAIM_OUTRIGHT}|pre action (?:letter|protocol)|sue|sues|suing|sued|lawsuit|"
            r"law ?suit|"
            r"legal|(?:formal|negligence|legal) claim|"
            r"claim for negligence|"
            r"take (?:us|you|them|it) to court|court case|small claims|in court|(?<!food )"
            r"(?<!tennis )court",
            r"lawyers?|solicitors?|(?<!power of )attorneys?|barrister|(?:his|her|their|my) "
            r"brief (?:has|is|says|said|will|wrote|drafted|sent|reckons)",
            r"police|cops|trading standards|ombudsman|environmental health|health inspector|"
            r"health and safety executive|regulator|ofcom|ofgem|citizens advice|"
            r"consumer rights|report (?:us|you|this|it|them|the \w+) to",
            r"take (?:it|this|things|the matter|us) (?:further|higher)",
            _CLAIMS_FIRM,
        ],
    ),
    *_rules(
        "abuse",
        [
            r"abus(?:e|ive|ing)|harass\w*|bully\w*|intimidat\w*",
            r"threat(?:s|ened|ening)?(?! to)|made threats|threatening (?:me|her|him|them|us|"
            r"staff|my colleague)|threatening behaviou?r",
            # "swears he brought it back" insists; "swearing at staff" abuses.
            r"swear(?:ing|s)?(?! (?:he|she|they|it|that|blind|i|we|the|there|on|by|down|"
            r"to)\b)|swore at|sworn at|curs(?:ing|ed) at|cussing|f word|effing|"
            r"obscene|obscenities",
            r"calling (?:me|us|her|him|them|staff|the staff|my colleague|\w+) names|"
            r"called (?:me|us|her|him|them|staff|my colleague) (?:a|an|names)",
            r"spat|spit(?:ting)? (?:at|on)|punch(?:ed|ing)?|slap(?:ped|ping)?|assault\w*|"
            r"attack(?:ed|ing)? (?:me|her|him|them|us|staff|my colleague|a member)|"
            r"kick(?:ed|ing) (?:me|her|him|them|us|staff|my colleague|a member)|"
            # A weapon is the safety detector's (it knows a steak knife from a blade).
            r"violen(?:t|ce)|physically aggressive|(?:threw|throwing|thrown|"
            r"chucked|hurled|lobbed) (?:\w+ ){0,3}at",
            rf"hit {_OBJ}|(?:pushed|shoved|grabbed) {_OBJ}|shov(?:ed|ing)",
            # "kill" and "stab" are the safety detector's: "she'll kill her husband" is an idiom.
            r"(?:threaten\w* to|going to|gonna|will|would) (?:smash|trash|wreck|break|hit|punch|"
            r"hurt|kick|batter|deck|sort)|smash\w* (?:the place|it all|everything) up|"
            r"wait\w* for (?:me|her|him|you|us|staff|them) (?:after|outside|in the car park)|"
            r"(?:know|find out|knows) where (?:you|she|he|i|we|they) live|watch (?:your|my|her|"
            r"his) back|(?:you|she|he|they) will (?:regret|be sorry)",
            _STAFF_STALKED,
            _STAFF_DEMEANED,
            _SLUR_AIMED,
            r"racis[tm]|sexis[tm]|homophobic|slurs?|sexual(?:ly)? (?:comments?|harassment)|"
            r"inappropriate(?:ly)? touch\w*|groped|go back (?:to )?where (?:you|she|he|they) "
            r"(?:came|come) from|(?:patted|pinched|grabbed|touched|slapped) (?:\w+ ){0,3}(?:bum|"
            r"backside|bottom)|(?:find|track) (?:you|her|him) (?:down )?(?:on "
            r"facebook|online)|photo of (?:our|her|his|the) (?:\w+ )?name ?badge",
        ],
    ),
    *_rules(
        "review",
        [
            r"review(?:ing|ed)? (?:us|you|them|the (?:hotel|shop|restaurant|place|business|"
            r"salon|company|store))|(?:every|review|all the) (?:review )?sites?|followers|"
            r"tell (?:them all|everyone|all (?:her|his|their) \w+|the world|people)|tell(?:s|ing) "
            r"(?:everyone|everybody|the world) (?:on|online|in)|"
            r"blog\w*|vlog\w*|influencer|write ?up|podcast",
            _REVIEW_SPREAD,
            r"(?:bad|terrible|awful|negative|horrible|scathing|poor|nasty|angry|harsh|"
            r"one star|two star|online|public|google|tripadvisor|yelp|trustpilot|facebook) "
            r"reviews?",
            rf"(?:leave|leaving|left|write|writing|wrote|written|post|posting|posted|put|"
            rf"putting|give|giving|gave|do|doing) (?:us |{_POSSESSIVE} )?(?:\w+ ){{0,2}}"
            r"reviews?",
            r"reviews? (?:on|online|site|sites|about us)|one star|zero stars?|no stars?",
            r"trip ?advisor|yelp|trust ?pilot|google(?! pay| wallet| account| drive| docs)|"
            r"facebook|instagram|twitter|tweet(?:ed|ing|s)?|tik ?tok|reddit|youtube|linkedin|"
            r"bluesky|"
            r"social media|socials|on x|mumsnet|feefo|glassdoor",
            r"youtuber|tiktoker|streamer|live ?stream\w*|(?:doing|making|filming|posting|"
            r"putting up|put up) (?:a |an )?(?:\w+ ){0,2}(?:video|reel|vlog) (?:on|about) "
            r"(?:us|you|how|the|our|this)",
            r"slat(?:e|es|ed|ing) (?:us|you|them|the (?:place|hotel|shop|restaurant|company|"
            r"staff|service|food))|slag\w* (?:us |you |them |the \w+ )?off|trash\w* us|"
            r"(?:post|posted|posting|put|putting|share|shared|sharing|upload\w*) (?:\w+ ){0,4}"
            r"(?:online|on the internet|on the web)|online (?:post|rant)|go(?:ing)? viral|"
            r"went viral|name and shame|tell (?:everyone|all (?:her|his|their) friends)|"
            r"filming|filmed (?:us|me|staff|it|the)|recording (?:us|me|staff|it|on (?:her|his) "
            r"phone)|rant",
        ],
        positive_sensitive=True,
    ),
    *_rules(
        "review",
        # "Review" that is no customer's review: a check, a meeting, a rent figure.
        [
            r"(?:rent|annual|yearly|performance|case|care|medication|meds|pay|salary|price|"
            r"pricing|contract|account|policy|benefits?|mortgage|tenancy|safety|risk|staff|"
            r"quarterly|client|rate|tariff|budget|plan) reviews?|reviews? (?:meeting|meetings|"
            r"date|letters?|period|panel|board|process|appointment|form|call)|(?:could|can|to|"
            r"will|let (?:me|her|him|us|them)) review (?:the|her|his|their|my|our|your|it|this|"
            r"that)|(?:under|for|up for|pending) review"
        ],
        counter=True,
    ),
    *_rules(
        "media",
        [
            rf"{_PRESS_ASKING}|{_PAPER_NAMED}|"
            r"the press|to the press|press office|newspapers?|the papers|journalists?|"
            r"reporters?|the news|local news|(?:tv|television|radio) (?:news|crew|show|"
            r"programme|station)|bbc|itv|watchdog|(?<!social )media|"
            r"(?:call\w*|ring\w*|rang|phon\w*|contact\w*|tell\w*|going to|go to|went to|"
            r"email\w*|writ\w* to) (?:the )?(?:local )?(?:paper|papers|press|news|radio)",
            # Someone from the press, named by the paper: "writes for the Echo", "someone
            # from a trade magazine on the line".
            r"(?:from|writes for|works for|writing for|journalist at|reporter at|editor (?:at|"
            r"of)) (?:a |the |our )?(?:local |trade |regional )?(?:magazine|newspaper|paper|"
            r"echo|gazette|herald|chronicle|news desk)(?! (?:shop|shops|round|boy|girl|towels?|"
            r"bags?|mill|work|cups?|plates?|straws?|stand|rack|delivery|bill))",
            r"(?:send\w*|sent|show\w*|giv\w*|forward\w*|pass\w*|tak\w*) (?:\w+ ){0,3}to "
            r"(?:the )?(?:local )?(?:paper|papers|press|newspaper|radio|tv)",
            r"(?:paper|newspaper|radio|press|tv|news desk) (?:\w+ ){0,3}(?:rang|called|phoned|"
            r"emailed|asking|asked|wants|wanting|after) (?:\w+ ){0,3}(?:comment|statement|"
            r"story|interview|quote)(?! cards?| box| form| book)",
        ],
        positive_sensitive=True,
    ),
    *_rules(
        "media",
        # "Would love" said of the press is a threat, not praise: "says Watchdog would love
        # his photos of our bathroom".
        [
            r"(?:watchdog|rogue traders|the papers?|the press|the news|(?:local |national )?"
            r"(?:paper|newspaper|radio|tv)) (?:\w+ )?would (?:love|be (?:very |really )?"
            r"interested)"
        ],
    ),
    *_rules(
        "leaving",
        [
            r"cancel\w*(?: (?:my|his|her|their|our|the|this|a|all|of))* (?:\w+ )?(?:account|"
            r"accounts|subscription|membership|contract|plan|policy|service|direct debit|"
            r"everything|card|insurance|package|deal|agreement)",
            r"(?:wants?|wanting|going|threaten\w*|about|asked|asking|trying|decided|plans?|"
            r"planning|will|would like) to cancel(?! (?:\w+ ){0,3}(?:order|orders|dish|dishes|"
            r"drink|drinks|starter|starters|mains?|dessert|desserts|item|items|delivery|food|"
            r"meal|meals|side|sides|table|it|one|pizza|burger|coffee|round|bottle)\b)",
            r"clos(?:e|ing|ed) (?:down )?(?:my |his |her |their |our |the |this |an |all )?"
            r"(?:\w+ )?accounts?|account closure|clos(?:e|ing|ed) (?:all |the |their |his |her )?"
            r"(?:\d+ )?(?:\w+ )?lines|cancel\w* all (?:\w+ ){0,2}(?:future )?(?:bookings|"
            r"reservations|events|appointments|memberships)|de ?regist\w*|"
            # Children taken out of classes: "pulling all 3 kids out".
            r"(?:pull\w*|tak\w*|took) (?:all |both )?(?:\w+ ){0,3}(?:kids|children|sons?|"
            r"daughters?|boys|girls|twins) out(?! (?:for|to|of (?:the )?(?:car|pool|water|class "
            r"early)|at|on|tonight|today|tomorrow)\b)|"
            # A large booking or a contract ended: "the 180 seat wedding in june just
            # cancelled", "the council offices cleaning contract just gave notice".
            r"(?:wedding|party|do|conference|booking|block|trip|event|contract|partnership|"
            r"delegation) (?:\w+ ){0,6}(?:cancelled|canceled|dropped|pulled)|"
            r"(?:just |have |has )?gave notice|pulling (?:the|their|our) (?:\w+ )?(?:partnership|"
            r"contract|account|funding|business)|moving (?:brokers|banks|suppliers|providers|"
            r"insurers)|ending (?:their|his|her|the) (?:\w+ ){0,2}(?:membership|contract|"
            r"subscription|partnership)|(?:will not|not) (?:be )?rebook\w*|(?:will not|never) "
            r"(?:use|using) (?:us|you) again|registering elsewhere",
            r"leav(?:e|ing) us(?! (?:a|an|one|some|the|feedback|reviews?|comments?)\b)|"
            r"leaving for|switch\w* (?:providers?|suppliers?|banks?|networks?)|switch\w* "
            r"(?:over )?to (?:a |another |the )?(?:competitor|rival|other (?:provider|supplier|"
            r"bank|company|firm|shop|hotel|gym))|"
            r"mov(?:e|ing) (?:\w+ )?(?:business|account|custom) (?:to|elsewhere)|"
            r"competitors?|rival",
            r"(?:go|going|went|take|taking|took|shop|shopping|eat|book|stay|order|buy|bought)"
            r"\w* (?:\w+ ){0,3}"
            r"elsewhere|somewhere else|business elsewhere",
            r"not renew\w*|(?:will not|would not) be renewing|not (?:booking|coming|staying|"
            r"shopping|ordering|renewing) (?:\w+ ){0,2}again|switch\w* (?:chains?|hotels?|gyms?|"
            r"banks?|insurers?|broadband|energy (?:supplier|company))|accounts? closed|"
            r"never (?:coming|come|returning|return|be|going) back|(?:will|would|is|am|are) "
            r"(?:not|never) (?:be |ever )?(?:coming |come |returning )?back|last time (?:\w+ )"
            r"{1,2}(?:ever )?(?:uses?|shops?|comes?|stays?|books?|eats?|buys?|orders?|visits?)|"
            r"(?:done|finished) with (?:us|you|this place|this company|the lot of you)|had "
            r"enough of (?:us|you|this place)|(?:going|off|go|goes|went) (?:\w+ ){0,3}"
            r"(?:across the road|down the road|next door|over the road|across town|up the road|"
            r"round the corner)|never (?:using|use|"
            r"shopping|booking|staying|eating) (?:\w+ )?(?:again|here)",
            r"(?:delete|deleting|erase|erasing|remove|removing|wipe|wiping|destroy)\w* "
            r"(?:\w+ ){0,6}(?:data|details|records|information|personal|profile|account)|gdpr|"
            r"right to be forgotten|data protection|unsubscrib\w*|(?:data|details|records|"
            r"information|account|profile) (?:\w+ ){0,3}(?:deleted|wiped|removed|erased|"
            r"destroyed)",
            r"(?:moving|switching|changing|move|switch|change) (?:to )?(?:salons|banks|"
            r"providers|gyms|hotels|suppliers|shops|companies|firms|networks|dentists|garages|"
            r"agencies|insurers|broadband|energy|mobile)|(?:go|going|move|moving|switch\w*) "
            r"to (?:another|a different|a rival|the other|a new) (?:\w+ )?(?:hotel|salon|bank|"
            r"provider|gym|supplier|shop|company|firm|garage|agency|restaurant|store|place)|"
            r"cut (?:his|her|their|my|the) (?:\w+ )?(?:stay|visit|holiday|trip|membership) "
            r"short|check(?:ing|ed)? out early",
            r"(?:never|stop|stop us|do not) (?:contact|contacting|email|emailing|call|calling|"
            r"phone|phoning|text|texting|message|messaging) (?:her|him|them|me|us)",
            r"end (?:the|their|his|her|my|our) (?:\w+ )?(?:contract|membership|relationship|"
            r"agreement|subscription|plan|tenancy|lease)|get out of (?:the|their|his|her|my|our) "
            r"(?:\w+ )?(?:contract|membership|subscription|plan|tenancy|lease|agreement)|"
            r"port\w* (?:\w+ )?(?:number|numbers)|(?:pac|porting|switching) code|"
            r"(?:taking|take|took|moving|move|moved) (?:his|her|their|my|our) (?:custom|business|"
            r"account|accounts|money|savings|mortgage|pension|isa) (?:to|over to|elsewhere)|"
            r"(?:signing up|signed up|joining|joined|going|moving|switching|taking \w+ \w+) "
            r"(?:\w+ )?(?:to|with) (?:another|a different|the other|a rival|a cheaper|a new) "
            r"(?:\w+ )?(?:bank|gym|vet|vets|network|provider|supplier|shop|store|hotel|salon|"
            r"dentist|garage|insurer|company|firm|carrier|agency|practice|pharmacy|chemist|"
            r"airline|courier|school|nursery|club|studio|restaurant|cafe|pub)|"
            r"not renew\w*|terminat\w*|(?:wants?|going|threaten\w*) to (?:leave|quit)"
            r"(?! (?:a|an|us a|us an|the|feedback|reviews?|comments?|tip|note|message|early)\b)",
        ],
    ),
    *_rules(
        "privacy",
        [
            _RECORDS_MISPLACED,
        ],
    ),
    *_rules(
        "wellbeing",
        [
            # A vulnerable customer's wellbeing at risk: warmth, food, medication, care,
            # money taken by a scammer (SPEC, vulnerable-customer: escalate when at risk).
            r"(?:can not|cannot|could not|unable to|struggling to) (?:afford|pay for) (?:to )?"
            r"(?:\w+ )?(?:food|eat|heating|heat|electricity|electric|gas|medication|medicine|"
            r"prescriptions?|nappies|formula|baby milk|feed|rent|to live|insulin|inhaler|meds|"
            r"tablets)",
            # Going without a medicine they need: "can't afford his insulin, he'll just skip
            # it", "out of her epilepsy meds, nobody to help her".
            rf"(?:{_LIFELINE}) (?:\w+ ){{0,8}}(?:skip|skipping|skips|go without|going without|"
            r"do without|ration|rationing|stretch(?:ing)? (?:it|them) out)|(?:skip|skipping|"
            rf"go without|going without|rationing) (?:her |his |their )?(?:\w+ )?(?:{_LIFELINE})",
            r"(?:has not|have not|had not|not) (?:eaten|had (?:a meal|food|anything to eat)) "
            r"(?:for|in|since) (?:\w+ ){0,2}(?:days?|a day|yesterday|a week)",
            r"(?:prepayment|pre ?pay|key|card|gas|electric|electricity) meter (?:\w+ ){0,3}(?:run "
            r"out|ran out|running out|empty|no credit|out of credit)|(?:no|out of) (?:credit|"
            r"emergency credit) (?:on|for) (?:the|her|his|their) (?:meter|gas|electric\w*)",
            r"(?:carer|carers|care worker|home help|nurse) (?:\w+ ){0,3}(?:did not|has not|have "
            r"not|never|not) (?:turn(?:ed)? up|come|came|show(?:ed)? up|visited|been)",
            r"(?:no|without) (?:food|money) (?:\w+ ){0,2}for (?:the |her |his |their )?(?:kids|"
            r"children|baby|family)|(?:can not|cannot|could not) feed (?:the|her|his|their|my) "
            r"(?:kids|children|baby|family)",
            rf"(?:run|ran|running) out of (?:her |his |their )?(?:\w+ )?(?:{_LIFELINE}|tablets)|"
            rf"out of (?:her|his|their) (?:\w+ )?(?:{_LIFELINE}|tablets)",
            r"(?:being|been|was|were|got|getting) (?:scammed|conned|defrauded|exploited)|"
            r"scammers?|(?:someone|a man|a woman|a caller|her son|his son|her nephew|a friend) "
            r"(?:\w+ ){0,3}(?:pressuring|pressured|forcing|forced|making|made|told) (?:her|him) "
            r"(?:to )?(?:withdraw|transfer|send|move|take out)",
            r"(?:afraid|scared|frightened) (?:to go|of going) (?:back )?home|(?:partner|husband|"
            r"boyfriend|wife|girlfriend|son|daughter) (?:\w+ ){0,2}(?:hits|beats|hurts|controls|"
            r"threatens) (?:her|him)",
        ],
    ),
)


# Said of a customer who relies on it, a supply cut off is a wellbeing risk ("electricity
# cut off and she relies on a stair lift"); said of a hotel room, it is a fault.
_WELLBEING_NEED = re.compile(
    r"\b(?:cut off|disconnected|switched off|turned off|no heating|no heat|no hot water|no "
    r"electricity|no electric|no power|no gas|without (?:heating|heat|power|electricity|food|"
    r"gas)|power cut|(?:heating|boiler) (?:\w+ ){0,2}(?:broken|not working|packed up|gone))\b"
)
_WELLBEING_WHO = re.compile(
    r"\b(?:elderly|pensioner|old (?:man|woman|lady|gentleman|couple)|\d+ year old|oxygen|"
    r"stair ?lift|medical equipment|dialysis|ventilator|newborn|baby|disabled|disability|"
    r"vulnerable|relies|depends on|(?:at|in her|in his|in their) (?:home|house|flat)|lives "
    r"alone|on (?:her|his) own|carer|frail|poorly|unwell|seriously ill|terminally ill|"
    r"chemo\w*|pregnant)\b"
)

# A review or post praised with these words is no threat ("left us a lovely review").
_POSITIVE = re.compile(
    r"\b(?:great|good|glowing|positive|five star|lovely|nice|excellent|amazing|brilliant|"
    r"fantastic|wonderful|kind|rave|happy|thank\w*|praise\w*|recommend\w*|lov(?:e|ed|es|ing)|"
    r"best|perfect|delicious|gorgeous|beautiful|stunning|proud|shout ?out|excited|collab\w*|"
    r"partnership|feature us|showcase|(?:5|five|full) stars?|legend|how good|deserves? a "
    r"(?:pay rise|raise|medal))\b"
)
_NEGATIVE = re.compile(
    r"\b(?:bad|terrible|awful|negative|horrible|scathing|poor|nasty|angry|one star|zero stars?|"
    r"complain\w*|threat\w*|rant|expose|shame|disgust\w*|worst|slat(?:e|es|ed|ing)|slag\w*|"
    r"trash\w*|warn\w*|fuming|furious|livid|rubbish|not (?:happy|impressed|pleased))\b"
)
# Said of a review or a post, these make it a threat rather than praise passed on:
# intent ("will", "gonna", "threatening"), or a complaint's "about this".
_THREAT = re.compile(
    r"\b(?:threat\w*|will|going to|about to|wants? to|plans? to|planning to|unless|or else|"
    r"about (?:this|it|that|the way|how)|name and shame|make sure everyone)\b"
)


@dataclass(frozen=True, slots=True)
class Signal:
    reason: str  # safety, legal, abuse, review, media, leaving
    phrase: str  # the words that raised it, for the notification ("fell", "solicitor")


def _negated(words: Sequence[str], start: int) -> bool:
    """Whether a negation within the window before word ``start`` governs it."""
    for i in range(start - 1, max(-1, start - 1 - _NEGATION_WINDOW), -1):
        if words[i] in _NEGATION_BREAKERS:
            return False
        if words[i] in NEGATIONS:
            return True
    return False


@dataclass(frozen=True, slots=True)
class Detection:
    signals: tuple[Signal, ...]
    # Reasons the text mentions only to rule out ("nobody hurt", "not going to sue",
    # "left a lovely review"): an always-escalate playbook for them should stay quiet.
    ruled_out: frozenset[str]


# Phrases in which a reason's words mean something else, read in the clause of a hit:
# a steak that is "still bleeding" is served rare; a customer who "hit the roof" is angry.
_FALSE_FRIENDS: dict[str, re.Pattern[str]] = {
    "safety": re.compile(
        r"\b(?:(?:nearly|almost|practically|virtually) (?:\w+ ){0,2}(?:broke|break|broken)|"
        # A treatment that hurt is a complaint; a fuse that tripped is electrics.
        r"(?:drill|injection|jab|needle|treatment|massage|wax|waxing|procedure|filling|"
        r"piercing|tattoo|brace|braces|shoes|boots|it|that|price|bill|words|comment) (?:\w+ )"
        r"{0,2}hurt|hurt (?:his|her|their|my) (?:feelings|pride|ego)|(?:fuse|fuses|switch|"
        r"breaker|circuit|electrics|power|rcd) (?:\w+ ){0,4}trip\w*|trip\w* (?:\w+ ){0,2}"
        r"(?:fuse|switch|breaker|circuit|electrics|rcd)|"
        r"(?:has|have|got|is there|where is|where|do you have|any) (?:a |the )?"
        r"(?:defibrillator|first aid)|(?:defibrillator|first aid) (?:\w+ )?(?:for (?:his|her|"
        r"their) peace of mind|training|course|check)|ambulance (?:\w+ ){0,3}(?:blocking|parked|"
        r"parking|has gone|gone now|left|bay|station|depot)|(?:steak|steaks|meat|burger|burgers|"
        r"beef|lamb|duck|chicken|pork|tuna|venison|"
        r"fillet|sirloin|ribeye|rib eye|rump|mince|liver) (?:\w+ ){0,3}(?:bleeding|bled)|"
        r"(?:ice cream|food|plate|drink|cake|phone|bag|tray|glass|it|that|cone|toy|sandwich|"
        r"burger|pizza|chips|cup|bottle|cutlery|fork|spoon|box|sign|picture|painting|shelf|"
        r"stock|hat|coat|sauce|dessert|order|parcel|tv|mirror|tile|tiles|lid|handle) "
        r"(?:\w+ ){0,2}(?:fell|fallen)|"
        r"(?:wallet|wallets|pocket|pockets|bank balance|bank account|budget) (?:is |are )?"
        r"hurting|emergency services (?:discount|card|rate|rates|staff|workers|worker|price)|"
        # An injury of long ago, or the football kind, is no emergency now.
        r"(?:old|previous|existing|sports|long term|long standing|longstanding|recurring|"
        r"past|war|childhood) (?:\w+ ){0,2}injur(?:y|ies)|injury time)\b"
    ),
    "abuse": re.compile(
        r"\b(?:hit (?:the|a) (?:\w+ )?(?:roof|ceiling|jackpot|road|spot|button|buttons|key|"
        r"keys|switch|buzzer|bell|screen|pedal|wall|bottle|hay|sack|gym|"
        r"shops|town|brakes|nail|ground running|big time|limit|target|deck)|"
        # A seat, a door or a ball kicked is a nuisance, not a blow.
        r"kick\w* (?:her|his|my|their|our|the) (?:seat|seats|chair|chairs|door|doors|bag|ball|"
        r"locker|table|machine|tyres?|car)|"
        # A milestone reached: "hit her hundredth class", "hit his target".
        r"hit (?:her|his|their|my|our|your) (?:\w+th|first|target|targets|"
        r"goal|goals|milestone|pb|personal best|stride|limit)|"
        # Hit by a price rise, a storm or a strike: hardship, not a blow.
        r"(?:storm|storms|flood|floods|snow|strike|strikes|outage|recession|rise|rises|"
        r"increase|increases|cuts?|changes?|delays?|prices?|bill|bills|fees?) (?:\w+ ){0,3}hit|"
        r"hit (?:\w+ ){0,2}(?:hard|badly)(?! (?:in|on|across|over) (?:the |his |her )?(?:face|"
        r"head|chest|back|stomach))|punch(?:ed|ing)? "
        r"(?:the )?(?:air|clock|card|numbers|holes?|ticket|tickets|code)|punch (?:bag|bags|"
        r"card|cards|line|list|bowl|drunk)|(?:fruit|rum) punch|(?:threw|throwing|thrown|throws) "
        r"(?:a |his |her |their )?(?:tantrum|wobbly|strop|hissy fit|paddy|fit|party|sickie)|"
        r"(?:grabbed|grabbing|pushed|pushing) (?:\w+ ){0,3}(?:for (?:a|the) (?:quick |"
        r"\w+ )?(?:chat|word|refund|decision|answer|discount|upgrade|photo)|to (?:help|sort|ask|"
        r"check|chat))|pushed (?:\w+ ){0,2}(?:for|to) (?:a|an|the|his|her|their) (?:\w+ )?"
        r"(?:refund|decision|answer|discount|upgrade|manager)|punch\w* above|"
        r"abus\w* (?:language )?(?:filter|"
        r"policy|training|course|poster)|(?:anti|zero tolerance) (?:abuse|bullying|harassment)|"
        r"punch\w* in (?:\w+ ){0,2}(?:pin|"
        r"number|numbers|code|digits|details)|(?:too|quite|very|bit|a bit) violent|violent "
        r"(?:film|films|movie|movies|game|games|show|video|content|scenes?))\b"
    ),
    "legal": re.compile(
        # Not their own lawyer: "has a lawyer already and wants his notes" is a claim.
        r"\b(?<!\bhas a )(?<!\bgot a )(?<!\bhired a )(?<!\binstructed a )(?<!\bhis )(?<!\bher )"
        r"(?<!\btheir )(?:(?:police|lawyers?|solicitors?|barristers?|attorneys?|judges?|"
        r"magistrates?) "
        r"(?:officers? |man |woman |van |car )?(?:\w+ ){0,6}(?:staying|in room|came in for|comes "
        r"in for|popped in|rang to confirm|called to confirm|emailed to confirm|wants? (?:a|an|"
        r"his|her|their|to book|to know)|asking (?:for|about|"
        r"if)|asked (?:for|about|if)|ordered|booked|checked in|checking in|having|is a (?:regular|"
        r"guest|customer|member)|discount|conference|convention|party|dinner|table|breakfast)|"
        r"(?:is|am|are|was|s) (?:a|an) (?:\w+ )?(?:trading standards officer|police officer|"
        r"policeman|policewoman|"
        r"lawyer|solicitor|barrister|attorney|judge|magistrate)|(?:solicitor|solicitors|"
        r"lawyer|lawyers|law|legal) (?:office|offices|firm|firms|practice|team) (?:\w+ ){0,2}"
        r"(?:nearby|near|in town|down the road|across|next door|booked|party|dinner|christmas)|"
        r"court ?house|legal (?:age|drinking age|limit|tender|requirement|requirements|notice)|"
        r"(?:badminton|squash|basketball|netball|padel|volleyball|tennis|sports|indoor|outdoor|"
        r"5 a side|five a side|food) courts?|"
        # A solicitors' office is where some of us work: "solicitors reception, client sat
        # 40 min", "querying his bill at solicitors".
        r"at (?:the |our )?solicitors|solicitors? (?:reception|front desk|waiting room|office|"
        r"offices|firm|practice)|(?:appt|appointment) (?:\w+ ){0,4}(?:the )?solicitor)"
        r"\b"
    ),
    "media": re.compile(
        # A journalist as a guest, not a threat: "journalist from the gazette booking a tbl".
        r"\b(?:(?:journalists?|reporters?|crew|bbc|itv|bloggers?|influencers?|photographers?) "
        r"(?:\w+ ){0,4}(?:booking|booked|checked in|checking in|staying|no issues|very polite)|"
        r"(?:small|local) business feature|"
        r"(?:bench|leg|shoulder|chest|trouser|garlic|cider|french|coffee) press|(?:the|a) "
        r"press (?:at|in) the gym|press (?:the|a) (?:button|buzzer|bell)|(?:newspaper|paper|"
        r"papers) (?:\w+ ){0,2}(?:arrived|delivered|delivery|for room|in the lobby|rack|stand|"
        r"subscription)|(?:feature|article|interview|story|write up|piece) (?:\w+ ){0,2}(?:on|"
        r"about) (?:our|the) (?:\w+th|anniversary|birthday|centenary|jubilee|opening|launch|"
        r"new|chef|charity|award|team)|"
        r"(?:stealing|stole|steal|took|taking|nicked|nicking|deliver\w*|sell\w*|buy\w*|"
        r"bought|read\w*|free|complimentary|daily|morning|sunday|the) (?:\w+ ){0,2}"
        r"(?:newspapers?|papers) (?:from|in|at|on|for|with|delivery|rack|stand|every)|"
        r"newspapers? (?:\w+ ){0,2}(?:from|in|at|on) the (?:lobby|reception|rack|stand|shop|"
        r"counter|desk|table|breakfast room))\b"
    ),
}


_WELLBEING_PAIR = Rule("wellbeing", _WELLBEING_NEED)
# A scam told by its shape, across the line's clauses: gift cards bought for someone on
# the phone ("keeps buying gift cards at the shop, says 'the tax man' on the phone needs
# them").
_SCAM = re.compile(
    # Coached on the line: "i can hear someone in the background telling her what to say".
    r"\b(?:someone|somebody|a man|a woman|a voice) (?:\w+ ){0,4}(?:telling|coaching|prompting) "
    r"(?:her|him|them) what to (?:say|do)\b|"
    r"\b(?:gift|itunes|google play|steam|amazon|voucher) cards? (?:\w+ ){0,12}(?:on the phone|"
    r"tax ?man|hmrc|irs|the police|told (?:her|him) to|(?:read|reading) (?:out )?the "
    r"(?:codes?|numbers))\b"
)
_SCAM_RULE = Rule("wellbeing", _SCAM)

# Reasons a joke in the same clause takes back (danger is the safety detector's to judge).
_JOKED_ABOUT = frozenset({"legal"})
_JOKE = re.compile(rf"\b(?:{JOKE_WORDS}|joked|banter)\b")
# "'I could sue you for this' laughing": a threat said with a laugh or a grin, in the
# same clause (not "kids both fine, laughing now, but she said 'see you in court'").
_LAUGHED = re.compile(
    r"\b(?:laughing|laughed|grinning|grinned|with a (?:grin|smile|wink)|winked|tongue in "
    r"cheek)\b"
)

# "Tripped" in a line about fuses is the electrics, not a fall.
_TRIPS = frozenset({"tripped", "tripping", "trip"})
_ELECTRICS = re.compile(r"\b(?:fuse|fuses|breaker|circuit|rcd|trip switch|electrics)\b")


def _false_friend(reason: str, text: str, hit: re.Match[str]) -> bool:
    pattern = _FALSE_FRIENDS.get(reason)
    return pattern is not None and any(
        f.start() < hit.end() and hit.start() < f.end() for f in pattern.finditer(text)
    )


# Every rule's pattern in one alternation: a clause none of them matches is skipped.
_ANY_RULE = re.compile("|".join(f"(?:{rule.pattern.pattern})" for rule in RULES))


def detect(tokens: Sequence[Token]) -> tuple[Signal, ...]:
    """Escalation signals in the text, one per reason (first phrase found), in rule order."""
    return inspect(tokens).signals


def inspect(tokens: Sequence[Token]) -> Detection:
    """Signals in the text, and the reasons it raises only to rule them out."""
    clauses = clauses_of(tokens)
    found: list[tuple[Rule, str]] = []
    dismissed: set[str] = set()
    counter_evidence = False
    line = " ".join(" ".join(words) for words in clauses)
    joked = _JOKE.search(line) is not None
    for clause_words in clauses:
        text = " ".join(clause_words)
        first = _ANY_RULE.search(text)
        if first is None:
            continue  # most clauses raise nothing: one pass instead of one per rule
        # No rule matches before the first match of any, so each scans from there on.
        first_at = first.start()
        # Word index of each character offset: a match's start maps back to its word.
        starts = [0]
        for w in clause_words[:-1]:
            starts.append(starts[-1] + len(w) + 1)
        positive = _POSITIVE.search(text) is not None and _NEGATIVE.search(text) is None
        for rule in RULES:
            for m in rule.pattern.finditer(text, first_at):
                if rule.counter:
                    # "unhurt", "no harm done": weak safety hints are moot.
                    counter_evidence = counter_evidence or rule.reason == "safety"
                    dismissed.add(rule.reason)
                    continue
                if _negated(clause_words, _word_at(starts, m.start())):
                    counter_evidence = counter_evidence or rule.reason == "safety"
                    dismissed.add(rule.reason)
                    continue
                if rule.positive_sensitive and positive:
                    dismissed.add(rule.reason)
                    continue
                if rule.reason in _JOKED_ABOUT and (joked or _LAUGHED.search(text)):
                    # "she'd sue us if we ever closed lol": a threat said as a joke.
                    dismissed.add(rule.reason)
                    continue
                if _false_friend(rule.reason, text, m):
                    # Its words mean something else here ("the police officer came in
                    # for a coffee"): no playbook should page for that reason either.
                    dismissed.add(rule.reason)
                    continue
                found.append((rule, m.group(0)))
                break

    if not any(rule.reason == "wellbeing" for rule, _ in found):
        need = _WELLBEING_NEED.search(line)
        if need is not None and _WELLBEING_WHO.search(line):
            found.append((_WELLBEING_PAIR, need.group(0)))
        else:
            scam = _SCAM.search(line)
            if scam is not None:
                found.append((_SCAM_RULE, scam.group(0)))

    if any(p in _TRIPS for _, p in found) and _ELECTRICS.search(line):
        found = [(r, p) for r, p in found if p not in _TRIPS]

    seen: set[str] = set()
    out: list[Signal] = []
    for rule, phrase in found:
        if rule.weak and counter_evidence:
            dismissed.add(rule.reason)
            continue
        if rule.reason in seen:
            continue
        seen.add(rule.reason)
        out.append(Signal(rule.reason, phrase))
    return Detection(tuple(out), frozenset(dismissed - seen))


def hostile(tokens: Sequence[Token]) -> bool:
    """Whether the text speaks of a post or a review as a complaint or a threat.

    Word of mouth is not a threat by itself: "telling all his mates about us" and "will
    recommend us" are praise. A review-threat alert needs negative words ("slate us",
    "one star", "disgusting") or intent without praise ("says he will post it online").
    """
    text = " ".join(t.word for t in tokens)
    if _NEGATIVE.search(text):
        return True
    return _THREAT.search(text) is not None and _POSITIVE.search(text) is None


def praised(tokens: Sequence[Token]) -> bool:
    """Whether the line has a word of praise ("left us a lovely review", "5 stars")."""
    return _POSITIVE.search(" ".join(t.word for t in tokens)) is not None


def _word_at(starts: list[int], offset: int) -> int:
    lo, hi = 0, len(starts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if starts[mid] <= offset:
            lo = mid
        else:
            hi = mid - 1
    return lo


# Words of the lexicon in plain form, so the matcher's typo correction can reach them
# ("bleding" → "bleeding", "solicter" → "solicitor") before the patterns run.
LEXICON_WORDS: frozenset[str] = frozenset(
    words(
        """
        injury injuries injured hurt bleeding blood wound fire flames smoke flood flooding
        flooded ambulance paramedic emergency hospital unconscious fainted collapsed
        breathing seizure choking allergic allergy anaphylaxis epipen scalded burned
        electric evacuate evacuation storm poisoning vomiting dangerous unsafe hazard
        concussion fell fallen slipped tripped stumbled sue suing sued lawsuit lawyer
        solicitor attorney barrister court police trading standards ombudsman environmental
        inspector regulator abusive abuse harassing harassment bullying intimidating
        threatening threatened threats swearing swore cursing punched slapped assault
        assaulted attacked violent violence weapon knife racist sexist homophobic shoved
        pushed grabbed spitting review reviews tripadvisor yelp trustpilot google facebook
        instagram twitter tiktok reddit youtube linkedin social media online viral filming
        recording press newspaper journalist reporter watchdog cancel cancelling cancelled
        account closing competitor competitors elsewhere leaving switching delete remove
        afford heating meter prepayment carer scammed scammer disconnected medication
        erase details records information unsubscribe terminate renew membership
        subscription contract
        """
    )
)
