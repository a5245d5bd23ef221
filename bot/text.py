"""Normalising the quick, messy text staff type mid-shift into comparable tokens.

Staff write "gst's clothes stuck in broken washer, she's fuming, pls help" on a phone,
one-handed. Everything here turns that into the same tokens a playbook author's tidy
wording produces: folded unicode, expanded contractions and staff shorthand, stems.
Typo correction needs a vocabulary, so it lives with the matcher (``bot.matching``).

Pure functions, no I/O; stems are cached because the same few thousand words recur.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import snowballstemmer

_STEMMER = snowballstemmer.stemmer("english")


def words(text: str) -> list[str]:
    """Whitespace-separated words: word lists stay readable as paragraphs."""
    return text.split()

# Characters phones and word processors substitute for plain ASCII ones.
_CHAR_MAP = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "&": " and ",
        "+": " and ",
        "@": " at ",
    }
)

# Shorthand that needs a look at its surroundings, so a regex rather than the word map.
_SHORTHAND_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), r)
    for p, r in (
        (r"\bw/o\b", " without "),
        (r"\bw/e\b", " whatever "),
        (r"\bw/", " with "),
        (r"\bb/c\b", " because "),
        (r"\ba/c\b", " account "),
        (r"\bn/a\b", " "),
        # "1*", "1-star", "1 star" all mean the same review; digits alone are dropped later.
        (r"\b1\s*(?:\*|-?\s*stars?\b)", " one star "),
        (r"\b2\s*(?:\*|-?\s*stars?\b)", " two star "),
        (r"\b5\s*(?:\*|-?\s*stars?\b)", " five star "),
        # "charged 2x", "x2", "called 3 times": repetition matters (double charge, chasing).
        (r"\b(?:2x|x2)\b", " twice "),
        (r"\b(?:[3-9]|1\d)x\b|\bx(?:[3-9]|1\d)\b", " several times "),
        (r"(\d)(st|nd|rd|th)\b", r"\1 "),
        # False friends: words that mean something else in these phrases, rewritten so
        # neither the matcher nor the escalation lexicon reads a lawsuit into a food hall.
        (r"\bfood courts?\b", " food hall "),
        (r"\b(service|standards?|quality|performance|things|deadlines?|schedule)((?: \w+)?) "
         r"(?:has |have |had )?slipped\b", r" \1\2 declined "),
        (r"\b(tennis|basketball|squash|netball|padel) courts?\b", r" \1 pitch "),
        (r"\bsw(?:ears?|ore|orn)(?: blind)? (?=(?:that|he|she|they|it|i|we|the|there|on)\b)",
         " insists "),
        (r"\b((?:app|website|site|system|till|computer|laptop|tablet|phone|software|program|"
         r"page|screen|machine|server|printer|card reader|terminal)(?: \w+){0,2}) "
         r"crash(?:es|ed|ing)?\b", r"\1 glitching "),
        # Texting shorthand whose meaning depends on its neighbours. "acc" is an account
        # after a possessive or before account words, otherwise "actually" (the word map);
        # "em" is an email after "sent"/"an", otherwise "them"; "q" is a queue where people
        # stand in one, otherwise a question.
        (r"\b(my|his|her|their|your|our|the|an|this|that|joint|business|bank|online|close|"
         r"closed|closing|cancel|cancelled|cancelling|delete|deleted|open|opened|freeze|frozen|pause|"
         r"paused|suspend|suspended) acc\b",
         r"\1 account"),
        (r"\bacc(?= (?:number|no|details|holder|manager|closed|balance|login|password|"
         r"settings|page)\b)", "account"),
        (r"\b(an|the|her|his|my|your|their|our|sent|send|resend|resent|by|via|per|reply to) "
         r"em\b", r"\1 email"),
        (r"\b(the|long|big|huge|massive|join|joined|jump|jumped|jumping|skip|skipped) q\b",
         r"\1 queue"),
        # Dialect whose sense depends on the phrase: "going mental" is anger, "it's mental
        # in here" is a busy shift, not health; "two grand" is money, "it's grand" is fine;
        # "dead busy" is very busy, not a death.
        (r"\b(?:go|goes|going|went|gone) (?:absolutely |completely |proper )?(?:mental|"
         r"spare|postal|ballistic|nuts|bananas)\b", " going mad "),
        (r"\bmental(?! (?:health|illness|state|breakdown|capacity))\b", " busy "),
        (r"\b(?:\d+|a|one|two|three|four|five|ten|few|couple of|couple) grand\b", " money "),
        (r"\b(?:is|was|am|are|be|all|that is|it is|its|thats|feeling) grand\b", " is fine "),
        (r"\bdead (?=(?:busy|good|nice|slow|quiet|rude|angry|annoyed|happy|chuffed|lovely|"
         r"friendly|late|cold|expensive|pricey|sweet|funny|keen|upset|loud|polite|pleased)\b)",
         " very "),
        (r"\b(?:the )?old bill\b", " police "),
        # Parts slip, people slip: "gears slipping" is a fault, not a fall.
        (r"\b(gears?|clutch|chain|belt|strap|grip|zip|tyres?|wheels?|brakes?|handbrake|"
         r"fan belt|cam belt)((?: \w+)?) (?:keeps? |kept |is |are |was |were )?slipping\b",
         r" \1\2 faulty "),
        # Utility accounts are not hazards: "gas bill", "electric meter" is energy billing.
        (r"\b(?:gas|electric|electricity)(?= (?:and (?:electric\w*|gas) )?(?:bills?|billing|"
         r"meters?|accounts?|suppliers?|tariffs?|readings?|prices?|payments?|top ?ups?|"
         r"company|provider|direct debit|statements?)\b)", " energy "),
        # A phone nobody answers: "rings out", "just rings and rings".
        (r"\b(?:just )?(?:rings?|rang|ringing) (?:and rings? )?out\b", " rang unanswered "),
        # Money symbols stay meaningful ("wants his £20 back") even when amounts are dropped.
        (r"[£$€]\s*\d[\d,.]*", " money "),
        (r"\d[\d,.]*\s*(?:quid|bucks|gbp|usd|eur|euros?|pounds?|dollars?)\b", " money "),
    )
)

# Contractions, expanded so negation ("didn't", "wasn't") is visible as "not".
_CONTRACTIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), r)
    for p, r in (
        (r"\bwon'?t\b", "will not"),
        (r"\bcan'?t\b", "can not"),
        (r"\bcannot\b", "can not"),
        (r"\bshan'?t\b", "shall not"),
        (r"\bain'?t\b", "is not"),
        (r"\b(do|does|did|is|are|was|were|has|have|had|would|should|could|must|need)n'?t\b",
         r"\1 not"),
        (r"n't\b", " not"),
        (r"'re\b", " are"),
        (r"'ve\b", " have"),
        (r"'ll\b", " will"),
        (r"'m\b", " am"),
        (r"'d\b", " would"),
        (r"'s\b", ""),  # possessive ("guest's") or "is": neither carries meaning here
        (r"s'(?=\s|$)", "s"),  # plural possessive ("guests'")
    )
)


def _any_of(patterns: Iterable[re.Pattern[str]]) -> re.Pattern[str]:
    """One regex that matches wherever any of ``patterns`` would, for a cheap pre-check.

    Those that start with a word boundary are joined bare, not each in its own group, so
    the regex compiler factors their common ``\\b`` out of the alternation: the engine
    tries the alternation at every character, and rejecting a mid-word position once
    instead of once per pattern makes the check three times cheaper.
    """
    at_word: list[str] = []
    anywhere: list[str] = []
    for pattern in patterns:
        if pattern.pattern.startswith(r"\b"):
            at_word.append(pattern.pattern)
        else:
            anywhere.append(pattern.pattern)
    return re.compile("|".join([f"(?:{'|'.join(at_word)})", *(f"(?:{p})" for p in anywhere)]))


_ANY_SHORTHAND = _any_of(p for p, _ in _SHORTHAND_PATTERNS)
_ANY_CONTRACTION = _any_of(p for p, _ in _CONTRACTIONS)
_PRONOUN_CONTRACTION = re.compile(
    r"\b(i|you|we|they|he|she|it|that|there|who|what)'(re|ve|ll|d|m|s)\b"
)
_PRONOUN_SUFFIX = {"re": "are", "ve": "have", "ll": "will", "d": "would", "m": "am", "s": "is"}

# Staff shorthand, one word for one or more words. Kept to what front-line staff in
# hospitality, retail and support commonly type; nothing specific to one playbook.
ABBREVIATIONS: dict[str, str] = {
    "cust": "customer",
    "custs": "customers",
    "cx": "customer",
    "cstmr": "customer",
    "gst": "guest",
    "gsts": "guests",
    "pax": "guests",
    "clnt": "client",
    "pls": "please",
    "plz": "please",
    "pl": "please",
    "thx": "thanks",
    "ty": "thank you",
    "mgr": "manager",
    "mngr": "manager",
    "mgmt": "management",
    "sup": "supervisor",
    "rm": "room",
    "tbl": "table",
    "appt": "appointment",
    "apt": "appointment",
    "res": "reservation",
    "resv": "reservation",
    "rez": "reservation",
    "acct": "account",
    "acc": "actually",
    "dept": "department",
    "svc": "service",
    "msg": "message",
    "msgs": "messages",
    "vm": "voicemail",
    "ph": "phone",
    "tel": "phone",
    "em": "them",
    "n": "and",
    "bout": "about",
    "wat": "what",
    "wot": "what",
    "wut": "what",
    "wht": "what",
    "q": "question",
    "qs": "questions",
    "qn": "question",
    "qns": "questions",
    "cud": "could",
    "wud": "would",
    "shud": "should",
    "gonna": "going to",
    "wanna": "want to",
    "gotta": "got to",
    "dunno": "do not know",
    "kinda": "kind of",
    "sorta": "sort of",
    "lemme": "let me",
    "gimme": "give me",
    "outta": "out of",
    "rn": "right now",
    "nvm": "never mind",
    "ya": "you",
    "yu": "you",
    "tonite": "tonight",
    "2nite": "tonight",
    "2moro": "tomorrow",
    "2morrow": "tomorrow",
    "l8": "late",
    "l8r": "later",
    "gr8": "great",
    "pic": "photo",
    "pics": "photos",
    "vid": "video",
    "vids": "videos",
    "tbh": "",
    "omg": "",
    "fyi": "",
    "btw": "",
    "pmsl": "",
    "lmao": "",
    "ppl": "people",
    "bc": "because",
    "cos": "because",
    "cuz": "because",
    "coz": "because",
    "u": "you",
    "ur": "your",
    "r": "are",
    "b4": "before",
    "min": "minutes",
    "mins": "minutes",
    "hr": "hour",
    "hrs": "hours",
    "wk": "week",
    "wks": "weeks",
    "yr": "year",
    "yrs": "years",
    "bday": "birthday",
    "b-day": "birthday",
    "anniv": "anniversary",
    "fb": "facebook",
    "ig": "instagram",
    "insta": "instagram",
    "tho": "though",
    "thru": "through",
    "w": "with",
    "wo": "without",
    "abt": "about",
    "smth": "something",
    "sth": "something",
    "nth": "nothing",
    "ppl's": "people",
    "idk": "i do not know",
    "dnt": "do not",
    "didnt": "did not",
    "doesnt": "does not",
    "dont": "do not",
    "isnt": "is not",
    "wasnt": "was not",
    "werent": "were not",
    "wont": "will not",
    "cant": "can not",
    "havent": "have not",
    "hasnt": "has not",
    "shes": "she is",
    "hes": "he is",
    "theyre": "they are",
    "im": "i am",
    "ive": "i have",
    "ok": "okay",
    "k": "okay",
    "2day": "today",
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "yday": "yesterday",
    "asap": "soon",
    "approx": "about",
    "w/": "with",
    "govt": "government",
    "ref": "refund",
    "refnd": "refund",
    "cc": "card",
    "dbl": "double",
    "addr": "address",
    "deliv": "delivery",
    "del": "delivery",
    "pkg": "package",
    "ord": "order",
    "qty": "quantity",
    "info": "information",
    "hrly": "hourly",
    "recep": "reception",
    "hk": "housekeeping",
    "f&b": "food",
    "wi-fi": "wifi",
}

# Dialect and service slang for people, money and food, one word for its standard word
# (UK, Irish, Australian, US and Indian English). Words whose sense is a *situation*
# ("narked", "gutted", "conked out") are concepts in SLANG instead; these only say who
# or what, so "the old fella" is a man (never "fell"), "his mates" are friends (no
# escalation) and "the gardai" are the police.
DIALECT: dict[str, str] = {
    "bloke": "man",
    "blokes": "men",
    "fella": "man",
    "fellas": "men",
    "feller": "man",
    "lad": "man",
    "lads": "men",
    "lass": "woman",
    "lasses": "women",
    "lassie": "woman",
    "missus": "wife",
    "missis": "wife",
    "mate": "friend",
    "mates": "friends",
    "matey": "friend",
    "cop": "police",
    "cops": "police",
    "feds": "police",
    "garda": "police",
    "gardai": "police",
    "choccies": "chocolates",
    "choccy": "chocolate",
    "brekkie": "breakfast",
    "brekky": "breakfast",
    "arvo": "afternoon",
    "servo": "petrol station",
    "heaps": "lots",
    "quid": "money",
    "fiver": "money",
    "tenner": "money",
    "bucks": "money",
    "dosh": "money",
    "cuppa": "tea",
    "sarnie": "sandwich",
    "butty": "sandwich",
    "telly": "tv",
    "brolly": "umbrella",
    "proper": "very",
    "ta": "thanks",
    "cheers": "thanks",
}
_WORD_MAP: dict[str, str] = {**ABBREVIATIONS, **DIALECT}

# Frequent English words and everyday slang (bot/common_words.txt, written for this
# matcher). A word in it, or sharing a stem with one, is a real word the staff member
# meant: typo correction never rewrites it ("fella" is not "fell", "skill" not "kill").
COMMON_WORDS: frozenset[str] = frozenset(
    w
    for line in (Path(__file__).with_name("common_words.txt")
                 .read_text(encoding="utf-8").splitlines())
    if not line.startswith("#")
    for w in line.split()
) | frozenset(DIALECT)

# Words that carry no situation on their own. Negations are deliberately absent:
# "no one answered", "never came", "not working" are the situation.
STOPWORDS: frozenset[str] = frozenset(
    words(
        """
        a an the and or but if then so than that this these those there here i me my mine
        myself we us our ours you your yours he him his she her hers it its they them their
        theirs who whom whose which what when where why how is am are was were be been being
        do does did doing have has had having will would shall should can could may might
        must to of in on at by for with from into onto over under about as up down out off
        just also very really quite too much many more most some any all each every both
        again still even only own same such other another ever yet already get gets got
        getting go goes going gone went come comes came coming say says said saying tell
        told ask asked asking one two three four five six seven eight nine ten okay oh yeah
        yes please thanks hi hey hello lol um uh like well now today guy lady man woman
        person someone somebody people customer customers guest guests client clients
        men women actually lots literally basically honestly
        """
    )
)

# Scene words: where it happened or through which channel ("at the till", "on the
# phone", "front desk"), not what happened. Every situation happens at a counter, so
# these count for little in matching; otherwise "cust cranky at the counter" goes to
# whichever playbook happens to mention counters most.
SCENE_WORDS: frozenset[str] = frozenset(
    words(
        """
        till tills desk desks counter counters reception front floor phone phones caller
        callers call-centre bar table tables shop store lobby checkout checkouts lane lanes
        aisle entrance staff member members colleague colleagues
        today tonight morning afternoon evening yesterday always within around kid kids
        child mum dad husband wife son daughter couple family lady gent gentleman sir
        madam shift
        """
    )
)

# Clause breaks: negation ("no injuries") and sentiment do not reach across them.
_CLAUSE_SPLIT = re.compile(r"[.,;:!?()\[\]\"/|\n]+|\s-\s|\s+(?:but|although|though|however)\s+")
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def fold(text: str) -> str:
    """Lowercase, strip accents ("café" → "cafe"), ASCII quotes and dashes."""
    if not text.isascii():  # plain ASCII (most texts) has no accents to strip
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.translate(_CHAR_MAP).lower()


def normalise(text: str) -> str:
    """The text with contractions and symbol shorthand expanded; words still in order."""
    text = fold(text)
    # Most texts have no shorthand: one search instead of a substitution per pattern.
    # (If no pattern matches the text as it is, no substitution can change it.)
    if _ANY_SHORTHAND.search(text):
        for pattern, repl in _SHORTHAND_PATTERNS:
            text = pattern.sub(repl, text)
    # "she's" is "she is", not a possessive: keep the verb so "she's not hurt" reads right.
    text = _PRONOUN_CONTRACTION.sub(lambda m: f"{m.group(1)} {_PRONOUN_SUFFIX[m.group(2)]}", text)
    if _ANY_CONTRACTION.search(text):
        for pattern, repl in _CONTRACTIONS:
            text = pattern.sub(repl, text)
    return text


@dataclass(frozen=True, slots=True)
class Token:
    word: str  # normalised surface word ("washer")
    clause: int  # index of the clause it belongs to (for negation scope)


def tokenise(text: str, *, keep_numbers: bool = False) -> list[Token]:
    """Words of ``text`` in order, shorthand expanded, each tagged with its clause.

    Hyphenated words are split ("mid-cycle" → "mid", "cycle") but bare numbers are
    dropped: "table 5" and "table 12" are the same situation. ``keep_numbers`` keeps
    them, for readers to whom a number is the signal ("call 999").
    """
    out: list[Token] = []
    for clause_no, clause in enumerate(_CLAUSE_SPLIT.split(normalise(text))):
        for raw in _WORD.findall(clause):
            if keep_numbers and raw.isdigit():
                out.append(Token(raw, clause_no))
            else:
                out.extend(_word_tokens(raw, clause_no))
    return out


@lru_cache(maxsize=16384)
def _word_tokens(raw: str, clause: int) -> tuple[Token, ...]:
    """The tokens one raw word of a clause stands for: shorthand expanded ("pls" →
    "please", "idk" → "i do not know"), hyphenated words split, bare numbers dropped.

    Cached, and tokens are immutable so equal ones are shared: the same few thousand
    words recur, and building a frozen dataclass costs more than the lookup.
    """
    expanded = _WORD_MAP.get(raw)
    if expanded is not None:
        pieces = [piece for piece in expanded.split() if not piece.isdigit()]
    else:
        pieces = []
        for piece in raw.split("-"):
            if not piece or piece.isdigit():
                continue
            sub = _WORD_MAP.get(piece)
            pieces.extend(sub.split() if sub is not None else (piece,))
    return tuple(Token(word, clause) for word in pieces)


# Words Snowball folds into an unrelated word's stem ("terminal" / "terminate").
_STEM_EXCEPTIONS = {"terminal": "terminal", "terminals": "terminal"}


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball (Porter 2) stem; "charged", "charging", "charges" → "charg"."""
    return _STEM_EXCEPTIONS.get(word) or str(_STEMMER.stemWord(word))


# A line's own words that it was said in jest ("lol", "only joking"), for the readers that
# weigh a joke: the safety detector (a joke explains an idiom away) and the escalation
# signals (a legal threat said as a joke is none).
JOKE_WORDS = r"lol|lmao|haha|only joking|joking|jokingly|kidding"


@lru_cache(maxsize=64)
def clause_pieces(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The raw clauses of ``text`` as ``tokenise`` numbers them, and the breaks between
    them (the k-th break follows clause k: ", ", " but ", ...). Cached: the detector
    and the routine check both ask, for the same line."""
    normal = normalise(text)
    breaks = tuple(m.group(0) for m in _CLAUSE_SPLIT.finditer(normal))
    return tuple(_CLAUSE_SPLIT.split(normal)), breaks


def clauses_of(tokens: Sequence[Token]) -> list[list[str]]:
    """The words of each clause, in order (clauses with no word left out)."""
    clauses: dict[int, list[str]] = {}
    for tok in tokens:
        clauses.setdefault(tok.clause, []).append(tok.word)
    return list(clauses.values())


def content_words(tokens: list[Token]) -> list[str]:
    """Surface words that can carry a situation (stopwords and 1-letter words dropped)."""
    return [t.word for t in tokens if len(t.word) > 1 and t.word not in STOPWORDS]


def phrase_stems(phrase: str) -> tuple[str, ...]:
    """Stems of every word of ``phrase`` (stopwords kept), for phrase matching."""
    return tuple(stem(t.word) for t in tokenise(phrase))


# Service slang and near-synonyms, canonical word → variants (words or phrases). A text
# containing a variant also gets the canonical word, so "she's livid" meets a playbook
# that says "angry", and "packed in" meets "broken". Applied to playbook text too, so
# both sides meet in the middle. Kept to everyday service language, not to any one
# playbook's wording: organisations' own playbooks benefit the same way.
SLANG: dict[str, tuple[str, ...]] = {
    "angry": (
        "fuming", "livid", "furious", "irate", "raging", "seething", "cross", "mad",
        "incensed", "enraged", "outraged", "kicking off", "kicked off", "going mad",
        "lost it", "losing it", "lost temper", "losing temper", "blew up", "hit the roof",
        "up in arms", "ranting", "shouting", "yelling", "screaming", "raised voice",
        "raising voice", "having a go", "going off", "pissed", "annoyed",
        "fed up", "unacceptable", "disgrace", "disgusted", "appalled", "hostile", "upset",
        # Dialect: UK, Irish, Australian, US, Indian English.
        "going spare", "narked", "narky", "cranky", "meltdown", "throwing a wobbly",
        "threw a wobbly", "chucking a wobbly", "spat the dummy", "spitting the dummy",
        "losing the plot", "lost the plot", "mardy", "gobby", "wound up", "worked up",
        "going mental", "hacked off", "cheesed off", "ticked off", "teed off", "peeved",
        "lost his rag", "lost her rag", "losing his rag", "losing her rag", "flipped out",
        "flipping out", "freaking out", "going off on one", "went off on one", "do one",
        "giving it large", "mouthing off", "effing and blinding", "blowing up",
        "agitated", "irritated", "exasperated", "would not calm down", "will not calm down",
        "could not calm down", "not calming down", "red faced", "red in the face",
        "face like thunder", "slammed", "stormed", "storming", "stomping", "stomped",
        "tantrum", "huffing", "jabbing finger",
    ),
    "broken": (
        "bust", "busted", "knackered", "kaput", "packed in", "packed up", "conked out",
        "died", "dead", "stopped working", "not working", "does not work", "will not work",
        "out of order", "on the blink", "playing up", "acting up", "malfunction",
        "malfunctioning", "faulty", "defective", "jammed", "snapped", "cracked", "shattered",
        "came apart", "fell apart", "falling apart", "fell off", "will not turn on",
        "not turning on", "does not turn on", "will not start", "broke", "breaks", "failed",
        "split", "ripped", "torn", "leaking", "dud", "will not switch on",
        "does not switch on", "not switching on", "not heating", "does not heat",
        "will not charge", "not charging", "will not load", "keeps crashing", "crashes",
        "stopped", "glitchy", "glitching", "buggy", "not as described", "fault",
        "ropey", "dodgy", "on its last legs", "packed it in", "gave up the ghost",
        "not going", "does not go", "gone kaput",
    ),
    "refund": (
        "money back", "reimburse", "reimbursed", "reimbursement", "chargeback", "pay back",
        "paid back", "credit back", "refunded", "compensation", "return money",
    ),
    "overcharged": (
        "ripped off", "rip off", "charged twice", "double charged", "charged double",
        "overbilled", "extra charge", "charged too much", "charged more", "overcharge",
        "wrong amount", "charged wrong", "billed twice", "double charge", "twice charged",
        "charged for", "hidden charge", "hidden fee",
    ),
    "wait": (
        "queue", "queuing", "queueing", "waiting", "waited", "ages", "forever",
        "taking long", "took long", "taking forever", "slow", "still waiting", "kept waiting",
        "tutting", "tutted", "impatient", "impatiently", "getting restless",
    ),
    "unhappy": (
        "not happy", "not pleased", "not impressed", "unimpressed", "dissatisfied",
        "displeased", "not satisfied", "disappointed", "let down", "not amused",
        "gutted", "miffed", "not best pleased", "put out", "browned off", "sulking",
        "sulky", "moaning", "whinging", "whingeing", "grumbling",
    ),
    "late": ("delayed", "delay", "overdue", "behind schedule", "not on time", "running late"),
    "cold": ("lukewarm", "tepid", "stone cold", "not hot", "freezing", "barely warm"),
    "missing": (
        "never came", "never arrived", "did not arrive", "did not come", "has not arrived",
        "not arrived", "never turned up", "forgot", "forgotten", "left out", "never got",
        "did not get", "lost", "not included", "short",
    ),
    "wrong": (
        "incorrect", "mixed up", "mix up", "mixup", "not what ordered", "someone else",
        "instead of", "different one", "mistake", "got the wrong", "swapped", "switched",
        "someone else's", "wrong one", "not mine", "not his", "not hers", "not theirs",
    ),
    "callback": (
        "call back", "ring back", "rang back", "phone back", "called back", "get back",
        "got back", "hear back", "heard back", "return call", "returned call", "reply",
        "replied", "response", "respond", "responded", "answer", "answered",
    ),
    "ignored": (
        "no reply", "no response", "no answer", "unanswered", "ghosted", "radio silence",
        "nobody answered", "no one answered", "nobody replied", "no one replied", "chasing",
        "chased", "nobody got back", "no one got back", "heard nothing", "not heard",
        "never heard", "no word", "nobody picked up", "no one picked up", "not picked up",
        "never picked up", "not picking up", "did not pick up", "goes to voicemail",
        "left messages", "left voicemails", "no callback", "never called back",
        "rings out", "rang out", "unanswered", "nobody picks up", "no one picks up",
        "nobody picking up", "no one picking up", "never picks up", "just rings",
        "nobody answers", "no one answers", "never answers", "engaged tone",
    ),
    "happy": (
        "delighted", "thrilled", "chuffed", "pleased", "over the moon", "made day", "loves",
        "loved", "loving", "enjoyed", "enjoying", "great time", "wonderful", "compliment",
        "complimented", "praised", "praise", "glowing", "impressed", "smiling", "buzzing",
        "made up", "stoked", "beaming", "all smiles", "raving", "loved it", "over the top",
        "chuffed to bits", "rapt", "wrapped", "craic", "great craic", "made her day",
        "made his day", "made their day", "made my day", "so sweet", "really sweet",
        "very sweet", "sweet of", "so kind", "thoughtful", "recommend", "recommended",
        "recommending", "five star", "so helpful", "very helpful", "really helpful",
        "most helpful", "super helpful", "such a help", "make his day", "make her day",
        "make my day", "make their day", "makes his day", "makes her day", "makes my day",
        "makes their day",
    ),
    "thanks": ("thanked", "thank", "grateful", "appreciate", "appreciated", "gratitude", "ta",
               "cheers", "much appreciated"),
    "regular": (
        "returning", "comes back", "came back", "back again", "frequent", "every week",
        "every year", "usual", "repeat",
    ),
    "vip": (
        "celeb", "celebs", "famous", "well known", "high profile", "private banking",
        "premier banking", "private client", "wealth management", "big tipper",
        "big spender", "key account", "top client", "biggest client", "biggest customer",
        "platinum", "gold member", "corporate account", "high value", "best customer",
        "important client", "important customer", "celebrity", "loyal", "long standing",
        "for years", "premium member", "elite", "major account", "big account",
        "spends a fortune", "spends a lot", "spent a fortune", "high spender", "top spender",
    ),
    "hesitant": (
        "hesitated", "hesitating", "hesitation", "shrugged", "shrug", "quiet", "silent",
        "reluctant", "unsure", "half hearted", "i guess", "is fine", "it is okay",
        "whatever", "no worries", "never mind", "not bothered", "no fuss", "make a fuss",
        "muttered", "sighed", "awkward", "holding back", "not convinced", "seems off",
        "not happy but", "did not say", "not said a word", "did not say a word",
        "not saying a word", "not a word", "said nothing", "says nothing", "saying nothing",
        "gone quiet", "went quiet", "not saying much", "barely spoke", "barely touched",
    ),
    "transfer": (
        "transferred", "passed around", "passed between", "bounced around", "put through",
        "redirected", "wrong department", "another department", "other department",
        "not my department", "other team", "different team", "another team", "handed over",
        "handover", "not my area", "different department",
    ),
    "supplier": (
        "vendor", "contractor", "courier", "delivery company", "third party",
        "outsourced", "subcontractor", "agency", "airline", "carrier", "external",
        "partner company",
        "franchise", "booking site", "provider", "tour operator", "manufacturer",
    ),
    "fault": (
        "own fault", "misuse", "misused", "dropped", "spilled", "spilt", "sat on",
        "mishandled", "not our fault", "out of warranty", "warranty expired",
        "warranty ran out", "no receipt", "past return", "outside policy", "against policy",
        "not covered", "accidental damage", "user error", "ignored instructions",
        "missed the deadline", "missed deadline", "missed the cutoff", "missed the cut off",
        "after the deadline", "past the deadline", "after the cutoff", "past the cutoff",
    ),
    "injury": (
        "hurt", "injured", "injuries", "bleeding", "fell", "slipped", "tripped", "wounded",
        "unconscious", "collapsed", "fainted", "ambulance", "medical", "allergic reaction",
    ),
    "fire": ("smoke", "flames", "burning smell", "fire alarm", "caught fire"),
    "flood": ("flooding", "flooded", "burst pipe", "water pouring", "water everywhere"),
    "abusive": (
        "insulting", "insults", "called names", "calling names",
        "threatening", "threatened", "harassing", "harassment", "abuse", "spat", "violent",
        "swearing at", "swore at", "sworn at", "shoved", "punched",
        "aggressive", "intimidating",
    ),
    "lawyer": (
        "solicitor", "attorney", "legal action", "sue", "suing", "court", "lawsuit", "legal",
        "police",
        "ombudsman", "trading standards", "small claims",
    ),
    "review": (
        "tripadvisor", "trip advisor", "yelp", "trustpilot", "google review", "one star",
        "post online", "posted online", "social media", "facebook", "instagram", "twitter",
        "tiktok", "tweeted", "tweet", "reddit", "viral", "slate", "slating", "slated",
        "slag off", "slagging off", "slagged off", "bad review",
    ),
    "cancel": (
        "close account", "closing account", "cancelling", "cancelled", "cancellation",
        "competitor", "elsewhere", "switch provider", "leaving us", "delete data",
        "remove details", "unsubscribe", "not renew",
        # "terminate" and "terminal" share a stem: only the phrases, never a card terminal.
        "terminate contract", "terminate account", "terminate membership",
        "terminate subscription", "terminate agreement",
    ),
    "stuck": (
        "trapped", "locked in", "locked inside", "jammed shut", "will not open",
        "can not open", "can not get out", "stuck inside", "swallowed", "ate",
    ),
    "damaged": (
        "ruined", "stained", "shrunk", "shrank", "scratched", "dented", "torn", "soaked",
        "damage", "wrecked", "destroyed", "marked",
    ),
    "busy": (
        "rammed", "heaving", "swamped", "manic", "chocka", "chock a block",
        "run off feet", "flat out", "short staffed", "understaffed", "very busy",
    ),
}


# Positive words whose negation ("not happy", "wasn't impressed") means the opposite;
# the matcher turns a negated one into the "unhappy" concept instead of the word.
POSITIVE_WORDS: frozenset[str] = frozenset(
    words(
        """
        happy pleased impressed satisfied good great nice amused thrilled keen fine okay
        glad content delighted friendly helpful
        """
    )
)
NEGATORS: frozenset[str] = frozenset({"not", "no", "never", "hardly", "barely"})

# Words that say there is a situation without saying which ("help, customer has an
# issue"): a text made only of these gets the usage hint, not a guess.
GENERIC_WORDS: frozenset[str] = frozenset(
    words(
        """
        help problem problems issue issues complaint complaints complaining complain
        question questions query queries situation thing things stuff something matter
        trouble need needs want wants advice urgent quick sorry wrong bad unhappy
        """
    )
)

# Service situations said with a gap in the middle ("asked for oat milk, got dairy"),
# which word-level slang cannot see. Each pattern adds its canonical concept.
CONCEPT_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), c)
    for p, c in (
        (r"\b(?:asked for|ordered|order|wanted|booked|requested|paid for|chose)\b(?: \w+){0,6} "
         r"(?:got|given|gave|received|brought|served|sent|came|delivered|turned up)\b", "wrong"),
        (r"\b(?:asked for|ordered|order|wanted|requested|paid for|chose)\b(?: \w+){0,6} "
         r"(?:got|given|gave|received|brought|served|poured|came|delivered|turned up)\b",
         "wrong order"),
        # Said fine, acted otherwise: "said it was lovely, left half of it".
        (r"\b(?:lovely|fine|great|good|nice|okay|alright|delicious|perfect|tasty)\b(?: \w+){0,3} "
         r"(?:left|barely|hardly|untouched|half|most of|sent back)\b", "hesitant"),
        # Staff who did not know what they were doing: poor service, not a handoff.
        (r"\b(?:no idea|no clue|not a clue|did not know|does not know|did not have a clue) "
         r"(?:what|how) (?:she|he|they|you|i|we)(?: \w+){0,3} (?:was|were|is|are|am) doing\b|"
         r"\b(?:clueless|untrained|incompetent|inexperienced|(?:poorly|badly|not) trained)\b",
         "incompetent"),
        # Misuse: an appliance used where it must not go.
        (r"\b(?:used|using|uses|use|took|dropped|put|ran|washed|wore|left)\b (?:\w+ ){0,4}"
         r"(?:in|into|under|through) (?:the |a )?(?:shower|bath|rain|pool|sea|dishwasher|"
         r"washing machine|microwave|tumble dryer|toilet|sink|oven)\b", "fault"),
        # Superlative praise: "the most helpful person she has spoken to", "best ever".
        (r"\b(?:most helpful|most patient|most professional|best|nicest|kindest|friendliest|"
         r"loveliest)\b(?: \w+){0,3} (?:ever|(?:she|he|they|i|we) (?:has|have|had|is|was) "
         r"(?:ever )?(?:spoken|met|dealt|had|seen|been))\b", "happy"),
        # "i only do gas", "i am on the bar": the speaker's own team is not the one needed.
        (r"\bi (?:only|just) (?:do|handle|deal with|cover|work on|look after)\b|"
         r"\bi (?:am|work) (?:only |just )?(?:in|on) (?:the )?(?:\w+ )?(?:team|desk|"
         r"department|dept|side|line|bar|floor|reception|billing|sales|bookings|accounts|"
         r"support|claims|returns|front of house)\b", "transfer"),
        (r"\b(?:not|never) (?:his|hers|her|theirs|their|mine|my|ours|the ones?|what)\b", "wrong"),
        (r"\b(?:rang|called|phoned|emailed|messaged|chased|tried)\b(?: \w+){0,2} "
         r"(?:several|many|multiple|twice|times|again|repeatedly)\b", "ignored"),
        (r"\b(?:over|more than|nearly|almost) (?:an? )?(?:hour|half an hour|minutes)\b", "wait"),
        (r"\b(?:moving|switching|going|off|joining|signing up|signed up) (?:\w+ ){0,3}"
         r"(?:elsewhere|another|different|other|rival|across the road|down the road|next door|"
         r"across town|up the road|round the corner)\b", "cancel"),
        (r"\bcome (?:\w+ ){0,2}(?:for|every) (?:\w+ ){0,2}years?\b", "regular"),
        (r"\byears? (?:of|as a) (?:custom|customer|member|client|loyal)", "vip"),
        # "we forgot the chips", "kitchen left out the sauce", "missing the side salad".
        (r"\b(?:we|they|kitchen|chef|bar|restaurant|driver|staff|somebody|someone) (?:\w+ )?"
         r"(?:forgot|forgotten|left out|missed|did not (?:send|include|put|give|pack|add))\b",
         "missing"),
        (r"\b(?:missing|forgot|forgotten|without|no sign of|short) (?:the|his|her|their|a|an|"
         r"my|our|one|two|both|any) \w+", "missing"),
        # "ringing all morning", "nobody picks up", "calls go unanswered".
        (r"\b(?:ringing|calling|phoning|ring|call|phone|trying|tried|emailing) (?:\w+ ){0,3}"
         r"(?:all (?:morning|day|week|afternoon|evening|night)|since (?:monday|tuesday|"
         r"wednesday|thursday|friday|saturday|sunday|yesterday|morning|last)|for days|"
         r"for hours|for weeks|non stop)\b", "ignored"),
        (r"\b(?:nobody|no one|noone|never|not) (?:\w+ )?(?:picks?|picking|picked|answers?|"
         r"answering|answered) (?:up|the phone|calls|emails|my|her|his|their)\b", "ignored"),
        # "wants a refund, that's the accounts team": somebody else's job.
        (r"\b(?:that is|this is|it is|thats|that one is|that is one|one) (?:a job )?(?:for )?"
         r"(?:a |an |the |our )?(?:\w+ ){0,2}(?:team|desk|department|dept|office)\b",
         "transfer"),
        (r"\b(?:needs?|wants?|should|has to|have to) (?:to )?(?:speak|talk|go|be put through) "
         r"to (?:the |a |our )?(?:\w+ ){0,2}(?:team|desk|department|dept|office)\b",
         "transfer"),
        (r"\bnot (?:us|our (?:team|department|desk|area|job|side))\b", "transfer"),
        # Praise passed on ("will recommend us", "left us five stars"): delight, not threat.
        (r"\b(?:recommend\w*|five star|rave reviews?|glowing|shout ?out|(?:lovely|great|nice|"
         r"kind|amazing|good) (?:review|reviews|post|photo|photos|comment|comments|words))\b",
         "happy"),
    )
)


# Every gap pattern in one alternation: most texts match none of them.
_ANY_CONCEPT = re.compile("|".join(f"(?:{p.pattern})" for p, _ in CONCEPT_PATTERNS))


def concepts(tokens: list[Token]) -> list[str]:
    """Canonical concepts the gap patterns find in the text (in no particular order)."""
    text = " ".join(t.word for t in tokens)
    if _ANY_CONCEPT.search(text) is None:
        return []  # one search instead of one per pattern
    return [canonical for pattern, canonical in CONCEPT_PATTERNS if pattern.search(text)]
