"""The safety detector: does this line say someone may be in danger right now?

It runs on every line, before and apart from playbook ranking, and its verdict wins:
a chest pain mentioned in the middle of a complaint about a steak is a medical
emergency first and a steak second. It is built for recall, because a missed overdose
costs more than a needless call to a manager, but it must stay quiet on the idioms
staff and customers use all day ("this queue is killing me", "I'm dying for a coffee",
"daylight robbery", "the evacuation drill", "the chef is on fire tonight").

How it reads: ``bot.text`` normalises the line (contractions and shorthand expanded,
numbers kept so "999" counts), clauses are joined with " | " so a pattern cannot run
across a clause break unless it says so, and each rule is one compiled regular
expression (with an optional veto read in the same clause: "steak knife", "flooded with
calls"). A hit preceded within three words of its clause by a negation ("no knife",
"nobody hurt") does not count. A few dangers are two facts that may sit in different
clauses ("diabetic" ... "confused"); those rules read the whole line.

Each finding has a kind; kinds map to the playbook to answer with, in order of
preference, so a custom library without ``medical-emergency`` still answers with
``safety-emergency``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.signals import BLEEDING_INTENSIFIED
from bot.text import JOKE_WORDS, Token, clause_pieces, clauses_of, tokenise

# Most urgent first: when several kinds fire, the first decides the answer and the
# others follow as alternatives. A weapon or a fire endangers everyone present; a
# medical emergency needs help now; a missing child needs a search now.
KINDS: tuple[str, ...] = (
    "weapon",
    "violence",
    "fire",
    "gas",
    "flood",
    "hazard",
    "medical",
    "overdose",
    "missing",
    "self-harm",
    "robbery",
    "suspicious",
    "staff-threat",
)

# Playbooks for each kind, best first; the first one present in the library answers.
PLAYBOOKS: dict[str, tuple[str, ...]] = {
    "weapon": ("safety-emergency",),
    "violence": ("safety-emergency",),
    "fire": ("safety-emergency",),
    "gas": ("safety-emergency",),
    "flood": ("safety-emergency",),
    "hazard": ("safety-emergency",),
    "medical": ("medical-emergency", "safety-emergency"),
    "overdose": ("medical-emergency", "self-harm-or-crisis", "safety-emergency"),
    "missing": ("missing-person", "safety-emergency"),
    "self-harm": ("self-harm-or-crisis", "safety-emergency"),
    "robbery": ("theft-or-security", "safety-emergency"),
    "suspicious": ("theft-or-security", "safety-emergency"),
    "staff-threat": ("staff-harassed", "abusive-or-legal-threat", "safety-emergency"),
}

# Escalation reasons each kind raises (all raise safety).
REASONS: dict[str, tuple[str, ...]] = {
    "robbery": ("safety", "security"),
    "suspicious": ("safety", "security"),
    "staff-threat": ("safety", "abuse"),
}

# The playbooks for danger itself. Only the detector (or the text's own safety signals)
# may answer with one: the ranker choosing one from a stray word ("flooded with calls",
# "the fire alarm test") is a near miss, not an emergency.
SAFETY_PLAYBOOKS = frozenset(
    {"safety-emergency", "medical-emergency", "missing-person", "self-harm-or-crisis"}
)

_NEGATIONS = frozenset({"no", "not", "never", "nobody", "none", "without", "nothing", "neither"})
# Words that end a negation's reach: "not sure if he is breathing".
_NEGATION_BREAKERS = frozenset(
    {
        "sure",
        "if",
        "whether",
        "know",
        "until",
        "unless",
        "and",
        "but",
        "so",
        "then",
        "because",
        # "will not stop bleeding", "not crying just dazed", "could not help him breathe"
        "stop",
        "stops",
        "stopped",
        "stopping",
        "just",
        "only",
        "help",
    }
)
_NEGATION_WINDOW = 3

# Each thought the child was with the other: "she think he was with dad but dad just come
# in from car park alone", "dad thought she was with mum, mum thought she was with him".
_CROSSED_BELIEF = (
    r"(?:thought|thinks|think|assumed|assumes|reckoned) (?:he|she|they|the (?:\w+ )?(?:boy|girl|"
    r"kid|child|lad|little one)) (?:was|were|is|are) with (?:her |his |their |the )?(?:dad|mum|"
    r"mam|father|mother|nan|gran|grandad|grandma|him|her|them|sister|brother|friends?|group)"
    r"(?:\W+\w+){0,8}?\W+(?:alone|on (?:his|her|their) own|without (?:him|her|them)|(?:mum|dad|"
    r"he|she) thought (?:he|she|they) (?:was|were) with (?:him|her|them|mum|dad))"
)

# Someone, for rules whose subject must be a person ("man collapsed", not "cake").
_PERSON = (
    r"(?:he|she|they|him|her|guest|guests|customer|customers|client|man|woman|lady|"
    r"gentleman|bloke|guy|fella|child|kid|boy|girl|baby|toddler|person|someone|somebody|"
    r"elderly|pensioner|staff|colleague|waiter|waitress|server|cashier|receptionist|member|"
    r"manager|driver|passenger|patient|visitor|resident|chef|cleaner|porter|mum|dad|mother|"
    r"father|son|daughter|wife|husband|partner|friend|student|diner|shopper|pt|pax)"
)
_CHILD = (
    r"(?:child|children|kid|kids|boy|girl|toddler|baby|little one|little lad|little girl|"
    r"little boy|son|daughter|grandson|granddaughter|youngster|tot|infant|newborn|"
    r"little ones|toddlers|babies|(?:little|younger|baby|kid|small) (?:brother|sister)|teen|"
    r"teens|teenager|teenagers|teenage (?:son|daughter|boy|girl)|twins|"
    r"\d+ ?(?:year|month|yr|yo)s? old|\d+yo|\d+ ?yr old|(?:one|two|three|four|five|six|"
    r"seven|eight|nine|ten|eleven|twelve) (?:year|month|yr)s? old)"
)
_RELATIVE = (
    r"(?:husband|wife|mum|mother|dad|father|nan|nana|gran|granny|grandma|grandad|grandpa|"
    r"grandfather|grandmother|partner|brother|sister|uncle|aunt|friend)"
)
_POSS = r"(?:his|her|their|my|your|the|a|an|our)"
# Whoever should be with a child ("no sign of the parent").
_CARER = (
    r"(?:parent|parents|carer|carers|guardian|adult|adults|grown up|grown ups|mum|dad|"
    r"mother|father|mummy|daddy)"
)
# A child-shaped word that is really a product or a price ("kids menu", "son's order":
# the tokeniser drops the possessive).
_NOT_A_CHILD = (
    r"(?! (?:menu|menus|meal|meals|portion|size|club|area|party|section|toys?|shoes?|"
    r"clothes|ticket|tickets|price|entry|pass|food|drinks?|order|orders|cake|seat|seats|"
    r"room|bed|cot|parcel|delivery|package|present|gift|birthday|passport|booking|bag|"
    r"phone|coat|account|card|school|nursery|homework|game|games|tablet|book|books|"
    r"glasses|keys|bike|scooter|pram|buggy|pushchair|car seat|trainers|boots|sandals|"
    r"wellies|jumper|hoodie|cardigan|jacket|hat|gloves?|scarf|lunchbox|lunch|bottle|"
    r"blanket|dummy|teddy|doll|drink|juice|snack|sweets|ipad|console|stuff|things|"
    r"uniform|costume|kit|swimsuit|trunks|towel|wristband|voucher|tickets)\b)"
)
# Typed in haste: "cheast", "chst".
_CHEST = r"(?:chest|cheast|chset|chesst|chst)"
# How a chest (or the jaw, or the left arm) feels when the heart is in trouble.
_CARDIAC_FEELING = (
    r"(?:pain|pains|painful|ache|aching|achy|hurts?|hurting|sore|pressure|tight|"
    r"tightness|heavy|heaviness|crushing|squeez\w*|burning|numb|tingl\w*)"
)
# Things that smoke, spark or melt when they are about to catch fire.
_APPLIANCE = (
    r"(?:dryer|tumble dryer|washer|washing machine|machine|oven|microwave|toaster|kettle|"
    r"heater|fan|fridge|freezer|tv|television|lamp|light|lights|fuse ?box|fuse ?board|"
    r"extension lead|extension|adapter|hair ?dryer|straighteners|iron|boiler|engine|car|"
    r"van|bike|scooter|vape|fryer|hob|cooker|dishwasher|printer|computer|laptop|charger|"
    r"socket|sockets|plug|battery|batteries|wire|wires|wiring|cable|bulb|meter|motor|"
    r"radiator|bin|electrics)"
)

# Parts of a body, for an injury described rather than named ("his hand crushed in the
# tail lift", "cant put weight on her ankle").
_BODY = (
    r"(?:head|forehead|face|eye|eyes|nose|mouth|lip|lips|jaw|chin|neck|shoulder|shoulders|"
    r"arm|arms|elbow|elbows|wrist|wrists|hand|hands|palm|palms|thumb|thumbs|finger|fingers|"
    r"hip|hips|leg|legs|knee|knees|ankle|ankles|foot|feet|toe|toes|ribs?|collarbone|skull|"
    r"shin|thigh|spine|stomach|tummy|skin|forearms?|upper arm|calf|calves|ears?|cheeks?|"
    r"scalp|temple)"
)
# Whose body: a possessive, with room for one word ("her left hand", "his poor foot").
_WHOSE = r"(?:his|her|their|my|your|its) (?:\w+ )?"
# What happened to it, when said after it ("fingers look really bad").
_INJURED = (
    r"(?:crushed|trapped|mangled|broken|snapped|dislocated|sliced|split open|cut open|caught "
    r"in|stuck in|trapped under|jammed in|"
    r"cut (?:right )?(?:open|deep|badly|to the bone)|gashed|gushing|pouring (?:with )?blood|"
    r"bleeding|pumping blood|swollen|swelling up|swelling|ballooning|ballooned|puffed up|"
    r"bent (?:the wrong way|backwards|back|wrong)|at a (?:funny|weird|strange|odd|wrong|"
    r"horrible) angle|the wrong way|sticking out|hanging off|fractured|black and blue|"
    r"burnt|burned|blistered|blistering|scalded|peeling|red raw|impaled|(?:looks?|looking) "
    r"(?:really |very |so |quite )?(?:bad|awful|nasty|horrible|horrific|broken|mangled|"
    r"wrong|deformed|gross))"
)
# Things that are not part of anybody ("the hand dryer", "head office", "leg of the table").
_NOT_A_BODY = (
    r"(?! (?:of|dryer|dryers|rail|rails|rest|brake|towel|towels|cream|wash|soap|gel|set|"
    r"office|chef|waiter|teller|board|door|doors|room|seat|seats|massage|light|lights|lamp|"
    r"bag|support|strap|piece|unit|luggage|baggage|wash|cover|covers|rest|end|garden|"
    r"yard|pocket|pockets|issue|issues|up|out)\b)"
)
# Who is attacked or threatened: a person, often one of ours ("one of our waiters").
_VICTIM = (
    r"(?:him|her|them|me|us|someone|somebody|anyone|everyone|each other|one another|"
    r"(?:(?:one of )?(?:our|the|a|an|my|his|her|their|another|some|this|that|two|other) "
    r"(?:\w+ ){0,2})?(?:staff|colleagues?|guards?|security|bouncers?|doorman|doormen|"
    r"waiters?|waitress(?:es)?|servers?|barman|barmen|barmaid|bartenders?|cashiers?|"
    r"tellers?|receptionists?|nurses?|doctors?|pharmacists?|drivers?|riders?|porters?|"
    r"cleaners?|managers?|officers?|attendants?|stewards?|crew|agents?|assistants?|"
    r"workers?|teachers?|carers?|chefs?|baristas?|hosts?|hostess|concierge|clerks?|"
    r"dentists?|opticians?|vets?|pilots?|coach|trainers?|instructors?|lifeguards?|"
    r"students?|pupils?|guests?|customers?|passengers?|patients?|"
    r"visitors?|members?|residents?|diners?|shoppers?|clients?|man|men|woman|women|lady|"
    r"ladies|guy|guys|girl|girls|boy|boys|kid|kids|child|children|person|people|fella|"
    r"bloke|lad|lads|partner|wife|husband|girlfriend|boyfriend|friend|friends|mate|mates))"
)


@dataclass(frozen=True, slots=True)
class _Rule:
    kind: str
    pattern: re.Pattern[str]
    veto: re.Pattern[str] | None = None  # read in the clause of the hit
    # A sign that may be minor ("bumped his head", "trapped her finger"): it counts
    # unless the line says all is well ("but he is fine", "nobody hurt").
    weak: bool = False


@dataclass(frozen=True, slots=True)
class _Pair:
    """Two facts anywhere in the line that together mean danger."""

    kind: str
    first: re.Pattern[str]
    second: re.Pattern[str]
    # Anywhere in the line, this says the two facts are harmless after all.
    unless: re.Pattern[str] | None = None


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{pattern})\b")


def _rule(kind: str, pattern: str, veto: str | None = None, *, weak: bool = False) -> _Rule:
    return _Rule(kind, _rx(pattern), _rx(veto) if veto else None, weak)


# A cloth round a wound, soaked through: blood told without its name.
_WRAP_SOAKED = (
    r"(?:(?:round|around|on|over|to|against) (?:his|her|their|my|the) (?:\w+ )?(?:wrist|hand|"
    r"arm|head|leg|foot|finger|thumb|face|neck|knee|forehead|nose|cut|wound|gash)|wrapped "
    r"(?:it|them|(?:his|her|their|my) \w+)) (?:\w+ ){0,6}(?:soaked|soaking|soaks|bled|"
    r"bleeding) (?:right )?through|"
    # "hand wrap in towel all red and dripping"
    r"(?:hand|arm|wrist|finger|head|foot|leg) (?:\w+ )?wrap\w* (?:up )?in (?:a |the |his |her )?"
    r"(?:towel|napkin|cloth|tea towel|tissue|tissues|bandage|shirt|t shirt|jumper|serviette) "
    r"(?:\w+ ){0,3}(?:red|bloody|blood|soaked|dripping)"
)


# A fire exit that will not let people out.
_EXIT_SHUT = (
    r"(?:fire|emergency) (?:exit|exits|door|doors|escape|escapes) (?:\w+ ){0,4}(?:chained|"
    r"padlocked|locked shut|locked from the outside|bolted shut|blocked|barricaded|jammed "
    r"shut|will not open|would not open|does not open|can not be opened|cannot be opened)"
)


_RULES: tuple[_Rule, ...] = (
    # --- weapons and violence ------------------------------------------------------------
    _rule(
        "weapon",
        r"knife|knives|blade|machete|gun|guns|pistol|firearm|weapon|weapons|rifle|shotgun|"
        r"crossbow|taser|pepper spray|stanley knife|(?:knife|gun) ?point",
        # Cutlery, tools and toys are no weapons; nor is shoplifted stock on a shelf.
        veto=r"(?:steak|butter|bread|fish|cheese|palette|pocket|kitchen|carving|plastic|"
        r"dirty|clean|blunt|spare|extra|sharp|new|clean) (?:knife|knives)|"
        r"(?:knife|knives) (?:and|n) forks?|forks? and (?:knife|knives)|(?:knife|knives) blocks?|"
        # Asking for a knife to eat with.
        r"(?:knife|knives) (?:\w+ ){0,2}(?:to cut|for (?:the|her|his|their|my|a) (?:\w+ )?"
        r"(?:cake|steak|bread|pizza|food|meal|dinner|sandwich|cheese|fruit|table))|"
        r"(?:asked|asking|ask|wants?|need\w*|bring|brought|get) (?:\w+ ){0,2}(?:for )?"
        r"(?:a|another|an|the|clean|new) (?:\w+ )?(?:knife|knives)|"
        r"(?:razor|shaver|wiper|mower|fan|blender|replacement|spare) blades?|"
        r"(?:knife|knives|mower|saw|fan|blender|razor|skates?|scissors) (?:\w+ ){0,5}blades?|"
        r"blades? (?:\w+ )?(?:is |was |are |were |got |has )?(?:chipped|blunt|bent|broken|rusty|"
        r"loose|dull|snapped|missing|wobbl\w*|came off|coming off|fell off)|"
        r"gun ?dogs?|(?:glue|nerf|water|toy|staple|massage|heat|spray|price|label|temperature|"
        r"radar|speed|laser tag|laser quest|laser|paintball|airsoft|bubble|foam|confetti|"
        r"caulk|caulking|sealant|silicone|grease|tattoo|soldering|nail|rivet|pellet) guns?|"
        # A game's gun that is faulty: "laser tag gun won't fire, battery dead".
        r"guns? (?:\w+ ){0,2}(?:will not|wont|does not|doesnt|did not|not|never) (?:fire|"
        r"shoot|work|charge)|guns? (?:\w+ )?(?:battery|batteries|trigger|charger|sensor) "
        r"(?:\w+ )?(?:dead|flat|broken|stuck|faulty|not working)|gun ?metal|top gun|blade runner|"
        r"weapons? grade|"
        r"(?:selling|sell|stock|aisle|shelf|display|cabinet|on sale|in stock|order) "
        r"(?:\w+ ){0,3}(?:knife|knives|blades?)|"
        r"(?:knife|knives) (?:\w+ ){0,3}(?:missing|dirty|bent|dropped on the floor|setting|"
        r"settings|cutlery|for (?:the|his|her|table))|(?:knife|knives) (?:sharpener|sharpeners|"
        r"sharpening|set|sets|rack|drawer|roll|skills|"
        r"stand|service|block|guard|case|holder|bag)|"
        # A gun shop's counter, a licence, a club: the trade, not a threat.
        r"(?:gun|guns|rifle|rifles|shotgun) (?:counter|department|section|shop|store|licen[cs]e|"
        r"licen[cs]es|cabinet|safe|club|range|dealer|permit)|(?:knife|gun) fight in (?:the |a |"
        r"act|scene|film|movie|play|show|book|game|episode)",
    ),
    _rule(
        "weapon",
        r"(?:pulled|pulls|pulling|drew|drawn) (?:out )?(?:a|an|his|her|the) (?:\w+ )?(?:knife|gun|"
        r"blade|machete|crowbar|hammer|bat|screwdriver|syringe|needle|axe|cleaver|scissors|"
        r"bottle|weapon|wrench|spanner|iron bar|metal bar|pole) on|(?:with|holding|waving|has|has "
        r"got) (?:a|an) (?:\w+ )?(?:syringe|needle|crowbar|machete|axe|cleaver|iron bar|metal "
        r"bar) (?:\w+ ){0,2}(?:threaten\w*|at|towards|demanding)|"
        r"(?:threaten\w*|waving|waved|brandish\w*|swinging|swung|pointing|pointed|came at|"
        r"going for|went for|lunged at|chased|chasing|came after|went after|(?:come|coming|"
        r"be) back with) (?:\w+ ){0,6}"
        r"(?:with )?(?:a |an |the |his |her |their |"
        r"broken )?(?:\w+ )?(?:bottle|glass|chair|bat|hammer|screwdriver|syringe|needle|brick|"
        r"pole|stick|crowbar|axe|knife|knives|blade|scissors|cleaver)|smashed (?:a |"
        r"the )?(?:bottle|glass) (?:and|to)|"
        r"broken (?:bottle|glass) (?:at|in (?:his|her) hand|towards)|glassed",
        veto=r"glass of|bottle of (?:wine|water|champagne|prosecco|beer)",
    ),
    _rule(
        "violence",
        r"fight(?:ing)? (?:broke out|breaking out|going on|kicked off|kicking off|started|has "
        r"started|outside|in the|in our)|(?:a |big |massive |punch |fist )fight|fist ?fight|"
        r"(?:started|starting|having|in|into|got into) (?:a )?fight|brawl\w*|scuffle\w*|"
        r"punch up|squaring up|fists? (?:flying|up)|(?:came|coming) to blows|"
        r"punches (?:thrown|flying|being thrown)|(?:throwing|threw|swinging|swung|exchanging|"
        r"exchanged|trading|traded|turned to|turned into) punches|"
        r"(?:smash|kick|punch|knock) (?:\w+ ){0,2}(?:face|faces|head|heads|teeth) in|"
        r"punch(?:ed|ing)? (?:him|her|them|me|us|someone|somebody|another|each other|my|his|"
        r"the|a)|(?:hit|hitting|kicked|kicking|slapped|slapping|headbutt\w*|attacked|"
        r"attacking|assaulted|strangl\w*|chok(?:ed|ing) (?:him|her|them|me)|beat(?:ing)? up|"
        r"beaten up|bottled|shoved|pushed) (?:\w+ )?(?:him|her|them|me|us|someone|somebody|"
        r"another|each other|a guest|a customer|a man|a woman|a member|my colleague|staff|"
        r"the (?:guard|driver|waiter|waitress|cashier|receptionist|nurse|doctor|officer))"
        rf"(?! {_BODY}\b)|"
        r"stab\w*|shot (?:at|him|her|someone)|shooting|swung (?:a punch|at)|"
        # A vehicle used as a weapon: "drove his car at the other one", "tried to run
        # him over".
        r"(?:drove|driven|drive|drives|driving|reversed|reversing|accelerated|swerved|aimed) "
        r"(?:\w+ ){0,2}(?:car|van|truck|lorry|vehicle|motorbike|scooter|4x4|suv)? ?(?:straight )?"
        r"(?:at|towards|into) (?:\w+ ){0,2}(?:him|her|them|me|us|someone|somebody|the other|"
        r"another|a (?:man|woman|customer|pedestrian|person|child|kid|member)|customers|"
        r"pedestrians|people|staff|our (?:\w+ )?(?:staff|colleague|attendant|guard|marshal)|the "
        r"(?:crowd|attendant|guard|marshal|queue))|(?:tried|try|trying|tries) to run (?:him|"
        r"her|them|me|us|someone|somebody|the \w+) (?:over|down)|"
        r"(?:threaten\w* to|going to|gonna|will|said he would|said she would) (?:kill|stab|"
        r"shoot|batter|glass|hit|punch|beat|smash (?:his|her|your|my|their) face in) "
        r"(?:you|him|her|them|us|staff|my colleague|someone|everyone|the)|"
        r"(?:kill|stab|shoot|batter) (?:you|him|her|them|us|everyone)|put a bullet in (?:your|"
        r"his|her|their) head|"
        # "told reception he'll 'end her' when she comes out of class".
        r"(?:will|ll|going to|gonna|threaten\w* to|said (?:he|she) would) (?:\w+ )?end (?:her|"
        r"him|them|you)(?! (?:off|up|with|a|an|the|on|at|in|early)\b)|"
        r"(?:will|would|hell|shell|theyll|going to|threaten\w* to|wants? to|promised to|swore "
        r"to|coming back to|come back and) (?:\w+ ){0,4}(?:hurt|harm|attack|kill|stab|shoot|batter|"
        r"glass|punch|beat up|kick|knife|cut|smash) (?:you|him|her|them|us|staff|everyone|my "
        r"colleague|our staff)(?! (?:feelings|in the prices)\b)|"
        r"(?:will|would|hell|shell|theyll|going to|threaten\w* to|wants? to|coming back|"
        r"come back|said (?:he|she|they) would|said (?:he|she|they) will|about to) "
        r"(?:\w+ ){0,6}(?:burn|torch|firebomb|petrol bomb|blow up|shoot up|set fire to) "
        r"(?:the |this |your |our |their |his |her )?(?:\w+ )?(?:place|shop|store|hotel|building|"
        r"restaurant|bar|"
        r"pub|office|house|car|club|venue|branch|site|flat)",
        veto=r"shooting (?:gallery|game|games|stall)|violent (?:film|movie|game|show|video)|"
        r"fight (?:\w+ ){0,2}over who (?:pays|is paying|gets)|(?:play|pillow|food|water|snowball|"
        r"foam|nerf|dance|bun) fight|"
        r"(?:fighting|fight) (?:a |the |his |her |their )?(?:parking|fine|charge|ticket|"
        r"claim|case|cold|infection|bug|flu|corner)|shooting (?:ground|grounds|school|club|"
        r"lessons?|instructor|session|party)|gun (?:hire|licence|license|cabinet|safe|club|shop)|"
        r"shooting (?:star|stars|range|script|a video|"
        r"video|photos?|pictures?|film|wedding|for|an? (?:advert|ad|commercial|scene|music "
        r"video|episode|documentary|segment|promo)|advert|ad|commercial|scene|footage|hoops|"
        r"pool)|(?:film|tv|camera|video) crew (?:\w+ ){0,2}shooting|photo ?shoot|stab at|"
        r"stab(?:bed|bing|s)? (?:\w+ )?at (?:the |a |his |her |their |my |our |some )?(?:\w+ )?"
        r"(?:card|cards|button|buttons|screen|keypad|keys|machine|reader|terminal|pin|food|"
        r"plate|salad|phone|menu|map|keyboard|tablet|touchscreen|till|chips|peas|lift|app)|"
        r"stabbing (?:\w+ )?(?:pain|pains|sensation|feeling|headache)|"
        # Betrayed, not wounded: "stabbed in the back by the rep who sold him the contract".
        r"(?:feels?|felt|feeling) (?:\w+ ){0,2}(?:like (?:\w+ ){0,3})?stabbed in the back|"
        r"stab\w* (?:\w+ )?in the back by (?:the|a|an|his|her|their|my|your|our|this|that) "
        r"(?:\w+ )?(?:rep|company|firm|bank|boss|manager|salesman|saleswoman|agent|broker|"
        r"provider|supplier|network|insurer|landlord|friend|colleague|colleagues|staff|partner|"
        r"business|shop|store|brand)|"
        r"(?:hit|hitting) (?:the|a) (?:button|wall|jackpot|road|target|limit|spot|roof|ceiling|"
        r"deck|bottle|hay|sack|gym|shops|town|brakes|nail|ground running|big time)|"
        # A milestone reached: "hit her hundredth class", "hit his target".
        r"(?:hit|hitting) (?:her|his|their|my|our|your) (?:\w+th|first|"
        r"target|targets|goal|goals|milestone|pb|personal best|stride|limit)|"
        r"knocking (?:on|at)|(?:he|she|they) will kill me|kill (?:me|him|her|them|you|us) if|"
        r"kill (?:me|him|her|them|you|us) (?:for|when (?:he|she|they) (?:sees|finds|hears)) "
        r"(?:\w+ ){0,2}(?:losing|forgetting|breaking|spending|buying|missing|being late|not|"
        r"the|this|that|it)|"
        r"kill (?:her|his|my|their|your) (?:husband|wife|partner|kids|son|daughter|mum|dad|"
        r"boss|brother|sister)|(?:kill|murder) (?:for )?(?:a|for a) (?:coffee|pint|drink|"
        r"cuppa|burger|pizza)|kill (?:us|you|them|me) on (?:the )?(?:price|prices|cost|"
        r"fees|delivery|deals?)|pushed (?:\w+ ){0,2}(?:for|to|into) (?:a|an|the|his|her|their) "
        r"(?:\w+ )?(?:decision|refund|upgrade|answer|discount|manager|room|table)|"
        r"fight(?:ing)? (?:for|over) (?:the|a) (?:\w+ )?(?:table|tables|seat|seats|spot|slice|"
        r"parking|bargain|tickets?|sunbeds?|loungers?|remote|ipad|tablet|window)|punch\w* "
        r"(?:the )?(?:air|clock|card|numbers|holes?|ticket|tickets|code)",
    ),
    # --- hazards -------------------------------------------------------------------------
    _rule(
        "fire",
        r"^fire(?: fire)*$|on fire|caught fire|catch(?:ing)? fire|set fire|"
        r"(?:door|doors|wall|walls|ceiling) (?:\w+ )?(?:is |are |feels |feel |was )?(?:very |"
        r"really |too )?(?:hot|warm) to (?:the )?touch|"
        r"fire (?:in|at|on|has|is|broke|started|"
        r"spread\w*|engine|engines|brigade (?:is |are )?(?:here|coming|on (?:the|their) way|"
        r"called))|(?:a|the|small|big|kitchen|electrical|chip pan|bin) fire(?! (?:alarm|drill|"
        r"exit|exits|door|doors|escape|extinguisher|safety|assembly|marshal|warden|risk|hazard|"
        r"certificate|test|inspection|regulations|place|pit|pits|side|works|pit))|"
        r"(?:fire|smoke) alarms? (?:is |are )?(?:going|ringing|sounding|blaring)(?! off)|"
        r"(?:fire|smoke) alarms? (?:\w+ )?(?:going off|gone off|went off|sounding|ringing|"
        r"blaring|is off|keeps going)|alarms? (?:are |is )?(?:going off|sounding) (?:and|everyone|"
        r"people)|flames?|ablaze|smoke (?:coming|pouring|billowing|everywhere|from|in the|out|"
        r"is|filling)|smoking (?:from|out of)|full of smoke|filled with smoke|smoky|"
        r"(?:smell|smells|smelling) (?:\w+ )?(?:of |like )?(?:burning|smoke)|burning smell|"
        r"sparks? (?:coming|flying)|sparking|(?:socket|plug|charger|battery|laptop|phone|"
        r"wire|wires|cable) (?:is |was |started )?(?:\w+ )?(?:smoking|melting|sparking|"
        r"exploded|exploding|caught)|exploded|explosion|"
        rf"{_APPLIANCE} (?:\w+ ){{0,5}}(?:smoking|smouldering|smoldering|melting|sparking|"
        r"sparked|smoked|crackling)|"
        # A lithium battery going: "phone in her handbag is swelling and hissing and hot".
        r"(?:phone|battery|batteries|vape|laptop|power bank|powerbank|e ?bike|scooter) (?:\w+ "
        r"){0,6}(?:swelling|swollen|bulging) (?:\w+ ){0,3}(?:hissing|hot|smoking|smoke)|"
        r"(?:hot|burning|melting|burnt) plasticky (?:smell|stink)|plasticky (?:burning )?smell|"
        r"(?:melting|burning|burnt|burned) (?:plastic|rubber|wire|wires|wiring|electrical|"
        r"electric)|(?:plastic|rubber|electrical|electric) (?:burning |melting )?(?:smell|"
        r"stink)|sparks? (?:\w+ ){0,3}(?:from|out of|and a bang|everywhere)",
        veto=r"(?:feet|foot|mouth|tongue|legs|throat|lungs|skin|ears|muscles|calves|thighs|"
        r"arms|belly|stomach|heartburn) (?:\w+ ){0,2}on fire|set (?:\w+ ){0,2}(?:mouth|tongue|"
        r"throat|taste buds) on fire|(?:toy|kids|child|lego|model|plastic|wooden|little) fire "
        r"engines?|fire engines? (?:toy|toys|set|model|costume|ride|bed|book)|smoking hot|"
        r"smokin hot|"
        # Busy, not burning: "kitchen on fire tonight (busy not real fire lol)".
        r"on fire (?:tonight|today|this (?:morning|afternoon|evening|week))|not (?:a )?real "
        r"fire|"
        # A dish or a sauce by its name: "fire sauce on the fire n ice platter".
        r"fire (?:n|and|&) ice|fire (?:sauce|wings|chicken|burger|noodles|ramen|cider|ball|"
        r"balls|whisky|shot|shots|roasted)|"
        r"(?:is|are|was|were|am|been|be) on fire (?:tonight|today|this|lately|at the "
        r"moment|with)|(?:chef|team|she|he|they|you|we|i|staff|striker|band) (?:really |totally |"
        r"absolutely |properly |just |so |honestly )?(?:is|are|"
        r"was|were|am|has been|have been) on fire|(?:test|testing|tested|drill|practice|"
        r"service|serviced|check|checked|checking|inspection) (?:\w+ ){0,3}(?:alarm|alarms)|"
        r"(?:alarm|alarms) (?:\w+ ){0,2}(?:test|testing|tested|drill|practice|service|"
        r"check)|fire(?:d)? (?:him|her|them|me|staff)|flame ?grill\w*|flaming hot|"
        r"flames? (?:grilled|pattern|print|emoji)|inbox exploded|phone exploded with|"
        r"(?:plans?|hopes?|dreams?|career|deal|weekend|trip|holiday|honeymoon|relationship|"
        r"marriage|savings|budget|reputation|chances?|day|evening|night|birthday|christmas|"
        r"pension|business plan|application) (?:\w+ ){0,2}(?:went|go|goes|going|gone) up in "
        r"(?:flames|smoke)|"
        r"smoking area|smoke ?(?:free|ban)|no smoking|"
        r"(?:car|van|cab|taxi|clothes|jacket|coat|curtains|carpet|hire car|interior|seats?) "
        r"(?:\w+ ){0,3}(?:smells?|smelt|stinks?|reeks?) (?:of|like) (?:cigarette |stale )?smoke|"
        r"(?:sat|sitting|seated|sit|warming \w+|cosy|table|armchair|seat) (?:\w+ ){0,3}(?:by|near|"
        r"in front of|next to|beside) the (?:open |log |real )?fire\b(?! (?:exit|door|alarm))|"
        r"smoky (?:bacon|flavour|flavor|bbq|barbecue|taste|whisky|paprika|chipotle|eyes?|"
        r"cheese|salmon|sauce)|(?:bbq|barbecue|grill|smoker|chimney|fire ?pit|pizza oven|wood "
        r"oven|sauna|smoke machine|fog machine|incense|candles?|shisha|hookah|fajitas?|skillet|"
        r"sizzler) (?:\w+ ){0,3}smok\w*|smoke (?:\w+ ){0,3}(?:bbq|barbecue|grill|smoker|"
        r"chimney|fire ?pit|pizza oven|smoke machine|fog machine)|(?:vape|vapes|vaping|vaper|"
        r"e ?cig\w*|blowing (?:\w+ )?clouds) (?:\w+ ){0,8}smok\w*|"
        # Someone smoking by the machine is a rule broken, not a fire.
        r"(?:he|she|they|someone|somebody|guest|guests|customer|customers|man|woman|people|"
        r"staff|lad|lads|bloke|guy|kids|teens) (?:\w+ ){0,2}smoking|smoking (?:a |his |her |"
        r"their )?(?:cigarette|cigarettes|fag|fags|joint|weed|pipe|cigar|vape|shisha)|"
        # A performance or a fireplace, not a fire.
        r"(?:band|dj|singer|act|performer|comedian|dancers?|crowd|dance ?floor|stage|"
        r"audience|gig|party|night) (?:\w+ ){0,3}on fire|set (?:the )?(?:dance ?floor|stage|"
        r"crowd|audience|night|world|gig|party) on fire|(?:open|log|real|coal|wood|cosy|cozy|"
        r"roaring|lovely) fire|fire (?:\w+ ){0,4}(?:lovely|cosy|cozy|nice|beautiful|gorgeous|"
        r"wonderful|romantic)|(?:light|lit|relight|lighting) (?:the |a )?fire|fire ?(?:place|"
        r"side|pit)",
    ),
    _rule(
        "gas",
        r"(?:smell|smells|smelling|smelt|smelled) (?:\w+ ){0,3}gas|gas (?:leak\w*|smell\w*|"
        r"escap\w*)|(?:leaking|escaping) gas|carbon monoxide|monoxide|co (?:alarm|detector|"
        r"alarms|detectors|monitor)|(?:chemical|toxic|strong) (?:smell|fumes|spill|leak)|"
        r"fumes|rotten eggs? (?:smell|stink|odou?r)|eggy (?:smell|stink|odou?r)|smells? eggy|"
        r"(?:smell|smells|smelling|stink\w*|"
        r"reek\w*) (?:\w+ ){0,2}(?:of|like) rotten eggs?|hiss\w* (?:\w+ ){0,4}(?:boiler|"
        r"cooker|hob|oven|pipe|pipes|meter|heater|gas|cylinder|bottle)|(?:boiler|cooker|hob|"
        r"pipe|meter|cylinder|gas bottle) (?:\w+ ){0,2}hiss\w*",
        veto=r"gas (?:bill|bills|meter|supply|account|tariff|price|prices|usage|reading|card|"
        r"top up|engineer appointment)|(?:petrol|diesel|exhaust) fumes from the road|"
        # The alarm as a thing posted or ordered: "the CO alarm from the welcome pack never
        # arrived".
        r"(?:co|carbon monoxide) (?:alarm|detector)s? (?:\w+ ){0,6}(?:never arrived|not arrived|"
        r"has not arrived|not (?:been )?delivered|in the post|on order|ordered|to order)",
    ),
    _rule(
        "flood",
        r"flood(?:ed|ing|s)?|water (?:is |was |keeps |has been )?(?:\w+ )?(?:pouring|gushing|"
        r"coming|dripping|leaking|flowing|running|spraying|pissing) (?:\w+ ){0,3}(?:through|"
        r"down|from|in|out of|into|onto|under) (?:\w+ ){0,2}(?:ceiling|roof|light|lights|"
        r"wall|walls|socket|sockets|room|corridor|stairs|floor|door|lift|stairwell|staircase|"
        r"steps|hallway|lobby|ward|kitchen|shop floor)|(?:through|from) "
        r"the (?:ceiling|roof)|ceiling (?:\w+ ){0,3}(?:is )?(?:leaking|dripping|pouring|sagging|"
        r"bulging|"
        r"collapsing|collapsed|coming down|caved|came down|fell|fallen)|burst (?:water )?"
        r"(?:pipe|pipes|main)|pipes? (?:has |have )?burst|sewage",
        # Someone falling through a ceiling is hurt, not flooded.
        veto=r"(?:fell|fallen|falling|crashed|dropped|put (?:his|her|their) (?:foot|leg)) "
        r"(?:\w+ ){0,2}through the (?:ceiling|roof)|"
        r"flood(?:ed|ing|s)? (?:of|with) (?:calls|orders|emails|complaints|requests|"
        r"bookings|messages|customers|people|tears|enquiries)|flood(?:ed|ing)? (?:in|back) "
        r"(?:with )?(?:customers|orders|calls|people|memories)|flood gates|flood ?lights?|"
        r"(?:dishwasher|washer|washing machine|machine|fridge|freezer|kettle|ice maker|coffee "
        r"machine|sink|toilet|bath|glass washer) (?:\w+ ){0,2}(?:flooded|flooding|leaking)|"
        r"flooded (?:the |her |his )?(?:bag|clothes|shoes|car boot)|flood (?:on|in) (?:the )?"
        r"bathroom floor (?:\w+ ){0,3}(?:because|from|cos|bc) (?:\w+ ){0,2}(?:shower curtain|"
        r"bath|shower)|flood (?:insurance|"
        r"claim|warning|damage from last|barrier|barriers|defence|defences|gate|gates|test|"
        r"drill|alert|plan|risk|zone|lights?|map)",
    ),
    _rule(
        "hazard",
        r"electric(?:al)? shock|electrocut\w*|exposed (?:live )?wires?|live wires?|"
        r"(?:floor|ceiling|beam|roof|balcony|mezzanine|joist|racking|shelving|wall|stairs) "
        r"(?:\w+ ){0,2}(?:sagging|bowing|buckling|giving way|coming away from)|"
        r"(?:building|roof|wall|ceiling|structure|balcony|floor|stairs|scaffolding) "
        r"(?:has |is )?(?:partially |partly |just )?(?:collapsed|collapsing|caved in|coming "
        r"down|gave way)|(?:stuck|trapped|stranded) (?:\w+ )?(?:at the top|upside down|in mid ?air|"
        r"in the air) (?:of|on)?|"
        r"(?:car|van|lorry|truck|bus|vehicle|driver) (?:\w+ ){0,3}(?:mounted the (?:kerb|curb|"
        r"pavement)|crashed into|ploughed into|plowed into|drove into|smashed into) (?:\w+ ){0,2}"
        r"(?:the |our |a )?(?:tables|table|window|front|shop|people|crowd|queue|terrace|entrance|"
        r"building|cafe|store)|(?:car|van|lorry|truck|bus|vehicle) (?:\w+ ){0,6}(?:went|came|"
        r"ploughed|plowed|smashed|crashed) (?:into|through) (?:the |our |a )?(?:tables|window|"
        r"front|shop|people|crowd|queue|terrace|entrance|cafe|store|outdoor seating)|"
        r"(?:someone|someones|somebody|somebodys|a man|a woman|a child|a kid|people|he|she|"
        r"they|customer|guest)(?: is| are| s)? (?:\w+ )?trapped (?:under|beneath|behind|in)|"
        r"(?:climbed|jumped|fallen|fell|got|gone|went) (?:\w+ ){0,2}into (?:the |a )?(?:\w+ )?"
        r"(?:enclosure|pen|cage|moat|pit|paddock)|"
        # Burning fuel in a closed space: carbon monoxide.
        r"(?:bbq|barbecue|disposable bbq|stove|heater|generator|burner) (?:\w+ ){0,4}(?:inside|in) "
        r"(?:the |their |a |his |her )?(?:tent|caravan|awning|camper|campervan|van|car|cabin)|"
        r"(?:tiger|tigers|lion|lions|big cat|bear|wolf|wolves|bull|snake|crocodile|rhino|"
        r"elephant|gorilla|chimp) (?:\w+ ){0,3}(?:is |are |has |have )?(?:loose|escaped|got out|"
        r"out in|out of (?:its|the|their) (?:enclosure|cage|pen))|"
        r"(?:bag|case|suitcase|package|parcel|rucksack|backpack|box) (?:\w+ ){0,6}ticking|ticking "
        r"(?:bag|case|suitcase|package|parcel|rucksack|backpack|box)|(?:tiger|lion|bear|wolf|"
        r"big cat|bull|gorilla|chimp|rhino|elephant|crocodile) (?:enclosure|cage|pen|paddock) "
        r"(?:gate|door) (?:\w+ ){0,2}(?:open|unlocked)|(?:dropping|slipping|coming down|sinking|"
        r"lowering) (?:\w+ ){0,3}(?:with|w) (?:\w+ ){0,2}(?:underneath|under it|under there)|"
        r"bomb (?:threat|scare)|suspicious (?:package|parcel|device|bag left)|blow (?:the|this|"
        r"your|our) (?:\w+ )?(?:place|building|shop|station|hotel|cinema|store|plane|train|bus|"
        r"office|bank|branch|school|club) up|"
        r"(?:someone|somebody|person|a man|a woman|a child|a kid|kids|people|man|woman|boy|girl|"
        r"passenger|child|toddler)(?: is| are| s)? (?:\w+ )?(?:on|onto|down on|walking (?:on|"
        r"along)) (?:the )?(?:tracks|track|railway line|rail line|line at platform|live rail)|"
        r"(?:man|person|someone|somebody|passenger|child|kid|woman|people) (?:\w+ )?overboard|"
        r"(?:going|gone|went|fell|fallen|jumped|go) overboard|"
        r"(?:vest|belt|jacket|coat|bag) (?:\w+ ){0,2}with wires|wires (?:\w+ )?(?:showing|"
        r"sticking out|hanging out|coming out) (?:of|from) (?:his|her|a|the) (?:vest|jacket|"
        r"coat|bag|belt)|(?:bag|package|"
        r"parcel|device|box|rucksack|backpack|case) (?:\w+ ){0,6}(?:will|ll|itll|going to|gonna|is "
        r"going to) (?:go off|blow(?: up)?|explode)|avalanche "
        r"(?:siren|warning|alarm|alert|came down|hit|has|is)|caught in (?:an|the) avalanche|"
        r"(?:trapped|stuck) in (?:the |a )?(?:lift|elevator)|evacuat(?:e|ed|ing)(?! drill)|"
        r"evacuation(?! (?:drill|plan|plans|procedure|procedures|route|routes|test|practice|"
        r"map|chair|sign|signs|point|training))",
        veto=r"(?:drill|practice|test|tomorrow|next week|scheduled|planned) (?:\w+ ){0,3}"
        r"evacuat\w*|evacuat\w* (?:\w+ ){0,3}(?:drill|practice|test|tomorrow|next week|"
        r"scheduled|planned)|"
        # A joke about a noisy neighbour: "had to evacuate her room bc of snoring next door".
        r"evacuat\w* (?:\w+ ){0,3}(?:because|bc|cos|coz|due to|from) (?:of )?(?:the |his |her "
        r"|their )?(?:snor\w*|noise|music|party|builders|kids|crying baby|telly|tv|karaoke)",
    ),
    _rule(
        "hazard",
        # A structure giving way in other words: a crack opening, bits falling, a railing
        # coming away in someone's hand.
        r"cracks? (?:has |have |is |are )?(?:opened|opening|appeared|appearing|spreading|"
        r"growing|widening|getting bigger)|(?:bits|chunks|pieces|lumps|bricks|plaster|masonry|"
        r"concrete|tiles|stones|debris|render) (?:of \w+ )?(?:\w+ ){0,2}(?:falling|fell|"
        r"dropping|dropped|came down|coming down|come down)|(?:railing|railings|banister|"
        r"handrail|hand rail|balustrade|balcony|barrier|guard rail|scaffold\w*|ceiling|beam|"
        r"floor|floorboards|decking|stairs|staircase|step|steps) (?:\w+ ){0,2}(?:came away|come "
        r"away|came off|gave way|giving way|snapped|broke off|came loose|collapsed|collapsing|"
        r"caved in|fell in|fell through|fell down|fell off)|(?:nearly|almost) (?:went|fell|"
        r"gone|going) over (?:the )?(?:edge|railing|railings|balcony|side|top)|(?:nearly|almost) "
        r"went over$",
        veto=r"(?:prices?|sales|profits?|numbers|standards) (?:\w+ ){0,3}(?:falling|fell|"
        r"dropping|dropped|came down|coming down)",
    ),
    # --- medical -------------------------------------------------------------------------
    _rule(
        "medical",
        # Heart: a tight chest or a pain down the arm, even when the customer shrugs it off.
        r"chest (?:is |feels |feeling |went |gone |got |getting |going )?(?:really |very |a "
        r"bit |all |so |quite )?(?:tight|tightness|pain|pains|painful|hurts?|hurting|heavy|"
        r"pressure|crushing|sore)|chest pains?|tight(?:ness)? (?:in|across) (?:his |her |their "
        r"|my |the )?chest|pains? (?:in|across|down) (?:his |her |their |my |the )?(?:chest|"
        r"left arm|arm|jaw)|heart attack|cardiac|heart (?:is )?(?:racing|pounding) (?:and|"
        r"she|he)|(?:rubbing|holding|clutching|gripping) (?:his |her |their )?(?:left )?"
        r"(?:arm|chest)|left arm (?:is |feels |going |gone |went )?(?:\w+ )?(?:numb|tingl\w*|"
        r"pain|hurts?|hurting|dead|heavy)|arm (?:pain|is numb|gone numb|went numb)",
        veto=r"(?:nearly|almost|practically|virtually|near enough) (?:had |have |having |gave "
        r"(?:me|him|her) )?a heart attack|(?:bill|price|prices|cost|total|quote|invoice|receipt|it|"
        r"that) "
        r"(?:\w+ ){0,3}(?:gave|give|giving|nearly gave) (?:him|her|me|them|us) a heart attack|"
        r"heart attack (?:lol|haha|ha)|heart attack (?:when|at|over) (?:\w+ ){0,3}"
        r"(?:saw|price|prices|bill|cost|total|quote)|"
        # Over a lost ring, not over the weekend: "she's having a heart attack over it".
        r"(?:having|have|had|has|have had) a (?:\w+ )?heart attack (?:over|about) (?!the "
        r"weekend|christmas|easter|the holidays?|night|the summer)\w+",
    ),
    _rule(
        "medical",
        # Stroke: slurred words, a drooping face, one side gone weak.
        r"slurr\w*|words (?:are |went |going |were |came out |coming out )?(?:all )?"
        r"(?:slurred|jumbled|muddled|garbled|funny|weird|wrong)|face (?:is |looks |went |has "
        r"gone |gone |looking |seems |started )?(?:all |a bit |kind of )?(?:droop\w*|"
        r"lopsided|numb|dropped|slipping|saggy|sagging)|droop\w*|one side of (?:his |her |"
        r"their )?(?:face|mouth|body)|stroke(?! (?:of luck|of genius|the dog|the cat))|"
        r"(?:can not|could not|unable to) (?:lift|move|feel) (?:his|her|their|my) (?:arm|leg|"
        r"face|side|hand)",
        veto=r"droop\w* (?:flowers?|plants?|leaves|bouquet|roses|tulips|lilies|balloons?|"
        r"curtains?|blinds?|hem|ceiling)|(?:flowers?|plants?|bouquet|roses|balloons?|"
        r"curtains?|tulips|lilies) (?:\w+ ){0,3}droop\w*|back ?stroke|breast ?stroke|"
        r"key ?stroke|brush ?strokes?|face (?:\w+ )?dropped (?:when|as|at|after|because)|"
        # A course about strokes: "carer's 'recognising a stroke' training".
        r"(?:recogni[sz]\w*|spotting|spot) (?:a |the )?(?:signs of (?:a )?)?stroke|stroke "
        r"(?:\w+ )?(?:training|awareness|course|module|session|leaflet|poster)|"
        r"(?:nearly|almost|practically|virtually) (?:\w+ ){0,3}stroke|(?:gave|give|giving) "
        r"(?:\w+ )?(?:me|him|her|them|us) a stroke|stroke (?:lol|haha)",
    ),
    _rule(
        "medical",
        # An allergic reaction in progress (an allergy merely mentioned is no emergency).
        r"throat (?:is |feels |feeling |went |getting |gone |going |started |starting )?"
        r"(?:\w+ ){0,2}(?:swell\w*|swollen|tight|closing|closing up|funny|itchy|scratchy|"
        r"weird|burning|tingl\w*|strange)|(?:lips?|tongue|face|eyes?|mouth|throat) (?:is |are "
        r"|has |have |started |starting |gone |going |went |getting |look |looks )?(?:\w+ )?"
        r"(?:swell\w*|swollen|puff\w*|tingl\w*|blow\w* up|itchy)|wheez\w*|anaphyla\w*|"
        r"epi ?pens?|hives|(?:allergic|nut|peanut|severe) reaction|(?:having|has|had|gone into|"
        r"going into|started|starting) (?:an? )?(?:\w+ )?reaction|come (?:out|up) in (?:a )?"
        r"(?:rash|hives|blotches|lumps)|rash (?:all )?(?:over|on) (?:his|her|their)|"
        r"(?:can not|could not|cannot|struggling to|trouble|difficulty|hard to|unable to) "
        r"(?:\w+ )?breath\w*|short of breath|breathless|not breathing|stopped breathing|"
        r"gasping|turn(?:ed|ing)? blue|choking|choked on",
        # An epipen asked about or carried is a precaution, not a reaction.
        veto=r"choking (?:first aid|course|training|hazard|poster|risk)|(?:do|does|know|"
        r"trained in|training in) (?:\w+ ){0,2}first aid|"
        r"(?:keep|keeps|have|stock|stocks|carry|carries|carrying|sell|sells|bring|brings|take|"
        r"taking|bringing|"
        r"brought|need to bring) (?:an? |any |her |his |their |spare |your |our )?epi ?pens?|"
        r"epi ?pens? (?:on site|in stock|policy|training|storage|in (?:her|his|their|my) bag|"
        r"repeat|prescription|script|refill)|"
        r"(?:bad|no|bit of a|mixed|good|great|strong) reaction (?:from|to the (?:news|"
        r"price|bill|menu))|reaction (?:to the|from the) (?:news|price|bill|film|show)|"
        r"(?:price|prices|bill) (?:\w+ ){0,2}breath\w*|breath of fresh air|"
        r"out of breath (?:from|after) (?:running|the stairs|rushing)|"
        r"(?:puffy|swollen) eyes (?:from|after) (?:crying|no sleep)|"
        r"breath\w* (?:for|from|with) laugh\w*|"
        # A machine that "choked on" the paper, the note or the upload is jammed.
        rf"(?:{_APPLIANCE}|app|apps|system|website|site|scanner|shredder|till|tills|reader|"
        r"atm|cash machine|photocopier|copier|kiosk|software|server|wifi|network|portal) "
        r"(?:\w+ ){0,2}(?:chok(?:ed|ing|es))(?: on)?",
    ),
    _rule(
        "medical",
        # Someone down: unconscious, fitting, collapsed, bleeding, a fall they cannot get
        # up from, a head injury.
        r"unconscious|unresponsive|unrous(?:e)?able|not responding|passed out|pass(?:ing)? "
        r"out|fainted|(?:struggling|gasping|fighting|desperate) for (?:air|breath)|"
        r"faint(?:ing|ed)?|blacked out|keel(?:ed|s|ing)? over|dropped to the (?:floor|ground)|"
        r"bone (?:\w+ )?(?:showing|sticking out|poking out|through the skin)|snapped (?:his |her |"
        r"their )?(?:leg|arm|ankle|wrist|shin)|"
        rf"{_PERSON} (?:\w+ ){{0,2}}(?:collapsed|has collapsed|just collapsed|went down)|"
        r"collapsed (?:on|in|at|onto|to|by|near|outside|inside) (?:the |a |her |his )?"
        r"(?:floor|ground|street|pavement|toilet|toilets|loos?|lobby|stairs|queue|till|desk|"
        r"counter|reception|bar|table|chair|aisle|corridor|car park|gym|changing room|pool|"
        r"room|lift|entrance|doorway|platform|gate)|"
        # Epilepsy is a condition someone lives with ("one boy has epilepsy"); a fit is
        # the emergency.
        # A fitting room is no fit: not even words a veto would then read as a routine
        # mention explaining the line away ("in the fitting rooms ... baby was in it").
        r"seizure|having a fit(?! (?:about|over|at|because|cos|when|if|that)\b)|having one of "
        r"(?:his|her|their) fits|took (?:an? |the )?(?:elbow|knee|kick|punch|boot|bat|racket|"
        r"ball|blow|knock|head ?butt) (?:\w+ ){0,2}to the (?:head|face|temple)|"
        r"(?<!while )(?<!when )(?<!after )(?<!during )"
        # A fitting booked is no fit: "her fitting at 10.15", "the final fitting".
        r"(?<!\bher )(?<!\bhis )(?<!\btheir )(?<!\bthe )(?<!\ba )(?<!\bfinal )(?<!\bfirst )"
        r"(?<!\bdress )(?<!\bsuit )(?<!\bhire )(?<!\bbridal )"
        r"fitting(?! (?:room|rooms|rm|area|cubicle|appointment|service|the|a|an|new|tyres?|"
        r"fee|team)\b)|convuls\w*|epilep\w* (?:fit|attack|episode)|"
        r"(?:had|has|took) a fit(?! (?:when|"
        r"over|about|at|because|cos|if|of|that|after (?:seeing|hearing|reading))\b)|"
        # Fell through a floor, not a plan: "vendor fell through the loft hatch".
        r"fell (?:through|down) (?:the |a |an )?(?:loft hatch|hatch|ceiling|floor|floorboards|"
        r"roof|skylight|trapdoor|trap door|manhole|grate|grating|ice|glass roof|decking)|"
        r"bleed\w*|bled|blood (?:everywhere|all over|pouring|gushing|coming|on (?:the|his|her)|"
        r"dripping)|covered in blood|lots? of blood|pool of blood|deep cut|gash\w*|"
        r"(?:has|had|have|is|took|taken) (?:had )?a (?:really |very |pretty |quite )?(?:bad |"
        r"nasty |big |heavy |serious )?fall|"
        r"fell (?:down|over|off|from|on|onto|in|into|out of|backwards|head first) "
        r"(?:the |a |his |her )?(?:stairs|steps|step|ladder|chair|stool|bed|bath|shower|"
        r"escalator|balcony|bike|treadmill|floor|ground|kerb|curb|platform|pool|wall|stage)|"
        # Not up a step or a ramp: "on a mobility scooter can't get up the step".
        r"(?:can not|could not|cannot|unable to|struggling to) get (?:back )?up(?! (?:the|a|"
        r"that|this|our|their|his|her) (?:\w+ )?(?:step|steps|ramp|ramps|kerb|curb|hill|slope|"
        r"stairs|drive|driveway|path|incline)\b)|"
        r"(?:been|was|is|s|has been) (?:lying )?on the (?:floor|ground) (?:since|for|all night|"
        r"all day)|(?:see|saw|seen|can see) (?:him|her|them) (?:lying )?on the (?:floor|ground)|"
        r"(?:see|saw|seen|can see) (?:him|her|them|the (?:\w+ ){0,2}(?:customer|man|woman|lady|"
        r"resident|tenant|occupant|gentleman|patient)) (?:\w+ ){0,4}on the (?:\w+ )?(?:floor|"
        r"ground)|(?:got|has|had) (?:a |the )?(?:\w+ )?(?:child|kid|boy|girl|toddler|baby|man|"
        r"woman|person|lady) pinned|temp(?:erature)? (?:of |is |was )?(?:40|41|42)(?: degrees)?\b|"
        r"soaked (?:through )?(?:red|in blood|with blood|through with blood)|"
        # Blood told by what holds it: "a tea towel round his wrist and it's soaking through".
        + _WRAP_SOAKED
        + r"|(?:sliced|slashed|gashed) (?:open )?(?:his|her|their|my) (?:hand|finger|thumb|palm|"
        r"arm|wrist|leg|foot|head)|(?:bleach|chemical|chemicals|oven "
        r"cleaner|acid|cleaner|cleaning fluid|ammonia|caustic|degreaser) (?:\w+ ){0,3}(?:in|into) "
        r"(?:his|her|their|the|my|both) eyes?|(?:splashed|sprayed) (?:\w+ ){0,2}in the eyes?|"
        r"(?:rolled|fell|slipped|came) off the jack|pinned (?:under|beneath|against)|"
        r"(?:lying|lay|laying|fallen) on the (?:floor|ground)|(?:lying|lay|laying|fallen|"
        r"down) (?:in|on) the (?:road|street|pavement|path|tracks|car park)|"
        r"(?:hit|banged|bashed|cracked|knocked) (?:his|her|their) head|head injury|"
        r"concussion|knocked unconscious|knocked out(?! (?:of|in|first|second|third|early|at "
        r"the) (?:\w+ ){0,3}(?:round|tournament|competition|cup|quiz|league|final|heats?|"
        r"contest|game|match)\b)|broken (?:arm|leg|wrist|ankle|hip|neck|back)|"
        r"broke (?:his|her|their|my) (?:arm|leg|wrist|ankle|hip|nose|neck|back)|"
        r"(?:badly|seriously|really) (?:hurt|injured|burned|burnt)|injur(?:ed|ies|y)|"
        r"scald(?:ed|ing)|electric shock|burn(?:ed|t) (?:himself|herself|themselves|his|her|"
        r"their) (?:\w+ )?(?:hand|arm|face|leg|mouth|skin)|"
        r"ambulance|paramedics?|999|911|(?<!room )(?<!rm )(?<!outside )(?<!door )(?<!suite )"
        r"(?<!flat )(?<!no )(?<!number )(?<!unit )(?<!bay )(?<!gate )(?<!platform )(?<!table )"
        r"(?<!tbl )(?<!row )(?<!route )112|defibrillator|defib|cpr|first aid",
        veto=r"bleed(?:ing)? (?:us|them|me|you|him|her) (?:dry|white)|bleeding (?:money|cash)|"
        # A machine's "seizure" is a fault: "tills had a 'seizure' again, rebooted now".
        # The machine is the subject, not where someone stands ("man at the till is having
        # a seizure" is a man).
        r"(?:^|(?<!at )(?<!by )(?<!near )(?<!behind )(?<!on )(?<!in )(?<!to )(?<!from )"
        r"(?<!beside )\b(?:the|our|my|its|their) )(?:till|tills|system|systems|computer|computers|"
        r"printer|laptop|pc|screen|app|server|machine|machines|card machine|card reader|network|"
        r"wifi|website|site|scanner|kiosk) (?:has |have |had |is |are |keeps |kept |just )?"
        r"(?:having |had |has )?(?:a |another )?(?:seizure|seizures|fit|fits)\b|"
        r"(?:key|boiler|tyre|carpet|kitchen|bra|dress|shoe|wheelchair|window) fitting|"
        r"choking (?:first aid|course|training|hazard|poster|risk)|(?:do|does|know|trained in|"
        r"training in) (?:\w+ ){0,2}first aid|"
        r"bleeding hearts?|knocked out (?:of|in|first|second|third|early|at the) (?:\w+ ){0,3}"
        r"(?:round|tournament|competition|cup|quiz|league|final|heats?|contest|game|match)|"
        r"(?:tent|gazebo|marquee|shelf|shelving|table|chair|bed|sofa|umbrella|stand|display|"
        r"stack|pile|tower|ladder|bouncy castle|scaffold\w*|deckchair|lounger|cot|pushchair|"
        r"buggy|pram|stall|awning|canopy|fence|cake) (?:\w+ ){0,4}collapsed|"
        # Loud, not wounded: "the karaoke is making my ears bleed".
        r"(?:make|makes|making|made) (?:my|your|his|her|our|their|me|them|everyones) ears? "
        r"bleed|"
        # Kit looked after, not used: "the defib is being serviced today".
        r"(?:defib|defibrillator|first aid (?:kit|kits|box|room|station)) (?:\w+ ){0,3}(?:being |"
        r"was |got |gets |needs |needs to be )?(?:serviced|servicing|service|tested|testing|"
        r"inspected|inspection|replaced|restocked|restocking|checked|expired|out of date)|first "
        r"aid (?:course|courses|training|certificate|cert|qualification|refresher)|"
        r"(?:nearly|almost|practically|virtually) (?:\w+ ){0,2}(?:broke|break|broken)|"
        r"(?:ice cream|food|plate|drink|cake|phone|bag|tray|glass|it|that|cone|toy|sandwich|"
        r"burger|pizza|chips|cup|bottle|cutlery|fork|spoon|box|sign|picture|painting|shelf|"
        r"stock|hat|coat|sauce|dessert) (?:\w+ ){0,2}fell|"
        # Meat served rare is an order, not a wound.
        r"(?:steak|steaks|meat|burger|burgers|beef|lamb|duck|chicken|pork|tuna|venison|fillet|"
        r"sirloin|ribeye|rib eye|rump|mince|liver) (?:\w+ ){0,3}(?:bleeding|bloody|bled)|"
        r"(?:nearly|almost|practically|virtually|near enough) (?:had |have |having |gave "
        r"(?:me|him|her) )?a heart attack|(?:bill|price|prices|cost|total|quote|invoice|receipt|it|"
        r"that) "
        r"(?:\w+ ){0,3}(?:gave|give|giving|nearly gave) (?:him|her|me|them|us) a heart attack|"
        r"heart attack (?:lol|haha|ha)|heart attack (?:when|at|over) (?:\w+ ){0,3}"
        r"(?:saw|price|prices|bill|cost|total|quote)|"
        r"(?:ink|colour|color|dye|paint) (?:\w+ )?(?:bled|bleed\w*|ran)|"
        r"(?:sales|prices|share|shares|profits|standards) (?:\w+ ){0,2}(?:fell|fall)|"
        r"fell (?:for|through(?! (?:the |a |an )?(?:loft|hatch|ceiling|floor|floorboards|roof|"
        r"skylight|trap ?door|manhole|grat\w+|ice|glass roof|decking)\b)|apart|behind|asleep|"
        r"short)|passing out (?:leaflets|flyers|"
        r"menus)|fainted (?:when she saw the bill|at the price)|faint (?:smell|mark|stain|"
        r"line|sound|hope|idea)|(?:no|any) injur\w* claim|injury (?:claim|lawyer|solicitor)|"
        # An injury of long ago, or the football kind, is no emergency now.
        r"(?:old|previous|existing|sports|long term|long standing|longstanding|recurring|"
        r"past|war|childhood) (?:\w+ ){0,2}injur(?:y|ies)|injury time|"
        r"first aid (?:kit|box|course|training|certificate) (?:is |needs |was )?(?:\w+ )?"
        r"(?:empty|restock\w*|out of date|booked|expired)|"
        # "bleeding obvious", "bleeding cheek": an intensifier, not a wound.
        rf"bleeding (?:{BLEEDING_INTENSIFIED})|"
        # Water or a drink that is too hot is a complaint; "scalded" is still a burn.
        r"scalding (?:hot|water|tea|coffee|shower|tap|bath|then|and|one minute)|(?:water|"
        r"shower|tap|taps|bath|tea|coffee|soup|radiator|pipes?|plates?) (?:\w+ ){0,3}scalding|"
        # Asking where the kit is, or whether there is one, is no emergency.
        r"(?:asking|asked|ask|wants?|need\w*|get|bring|grab|fetch) (?:\w+ ){0,3}(?:first aid|"
        r"plasters?)|paper cut|ambulance (?:\w+ ){0,3}(?:blocking|parked|parking|has gone|"
        r"gone now|left|bay|station|depot|service|crew (?:came in for|ordered))|"
        r"(?:where is|where are|where|is there|do you have|do we have|have you got|has a|have "
        r"a|got a|location of|nearest|restock\w*|check\w*|order\w*) (?:\w+ ){0,3}(?:defib\w*|"
        r"defibrillator|first aid)|(?:defib\w*|defibrillator|first aid) (?:\w+ ){0,2}"
        r"(?:training|course|certificate|check|checked|restock\w*|inspection|qualified|"
        r"trained|kit is|box is)|"
        # Apps, landlords and inboxes do not respond either.
        r"(?:app|website|site|system|till|screen|phone|computer|laptop|machine|server|printer|"
        r"card reader|terminal|landlord|company|office|courier|supplier|support|helpline|"
        r"agent|software|program|page|tablet|wifi|router|email|emails) (?:\w+ ){0,2}(?:is |are "
        r"|was |were |keeps |still )?not responding|not responding (?:to )?(?:my |our |her "
        r"|his |their |the |any )?(?:emails?|calls?|messages?|texts?|letters?|complaints?|"
        r"requests?|chats?|tickets?|queries|enquir\w*)",
    ),
    _rule(
        "medical",
        r"(?:hypo|hypoglyc\w*|diabetic (?:attack|emergency|coma|fit))|blood sugar (?:is |went "
        r"|gone |has )?(?:\w+ )?(?:low|crash\w*|dropp\w*)|sugar (?:is |has )?(?:\w+ )?"
        r"(?:low|crash\w*|dropp\w*)|(?:heat ?stroke|hypotherm\w*|heat exhaustion)"
        r"(?! (?:lol|haha|ha|joke|joking)\b)|"
        r"(?:pregnant|waters) (?:\w+ ){0,4}(?:broke|breaking|bleeding|contractions|labour|"
        r"labor)|gone into labou?r|in labou?r|contractions|(?:her|my|their) waters (?:have |has "
        r"|just )?(?:gone|went|broken|broke|burst)(?! (?:down|up|off|back)\b)|"
        # Labour told by its signs: "pregnant ... strong pains every few mins".
        r"pregnant (?:\w+ ){0,14}(?:strong |bad |sharp |real )?(?:pains|cramps|cramping)|"
        r"(?:pains|cramps) (?:\w+ ){0,2}every (?:few|couple of|\d+) (?:min|mins|minutes)",
        veto=r"(?:nearly|almost|practically|virtually) (?:\w+ ){0,3}(?:hypotherm\w*|heat ?stroke)|"
        r"(?:gave|give|giving) (?:\w+ )?(?:me|him|her|them|us) (?:\w+ )?(?:hypotherm\w*|heat "
        r"?stroke)",
    ),
    _rule(
        "overdose",
        r"overdos\w*|(?:took|taken|take|swallowed|"
        r"downed|necked) (?:\w+ ){0,2}(?:too "
        r"many|a load of|loads of|all (?:her|his|their|my|the)|(?:a|the|her|his|their|my|"
        r"an) (?:whole |full |entire )?"
        r"(?:packet|pack|box|bottle|strip|tub|sheet|blister pack) of|a handful of|"
        r"handfuls of) (?:\w+ )?(?:pills|tablets|meds|"
        r"medication|paracetamol|painkillers|sleeping pills|insulin)|(?:too many|whole (?:packet|"
        r"box|bottle) of|handful of) (?:\w+ )?(?:pills|tablets|paracetamol|painkillers|meds)|"
        r"(?:taken|took|had|swallowed) (?:about |around |over |like |nearly |maybe )?(?:[2-9]\d|"
        r"\d{3}|twenty|thirty|forty|fifty) (?:\w+ ){0,2}(?:over|in|since|today|tablets|pills|"
        r"paracetamol)|"
        r"swallowed (?:\w+ ){0,4}(?:bleach|batteries|battery|magnets?|detergent|pods?|"
        r"capsules?|chemicals?|tablets|pills|medicine|cleaner|cleaning (?:fluid|liquid|"
        r"products?)|antifreeze|weed killer|screen wash)",
        veto=r"(?:sugar|caffeine|chocolate|sweets?|candy|carb|carbs|netflix|telly|tv|screen "
        r"time|sunshine|cuteness|glitter) overdos\w*|"
        r"overdos\w* (?:warning|alert|limit|rule|rules)|overdos\w* on (?:our |the |your |"
        r"their |all )?(?:\w+ )?(?:emails?|texts?|messages?|marketing|sugar|chocolate|caffeine|"
        r"coffee|netflix|tv|box sets?|cake|sweets|carbs|sunshine|christmas)|"
        r"(?:if|whether|how|what|ask\w*|about) (?:\w+ ){0,4}overdos\w*|overdos\w* (?:the|his|"
        r"her|their|my|our) (?:\w+ )?(?:lawn|plants?|garden|grass|soil|fish|tank|pool|hedge|"
        r"roses|borders?|veg|tomatoes|dog|cat) (?:with|on)",
    ),
    _rule(
        "medical",
        # The heart in other words: a chest, jaw or left arm that hurts, presses or
        # squeezes, in either order and typed in haste; "like someone sitting on it".
        rf"{_CHEST} (?:\w+ ){{0,3}}{_CARDIAC_FEELING}|"
        rf"{_CARDIAC_FEELING} (?:\w+ ){{0,3}}(?:in|across|on|around|down|into|up|to|through) "
        rf"(?:\w+ ){{0,3}}(?:{_CHEST}|jaw|left arm)|(?:tight|heavy|sore|painful|crushing) "
        rf"{_CHEST}|(?:rubbing|holding|clutching|gripping|grabbing|pressing|clasping) (?:at )?"
        rf"(?:his |her |their |my )?(?:left )?{_CHEST}|like (?:someone|somebody|something|an "
        r"elephant|a weight|a brick|a band|a vice) (?:is )?(?:sitting|standing|pressing|"
        r"crushing|squeezing|on)|left arm (?:\w+ ){0,3}(?:numb|tingl\w*|pain|hurts?|hurting|"
        r"dead|heavy|weak)",
        veto=r"chest (?:of drawers|freezer|freezers|pocket|press|day|size|measurement|rig|"
        r"workout|fly|flies|exercise|exercises|hair)|(?:toy|treasure|ice|medicine|storage) "
        r"chest|"
        # A chest sore from a cold or from the gym is no heart attack.
        rf"{_CHEST} (?:\w+ ){{0,4}}(?:from|after|with) (?:a |the |his |her |all |this )?(?:cold|"
        r"cough|coughing|flu|gym|workout|bench|press ups|weights|chest day|class)",
    ),
    _rule(
        "medical",
        # A stroke in other words: one limb or one side gone weak, sight lost in one eye.
        r"(?:arm|arms|leg|legs|hand|face|side|mouth) (?:has |have |is |are |just |suddenly )?"
        r"(?:\w+ )?(?:gone|went|going|feels?|feeling|is|looks?) (?:all |really |very |"
        r"completely |suddenly )?(?:numb|weak|limp|floppy|droopy|paralysed|paralyzed)|"
        r"(?:can not|could not|cannot) see (?:out of|with|from|through) (?:one|his|her|their|"
        r"the|my) (?:left |right )?eye|(?:lost|losing) (?:the )?(?:sight|vision) (?:in|of|"
        # Sight in an eye, not sight of a child: "lost sight of her 6yo behind the sign".
        rf"from) (?:one|his|her|their|my)(?! (?:\w+ )?(?:{_CHILD}|{_RELATIVE}|group|class|party|"
        r"friends?|mates?|carer|dog)\b)|seeing double|double vision|vision (?:has |is |went "
        r"|gone |going )?(?:all )?(?:blurr\w*|double|gone|black)",
        # Weak at the knees at a bill, legs gone after a class: a figure of speech.
        veto=r"(?:numb|weak|limp|floppy|droopy) (?:at the knees )?(?:\w+ ){0,2}(?:when|after|"
        r"at|from|with) (?:i |he |she |they |the |a |his |her )?(?:saw|heard|read|got|price|"
        r"bill|sight|news|run|class|workout|session|gym|walk|hike|leg day|laugh\w*|cold)",
    ),
    _rule(
        "medical",
        # A reaction, breathing, colour: the signs a body gives before anyone names them.
        r"(?:lips?|tongue|face|eyes?|eyelids?|mouth|throat|neck|cheeks?) (?:\w+ ){0,4}"
        r"(?:swell\w*|swollen|puff\w*|blow\w* up|ballooning|closing up|thick|tingl\w*)|"
        r"(?:can not|could not|cannot|struggling to|struggles to|trouble|difficulty|hard to|"
        r"unable to|can barely|can hardly) (?:\w+ )?swallow\w*|"
        r"(?:breathing|breathes|breaths) (?:\w+ ){0,3}(?:fast|funny|odd|oddly|strange|"
        r"strangely|weird|noisy|noisily|shallow|laboured|labored|rasp\w*|rattl\w*|grunt\w*|"
        r"wheez\w*|gasp\w*|irregular)|(?:grunt\w*|rasp\w*|rattl\w*|noisy|laboured|labored|"
        r"shallow|rapid|irregular|funny|strange|odd|weird) (?:\w+ ){0,2}(?:breathing|breaths)|"
        r"(?:lips|face|skin|fingers|he|she|baby|infant|toddler|child|kid) (?:is |are |has |"
        r"have |had )?(?:gone|going|turned|turning|went) (?:a |all |really |very |quite )?"
        r"(?:funny|strange|odd|weird|blue|grey|gray|purple|blotchy)(?: colou?r)?|"
        r"(?:baby|infant|toddler|newborn|little one) (?:\w+ ){0,4}(?:floppy|limp|lifeless|"
        r"not waking|unresponsive|will not feed)",
        veto=r"(?:from|after) (?:crying|no sleep|lack of sleep|the flight|a long flight)|"
        r"(?:price|prices|bill|view|show) (?:\w+ ){0,3}breath\w*|"
        r"(?:sauce|milk|food|soup|meat|bread|water|paint|wall|walls|screen|sky) (?:\w+ ){0,3}"
        r"(?:gone|going|turned|turning|went) (?:a |all )?(?:funny|strange|odd|weird|blue|grey|"
        r"gray|purple)",
    ),
    _rule(
        "medical",
        # Someone down in other words: will not wake, a fit described, collapsed anywhere,
        # a nosebleed that will not stop, blood brought up, a shock or a burn.
        r"(?:will not|would not|can not|cannot|could not|does not|is not|are not|not able to) "
        r"(?:wake|waking|rouse|come round|coming round|come to)(?: up| him| her| them|$)|"
        r"uncon(?:s|c|sc)i?ous|unconsc\w*|"
        r"collaps(?:ed|ing|es)|"
        r"jerking|twitching all over|eyes (?:are |were |have |had |keep |keeps )?(?:rolled|"
        r"rolling)(?: back| up| into| and|$)|siez\w*|seizing|convulsing|"
        r"nose ?bleeds?|nosebleed|(?:vomit\w*|throwing up|threw up|being sick|was sick|"
        r"coughing|coughed|weeing|peeing) (?:up )?(?:\w+ )?blood|blood in (?:his|her|their|"
        r"the) (?:vomit|sick|wee|urine|poo|stool)|"
        r"(?:got|had|took|gets|getting) (?:a |an )?(?:\w+ )?(?:electric )?shock (?:off|from) "
        r"(?:the |a |an |his |her )?(?:\w+ )?(?:socket|plug|wire|wires|cable|kettle|switch|"
        r"light|lamp|machine|fuse|appliance|heater|toaster|charger|lead|fence|shower|oven|"
        r"cooker|hob|fridge|dryer|washer|tv|radiator)|"
        r"(?:hand|hands|arm|arms|face|leg|legs|skin|fingers?|mouth|chest|back) (?:is |are |was "
        r"|were |got |has been |have been )?(?:\w+ )?(?:burnt|burned|blister\w*|scalded)|"
        r"blisters? (?:\w+ ){0,2}(?:up|on|all over|across) (?:her|his|their|the) (?:arm|arms|"
        r"hand|hands|face|leg|legs|skin|chest|back)|"
        r"(?:can not|could not|cannot|unable to|struggling to|can barely|can hardly) (?:stand "
        r"up|sit up|stay awake|keep (?:his|her|their) eyes open)|"
        r"worst headache|(?:sudden|suddenly|thunderclap) (?:\w+ ){0,2}headache|headache "
        r"(?:\w+ ){0,4}suddenly",
        # Things that collapse without anyone being hurt.
        # ("table 3 is after collapsing" is where someone sits, not the furniture.)
        veto=r"(?:tent|gazebo|shelf|shelves|shelving|table(?! \d)|chair|bed|deal|market|prices?|"
        r"sales|business|company|bridge|wall|ceiling|roof|building|floor|stairs|structure|"
        r"scaffold\w*|balcony|sofa|umbrella|stack|pile|cake|souffle|meringue|sponge|box|boxes|"
        r"display|talks|negotiations|booking|plans?|system|network|pushchair|buggy|pram|cot|"
        r"lounger|deckchair|tower|ladder|stand|marquee|bouncy castle|layers?|tier|tiers) "
        r"(?:\w+ ){0,7}collaps\w*|collaps\w* (?:the |a |his |her )?(?:pushchair|buggy|pram|"
        r"umbrella|table|tent|box|boxes|stand|gazebo)|(?:alarm|alarm clock|wake up call|call) "
        r"(?:\w+ ){0,3}(?:will not|would not|did not|does not) wake|not wake (?:up )?(?:for|"
        r"in time|early)|"
        r"(?:machine|engine|car|printer|computer|laptop|phone|app|fridge|tv|screen|picture|"
        r"video|stream|image|train|bus|lift) (?:\w+ ){0,2}(?:is |keeps )?(?:jerking|seizing)|"
        # Apps, landlords and inboxes do not respond either.
        r"(?:app|website|site|system|till|screen|phone|computer|laptop|machine|server|printer|"
        r"card reader|terminal|landlord|company|office|courier|supplier|support|helpline|"
        r"agent|software|program|page|tablet|wifi|router|email|emails) (?:\w+ ){0,2}(?:is |are "
        r"|was |were |keeps |still )?not responding|not responding (?:to )?(?:my |our |her "
        r"|his |their |the |any )?(?:emails?|calls?|messages?|texts?|letters?|complaints?|"
        r"requests?|chats?|tickets?|queries|enquir\w*)",
    ),
    _rule(
        "overdose",
        # Something taken: "has taken something", a spiked drink, a dose doubled.
        r"(?:has|have|had|must have|might have|may have) taken something(?! (?:from|out|off|"
        r"of|for|to|back|home)\b)|(?:taken|took|had|on) (?:some )?(?:drugs|ketamine|ket|coke|"
        r"cocaine|mdma|ecstasy|pingers|spice|heroin|fentanyl|ghb)|(?:drink|drinks|he|she|"
        r"they) (?:\w+ ){0,2}(?:was |were |been |got |has been |have been )?spiked|spiked "
        r"(?:her|his|their|my) drinks?|(?:doubled|double|tripled) (?:up )?(?:on )?(?:his |her "
        r"|their |my |the )?(?:\w+ )?(?:insulin|dose|doses|medication|meds|pills|tablets)|"
        r"(?:too much|an "
        r"extra|double (?:a )?dose of) (?:\w+ )?(?:insulin|medication|morphine|methadone)",
    ),
    # --- missing or unattended people -----------------------------------------------------
    _rule(
        "missing",
        rf"(?:lost|missing|can not find|could not find|cannot find|lost sight of|separated "
        rf"from|looking for|searching for|no sign of) (?:\w+ ){{0,2}}(?:{_CHILD}|{_RELATIVE})"
        r"(?! s\b| is (?:coat|jacket|bag|phone|toy|teddy|shoe|hat|bottle|dummy|card|ticket|"
        r"passport)|(?:s)? (?:coat|jacket|bag|phone|toy|toys|teddy|shoe|shoes|hat|bottle|"
        r"dummy|card|ticket|passport|menu|meal|meals|order|booking|voucher|present|gift|"
        r"birthday|party|glasses|keys|wallet|purse|buggy|pram|scooter|bike|book|room|seat))|"
        rf"{_CHILD}{_NOT_A_CHILD} (?:\w+ ){{0,3}}(?:is |has |went |gone |has gone |have gone )?"
        r"(?:missing|"
        r"wandered off|wandered away|(?:run|ran) off(?! with\b)|gone off|disappeared|vanished|"
        r"nowhere to "
        r"be (?:seen|found))|"
        r"(?:nobody|no one|noone) (?:has |have )?(?:seen|heard from) (?:him|her|them) (?:for|"
        r"since|in) (?:\w+ )?(?:days|day|hours|friday|monday|tuesday|wednesday|thursday|"
        r"saturday|sunday|yesterday|last night|the weekend)|"
        rf"{_CHILD} (?:\w+ ){{0,6}}(?:on (?:his|her|their) own|alone|by (?:himself|herself|"
        r"themselves)|unattended|without (?:an? )?(?:adult|parent|mum|dad|grown up|anyone))|"
        r"(?:no|without) (?:an? )?(?:adult|adults|parent|parents|grown up|grown ups|mum|dad) "
        r"(?:anywhere|around|with (?:him|her|them)|in sight|near|nearby|about)|"
        rf"(?:left|locked|alone) (?:\w+ ){{0,2}}in (?:a |the |their |his |her )?(?:hot )?car|"
        rf"{_CHILD} (?:\w+ ){{0,3}}(?:left|locked) in (?:a |the )?car|"
        # "baby asleep in a car seat in a locked car on level 2".
        rf"{_CHILD}{_NOT_A_CHILD} (?:\w+ ){{0,8}}in (?:a|the|their|his|her) (?:locked|hot) car|"
        # A child parked while the parent is elsewhere: "left his 3yo in the trolley by the
        # flowers while he nipped back to the car".
        rf"left (?:his|her|their|the|a) (?:\w+ )?{_CHILD}{_NOT_A_CHILD} (?:(?!with\b)\w+ ){{0,6}}"
        r"while (?:he|"
        r"she|they|i|mum|dad) (?:\w+ )?(?:nipped|popped|went|ran|go|goes|nip|pop|does|did|"
        r"takes|took|is doing|was doing|has|had|shops|shopped|trains)|"
        r"(?:lost|missing) (?:child|children|kid|kids|boy|girl|toddler|person|adult)|"
        r"gone missing|went missing|reported missing|amber alert|"
        r"(?:has|have|had) not (?:come|came|been) back (?:\w+ ){0,3}(?:hours?|ages|since|from|"
        r"for)",
        veto=r"teen\w* (?:\w+ ){0,3}(?:came in|comes in|arrived|attended|here|booked in) alone|"
        # Missed a bus, not missing: "young mum w twins stressed after missing her bus".
        r"missing (?:her|his|their|the|my|our|a|an|its) (?:\w+ )?(?:bus|train|flight|plane|"
        r"connection|coach|ferry|tram|boat|appointment|slot|exam|class|lesson|show|match|turn|"
        r"booking|shift|deadline|call|chance|dinner|lunch|breakfast|stop|tee time|treatment)|"
        r"(?:kids|children|childrens|child) (?:menu|meal|meals|portion|size|club|area|"
        r"party|section|toys?|shoes?|clothes|ticket|tickets|price|entry|pass|passes|"
        r"wristbands?|bands?|lanyards?|badges?|stickers?|tokens?|vouchers?|coats?|bags?)|"
        r"(?:parcel|order|item|items|package|delivery|refund|money|payment|card|bag|luggage|"
        r"trainers|shoes|boots|jumper|hoodie|jacket|hat|toy|toys|teddy|dummy|scooter|bike|"
        r"ipad|tablet|lunchbox|bottle|glasses|ring|watch|passport|ticket|tickets|"
        r"suitcase|case|coat|phone|keys|wallet|purse|dog|cat|engineer|driver|courier|staff|"
        r"waiter|chef|technician|chat|call|calls|message|messages|email|emails|text|texts|"
        r"post|account|file|files|data|booking|reservation|transfer|funds|points|voucher|code|"
        r"signal|connection|page|app|document|documents|form|forms|photo|photos|receipt|"
        r"invoice|stock|sock|socks|button|buttons|piece|pieces|part|parts|screw|screws|"
        r"remote|charger|cable|lid|key card|keycard|sunglasses|towel|towels|sunbed|umbrella|"
        r"brolly|headphones|earphones|airpods|earrings|necklace|bracelet|laptop|bin|bins|pegs|"
        r"cleaning|pass|pension|laundry|washing|shopping|prescription|medication|meds|tablets|"
        r"cuddly|cuddly toy|soft toy|plushie|doll|"
        r"hearing aid|dentures|cheque|benefits?|"
        r"post|letter|letters|plant|plants|sign|box|cone|cones|ball|balls|lid|cushion) "
        r"(?:\w+ ){0,3}(?:missing|gone missing|"
        r"went missing|not come back|wandered off)|missing in action|"
        r"(?:mind|attention|thoughts) (?:wandered|wandering)|"
        r"wandered (?:off|away) (?:from the point|topic|subject)|walked out (?:without paying|"
        r"in a huff|in disgust|angry|and)|walked off (?:the job|in a huff|without)|"
        # The child's things ("lost her son's coat"), not a child described ("lost 5yo boy,
        # red coat").
        r"(?:lost|missing) (?:\w+ ){0,2}(?:child|son|daughter|kid|boy|girl)s (?:\w+ )?"
        r"(?:coat|jacket|bag|toy|teddy|shoes?|hat|bottle|dummy)|"
        # A death: "lost her husband last year", "lost his mum to cancer".
        rf"lost (?:\w+ ){{0,2}}(?:{_CHILD}|{_RELATIVE}) (?:(?:last|this) (?:year|month|week|"
        r"spring|summer|autumn|winter|christmas)|to (?:cancer|covid|\w+ disease|suicide|an "
        r"illness|illness|dementia|a stroke|a heart attack)|(?:a few|a couple of|\d+|two|three|"
        r"four|five|six|few) (?:years|months|weeks|days) ago|recently|suddenly|in (?:january|"
        r"february|march|april|may|june|july|august|september|october|november|december|the "
        r"war|an accident|a crash|a car crash|\d{4}))|recently lost|since (?:he|she|they) lost|"
        r"(?:left|locked) (?:\w+ ){0,2}(?:keys|key|phone|bag|wallet|purse|shopping|stuff|"
        r"things|coat|card|cards|dog|laptop|sunglasses|glasses) (?:\w+ ){0,2}in (?:a |the |"
        r"their |his |her )?car",
    ),
    _rule(
        "missing",
        # A child with nobody minding them, a carer nowhere to be seen, a child or relative
        # separated from their people (also as typed: "seperated").
        rf"{_CHILD}{_NOT_A_CHILD} (?:\w+ ){{0,8}}(?:unsupervised|(?:with )?(?:nobody|no one|"
        r"noone|no adult|no grown up|no parent)s? (?:is |was )?(?:watching|supervising|"
        r"minding|looking after|with) (?:them|him|her))|no sign of (?:the |his |her |their |"
        rf"a |an |any )?{_CARER}\b|(?:separated|seperated|seprated) from (?:\w+ ){{0,2}}"
        rf"(?:{_CHILD}|{_RELATIVE}|{_CARER})|(?:{_CHILD}|{_RELATIVE}) (?:\w+ ){{0,3}}(?:got |"
        r"was |were |has been |have been |became |get |gets )?(?:separated|seperated|"
        r"seprated|split up) from",
    ),
    # --- self-harm, said directly or not --------------------------------------------------
    _rule(
        "self-harm",
        r"kill (?:myself|himself|herself|themselves)|killing (?:myself|himself|herself|"
        r"themselves)|end (?:it all|my life|his life|her life|their life|things|it tonight)|"
        r"ending (?:it all|my life|his life|her life|their life|(?:my|his|her|their) own life)|"
        r"(?:before|then|and) (?:i|he|she|they) ends? it(?: all)?$|(?:talking|talked|talks|"
        r"thinking|thought|thinks) (?:about|of) (?:overdosing|an overdose|ending it|killing "
        r"(?:myself|himself|herself|themselves)|taking (?:all )?(?:my|his|her|their) "
        r"(?:tablets|pills|meds))|hose ?pipe (?:\w+ ){0,2}(?:in|into|through) (?:the |her |his )?"
        r"(?:car )?(?:window|exhaust)|put a bullet in (?:my|his|her|their) own head|"
        r"take (?:my|his|her|their) (?:own )?life|suicid\w*(?! (?:squad|wings?|sauce|burger|"
        r"chilli|chili|challenge|doors?|blonde|run|runs|drill|drills)\b)|self ?harm\w*|"
        r"(?:going to|gonna|wants? to|will|threaten\w* to|might|could|tried to|trying to) "
        r"(?:hurt|harm|cut|kill) (?:myself|himself|herself|themselves)|"
        r"jump (?:off|in front of|from) (?:the |a )?(?:bridge|roof|train|building|balcony|car "
        r"park|cliff)|(?:want|wants|wanted|wanting) to die|wish(?:es|ed)? (?:i|he|she|they) "
        r"(?:was|were) dead|(?:not|no longer) want (?:\w+ )?to (?:be here|live|be alive|go on)|"
        r"(?:does|do|did) not want to (?:live|be here|be alive|go on)|"
        r"my last (?:message|words|email|note) (?:to|for) (?:anyone|everyone|you|you all|"
        r"the world)|last (?:message|words) (?:to|for) (?:anyone|everyone)|"
        # A blade held to one's own body.
        r"(?:blade|razor|knife|glass|scissors|shard) (?:\w+ ){0,3}(?:to|against|on|across) "
        r"(?:his|her|their) (?:own )?(?:wrist|wrists|throat|neck|arm|arms)|cutting "
        r"(?:himself|herself|themselves)",
    ),
    _rule(
        "self-harm",
        # Indirect: saying goodbye, giving things away, no future, a burden to others.
        r"no point (?:any ?more|in (?:anything|living|going on|carrying on|it all)|to "
        r"(?:anything|living|life|any of it))|(?:better|be better) off without (?:me|him|her|"
        r"them)|(?:will not|would not|might not|may not) (?:be (?:around|here|alive)) (?:\w+ )?"
        r"(?:much longer|for long|long|soon|to (?:pay|see|need|use|worry|deal|care|enjoy)|"
        r"anyway|after|by then|next (?:month|year))|"
        r"(?:will not|would not|does not|do not|is not going to) matter (?:\w+ )?(?:soon|much "
        r"longer|after|anyway|any more|anymore|where (?:i|he|she|they) am going|where "
        r"(?:i|he|she|they) (?:is|are) going)|(?:will not|would not) (?:need|be needing) "
        r"(?:it|this|them|that|any of (?:it|this|them)) (?:\w+ ){0,2}(?:soon|much longer|"
        r"where (?:i|he|she|they) (?:am|is|are) going|after|any more|anymore)|"
        r"(?:last time|never) (?:you|anyone|anybody) (?:will|are going to|will ever) see (?:me|"
        r"him|her)|saying (?:goodbye|good bye|bye) (?:to everyone|for good|forever|properly)|"
        r"(?:giv(?:ing|en|e|es)|gave) (?:away )?(?:all )?(?:her|his|their|my) (?:\w+ )?"
        r"(?:things|stuff|belongings|possessions|savings|money|jewellery|cat|dog|pets?) "
        r"away|giv(?:ing|es|en) away (?:her|his|their|my|all|everything)|"
        r"sort(?:ing|ed)? out who (?:gets|will get|has|should have|can have|is having|takes|"
        r"will take) (?:her|his|their|my)|who (?:gets|will get|will have|will look after|"
        r"will take) (?:her|his|their|my) (?:cat|dog|pets?|things|stuff|kids|children)|"
        r"leave (?:his|her|their|my) (?:\w+ )?(?:savings|money|things|stuff|house|everything|"
        r"cat|dog) to|(?:sorted|sorting) (?:everything|it all|all his affairs|all her affairs) "
        r"(?:\w+ )?(?:out )?(?:now|for when|before)|(?:put|putting|getting) (?:my|his|her|"
        r"their) affairs in order|(?:tired|sick) of (?:living|being alive|life(?! (?:admin|"
        r"insurance|\w+ing)\b))|"
        r"(?:nothing|no reason|nobody) (?:left )?to live for|cannot go on|can not go on "
        r"(?:living|like this any ?more)|not (?:be )?(?:around|here) (?:much longer|for much "
        r"longer)|final goodbye|goodbye letter|suicide note|(?:written|wrote|writing) (?:a )?"
        r"(?:note|letter) (?:to|for) (?:her|his|their|my) (?:family|kids|children|mum|wife|"
        r"husband)",
        veto=r"(?:will not|would not) be (?:around|here) (?:next|this|on|until|till|for the|"
        r"tomorrow|tonight|at)|better off without (?:the|this|that|it|you lot|your)",
    ),
    _rule(
        "self-harm",
        # More ways of saying it without saying it: nobody would notice, sleep and not wake,
        # pills saved up, letters to the family, standing on a bridge, no reason to go on.
        r"last time (?:you|anyone|anybody|they|we) (?:will |ll |youll |will ever |are going "
        r"to |are ever going to )?(?:ever )?see (?:me|him|her|them)(?! (?:in here|here|in this|"
        r"at this|in your|back|at your)\b)|youll (?:ever )?see (?:me|him|her)(?! (?:in here|here|"
        r"in this|at this|in your|back|at your|at|on|next|tomorrow|soon)\b)$|"
        r"(?:come|can|will|to) find (?:my|his|her|their) body|(?:nobody|no one|noone|no body) "
        r"(?:would|will|is going to) (?:even |ever )?(?:notice|"
        r"care|miss (?:me|him|her|them))(?: if| when|$)|"
        r"(?:go to sleep|sleep|fall asleep|go to bed|close (?:my|his|her|their) eyes) and "
        r"(?:never|not) wake(?: up)?|(?:never|not) (?:want to )?wake up again|"
        r"(?:saving|saved|stockpil\w*|hoard\w*|stashing|stashed|building up) (?:up )?"
        r"(?:\w+ ){0,2}(?:pills|tablets|meds|medication|painkillers|paracetamol|sleeping pills|"
        r"co codamol|codeine|aspirin|ibuprofen|tramadol|insulin)|"
        r"(?:written|wrote|writing) (?:\w+ )?(?:letters|goodbye \w+|farewell \w+) (?:to|for) "
        r"(?:\w+ ){0,2}(?:family|kids|children|mum|wife|husband|everyone|loved ones|partner|"
        r"son|daughter|parents)|"
        r"(?:will|ll|ill|going to|gonna|might|could) do something (?:stupid|silly|daft) "
        r"(?:to (?:myself|himself|herself|themselves)|$)|(?:will|ll|ill|going to|gonna) do "
        r"something (?:stupid|silly|daft)(?! (?:like|with|and buy|and spend|and order)\b)|"
        r"(?:cut|cutting|slit|slitting|slashed|slashing) (?:his|her|their|my|own) (?:own )?"
        r"(?:wrist|wrists|forearm|forearms|throat)(?! (?:on|with (?:a|the) (?:tin|can|glass|"
        r"paper|lid)|by accident|accidentally|opening|shaving)\b)|"
        r"(?:been |keeps |kept |started |starting |was |is )?(?:cutting|burning|starving|"
        r"harming|punching|scratching) (?:myself|himself|herself|themselves)(?! (?:on|with|by|"
        r"while|when|shaving|in the|free|a|some|accidentally|by accident)\b)|cut (?:myself|"
        r"himself|herself|themselves) (?:again|on purpose|deliberately)|self inflicted|"
        r"(?:cuts|scars|marks) (?:\w+ ){0,2}(?:on|up|all over) (?:her|his|their) (?:arms|"
        r"wrists|legs)|"
        r"who (?:will |would |should |is going to |can |could )?(?:gets?|have|has|look after|"
        r"looks after|take|takes|care for|feed|mind|walk|inherit|keep|adopt) (?:his|her|their|"
        r"my) (?:\w+ )?(?:cat|cats|dog|dogs|pets?|fish|bird|birds|rabbit|hamster|things|stuff|"
        r"belongings|kids|children|house|flat|savings)|"
        r"(?:standing|stood|sitting|sat|climbed|climbing|perched) (?:on|onto|over|at) (?:the |a "
        r")?(?:edge of (?:the |a )?)?(?:bridge|ledge|railing|railings|parapet|cliff edge|cliff|"
        r"roof edge|edge of the roof|tracks|railway line|railway tracks)|"
        r"no (?:reason|point) (?:to|in) (?:keep going|keeping going|carry(?:ing)? on|go(?:ing)? "
        r"on|living|being here|staying alive|be here|stay alive|live)|(?:can not|could not|"
        r"cannot) (?:keep going|carry on|go on)(?! (?:with|working|waiting|paying|like that|"
        r"without|until|till|any further|the|walking|driving|holding|hold)\b)",
        veto=r"who (?:\w+ ){1,6}(?:while|whilst|during|this weekend|next week|over the|on "
        r"holiday|in hospital|for the weekend|for the week)|(?:cutting|burning|scratching) "
        r"(?:himself|herself|themselves) (?:\w+ )?(?:a |some )?(?:slice|piece|bit|fringe|"
        r"hair)",
    ),
    # --- robbery, and a colleague under threat ---------------------------------------------
    _rule(
        "robbery",
        r"robb(?:ed|ery|ing|er|ers)|armed (?:man|men|robbery|raid)|hold ?up|held up at|"
        r"mugg(?:ed|ing|er)|snatch(?:ed)? (?:her|his|my|a|the) (?:bag|phone|purse|wallet|"
        r"handbag|till|cash)|(?:grabbed|took|snatched|nicked|stole|ran off with) (?:the |our )?"
        r"(?:cash|money|till|tills|cash drawer|cash tray|takings)(?! (?:back|out|receipt|roll))|"
        r"(?:demand\w*|demanding) "
        r"(?:\w+ )?(?:the )?(?:money|cash|till|takings)|empty the till|ram raid\w*|"
        r"break ?in|broke in(?:to)?|burglar\w*|burgled|held up (?:the |a |our |this )?"
        r"(?:\w+ )?(?:counter|shop|store|till|bank|garage|petrol station|cashier|staff|post "
        r"office|bookies|jewell?ers|off licence|kiosk|branch)|(?:knife|gun) ?point",
        veto=r"daylight robbery|demand\w* (?:\w+ ){0,3}(?:money|cash) (?:\w+ )?(?:back|refund)|"
        # A machine that kept the money is a fault: "pump 4 swallowed her card, took £1".
        r"(?:machine|pump|till|atm|cash machine|meter|kiosk|vending machine|app|card reader|"
        r"terminal|self checkout|locker|it|car park|carpark|parking|barrier|toll|bank|website|"
        r"system|direct debit|standing order|subscription) (?:\w+ ){0,7}(?:took|kept|ate|"
        r"swallowed) "
        r"(?:\w+ ){0,3}money|took (?:\w+ )?money (?:and|but) (?:no|gave no|did not|never|nothing)|"
        r"demand\w* (?:\w+ ){0,2}(?:cash )?refunds?|"
        r"robb(?:ing|ed) (?:me|us|you|them|people|customers|everyone) "
        r"(?:\w+ )?(?:with|blind|on|for|at)|robbing (?:me|us|you|them) blind|it is "
        r"(?:robbery|a robbery)|(?:pure|absolute|total|legalised|highway) robbery|"
        r"(?:price|prices|fee|fees|charge|charges|bill) (?:\w+ ){0,3}robbery|"
        r"robbery (?:at|with) (?:these|those|the) prices|break in (?:service|the|play|"
        r"signal|coverage)|hold up (?:the|a|his|her|my|your|our) |hold up (?:the )?queue|"
        r"held up (?:in|by|at work|on)|robb(?:ing|ed) (?:\w+ ){0,2}blind|robb(?:ing|ed) "
        r"(?:her|him|the customers|punters|people|families|folk) (?:with|on|for|at)|"
        # A machine that "robbed" someone kept their money.
        r"(?:machine|machines|meter|meters|till|tills|app|atm|kiosk|arcade|slot|slots|"
        r"jukebox|payphone|car park|parking) (?:\w+ ){0,2}robb(?:ed|ing)",
    ),
    _rule(
        "suspicious",
        r"(?:unattended|abandoned|unclaimed) (?:bag|bags|suitcase|rucksack|backpack|holdall|"
        r"package|parcel|luggage|carrier bag)(?! (?:room|store|storage|office|policy|"
        r"procedure|announcement|announcements|sign|signs)\b)",
        veto=r"(?:handed|cleared|checked|dealt with|removed) (?:\w+ ){0,4}(?:unattended|"
        r"abandoned|unclaimed) \w+|(?:unattended|abandoned|unclaimed) \w+ (?:\w+ ){0,3}(?:was |"
        r"has been |been )?(?:handed|cleared|checked|dealt with|removed)",
    ),
    _rule(
        "staff-threat",
        r"(?:waiting|waited|hanging around|hanging about|lurking|loitering|sat|sitting|"
        r"parked) (?:\w+ ){0,3}(?:by|for|at|outside|near|next to|beside) (?:her|his|their|my "
        r"colleague s|our \w+ s|the staff) (?:\w+ )?(?:car|house|home|flat|bike)|"
        r"(?:waiting|waited) (?:for|outside) (?:her|him|them|staff|my colleague) (?:after|"
        r"outside|in the car park|at closing|when (?:she|he) finish\w*)|"
        r"follow(?:ed|ing|s)? (?:her|him|my colleague|our \w+|a member of staff) (?:home|to "
        r"(?:her|his|the|their) car|out|to the (?:bus|station|car park))|"
        r"(?:knows|found out|find out|know) where (?:she|he|they|you) (?:lives?|parks?|works?)|"
        r"stalk\w*|(?:coming back|come back|be back|waiting|wait) (?:\w+ ){0,5}to sort "
        r"(?:\w+ ){0,2}out|"
        r"threaten(?:ed|ing|s)? (?:my colleague|our|a member of staff|the staff|staff|the "
        r"(?:waitress|waiter|receptionist|cashier|driver|barman|barmaid|bartender|chef|"
        r"manager|nurse|cleaner|guard|security guard|doctor|pharmacist|girl|lad|lady|trainee))|"
        r"(?:watch|wait) (?:your|her|his) back|"
        r"(?:(?:you|she|he|they) will|youll) regret (?:it|this)|"
        r"wait(?:ing)? for (?:you|her|him) (?:outside|after|in the car park)|"
        # Harm promised for when the shift ends.
        r"(?:hurt|harm|get|kill|stab|batter|hit|beat up|attack|sort out|wait for|follow) "
        r"(?:her|him|them) (?:\w+ ){0,2}(?:when|after|once) (?:her|his|their) shift",
    ),
    # --- signs described rather than named (a third author's classes) -------------------
    _rule(
        "overdose",
        # Too many of a medicine named: "taken a few too many of her antidepressants".
        r"(?:took|taken|take|swallowed|had|downed) (?:\w+ ){0,3}(?:too many|too much|double|"
        r"a load|loads|lots|a lot|a handful|handfuls|a whole \w+|the whole \w+|all) (?:of )?"
        r"(?:her |his |their |my |the |those )?(?:\w+ )?(?:antidepressants|sleeping (?:tablets|"
        r"pills)|painkillers|pills|tablets|meds|medication|medicine|insulin|paracetamol|"
        r"ibuprofen|aspirin|codeine|co codamol|tramadol|diazepam|valium|morphine|methadone|"
        r"antihistamines|heart (?:pills|tablets)|blood pressure (?:pills|tablets)|inhaler)",
        veto=r"(?:if|whether|how|what|ask\w*|about) (?:\w+ ){0,4}(?:too many|too much)|"
        r"(?:how many|how much) (?:\w+ ){0,3}(?:can|should|may)",
    ),
    _rule(
        "medical",
        # Birth, a body slid off a chair, a weight dropped on someone.
        r"(?:about to|going to|is|started|starting|has started) (?:give|giving) birth|baby is "
        r"coming(?: now| out|$)|slid (?:off|down|out of|onto|to) (?:his|her|their|the) "
        r"(?:chair|stool|seat|bed|bench|floor)|(?:dropped|fell|landed|came down|crashed down) "
        rf"(?:\w+ ){{0,3}}(?:on|onto) {_WHOSE}(?:{_BODY})",
    ),
    _rule(
        "violence",
        # A beating under way: "beating his partner in the corridor".
        rf"(?:beating|battering|strangling|throttling) (?:up )?{_VICTIM}(?! (?:on|at|in|for) "
        r"(?:price|prices|cost|costs|quality|service|delivery|the price|football|darts|pool|"
        r"cards|chess|the quiz|a game)\b)",
    ),
    _rule(
        "missing",
        # A pram gone with the baby in it.
        r"(?:pram|buggy|pushchair|stroller|car seat|cot) (?:\w+ ){0,3}(?:gone|missing|taken|"
        r"disappeared|stolen|wheeled off|pushed off) (?:\w+ ){0,2}with (?:the |her |his |their )?"
        r"(?:baby|child|toddler|little one|kid|son|daughter) (?:still )?(?:in|inside)",
    ),
    _rule(
        "gas",
        # A chemical loose in the air.
        r"(?:ammonia|chlorine|chemical|chemicals|refrigerant|acid|bleach|solvent) (?:\w+ )?"
        r"(?:leak|leaking|spill|spilt|spilled|cloud|gas|fumes|vapour|vapor)",
    ),
    _rule(
        "gas",
        # Exhaust in a closed garage (carbon monoxide), whoever is in there.
        r"(?:exhaust|fumes|engine (?:\w+ )?running) (?:\w+ ){0,8}garage|garage (?:\w+ ){0,8}"
        r"(?:smell\w* (?:of )?(?:exhaust|fumes)|exhaust|engine (?:\w+ )?running)",
    ),
    _rule(
        "hazard",
        # Shut in a freezer or cold room; a child at an open window or a balcony edge.
        r"(?:locked|stuck|trapped|shut) in (?:the |a )?(?:walk in )?(?:freezer|cold room|"
        r"chiller|cold store)|(?:freezer|cold room|chiller|cold store|walk in)(?: \w+){0,3} "
        r"(?:will not|would not|can not|cannot|does not) open from (?:the )?inside|"
        rf"{_CHILD}{_NOT_A_CHILD} (?:\w+ ){{0,3}}(?:sat|sitting|standing|stood|climbing|climbed|"
        r"leaning|hanging) (?:on|out of|over|onto|up on) (?:the |an |a )?(?:open )?(?:window ?sill|"
        r"window ledge|window|ledge|balcony (?:rail\w*|edge|wall)|railings?)",
    ),
    _rule(
        "self-harm",
        # At the edge: the wrong side of the railings, legs over a platform or roof edge,
        # "how many would it take to not wake up", gripping razor blades.
        r"(?:on|over) the (?:outside|wrong side|other side) of (?:the )?(?:\w+ )?(?:railings?|"
        r"barrier|fence|rail)|(?:sat|sitting|standing|stood) on (?:the )?(?:edge|ledge|parapet)"
        r" of (?:the )?(?:\w+ )?(?:roof|platform|bridge|car park|building|cliff|balcony|"
        r"multi ?storey|plat)|legs (?:dangling|hanging|over) (?:\w+ ){0,2}(?:edge|side|ledge|"
        r"track|tracks|drop)|(?:on|over|sat on|sitting on|standing on|stood on|climbing) (?:the )?"
        r"(?:balcony|bridge|roof|car park) (?:rail|railing|railings|edge|ledge|parapet)|(?:let|"
        r"letting) (?:\w+ ){0,2}trains? (?:go|pass)|staring (?:down )?at the (?:tracks|drop)|"
        r"(?:how many|how much|enough) (?:\w+ ){0,6}(?:to|would it take to|"
        r"it would take to|would take to) (?:not wake up|never wake up|kill (?:me|myself|him|"
        r"himself|her|herself|themselves|someone|a person)|end it|die)|(?:gripping|clutching|"
        r"will not let go of|won t let go of) (?:\w+ ){0,2}(?:razor ?blades?|razors|blades?)",
    ),
    _rule(
        "overdose",
        # A child who swallowed something poisonous.
        rf"{_CHILD}{_NOT_A_CHILD} (?:\w+ ){{0,6}}(?:swallowed|bit into|bitten into|ate|eaten|"
        r"drank|drunk|chewed|sucked) (?:\w+ ){0,3}(?:dishwasher (?:pod|tablet)s?|washing "
        r"(?:pod|tablet|powder)s?|laundry (?:pod|capsule)s?|pods?|detergent|bleach|button "
        r"batter\w*|batter(?:y|ies)|magnets?|antifreeze|cleaning (?:fluid|product)|weedkiller|"
        r"rat poison|(?:her|his|their|mums|dads|nans|grans) (?:pills|tablets|medicine|meds))",
    ),
    _rule(
        "self-harm",
        # A car in a closed garage; "should just end it"; love sent to the family.
        r"engine (?:\w+ ){0,2}running (?:\w+ ){0,3}(?:in|inside) (?:the|a|his|her|their) "
        r"(?:closed )?garage|hose(?:pipe)? (?:\w+ ){0,3}exhaust|"
        r"(?:should|will|going to|might|could|wants? to|want to) (?:just )?end (?:it|things|"
        r"everything)(?: all)?$",
    ),
    _rule(
        "hazard",
        # Something blown or fallen onto a passer-by.
        r"(?:fell|falling|came down|come down|blew|blown) (?:\w+ ){0,5}(?:hit|hitting|landed "
        r"on|struck|crushed) (?:a |an |the )?(?:passer ?by|pedestrian|someone|somebody|man|"
        r"woman|child|kid|customer|guest|person|lady|boy|girl|member|worker|shopper)",
    ),
    _rule(
        "missing",
        # Missing for minutes, lost at a gate, not back on the coach.
        r"(?:has|have|had) been missing (?:for )?(?:\w+ ){0,2}(?:minutes|mins|an hour|hours|"
        r"half an hour)|"
        rf"{_CHILD}{_NOT_A_CHILD} (?:\w+ ){{0,4}}(?:is|are|got|has got|gets|seems|looks|was) "
        r"(?:\w+ )?lost(?! (?:property|in (?:a|his|her|their|the) (?:book|game|thought|"
        r"thoughts|music|film|show|world|daydream))\b)",
    ),
    _rule(
        "self-harm",
        # Said straight out in other words.
        r"threaten\w* to jump (?:off|from|in front of|out of|into)|"
        # "he'll just go jump off the multistorey next door" (not "cliff jumping").
        r"(?:go|going to|gonna|will|ll|would|d) (?:just )?(?:go (?:and )?)?jump (?:off|from) "
        r"(?:the |a |that )?(?:\w+ )?(?:multistorey|multi storey|bridge|roof|car park|building|"
        r"balcony|tower|block|flyover|overpass|viaduct|rooftop)|"
        # Ways to go asked for, going hastened, sleep for good: "books on painless ways to
        # go", "stopped eating so she can go quicker", "waiting to go to sleep for good".
        r"painless (?:ways?|way) to (?:go|die|end it)|(?:so|to) (?:that )?(?:she|he|i|they) (?:can|"
        r"could|will) (?:go|die) (?:quicker|faster|sooner)|(?:go to sleep|sleep|fall asleep) for "
        r"good|(?:tablets|pills|meds|paracetamol) saved up|saved up (?:his |her |my |their )?"
        r"(?:tablets|pills|meds|paracetamol)|"
        # "i finish my life, is better for everybody"; "the river's looking like the easy
        # option".
        r"(?:finish|end|ending|finishing|take|taking) (?:my|his|her|their) (?:own )?life|"
        r"(?:river|bridge|tracks|train|canal|sea|motorway) (?:\w+ ){0,4}(?:easy|easier|only|best) "
        r"(?:option|way out|answer|choice)|"
        r"hang (?:myself|himself|herself|themselves)|drown (?:myself|himself|herself|"
        r"themselves)|slit (?:my|his|her|their) wrists|throw (?:myself|himself|herself|"
        r"themselves) (?:off|under|in front)|better off not (?:waking|wake|being here|being "
        r"alive|existing|living|here|around)|(?:everyone|everybody|they|people|the world|"
        r"(?:her|his|their|my) (?:family|kids|children|parents|mum|dad|wife|husband|partner|"
        r"friends|boyfriend|girlfriend)) (?:would|will) be (?:happier|better|better off) (?:if|"
        r"without) (?:(?:i|she|he|they) (?:was|were|am|is) )?(?:the (?:trouble|burden|worry|"
        r"hassle) of )?(?:gone|dead|not here|not around|me|her|him|them)|(?:want|wants|wanted|"
        r"wanting) (?:it|everything) (?:all )?to (?:end|stop|be over)$|(?:want|wants|wanted|"
        r"wanting) (?:it|everything) all to (?:end|stop|be over)",
    ),
    _rule(
        "weapon",
        # Armed people on the move: "two lads with baseball bats smashing up the bar".
        r"with (?:\w+ )?(?:baseball )?(?:bats?|hammers?|crowbars?|axes?|machetes?|knives|iron "
        r"bars?|metal bars?|clubs|golf clubs|bricks|poles|sticks|blades?) (?:\w+ ){0,3}"
        r"(?:smash\w*|attack\w*|hitting|beating|threaten\w*|going for|trash\w*|fighting|"
        r"chasing|running at|coming)|smash\w* up (?:the|our|this) (?:bar|place|shop|pub|"
        r"restaurant|reception|room|lobby|store|office|cafe|club)",
    ),
    _rule(
        "medical",
        # Pain at its worst; speech or movement lost all of a sudden.
        r"in agony|doubled (?:over|up) in pain|screaming in pain|writhing|in (?:severe|"
        r"terrible|excruciating|unbearable|so much) pain|suddenly (?:can not|could not|cannot) "
        r"(?:speak|talk|see|move|feel|stand|walk|breathe)",
    ),
    _rule(
        "missing",
        # Left behind by the one who should be minding: "says his mum left him".
        r"(?:his|her|their) (?:mum|mother|dad|father|parents?|mummy|daddy|carer|nan|gran) "
        r"(?:\w+ )?(?:left|abandoned|drove off (?:without|and left)|went off (?:and left|"
        r"without)) (?:him|her|them)(?! (?:with|at (?:the )?(?:desk|reception) with|money|a "
        r"note)\b)",
    ),
    _rule(
        "self-harm",
        # Cutting again; a car driven into a wall; no way out.
        r"(?:been|started|is|keeps?|was|has been) cutting (?:again|(?:her|his|their|my) "
        r"(?:arms|wrists|legs|thighs))|"
        r"(?:drive|crash|steer|ram|driving|crashing) (?:his|her|their|my|the) (?:car|van|bike|"
        r"motorbike) (?:\w+ ){0,2}(?:into|off) (?:a|the) (?:wall|tree|bridge|cliff|river|sea|"
        r"lorry|truck|motorway|barrier)|no way out (?:for (?:me|him|her|them) )?(?:but|except|"
        r"other than|apart from)|"
        r"no point (?:in )?(?:carrying on|going on|living|being alive)(?! (?:with|in the|at)\b)",
    ),
    _rule(
        "flood",
        # Water where it should never be: over the electrics, a river over its banks.
        r"(?:leak\w*|dripping|pouring|coming|running|gushing) (?:\w+ ){0,3}(?:onto|into|over|"
        r"through|on|in) (?:the )?(?:lights|light fittings?|sockets?|electrics|fuse ?box|fuse "
        r"?board|wiring|plugs?|switches|light switch)|burst (?:its|their) banks|(?:car park|road|"
        r"street|basement|cellar|ground floor|building|cars?|reception|lobby|campsite|site) "
        r"(?:\w+ ){0,3}(?:underwater|under water|submerged)|water (?:is |keeps )?rising",
    ),
    _rule(
        "hazard",
        # A storm doing damage; everyone to be got out.
        r"storm (?:has |have )?(?:ripped|blown|torn|brought down|damaged|took|taken)|(?:roof|"
        r"tree|trees|branch|sign|fence|scaffolding|wall|panel|panels|tiles) (?:\w+ ){0,3}"
        r"(?:blown|ripped|torn) (?:off|down|over|away)|(?:tree|trees|branch|power lines?|"
        r"cable|cables|pylon) (?:\w+ ){0,2}(?:came|come|fell|fallen|down) (?:\w+ ){0,3}(?:on|"
        r"onto|across) |(?:get|getting) (?:everyone|everybody|people|guests|customers|"
        r"residents|the kids|the children|them all) out(?! of the way| of (?:the|my|our) "
        r"(?:queue|way|hair|shop after|bar at))",
    ),
    _rule(
        "medical",
        # A funny turn, someone locked in a toilet not answering, found on the floor, burnt
        # by boiling oil.
        r"(?:had|having|has had|took|taken|taking) (?:a |one of (?:his|her|their) )?(?:funny|"
        r"bad|nasty|queer|dizzy) (?:turn|do|spell|episode|moment)|"
        r"(?:toilet|toilets|loo|bathroom|cubicle|changing room|fitting room|shower|sauna|"
        r"steam room|disabled toilet) (?:\w+ ){0,6}(?:will not|would not|is not|not|no) "
        r"(?:answer\w*|respond\w*|reply\w*|come out|opening)|"
        r"found (?:him|her|them) (?:\w+ ){0,2}on the (?:floor|ground|bathroom floor)|on the "
        r"(?:floor|ground) (?:all night|for hours|since (?:last night|this morning))|"
        r"(?:boiling|hot) (?:oil|fat|water|liquid|soup) (?:\w+ ){0,3}(?:over|on|onto|down|in) "
        rf"{_WHOSE}(?:{_BODY}|lap|chest|legs)|"
        r"(?:hit|knocked down|knocked over|run over|ran over) by (?:a|the|an|our|their|his|"
        r"her) (?:\w+ )?(?:car|van|bus|lorry|truck|taxi|cab|bike|cyclist|scooter|vehicle|"
        r"tram|train|forklift)",
        veto=r"(?:no|not|never) (?:\w+ ){0,2}(?:answer\w*|respond\w*) (?:the|our|my|his|her) "
        r"(?:phone|emails?|calls?|door ?bell)",
    ),
    _rule(
        "hazard",
        # People trapped in a lift, or on a structure that is giving way.
        r"(?:lift|elevator) (?:\w+ ){0,3}(?:stuck|broken down|stopped|jammed) (?:\w+ ){0,8}"
        r"(?:with (?:\w+ ){0,4}(?:inside|in it|in there|trapped)|with (?:\w+ ){0,3}(?:family|"
        r"people|kids?|children|child|baby|passengers?|guests?|customers?|couple|man|woman|"
        r"lady|residents?|patients?|him|her|them) in(?! \w)|(?:people|someone|"
        r"somebody|"
        r"guests?|customers?|kids?|children|passengers?) (?:inside|in it|in there|trapped))|"
        r"(?:huge|massive|big|large|deep|new|growing) cracks? (?:\w+ ){0,2}(?:in|on|across|"
        r"through) (?:the |a )?(?:balcony|stairs|staircase|beam|walkway|bridge|terrace|decking|"
        r"floor|structure|column|pillar|platform|stand|mezzanine) (?:\w+ ){0,6}(?:people|"
        r"guests?|someone|customers?|kids?|children|standing|sat|sitting|on it|under it)|"
        # A way out that will not open: "screen 5 fire exit is chained shut".
        + _EXIT_SHUT,
    ),
    _rule(
        "missing",
        # Someone gone from where they should be: absconded, out of the gate.
        r"abscond\w*|"
        rf"{_CHILD}{_NOT_A_CHILD} (?:\w+ ){{0,3}}(?:got out|slipped out|escaped|let (?:himself|"
        r"herself|themselves) out|ran out|run out|wandered out|went out|got through|slipped "
        r"through|climbed over|climbed out) (?:\w+ ){0,5}(?:gate|door|doors|exit|street|road|"
        r"outside|car park|building|fence|window)",
    ),
    _rule(
        "self-harm",
        # A pet rehomed, the life insurance, coping no more, a noose.
        r"(?:giving|gave|give|given|rehoming|rehome|re homing|finding a (?:new )?home for) "
        r"(?:away )?(?:the|his|her|their|my) (?:\w+ )?(?:cat|cats|dog|dogs|pet|pets|budgie|"
        r"parrot|fish|rabbit|rabbits|hamster|tortoise|horse) (?:to|away)|"
        r"(?:would|will|be) better off (?:with(?:out)? |getting )(?:the |my |his |her |their )?"
        r"(?:life )?insurance|(?:worth|be worth) more dead|"
        r"(?:can not|cannot|could not) (?:cope|handle (?:it|life|this)) any ?more(?! with)|"
        r"(?:can not|cannot) cope$|noose|ligature",
        veto=r"(?:while|whilst|during|for the (?:week|weekend|holiday|summer|month)|on holiday|"
        r"for (?:a|the) (?:week|few days|night|month)|when (?:she|he|they) (?:go|goes|went|are|"
        r"is) (?:away|on holiday|abroad|travelling))",
    ),
    _rule(
        "violence",
        # Going for someone: about to attack.
        r"(?:going for|went for|goes for|coming at|came at|lunged at|lunging at|charged at|"
        r"charging at|running at|ran at|squared up to|squaring up to|went at|going at) "
        rf"{_VICTIM}(?! (?:job|role|position|post|discount|deal|offer|rate|option|special)\b)",
    ),
    _rule(
        "medical",
        # An injury described: a body part and what happened to it, in either order.
        rf"(?:^|{_WHOSE})(?:{_BODY}){_NOT_A_BODY} (?:\w+ ){{0,4}}{_INJURED}|"
        r"(?:crushed|trapped|caught|slammed|jammed|shut|squashed|sliced|sliced open|cut open|"
        r"gashed|split|split open|broke|broken|snapped|dislocated|twisted|sprained|fractured|"
        r"burnt|burned|scalded|bashed|smashed|banged|cracked|impaled|stabbed) "
        rf"(?:\w+ )?{_WHOSE}(?:{_BODY}){_NOT_A_BODY}|"
        r"(?:can not|could not|cannot|unable to|will not|struggling to|can barely|can hardly) "
        r"(?:put|bear|take|stand) (?:any |much )?weight on|"
        r"(?:can not|could not|cannot|unable to) (?:move|feel|lift|bend|straighten|open) "
        rf"{_WHOSE}(?:{_BODY})|"
        r"(?:bump|lump|egg|gash|cut|wound|graze|swelling|dent) (?:\w+ ){0,2}(?:on|to|in|across|"
        rf"over) {_WHOSE}(?:head|forehead|face|skull|temple)|"
        r"skin (?:\w+ ){0,3}(?:peeling off|blister\w*|coming off|come off|came off|bubbl\w*|"
        r"melted|hanging off)|"
        r"dazed|concussed|seeing stars|(?:knocked|is|was|lay|lying|been|went|are|were) out cold|"
        r"knocked (?:himself|herself|themselves) out",
        veto=r"(?:nearly|almost|practically|virtually) (?:\w+ ){0,2}(?:broke|break|broken|"
        r"snapped|killed)|caught (?:his|her|their|my|your) eye|(?:from|after) (?:crying|no sleep|"
        r"lack of "
        r"sleep|the flight|a long flight|the gym|a workout)|(?:broke|broken|snapped|cracked) "
        r"(?:\w+ ){0,2}(?:heel|strap|zip|screen|nail|nails|glasses|case)|twisted (?:his|her|"
        r"their|my) words|(?:stand|bear) (?:any )?weight on (?:the|that|this|it)|"
        # A temper, not a crush: "slammed his hand on the counter".
        r"(?:slammed|banged|bashed) (?:his|her|their|my) (?:hand|hands|fist|fists|palm|palms) "
        r"(?:down )?(?:on|onto|against) (?:the|our|my|his|her) (?:\w+ )?(?:counter|desk|table|"
        r"bar|till|reception|glass|screen|door|window)",
        weak=True,
    ),
    _rule(
        "medical",
        # Someone down in other words: dropped where they stood, not moving, slumped.
        rf"{_PERSON} (?:\w+ ){{0,4}}dropped(?= (?:to|on|like|dead|down|where|in front)\b|$)|"
        r"(?:dropped|went down|fell|collapsed) like a (?:stone|sack|brick|tree|sack of \w+)|"
        rf"{_PERSON} (?:\w+ ){{0,4}}(?:is |was |are |has |have |just |suddenly |now )?"
        r"(?:not moving|stopped moving|motionless|lying still|gone limp|went limp|out cold|"
        r"slumped|slumping|keeled)|slumped (?:over|in|on|against|forward|down|across)|"
        r"(?:^|and |is |now )not moving$|(?:stopped|not) breathing|(?:gone|went|is|was|going) "
        r"(?:all )?(?:limp|floppy|lifeless)",
        veto=r"(?:price|prices|call|calls|line|lines|signal|wifi|connection|battery|"
        r"temperature|stock|shares?|rate|rates|sales|figures|numbers|order|parcel|package|"
        r"delivery|ball|bag|bags|phone|tray|plate|glass|cup|item|box|queue|queues|traffic|lift|"
        r"bus|train|belt|screen|app|page|website|car|cars|bar|progress|clock|ticket|tickets|"
        r"flowers?|plants?|lettuce|salad|chips|fries|bouquet|pastry|balloons?|bread|noodles|"
        r"pasta|handshake|market|profits?|demand|system|booking|it|call|pen|keys) (?:\w+ ){0,3}"
        r"(?:just |is |was |are |has |now |gone |went |all )*(?:dropped|not moving|stopped "
        r"moving|slumped|limp|floppy)|dropped (?:off|by|in|out|it|the|a|her|his|their|my|me|"
        r"him|them|us|some|everything|our)",
    ),
    _rule(
        "medical",
        # Speech and symptoms, and a person hurt by a vehicle.
        r"(?:can not|could not|cannot|struggling to|unable to) (?:get|find|form) (?:his|her|"
        r"their|my|the) words(?: out)?|(?:speech|talking|voice) (?:is |went |has gone |gone |"
        r"sounds? )?(?:all )?(?:slurred|garbled|jumbled|funny|weird|strange|wrong)|"
        r"stabbing (?:\w+ )?(?:pain|pains)|(?:hit|knocked down|knocked over|run over|ran over) "
        r"by (?:a|the|an) (?:car|van|bus|lorry|truck|taxi|cab|bike|cyclist|scooter|vehicle|"
        r"tram|train|forklift|reversing \w+)|(?:(?:car|van|lorry|truck|bus|taxi|vehicle|"
        r"forklift|driver|reversing|reversed) (?:\w+ ){0,8}knocked over|knocked down|run over|"
        r"ran over) "
        r"(?:a|the|an|our|another|one of our) (?:\w+ )?(?:man|woman|child|kid|boy|girl|person|"
        r"pedestrian|guest|customer|client|member|patient|resident|visitor|pensioner|cyclist|"
        r"driver|worker|lady|gentleman|passenger|student)|(?:hit|knocked) (?:a|the|an|"
        r"our) (?:\w+ )?(?:pedestrian|"
        r"cyclist)|(?:went|gone|turning|turned|going) (?:really |very )?(?:grey|gray|blue) "
        r"(?:and|in the face)|(?:lips|face) (?:\w+ ){0,2}(?:grey|gray|blue)|(?:turned|turning|"
        r"gone|going|went) (?:a )?(?:bluish|blueish|greyish|grayish|blue|grey|purple) colou?r",
    ),
    _rule(
        "missing",
        # Nobody minding a child, told in other words; a found child; a head count short.
        rf"{_CHILD}{_NOT_A_CHILD} (?:\w+ ){{0,6}}(?:left|abandoned|sat|sitting|standing|waiting) "
        r"(?:\w+ ){0,4}(?:alone|on (?:his|her|their|its) own|by (?:himself|herself|"
        r"themselves|itself)|unattended|outside (?:the|a|our) (?:shop|store|door|doors|"
        r"entrance|building|toilets?|pub|bar|cafe|bank|pharmacy|chemist))|"
        rf"{_CHILD}{_NOT_A_CHILD} (?:\w+ ){{0,6}}(?:nobody|no one|noone|no adult|no grown up|"
        r"no parent)s? (?:is |was |are |were |has been )?(?:with|watching|minding|near|"
        r"around|supervising|came|come|claimed|claiming)|"
        rf"{_CHILD}{_NOT_A_CHILD} (?:was|is|were|are|had|has) (?:just |suddenly )?(?:gone|"
        r"vanished)(?= *$| (?:when|and|from|by|without)\b)|"
        rf"{_CHILD}{_NOT_A_CHILD} (?:\w+ ){{0,3}}(?:wandering|roaming|toddling|walking|running|"
        r"crawling|crying) (?:\w+ ){0,4}(?:alone|on (?:his|her|their) own|by (?:himself|"
        r"herself|themselves)|in the (?:road|street|car park|carpark)|on the (?:road|street|"
        r"tracks|platform)|towards the (?:road|water|pool|lake|river|tracks|exit|doors)|near "
        r"the (?:road|water|pool|river|lake|tracks)|for (?:his|her|their) (?:mum|mummy|dad|"
        r"daddy|mother|father|parents?|nan|nanny|gran|granny)|looking for (?:his|her|their))|"
        r"(?:found|spotted|noticed) (?:a|an) (?:little |small |young |lost |crying |tiny )?"
        r"(?:child|kid|boy|girl|toddler|baby|little one|lad|lass)"
        r"(?! (?:s|shoe|shoes|coat|toy|bag|teddy|dummy|hat|glove|gloves|jumper|bottle|drink|"
        r"lunchbox|book|trainers|pram|buggy|seat|scooter)\b)|"
        r"(?:child|children|kid|kids|boy|girl|toddler|baby|pupil|pupils|student|students|"
        r"resident|patient|passenger|person|one of (?:the|our|my) \w+) (?:\w+ ){0,3}(?:is |are "
        r"|was |were )?(?:not accounted for|unaccounted for)|head ?count (?:\w+ ){0,3}(?:is )?"
        r"(?:short|wrong|one missing|missing|one down)|"
        r"(?:does not|do not|did not|can not|could not|cannot) (?:know|remember|recall|say) "
        r"(?:where (?:he|she|they) (?:lives?|is staying|are staying|came from|belongs?|is "
        r"supposed to be|is|are|is going|are going)(?! (?:with|on|in|about)\b)|(?:his|her|"
        r"their) (?:own )?(?:address|own name|way (?:back|home))|"
        r"how to get (?:home|back))",
    ),
    _rule(
        "self-harm",
        # Said without saying it: a last goodbye, nothing needed after tonight, no point
        # being here, out of everyone's way, over the railing, never waking up.
        r"(?:goodbye|goodbyes|farewell|bye) (?:\w+ ){0,4}(?:like|as if|as though) (?:it|he|"
        r"she|they|this) (?:was|were|is|would be) (?:the|a|his|her|their) (?:last|final)|"
        r"goodbye for (?:good|ever|the last time)|"
        r"(?:will not|would not|does not|do not|is not going to) (?:need|be needing|want|have "
        r"any use for) (?:anything|any of (?:it|this|them|that)|a thing|it all|money|things|"
        r"stuff) (?:\w+ ){0,2}(?:after (?:tonight|today|tomorrow|this|the weekend|friday|"
        r"saturday|sunday|monday|next)|soon|much longer|any ?more|where (?:i|he|she|they) (?:am"
        r"|is|are) going|again)|"
        r"no (?:point|reason|sense) (?:in )?(?:me|my) (?:being (?:here|around|alive)|living|"
        r"going on|carrying on|staying)|no (?:point|reason|sense) (?:in )?(?:him|her|them|his|"
        r"their) being (?:here|around|alive) any ?more|no (?:point|reason|sense) (?:in )?(?:him|"
        r"her|them|his|"
        r"their) (?:living|being alive|going on|carrying on)|"
        r"(?:out of|from) (?:everyone|everybody|your|their|his|her|the family|people)(?: s)? "
        r"way (?:soon|for good|forever|for ever|permanently|tonight)|(?:tired|sick) of being "
        r"(?:a burden|here|alive|around)|(?:is|am|are|feel|feels|felt|feeling) (?:like )?"
        r"(?:such )?a burden (?:to|on) (?:everyone|everybody|her|his|their|my|the|people|"
        r"them)|(?:it|itll|everything) (?:will |is going to )?all be over (?:soon|tonight|"
        r"tomorrow|by|before|for good)|"
        r"wrong side of (?:the |a )?(?:railing|railings|barrier|barriers|parapet|balcony|"
        r"bridge|fence|safety rail|rail|edge)|(?:climbed|climbing|hanging) (?:over|out of|off) "
        r"(?:the |a )?(?:railing|railings|balcony|parapet|bridge|barrier|ledge|edge)|"
        r"(?:want|wants|wanted|wanting|going|trying) to (?:disappear|vanish|go away|sleep) "
        r"(?:for good|forever|for ever|permanently)|(?:want|wants|wanted|wanting) to (?:not "
        r"exist|stop existing|not be here any ?more|not be alive)|"
        r"(?:does not|do not|can not|cannot|could not) see (?:the|any) point(?: (?:in|of) "
        r"(?:anything|living|life|it all|going on|carrying on|any of it))?$|(?:does not|do not|"
        r"can not|cannot) see (?:the|any) point (?:in|of) (?:anything|living|life|it all|going "
        r"on|carrying on|any of it)|"
        r"how many (?:\w+ ){0,4}(?:pills|tablets|paracetamol|painkillers|meds|capsules) "
        r"(?:\w+ ){0,6}(?:to kill|kill (?:me|him|her|you|someone|a person)|to die|to not "
        r"wake|to never wake|overdose|fatal|lethal|to end it)|(?:if|whether|how) (?:\w+ ){0,4}"
        r"overdos\w* (?:\w+ ){0,2}(?:hurts?|kills?|works?|would|feels?|takes?|painful)|"
        r"(?:lethal|fatal) "
        r"(?:dose|amount)|(?:to|and|would|will|never|just) (?:not|never) wake(?: up)?(?: again)?"
        r"(?! (?:on time|in time|early|for|the|him|her|them|me|us|you|up (?:on time|in time|"
        r"early|for|the)))|"
        r"(?:hurting|harming|killing|hitting|injuring) (?:myself|himself|herself|themselves)|"
        r"(?:does not|do not|did not) feel safe (?:going home|at home|on (?:her|his|their|my) "
        r"own|alone|with (?:herself|himself|themselves|myself)|being alone|by (?:herself|"
        r"himself|themselves|myself))|"
        r"(?:last|final) (?:call|message|text|email|letter|thing|words?) (?:\w+ ){0,3}(?:will "
        r")?ever (?:make|send|write|say|do|hear)|"
        r"better off dead|(?:walk|step|jump|throw (?:myself|himself|herself|themselves)|run|"
        r"lie down) (?:out )?(?:in front of|under) (?:a|the) (?:train|bus|car|lorry|truck|tube|"
        r"tram|traffic)|(?:pills|tablets|paracetamol|painkillers) (?:\w+ ){0,4}(?:all at once|"
        r"in one go)",
        veto=r"(?:hurting|hitting|injuring) (?:himself|herself|themselves|myself) (?:on|with|"
        r"when|while|by accident|accidentally|lifting|moving|playing|carrying|at the gym)",
    ),
    _rule(
        "weapon",
        # A weapon hidden or claimed, or a tool swung in anger.
        r"(?:something|a bulge|an object|a shape|a handle|a weapon|a knife|a blade|a gun) "
        r"(?:\w+ ){0,3}(?:in|under|tucked (?:in|into|under)|down|inside|up) (?:his|her|their) "
        r"(?:waistband|belt|trousers|jacket|coat|hoodie|sleeve|sock|inside pocket|jacket "
        r"pocket|coat pocket)|(?:hand|hands|reaching|reached|keeps touching|kept touching|"
        r"touching|patting|patted|fiddling|hand on) (?:\w+ ){0,3}(?:in|into|inside|to|at|down|"
        r"on) (?:his|her|their) (?:waistband|inside pocket|belt)|(?:says|said|claims|claimed|"
        r"told \w+|saying) (?:that )?(?:he|she|they) (?:has|have|had|is|was) (?:got )?(?:a |an )?"
        r"(?:weapon|something on (?:him|her|them))|(?:is|was|are|were) (?:carrying a weapon|"
        r"tooled up|armed)(?! (?:forces|services)\b)|armed with|wielding|"
        r"(?:smash\w*|hitting|beating|attacking|going at|laying into|threaten\w*|swinging|"
        r"waving|lashing out|fighting|fight|scrapping|brawling|going for each other) "
        r"(?:\w+ ){0,5}with (?:(?:a|an|the|his|her|their|some) )?(?:\w+ )?(?:hammers?|axes?|"
        r"crowbars?|bats?|baseball bats?|bricks?|iron bars?|metal bars?|poles?|chains?|"
        r"screwdrivers?|syringes?|needles?|broken bottles?|broken glass|bottles?|glasses|"
        r"knuckle ?dusters?|clubs?|sticks?|rocks?|stones?|wrench|spanner|golf clubs?|chairs?|"
        r"bar stools?|stools?|knives|knife|blades?)|pulled (?:a|an|his|her|their) (?:\w+ )?"
        r"(?:knife|gun|blade|screwdriver|weapon|bottle|machete|hammer|axe|syringe|needle|"
        r"scissors) (?:on|at|out)",
    ),
    _rule(
        "violence",
        # An attack on someone, said in other words; things thrown at people.
        r"(?:punch(?:ed|ing)?|hit|hitting|kick(?:ed|ing)|slap(?:ped|ping)|headbutt\w*|head "
        r"butt\w*|attack(?:ed|ing)|assault(?:ed|ing)|strangl\w*|throttl\w*|stamp(?:ed|ing) on|"
        r"elbow(?:ed|ing)|bit|bitten|biting|floored|decked|glassed|bottled|battered|laid into|"
        r"laying into|lashed out at|lashing out at|jumped on|set on|set upon|spat at|spitting "
        rf"at|shoved) {_VICTIM}(?! {_BODY}\b)(?! (?:car|cars|van|bike|bag|bags|phone|table|"
        r"order|account|card|booking|room|house|discount|attention|hand|bill|trolley|basket|"
        r"menu|drink|coat|seat|place|door|spot|size|money|up|pram|buggy|pushchair|wheelchair|"
        r"luck|way)\b)|"
        # Grabbing or pushing someone is fetching or hurrying them, unless it is physical.
        rf"(?:grabbed|grabbing|grabs|pushed|pushing|dragged|dragging) {_VICTIM} (?:by the|"
        r"over|against|into|to the (?:floor|ground)|down|out of the way|off)|(?:grabbed|"
        r"grabbing|grabs) (?:his|her|their|my) (?:throat|neck|hair|collar|arm|wrist)|"
        r"(?:got|been|was|were|being|getting|get|has been|have been) (?:\w+ )?(?:jumped|"
        r"attacked|assaulted|beaten up|beaten|set upon|stabbed|glassed|bottled|punched|kicked|"
        r"battered|headbutted|knocked out|thumped|smacked|strangled|slashed)(?! (?:out|off|in the "
        r"back by (?:the|a|an|his|her|their|my|your|our|this|that) (?:\w+ )?(?:rep|company|firm|"
        r"bank|boss|manager|agent|broker|provider|supplier|network|insurer|landlord|friend|"
        r"colleague|colleagues|business|shop|store|brand)|"
        r"with (?:a|the|another) (?:bill|charge|fee|fine|price|surcharge)|by (?:a|the) "
        r"(?:bill|charge|fee|fine|price|surcharge|delay|car|van|bus))\b)|"
        r"(?:threw|throwing|thrown|throws|hurled|hurling|chucked|chucking|lobbed|lobbing|"
        r"flung|flinging) (?:(?:a|an|the|his|her|their|some|my) )?(?:\w+ )?(?:chair|chairs|"
        r"bottle|bottles|glass|glasses|plate|plates|stool|stools|brick|bricks|stone|stones|"
        r"rock|rocks|table|mug|mugs|cup|pint|can|cans|ashtray|hot \w+|boiling \w+|punch|"
        rf"punches|knife|scissors|hammer|tray|laptop|kettle) at {_VICTIM}|"
        r"(?:chairs|bottles|glasses|punches|fists|stools|tables|plates|bricks|stones) "
        r"(?:\w+ )?(?:getting |being |were |are )?(?:thrown|flying|swung|hurled)",
        veto=r"(?:feels?|felt|feeling) (?:\w+ ){0,2}(?:like (?:\w+ ){0,3})?stabbed in the back|"
        r"(?:grabbed|grabbing|pushed|shoved) (?:\w+ ){0,3}(?:attention|hand|arm) (?:to|"
        r"and)|pushed (?:\w+ ){0,2}(?:for|to|into) (?:a|an|the) (?:decision|refund|upgrade|"
        r"answer)|kick(?:ed|ing) (?:\w+ ){0,3}(?:out|off)",
    ),
    _rule(
        "fire",
        # What staff see before anyone says "fire": set alight, a battery hissing, a charger
        # melting and smoking.
        r"alight(?! (?:at|from|here|there|now|the bus|the train|the tram|next)\b)|"
        r"(?:melting|smoking|smouldering|smoldering|sparking|sparked|burning) and (?:smoking|"
        r"melting|sparking|smouldering|hissing|popping|burning|crackling)|"
        r"(?:battery|batteries|charger|chargers|power ?bank|scooter|e ?scooter|e ?bike|ebike|"
        r"escooter|vape|phone|laptop|tablet|hoverboard|cells?) (?:\w+ ){0,6}(?:hissing|popping|"
        r"crackling|smouldering|smoldering|glowing|swelling and (?:hissing|smoking|popping|"
        r"hot)|(?:is |was |are )?(?:melting|smoking|sparking))|"
        r"(?:phone|phones|tablet|power ?bank|e ?scooter|e ?bike|hoverboard|speaker|console|"
        r"charging station|charging point) (?:\w+ ){0,5}(?:smoking|melting|sparking|"
        r"smouldering|on fire|caught fire)",
        veto=r"(?:he|she|they|someone|somebody|guest|guests|customer|customers|man|woman|"
        r"people|staff|guy|kids|teens|men) (?:\w+ ){0,2}smoking|smoking hot|smokin hot",
    ),
    _rule(
        "flood",
        r"(?:bulging|sagging|bowing|dripping|pouring|streaming) (?:\w+ )?with water|water "
        r"(?:\w+ ){0,3}(?:up to|over) (?:our|my|his|her|their|the|your) (?:ankles|knees|shins|"
        r"waist)|water (?:\w+ ){0,3}(?:near|into|onto|over|in) (?:the )?(?:fuse ?board|fuse ?box|"
        r"sockets?|electrics|plug|plugs|wiring|lights)",
    ),
)

# A bag nobody owns, in a public place: security's procedure, not lost property ("bag
# left under a seat in departures 30 min, no one's claimed it"). Not one handed in, one
# the teller's customer left, or one already cleared.
_BAG = (
    r"(?:bag|bags|suitcase|case|rucksack|backpack|holdall|package|parcel|luggage|box|"
    r"carrier bag)"
)
_BAG_LEFT = _rx(
    rf"{_BAG} (?:\w+ ){{0,4}}(?:left|sitting|sat|abandoned|dumped|been left|on its own|by "
    rf"itself)|left (?:a|an|this|that) (?:\w+ )?{_BAG}|(?:unattended|abandoned|unclaimed) "
    rf"{_BAG}"
)
_UNATTENDED_BAG = _Pair(
    "suspicious",
    _BAG_LEFT,
    _rx(
        r"(?:no one|noone|nobody) (?:has |have |is |s )?(?:claim\w*|come back for "
        r"it|collected it|owns it|with it|near it)|no owner|no (?:name )?tag|(?:does not|do not|"
        r"nobody|no one) (?:\w+ )?knows? whose|walked (?:off|away) (?:and left it|"
        r"from it)|left it and (?:walked|went|ran)"
    ),
    unless=_rx(
        r"handed (?:\w+ ){0,2}in|lost property|cleared|(?:her|his|their|my|own|your|guest|gst|"
        r"customer|cust|client|pax|passenger) (?:\w+ )?"
        + _BAG
        + r"|(?:she|he|they|i|cust\w*|guest|gst|pax|passenger|customer) (?:\w+ )?(?:left|forgot)"
    ),
)

# Two facts that may sit in different clauses of the line.
_PAIRS: tuple[_Pair, ...] = (
    _UNATTENDED_BAG,
    # Wires out of a bag nobody owns: a device, whatever else the line says.
    _Pair(
        "hazard",
        _BAG_LEFT,
        _rx(r"wires? (?:\w+ )?(?:showing|sticking out|hanging out|coming out|poking out)"),
    ),
    _Pair(
        "medical",
        _rx(
            r"diabetic|diabetes|insulin|type (?:1|one|2|two)(?! (?:error|fault|charger|cable|"
            r"plug|socket|adapter|of|c|a|b)\b)|t1d"
        ),
        _rx(
            r"confused|shaky|shaking|sweaty|sweating|dizzy|faint|pale|not making sense|drowsy|"
            r"slurr\w*|clammy|disorientated|disoriented|not right|acting (?:strange|weird|drunk)|"
            r"feels? (?:weird|strange|odd|funny|wobbly)|wobbly"
        ),
    ),
    _Pair(
        "missing",
        _rx(
            r"dementia|alzheimer\w*|confused|disorientated|disoriented|vulnerable|learning "
            r"disabilit\w*|autistic|autism|special needs|memory problems|memory (?:loss|"
            r"issues)|who wanders|wanderer|prone to wander\w*|known to wander|non ?verbal|"
            r"down syndrome|frail|learning difficult\w*|care home|nursing home|day centre|"
            r"from the ward|needs help with everything|walks with a frame|hospital (?:band|"
            r"wristband)|blind (?:man|woman|lady|gent|passenger|pax|customer)|"
            # A condition that makes days out of reach dangerous.
            r"epilep\w*|diabetic|on insulin|needs (?:his|her|their) (?:meds|medication|insulin)"
        ),
        _rx(
            r"(?:has|have|had|is|was) not (?:come|came|been) back|not come back|(?:has|have|had) "
            r"not been home|not (?:at )?home|not with (?:them|us|the group|her group|his group) "
            r"any ?more|lost (?:his|her|their) carer|(?:is|was|are|were) not "
            r"in "
            r"the (?:lounge|seat|cabin|room|bed|gate|waiting room)|(?:gone|went|disappeared) from "
            r"(?:the|his|her|their) (?:seat|chair|room|bed|lounge|gate)|now (?:she|he|the \w+) "
            r"(?:has|is) gone|(?:has|have|had|"
            r"did) not (?:come|came|got|get|gone|made it) home|never (?:came|got|made it) home|"
            r"wandered|"
            r"wandering|gone walkabout|went walkabout|gone missing|went missing|(?:can not|could "
            r"not|cannot) find (?:him|her|"
            r"them)|lost (?:him|them)|"
            # "lost her" the person, not "lost her husband" (a death) or "her bag".
            rf"lost her(?! (?:\w+ )?(?:{_RELATIVE}|{_CHILD}|job|home|house|way|temper|mind|"
            r"marbles|memory|bag|purse|phone|keys|card|wallet|ticket|glasses|pass|voice|"
            r"appetite|balance|footing|place|booking|money|deposit|luggage|case|suitcase|coat|"
            r"hat)s?\b)|no sign of (?:him|her|them)|disappeared|left the "
            r"(?:building|store|shop|hotel|ward|centre|gate|home|premises|site|unit|house|park|"
            r"grounds|care home)|walked (?:off|out|away)|(?:bed|room|chair|seat) (?:is |was )?"
            r"empty|"
            r"(?:nobody|no one|noone) (?:has |have )?(?:seen|knows where) (?:him|her|them)|"
            r"(?:has|have) not been seen|not seen (?:him|her|them) (?:since|for)|(?:is|are) not "
            r"(?:there|where (?:she|he|they) (?:was|were) (?:left|sat|waiting))|not in "
            r"(?:his|her|their) (?:room|bed|flat|seat|chair)|never (?:came|come|got|made it) "
            r"back|(?:has|have|had) not returned|did not (?:come|get|make it) back|still not "
            r"(?:back|home|returned)|(?:is|got|"
            r"gets|has got|became|becomes|getting) lost(?! (?:property|luggage|bags?)\b)|not "
            r"been slept in|(?:was|is|were) not at (?:breakfast|lunch|dinner|tea|the "
            r"(?:meeting|pick ?up|activity|table))|(?:door|exit|gate) alarm (?:\w+ )?(?:went|"
            r"going|sounded)|let (?:himself|herself|themselves) out|(?:got|gone|went) (?:on|"
            r"onto) a (?:bus|train|tram)|found (?:at|in|on|"
            r"wandering|outside) (?:our|the|a)|asking for (?:her|his) (?:mother|mum|father|dad|"
            r"mummy)"
        ),
        # Wandering as a subject of training or a plan, not a resident gone: "staff doing
        # dementia wandering awareness training in the lounge".
        unless=_rx(
            r"wander\w* (?:\w+ )?(?:awareness|training|course|policy|risk assessment|risk "
            r"plan|plan|sensors?|alarms? (?:test|fitted|installed)|session|workshop|leaflet)"
        ),
    ),
    _Pair(
        "medical",
        _rx(r"allerg\w*|nuts?|peanuts?|sesame|shellfish|prawns?|gluten|dairy|egg|eggs"),
        _rx(
            r"(?:lips?|tongue|face|eyes|mouth|throat) (?:\w+ ){0,3}(?:swell\w*|swollen|puff\w*|"
            r"tingl\w*|itch\w*|tight|closing|funny|thick|heavy|numb|weird|odd)|wheez\w*|"
            r"(?:struggling|hard|trouble|difficulty) (?:to )?(?:swallow|breathe)|"
            r"breath\w* (?:is )?(?:funny|"
            r"difficult|hard|short)|reaction|itchy|rash|hives|blotchy|red and (?:puffy|"
            r"swollen)|feels? (?:sick|funny|weird|strange|odd)|(?:being|been) sick|throwing up"
        ),
    ),
    _Pair(
        # A child whose whereabouts nobody knows, said across the line: "her grandson was
        # with her at the checkout ... now he is nowhere to be seen".
        "missing",
        _rx(rf"{_CHILD}{_NOT_A_CHILD}"),
        _rx(
            # Each thought the child was with the other: "she think he was with dad but dad just
            # come in from car park alone", "dad thought she was with mum, mum thought she was
            # with him".
            _CROSSED_BELIEF + "|"
            # "now he is not there, 15 minutes, she look everywhere", "checked lego and toys and
            # he's not there".
            r"(?:looked|look|looking|searched|search) everywhere|(?:he|she|they) (?:is |s |are )?"
            r"not (?:there|here)(?: any ?more| now)?|"
            r"nowhere to be (?:seen|found)|(?:now|suddenly) (?:he|she|they) (?:is |are |has |"
            r"have )?(?:gone|vanished|disappeared)|(?:is|was|are|were) not (?:at|in) the (?:\w+ )?"
            r"(?:collection|pick up|pickup|meeting|meet|drop off) point|(?:he|she|they) never "
            r"(?:arrived|turned up|came back|showed up|got there|made it)|(?:nobody|no one|noone) "
            r"(?:has |have )?(?:seen|knows where) (?:him|her|them)|(?:has|have) not been seen|"
            r"(?:did not|has not|had not|have not|never) (?:come|came) (?:out|back)|(?:did not|"
            r"never|has not|have not) (?:get|got|come|came|make it) back (?:on|onto|in|into|to)|"
            r"(?:nobody|"
            r"no one|noone) (?:has |is )?(?:claim\w*|come for|came for|collect\w*|picked up) "
            r"(?:him|her|them)|"
            r"(?:did not|has not|have not|never) (?:come out|arrive|arrived|get to school|make it "
            r"to school)|(?:has|have|had) (?:run|ran) away|(?:was|is) not (?:in|on) the (?:\w+ )"
            r"{0,3}(?:seat|pram|pushchair|buggy|trolley)|asking (?:if|whether) (?:they|people|"
            r"customers) (?:are|were) (?:his|her) (?:mummy|mum|daddy|dad)|"
            r"(?:came|come|got) back without (?:him|her|them)|(?:is|are) not there (?:now|"
            r"any ?more)|"
            r"(?:has|have|had) not seen (?:him|her|them)|does not have (?:him|her|them)|"
            r"not in (?:the |her |his |their )?(?:room|rm|bed|bedroom|cabin|tent|corridor|"
            r"caravan)(?! (?:\w+ ){0,3}(?:she|he|they) (?:is|are|was|were) (?:with|in|at|safe))|"
            r"lost sight of|(?:was|were) (?:literally |only |right )?just (?:here|there|with "
            r"(?:me|us|her|him))(?! (?:\w+ ){0,3}(?:now|again|back)\b)|"
            r"(?:can not|could not|cannot|unable to) (?:find|see|locate) (?:him|her|"
            r"them)(?! (?:on|in) (?:the|our|your) (?:system|list|booking|records|database|"
            r"register|app)\b)"
        ),
    ),
    _Pair(
        # A crisis in two halves: "tonight is the night ... she has had enough".
        "self-harm",
        _rx(
            r"tonight is the night|this is the end|(?:said|says|saying) (?:\w+ )?(?:goodbyes|"
            r"goodbye to everyone|goodbye for good)|sorry for everything|nothing left"
        ),
        _rx(
            r"had enough(?! of| with)|(?:can not|cannot) (?:take|do) (?:it|this) any ?more|hung "
            r"up|no point|no reason|goodbye"
        ),
    ),
    _Pair(
        # A robbery by people masked or armed is a danger to everyone there, not only a
        # loss: "bloke in a balaclava came in demanding the money".
        "violence",
        _rx(
            r"balaclavas?|masked|(?:in|wearing) (?:a |their )?masks?|faces? (?:covered|hidden)|"
            r"tooled up|armed(?! (?:forces|services)\b)"
        ),
        _rx(
            r"demand\w*|empty (?:the|our) (?:till|tills|safe)|hand over|robb\w*|rob|stole|"
            r"steal\w*|grabb\w*|snatch\w*|burst in|raid\w*|threaten\w*"
        ),
    ),
    _Pair(
        # Someone high up and not moving away: "on the bridge ... looking over the edge".
        "self-harm",
        _rx(
            r"bridge|cliff|cliffs|roof|rooftop|multi ?storey|parapet|ledge|railway|tracks|"
            r"top floor|viaduct|pier"
        ),
        _rx(
            r"(?:looking|staring|leaning|peering|gazing) (?:down )?over (?:the )?(?:edge|side|"
            r"railing|railings|parapet)|staring (?:down )?(?:at|into) the (?:water|tracks|drop|"
            r"river|sea)|been (?:there|stood there|standing there|sat there|sitting there) "
            r"(?:for )?(?:ages|hours|a while|a long time)|(?:will not|would not) (?:come|move|"
            r"step) (?:away|back|down)"
        ),
    ),
    _Pair(
        # Love sent to the family, and a walk towards a drop, or a rope.
        "self-harm",
        _rx(
            r"tell (?:my|his|her|their) (?:\w+ ){0,2}(?:i|he|she|they) (?:love|loved|am sorry|"
            r"was sorry|is sorry|are sorry|loves)|(?:letter|note|letters|notes) (?:for|to) (?:his|"
            r"her|their) "
            r"(?:\w+ )?(?:daughter|son|kids|children|family|wife|husband|mum|dad|partner|"
            r"parents)|look after (?:my|his|her|their) (?:kids|children|family|dog|cat|"
            r"wife|husband)|(?:a|the|some) rope|(?:said|says|saying) sorry to (?:everyone|his "
            r"family|her family)"
        ),
        _rx(
            r"cliff|cliffs|bridge|tracks|railway|river|sea|beach|roof|edge|walked (?:off|out|"
            r"away)|"
            r"goodbye|(?:can not|cannot) (?:cope|go on|take)|had enough|end it|no point|hung "
            r"up|put the phone down"
        ),
    ),
    _Pair(
        # Out in night clothes: "wandering the car park in his slippers".
        "missing",
        _rx(
            r"(?:in|wearing) (?:his|her|their|just|only) (?:slippers|pyjamas|pajamas|nightie|"
            r"nightdress|nightgown|dressing gown|hospital gown|gown)"
        ),
        _rx(
            r"wander\w*|outside|car park|street|road|lost|confused|does not know|on (?:his|"
            r"her) own"
        ),
    ),
    _Pair(
        # Nothing left, and the means at hand.
        "self-harm",
        _rx(
            r"nothing left|no way out|(?:can not|cannot) go on|had enough|not worth it|end it|"
            r"ending it|(?:can not|cannot) (?:do|take) (?:this|it) any ?more|say goodbye|"
            r"saying goodbye"
        ),
        _rx(r"pills|tablets|rope|knife|blade|bridge|paracetamol|no way out|except"),
    ),
    _Pair(
        # Something in the air that many people feel: "sprayed something ... people
        # coughing, eyes streaming".
        "gas",
        _rx(
            r"sprayed|spray|fumes|gas|smoke|powder|chemical|chemicals|substance|smell|"
            r"something in the air"
        ),
        _rx(
            r"(?:people|everyone|everybody|customers|staff|guests|several|kids|children|"
            r"passengers|shoppers) (?:\w+ ){0,3}(?:coughing|choking|(?:eyes|throats) (?:are )?"
            r"(?:streaming|stinging|burning|watering)|feeling (?:sick|dizzy|faint|ill)|dizzy|"
            r"vomiting|being sick|passing out|fainting|struggling to breathe)"
        ),
    ),
    _Pair(
        # Severe weather coming for people with little shelter: "storm warning tonight and
        # we've got 40 caravans occupied".
        "hazard",
        _rx(
            r"(?:storm|weather|flood|wind|gale|hurricane|tornado|snow|ice|heat) warnings?|"
            r"(?:red|amber) (?:weather )?warning|storm (?:is )?(?:coming|due|forecast|"
            r"approaching|on its way|tonight)"
        ),
        _rx(
            r"caravans?|tents?|campsite|camp site|marquees?|festival|on the beach|on the water|"
            r"boats?|outdoor event|exposed|evacuat\w*|what do we (?:tell|do)"
        ),
    ),
    _Pair(
        # Someone frail gone longer than they should be: "blind elderly guest went for a
        # walk and hasn't come back".
        "missing",
        _rx(
            r"elderly|blind|old (?:man|woman|lady|gentleman|boy|girl|fella|chap)|pensioner|"
            r"\d+ year old|resident|patient|(?:in|on) (?:a )?wheelchair|walking frame|"
            r"zimmer|mobility scooter|tenant|sheltered|lives alone"
        ),
        _rx(
            r"(?:has|have|had) not (?:come|came|been|got|made it) back|never (?:came|come|got|"
            r"made it) back|still not (?:back|home|returned)|not returned|(?:nobody|no one|"
            r"noone) (?:has )?(?:seen|knows where) (?:him|her|them)|missing since|not been "
            r"slept in|(?:can not|could not|cannot) find (?:him|her|them) anywhere|not (?:been )?"
            r"seen (?:for|since) (?:\w+ )?(?:days|day|weeks|yesterday|monday|tuesday|wednesday|"
            r"thursday|friday|saturday|sunday|last)|(?:post|mail|milk|papers) (?:is )?piling up"
        ),
    ),
    _Pair(
        # Carbon monoxide told by its signs: "boiler service ... the whole family's had
        # headaches and been drowsy for days".
        "gas",
        _rx(r"boiler|gas fire|heater|flue|stove|wood burner|log burner|generator|gas appliance"),
        _rx(
            r"(?:headaches?|drowsy|dizzy|dizziness|nause\w*|being sick|feeling sick) (?:\w+ ){0,6}"
            r"(?:all of|whole|everyone|the family|both|for days|every (?:day|morning|night)|"
            r"since)|(?:everyone|whole family|the family|all of them|both of them|the kids) "
            r"(?:\w+ ){0,4}(?:headaches?|drowsy|dizzy|sick|nause\w*)"
        ),
    ),
    _Pair(
        # Shut in with a note left: "gst locked in rm, note taped on door".
        "self-harm",
        _rx(
            r"locked (?:himself |herself |themselves )?in|barricaded|will not (?:open|answer) the "
            r"door|not answering (?:the )?door"
        ),
        _rx(r"note (?:\w+ )?(?:taped|stuck|left|pinned|under|on (?:the|his|her) door)"),
    ),
    _Pair(
        # Not eating, no point, and a wish to vanish.
        "self-harm",
        _rx(
            r"stopped eating|not eating|not sleeping|(?:can not|cannot) sleep|no point|"
            r"hopeless|worthless|nothing matters|(?:all|is all) (?:her|his|their|my) fault|"
            r"giving (?:\w+ )?away"
        ),
        _rx(
            r"disappear|vanish|not be here|be gone|end it|end things|sleep forever|not wake|"
            r"never wake"
        ),
    ),
    _Pair(
        # Arranging for the pets or the children while taking pills: "swallowed a bottle of
        # pills and wants someone to look after her dog".
        "self-harm",
        _rx(
            r"look after (?:her|his|their|my) (?:dog|dogs|cat|cats|pets?|kids|children)|(?:who|"
            r"someone) (?:will|to|can) (?:look after|feed|have|take) (?:her|his|their|my) "
            r"(?:dog|dogs|cat|cats|pets?|kids|children)"
        ),
        _rx(r"pills|tablets|overdose|swallowed|goodbye|end it|not be here|bridge|gone"),
    ),
    _Pair(
        # A note left, and then silence: "left a note saying sorry ... not answering".
        "self-harm",
        _rx(
            r"left (?:a|her|his|their) (?:note|message|voicemail|text|letter)|(?:note|message|"
            r"voicemail|text|letter) (?:saying|said|that said)|sorry for "
            r"everything|goodbye (?:note|letter|text|message)"
        ),
        _rx(
            r"not (?:answering|responding|opening)|no (?:answer|reply|response)|will not open|"
            r"locked (?:in|herself|himself|themselves)|goodbye|had enough|no point|(?:will "
            r"not|would not) be (?:checking out|coming (?:down|back|home)|leaving|needing)"
        ),
    ),
    _Pair(
        # The bereaved who will soon be with the one they lost.
        "self-harm",
        _rx(
            r"(?:late|dead) (?:wife|husband|partner|son|daughter|mum|dad|mother|father)|"
            r"(?:wife|husband|partner|son|daughter) (?:\w+ )?(?:died|passed|is gone)|widow\w*|"
            r"since (?:she|he|they) (?:died|passed)"
        ),
        _rx(
            r"(?:be )?(?:joining|with) (?:her|him|them) (?:again )?(?:soon|shortly|before long)|"
            r"see (?:her|him|them) again (?:soon|shortly|before long)|not be long now"
        ),
    ),
    _Pair(
        # Affairs settled and no need for anything after a date.
        "self-harm",
        _rx(
            r"(?:made|making) (?:his|her|their|my) peace|(?:put|putting|got|sorted) (?:his|her|"
            r"their|my) affairs|(?:put|putting|got|getting|sorted|has|have) (?:everything|it "
            r"all|things) (?:in order|sorted)"
        ),
        _rx(
            r"(?:will not|would not) (?:be )?need\w*|not be (?:around|here)|goodbye|giving "
            r"(?:\w+ ){0,2}away|after (?:this|tonight|today|the weekend)"
        ),
    ),
    _Pair(
        # Final arrangements made quietly, and a word of an ending or of despair: "asked
        # us to rehome her old dog, has sorted her will ... says there's no point", "wants
        # his account made joint with his son today, says he's finished with it all".
        "self-harm",
        _rx(
            r"(?:her|his|their|a|the) will\b|letters? of wishes|letters? to each of|life "
            r"(?:cover|insurance|policy)|death in service|pays? out|payout|funeral (?:for "
            r"(?:herself|himself)|plan)|rehom\w*|(?:take|have|look after) (?:his|her) (?:\w+ )?"
            r"(?:dog|cat|pet)s?|spare key|made joint|(?:pin|password|login) (?:\w+ ){0,3}(?:for "
            r"after|to (?:her|his) (?:mum|son|daughter|sister|brother))|in (?:his|her) (?:mum|"
            r"son|daughter|sister|brother|wife|husband)s? name|donat\w* (?:his|her|all|the "
            r"whole)|give (?:his|her|them|it|the) (?:\w+ ){0,3}to (?:his|her) (?:brother|sister|"
            r"son|daughter|mum|dad|family)|paid off (?:\w+ ){0,3}early|so (?:nobody|no one) "
            r"(?:chases|is left|has to)|cancel\w* (?:all|everything)|so (?:my|his|her|their) "
            r"(?:family|kids|children|wife|husband|son|daughter|partner) (?:do not|does not|will "
            r"not|would not|never) (?:have|need) to|"
            # A letter left with us for family: "asked us to post a letter to his mum".
            r"letters? (?:\w+ ){0,3}(?:for|to) (?:his|her|their) (?:mum|mother|dad|father|son|"
            r"daughter|wife|husband|family|brother|sister|kids|children|partner)"
        ),
        _rx(
            r"no point|(?:not|never) going to (?:need|be)|after (?:him|her|me)\b|for after|the "
            r"last night|last visit|(?:said|say|saying) (?:bye|goodbye)|(?:been|feeling|so|really) "
            r"(?:low|flat|down)|not (?:eating|sleeping)|stopped eating|finished with (?:it all|"
            r"everything)|better off|whatever the cause|not an accident|(?:is|s|am) not ill|"
            r"would not say more|went quiet|no (?:new|onward|forwarding) (?:address|booking)|no "
            r"destination|(?:13|thirteen) month clause|suicide clause|not moving|will not be "
            r"there|this is (?:his|her|my|their) last (?:call|message|visit)|after (?:he|she|"
            r"they|i) (?:is|are|am|s|has|have|had) (?:gone|left)(?! (?:to|out|home|back|for|off|"
            r"on|away|in|into|up|down|through|shopping|abroad|the|a|with|work)\b)|after(?= \||$)"
        ),
    ),
    _Pair(
        # A wish to be with someone who died: "he died last month, keeps saying she just
        # wants to be with him now", "widower says he'll join his wife tonight".
        "self-harm",
        _rx(
            r"died|passed away|passed on|funeral|widow\w*|bereave\w*|late (?:husband|wife|"
            r"partner|son|daughter|mum|dad|mother|father)|lost (?:her|his|their) (?:husband|wife|"
            r"partner|son|daughter|child|baby|boy|girl)"
        ),
        _rx(
            r"(?:wants?|want|wanting|going|ready|will|would|longs?|longing) to (?:be with (?:him|"
            r"her)(?= (?:now|again|soon|tonight|today|forever|there)\b| \||$)|join (?:him|her|"
            r"(?:his|her|their) (?:husband|wife|partner|son|daughter|mum|dad|child|boy|girl))"
            r"(?! (?:for|at|in|on|later|tomorrow|next)\b))"
        ),
    ),
)

_ANY_RULE = re.compile("|".join(f"(?:{r.pattern.pattern})" for r in _RULES))


# Signs of a body in trouble that no idiom uses; see ``Finding.unmistakable``.
_UNMISTAKABLE = _rx(
    r"blood (?:is )?(?:dripping|pouring|gushing|streaming|spurting|everywhere)"
    r"|not breathing|stopped breathing|unconscious|unresponsive|turning blue|gone blue"
    r"|bone (?:\w+ )?(?:showing|sticking out|poking out|through the skin)"
    r"|snapped (?:his |her |their )?(?:leg|arm|ankle|wrist|shin)"
    r"|(?:elbow|knee|kick|punch|boot|bat|racket|ball|blow|knock|head ?butt) (?:\w+ ){0,2}to "
    r"the (?:head|face|temple)"
    r"|(?:having|had) a (?:seizure|fit)|fitting on the floor"
    # An end of life said outright, however plainly (and by whatever reading of the rest).
    r"|(?:finish|end|ending|finishing) (?:my|his|her|their) (?:own )?life"
    r"|(?:tablets|pills|meds) saved up|saved up (?:his |her |my |their )?(?:tablets|pills|meds)"
    # Twenty tablets or more taken, counted: "has taken about 40 since yesterday" (not
    # "taken 40 mins since we ordered": a unit breaks it).
    r"|(?:taken|took|swallowed) (?:about |around |over |like |nearly |maybe )?(?:[2-9]\d|\d{3}|"
    r"twenty|thirty|forty|fifty) (?:tablets|pills|paracetamol|painkillers|since)\b"
    r"|come back and (?:torch|burn|petrol bomb|firebomb|shoot|stab) (?:the|this|your|our) \w+"
    # A weapon promised for a person, said as a plan: "he's going to stab him when he
    # finishes" (no idiom stabs someone "when he finishes").
    r"|(?:going to|gonna|will|threaten\w* to|said (?:he|she|they) (?:would|will)) "
    r"(?:stab|shoot|knife|glass) (?:him|her|them|you|us|staff|my colleague|our \w+)"
    r"(?! in the back\b)"
    # A vehicle into a building or a crowd is no figure of speech.
    r"|(?:car|van|lorry|truck|bus|vehicle) (?:\w+ ){0,6}(?:went|came|ploughed|plowed|smashed|"
    r"crashed|drove) (?:into|through) (?:the |our |a )?(?:\w+ )?(?:window|front|tables|people|"
    r"crowd|queue|terrace|entrance|cafe|store|shop)"
    # Blood told by the cloth it soaks; a fire exit chained or blocked.
    + "|"
    + _WRAP_SOAKED
    + "|"
    + _EXIT_SHUT
)


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str  # one of KINDS
    phrase: str  # the words that raised it, for the notification

    @property
    def reasons(self) -> tuple[str, ...]:
        return REASONS.get(self.kind, ("safety",))

    @property
    def playbooks(self) -> tuple[str, ...]:
        return PLAYBOOKS[self.kind]

    @property
    def unmistakable(self) -> bool:
        """A sign no figure of speech wears ("blood dripping from his hand", "not
        breathing"): the matcher never doubts it, however calm the rest of the line
        ("says it's fine, just wants his money back")."""
        return _UNMISTAKABLE.search(self.phrase) is not None


def detect(text: str, tokens: Sequence[Token] | None = None) -> tuple[Finding, ...]:
    """What in ``text`` says someone may be in danger now, most urgent first, one
    finding per kind. Empty for the great majority of lines. ``tokens``: the text as
    ``tokenise(text, keep_numbers=True)`` reads it, when the caller has it already."""
    if tokens is None:
        tokens = tokenise(text, keep_numbers=True)
    if not tokens:
        return ()
    clauses: list[list[str]] = []
    for tok in tokens:
        while len(clauses) <= tok.clause:
            clauses.append([])
        clauses[tok.clause].append(tok.word)
    clauses = [c for c in clauses if c]
    found: dict[str, str] = {}
    weak: set[str] = set()  # kinds found only by a sign that may be minor
    line = " ".join(" ".join(words) for words in clauses)
    for words in clauses:
        clause = " ".join(words)
        if _ANY_RULE.search(clause) is None:
            continue  # most clauses say nothing alarming: one pass instead of one per rule
        for rule in _RULES:
            if rule.kind in found and (rule.weak or rule.kind not in weak):
                continue
            past = rule.kind not in _STILL_URGENT and _over(clause)
            for m in rule.pattern.finditer(clause):
                at = _word_index(clause, m.start())
                if past or _negated(words, at) or _hedged(words, at, m.group(0)):
                    continue
                if rule.kind in _ASKABLE and _asked_about(clause, m.start()):
                    continue
                if _supposition(clause, m.start()) is not None:
                    continue
                if _vetoed_by_rule(rule, clause, m, line):
                    continue
                if named(text, m.group(0)):
                    continue
                found[rule.kind] = m.group(0)
                if rule.weak:
                    weak.add(rule.kind)
                else:
                    weak.discard(rule.kind)
                break
    whole = " | ".join(" ".join(words) for words in clauses)
    if weak and (_ALL_WELL.search(whole) or _FINE_CLAUSE.search(whole)):
        # "banged his head on the shelf but he is fine": a minor sign, said to be minor.
        for kind in weak:
            del found[kind]
    for pair in _PAIRS:
        if pair.kind in found:
            continue
        first = pair.first.search(whole)
        second = pair.second.search(whole) if first else None
        if first and second:
            if _negated_in(whole, first) or _negated_in(whole, second):
                continue
            if pair.unless is not None and pair.unless.search(whole):
                continue
            found[pair.kind] = f"{first.group(0)} … {second.group(0)}"
    if "medical" not in found:
        signs = _signs(whole)
        if signs:
            found["medical"] = signs
    if "fire" in found and _goods_brought_back(whole):
        del found["fire"]  # "the blender smelt of burning and stopped, she's brought it in"
    if _CLEARABLE & found.keys() and made_safe(whole):
        for kind in _CLEARABLE:
            found.pop(kind, None)  # "gas smell was the drains, engineer checked, all clear"
    if "missing" in found and _found_again(whole):
        del found["missing"]  # "my son ran off - oh found him"
    turns = _turns(text, tokens) if found else []
    if found and any(
        not _negated_in(whole, m)
        and not _contradicted_after(whole, m.end())
        and not turns[whole.count("|", 0, m.start())]
        for m in _RETRACTED.finditer(whole)
    ):
        return ()  # "the printer is smoking again... joking, it's just jammed"
    if ("weapon" in found or "violence" in found) and "staff-threat" not in found:
        target = _STAFF_TARGET.search(whole)
        if target is not None:
            # A colleague attacked or threatened: safety first, their support next.
            found["staff-threat"] = target.group(0)
    order = KINDS
    if "self-harm" in found and not {"violence", "staff-threat"} & found.keys():
        # A knife in the hand of someone who "can't do this any more" is a crisis first;
        # a body in danger (an overdose taken, a collapse) still comes before it.
        order = (
            *_BODY_FIRST,
            "self-harm",
            *(k for k in KINDS if k not in _BODY_FIRST and k != "self-harm"),
        )
    return tuple(Finding(kind, found[kind]) for kind in order if kind in found)


_BODY_FIRST = ("medical",)

# A danger told as over ("the gas leak yesterday was fixed", "the lady who collapsed last
# week came back to thank us") is a report, not an emergency; unless the clause says it
# is still going on. Self-harm and an overdose stay urgent whenever they were said.
_STILL_URGENT = frozenset({"self-harm", "overdose", "missing"})
_PAST = _rx(
    r"yesterday|last (?:night|nite|week|wk|month|year|yr|time|weekend|summer|winter|christmas|"
    r"(?:mon|tue|tues|wed|weds|thu|thur|thurs|fri|sat|sun)(?:day)?)|(?:back )?in (?:jan|"
    r"january|feb|february|march|april|june|july|aug|august|sept|september|oct|october|nov|"
    r"november|dec|december)|back in may|"
    r"(?:\w+ )?(?:days|weeks|wks|months|years|yrs) (?:ago|back)|last (?:spring|autumn|fall|easter|"
    r"term|season)|the other (?:day|week|night)|earlier this "
    r"(?:week|month|year)|at (?:her|his|their|my|the) last (?:\w+ )?(?:visit|appointment|"
    r"cleaning|session|check ?up|treatment|class|stay|booking|scan|jab|injection|lesson|test)|"
    r"(?:was|were|been|has been|have been|got) (?:fixed|repaired|sorted|"
    r"put out|cleared|resolved|dealt with)|(?:fixed|repaired|sorted|cleared) by (?:the )?"
    r"(?:maintenance|engineer|engineers|plumber|electrician|handyman|contractor|council|"
    r"landlord|fire brigade|fire service)|(?:came|come|comes) back to (?:thank|say thanks)|"
    r"(?:rang|called|phoned|emailed|wrote|came in) (?:\w+ ){0,3}to (?:thank|say (?:thanks|"
    r"thank you|(?:he|she|they) (?:is|are) (?:home|fine|okay|ok|better|well)))"
)
_NOW = _rx(
    r"now|still|again|right now|currently|today|tonight|this (?:morning|afternoon|evening)|"
    r"(?:can not|cannot|unable to|could not) (?:get up|move|stand|breathe|feel)|just now|"
    r"since (?:yesterday|last|this|the other|(?:mon|tues|wednes|thurs|fri|satur|sun)day|"
    r"\d+)"
)


def _over(clause: str) -> bool:
    return _PAST.search(clause) is not None and _NOW.search(clause) is None


def told_as_over(tokens: Sequence[Token], phrases: Sequence[str]) -> bool:
    """Whether every one of ``phrases`` (alarming words found in the line) is told in a
    clause about the past with nothing in it still going on: "broke her wrist skiing
    last month", "food poisoning 3 yrs ago"."""
    texts = [" ".join(words) for words in clauses_of(tokens)]
    if phrases and all(_clearable(p) for p in phrases) and made_safe(" | ".join(texts)):
        return True  # "gas smell was the drains, engineer checked and all clear"
    homes = [[c for c in texts if phrase in c] for phrase in phrases]
    return bool(phrases) and all(home and all(_over(c) for c in home) for home in homes)


def _clearable(phrase: str) -> bool:
    """Whether the alarming words are a hazard's (fire, gas, flood ...), not a body's."""
    kinds = {rule.kind for rule in _RULES if rule.pattern.search(phrase)}
    return bool(kinds) and kinds <= _CLEARABLE


def _past_danger(clause: str) -> bool:
    """Whether the clause's alarming words are of a kind a past tense makes a report
    (not self-harm, an overdose or a missing person, urgent whenever said)."""
    return any(
        rule.kind not in _STILL_URGENT and rule.pattern.search(clause) is not None
        for rule in _RULES
    )


# The teller takes it back: "... joking", "only kidding", "he joked he'd jump".
_RETRACTED = _rx(
    # Not "he didn't look like he was joking at all", where the joke is denied.
    r"(?<!like he was )(?<!like she was )(?<!like they were )(?:only |just )?(?:joking|kidding)"
    r"(?! at all\b)|jk|^(?:no |nah )?not really$|not (?:really|actually|"
    r"literally) (?:missing|lost|hurt|injured|bleeding|on fire|a fire|burning|serious|an "
    r"emergency)|false alarm|joked|as a joke"
)

# Said after a retraction or a routine mention, the teller says the danger is real after
# all: "guests say it's a false alarm again but there's smoke coming under 112's door",
# "fire door alarms going ... this isn't the test".
_CONTRADICTED = _rx(
    r"(?:door|doors|wall|walls|ceiling|handle) (?:\w+ )?(?:is |are |feels |feel |was )?(?:very |"
    r"really |too )?(?:hot|warm) to (?:the )?touch|"
    r"(?:is|was|s) not (?:a |the |just a |just the |another )?(?:test|drill|joke|practice|"
    r"false alarm)|no joke|not (?:joking|kidding)|for real|(?:it|this) is (?:real|for real)|"
    r"(?:a |an )?real (?:fire|smoke|flames?|emergency)|actual (?:\w+ )?(?:smoke|fire|flames?|"
    r"haze|blood|gas|emergency)|(?:theres|there is|there are) (?:\w+ ){0,2}(?:smoke|flames?|"
    r"fire|blood|sparks)|(?:full of|filling with|thick|black) smoke|this time|not laughing|"
    r"(?:he|she|they) (?:is|are|s) not (?:laughing|joking|smiling)|(?:but|except) (?:now|this"
    r" time)"
)


def _contradicted_after(text: str, offset: int) -> bool:
    return _CONTRADICTED.search(text, offset) is not None


# Said later in the line, the person is gone after all: "toddler was right beside mum at
# the ticket machine, now gone", "dad thought he was with mum ... neither of them can
# find him". Where they were before is not where they are.
_GONE_AFTER = _rx(
    _CROSSED_BELIEF
    + r"|now gone|(?:is|s|are|has|have) (?:now |since )?(?:gone|disappeared|vanished|wandered "
    r"off)|(?:can not|cannot|could not|can t) (?:\w+ )?find|(?:neither|nobody|no one|none) "
    r"(?:\w+ ){0,3}(?:can|could) find|no sign|nowhere to be|still (?:missing|gone|not (?:back|"
    r"found|here))|(?:gone|went) missing"
)


def _gone_after(text: str, offset: int) -> bool:
    return _GONE_AFTER.search(text, offset) is not None


# After a joke, a "but" turns to what is really happening: "joking he's had worse but
# there's a lot of blood from his head", "says he was joking about the rope in his
# locker but teachers found it and now he's not in class".
_TURNED = _rx(r"but|though|however|except|yet")
# A turn to the complaint is no turn to danger: "he was joking but is really annoyed
# about the login".
_TO_COMPLAINT = _rx(
    r"(?:\w+ ){0,4}(?:annoyed|angry|cross|fuming|furious|upset|frustrated|fed up|wants|"
    r"wanted|asking|asked|complain\w*|moaning|not happy|unhappy)"
)
_JOKE = re.compile(JOKE_WORDS)


def _turns(text: str, tokens: Sequence[Token]) -> list[bool]:
    """For each clause of ``tokens`` (as ``clauses_of`` lists them), whether a "but" to
    something other than the complaint comes after it in the line."""
    pieces, breaks = clause_pieces(text)
    turned_from = len(pieces)  # the earliest clause a real turn follows
    for k in range(len(breaks) - 1, -1, -1):
        after = pieces[k + 1].strip() if k + 1 < len(pieces) else ""
        if _TURNED.search(breaks[k]) and after and not _TO_COMPLAINT.match(after):
            turned_from = k
    numbers = list(dict.fromkeys(t.clause for t in tokens))
    return [n <= turned_from and turned_from < len(pieces) for n in numbers]


# A joke the teller doubts was one: "i don't think he was joking", "not sure she was
# kidding". Beyond the negation window, and "sure" ends a plain negation's reach.
_JOKE_DOUBTED = _rx(
    r"(?:not|never) (?:think|thinking|believe|reckon|sure|convinced) (?:\w+ ){0,3}(?:joking|"
    r"kidding)|(?:doubt|did not sound like|not like) (?:\w+ ){0,3}(?:joking|kidding)"
)


# "She nearly fainted", "almost fell": it did not happen. A near-drowning did, though.
_HEDGES = frozenset({"nearly", "almost", "practically", "virtually"})


def _hedged(words: Sequence[str], start: int, hit: str) -> bool:
    if "drown" in hit or "chok" in hit:
        return False
    return any(w in _HEDGES for w in words[max(0, start - 2) : start])


# Asked about, sold or fitted, a danger's name is an enquiry: "asked if we sell carbon
# monoxide alarms", "mum asking if we have a lost child procedure". Not for a body in
# trouble or a crisis, which people also raise as questions.
_ASKABLE = frozenset({"fire", "gas", "flood", "hazard", "missing", "weapon", "suspicious"})
_ENQUIRY = _rx(
    r"insurance|insured|(?:does|do|will|would) (?:\w+ ){0,3}cover|"
    r"(?:asked|asking|asks|ask|wants to know|wanted to know|wondering|enquir\w*|question "
    r"about|query about) (?:\w+ ){0,2}(?:if|whether|where|what|about|how|when|for)|(?:sell|"
    r"sells|selling|sold|stock|stocks|buy|buying|bought|order|ordered|return|returning|refund "
    r"for|price of|fit|fitted|install\w*|replac\w*|test|testing|tested|service|serviced)"
)


# A question about what we have or how we do things: "asking if we have a lost child
# procedure", "asked whether the gym has a defibrillator".
_POLICY_QUESTION = _rx(
    # Not "asking if we've seen their 9yo": that is a search.
    r"(?:asked|asking|asks|wants to know|wanted to know) (?:if|whether) (?:we|you|the \w+|"
    r"there) (?:have|has|is|are|sell|do|offer|stock)(?! (?:\w+ )?(?:seen|spotted|found))|"
    r"(?:asked|asking|asks|wants to know|"
    r"wanted to know) (?:what|how) (?:our|your|the) (?:\w+ ){0,2}(?:procedure|procedures|"
    r"policy|policies|plan|plans|process) (?:is|are|would be)|(?:asked|asking|asks) about "
    r"(?:our|your|the) (?:\w+ ){0,3}(?:procedure|procedures|policy|policies|plan|plans|process)"
)


# A danger supposed, not seen: "asking what our procedure is if someone collapses",
# "what do we do in case of a fire".
_SUPPOSITION = _rx(
    r"(?:what|how|procedure|policy|plan|process|protocol|drill|training|meant to do|supposed "
    r"to do|do (?:we|you|i) do) (?:\w+ ){0,4}(?:if|in case|in the event|when) (?:of )?(?:someone|"
    r"somebody|anyone|anybody|(?:a|an|one of (?:our|the|my|her|his|their)|her|his|their|our|my|"
    r"your) (?:\w+ ){0,2}(?:child|children|kid|kids|son|daughter|customer|guest|patient|member|"
    r"passenger|person|resident|visitor|pupil|pupils|student|students|baby|toddler|colleague|"
    r"diner|driver|swimmer|rider|player|climber|little one|fire|flood|leak)|there (?:is|was|"
    r"were|s) (?:a|an|ever a))|hypothetically|supposing"
)


def _supposition(clause: str, start: int) -> re.Match[str] | None:
    """The supposition ("what our procedure is if someone ...") that governs the words at
    ``start`` (within eight words), if any."""
    # Searched in the whole clause: the supposed subject ("what to do if a child goes
    # missing") may be part of the hit itself.
    suppositions = [s for s in _SUPPOSITION.finditer(clause) if s.start() <= start]
    if suppositions and clause.count(" ", suppositions[-1].end(), start) <= 8:
        return suppositions[-1]
    return None


def _asked_about(clause: str, start: int) -> bool:
    """Whether an enquiry or a purchase governs the words at ``start`` (within six words)."""
    enquiries = list(_ENQUIRY.finditer(clause, 0, start))
    return bool(enquiries) and clause.count(" ", enquiries[-1].end(), start) <= 7


# Said of a minor sign, these make it minor ("but he is fine", "nobody was hurt").
_ALL_WELL = _rx(
    r"unhurt|uninjured|unharmed|not (?:hurt|injured|bleeding|cut)|no cuts?|no (?:harm|injur\w*|"
    r"damage) "
    r"done|no injur\w*|nobody (?:was |is |got )?(?:hurt|injured)|(?:is|are|seems|seemed|was|"
    r"were|looks|looked|feels|felt) (?:totally |completely |absolutely |all |perfectly |now )?"
    r"(?:fine|okay|alright|all right|unharmed)|(?:he|she|they) (?:is|are) (?:fine|okay)|"
    r"(?:fine|okay) now|just a (?:scratch|graze|bruise|bump)|laughing it off|(?:fully |all )?"
    r"(?:healed|recovered)|"
    # Back to it: "hes back racing his mates", "up and laughing, no harm", "now hes back in
    # the ball pit laughing".
    r"no harm|(?:up|back) and (?:laughing|playing|running|smiling|chatting)|(?:he|she|they) "
    r"(?:is |s |are )?(?:now )?back (?:racing|playing|swimming|running|in the|on the|with "
    r"(?:his|her|their))|(?:now|back) (?:\w+ ){0,4}laughing"
)

# A person said to be found, back or safe: the search is over.
# Said after the words that settle a search, these say the person is still gone.
_STILL_GONE = (
    r"(?!.*\b(?:gone|missing|nowhere|not there|(?:is|are|was|were) not (?:on|in|at|by|with|"
    r"there)|disappeared|vanished|can not find|cannot find|no sign|"
    r"wandered (?:off|out|away)|walked (?:off|out|away)|ran off|run off|slipped out)\b)"
)
_FOUND_AGAIN = _rx(
    # Where they were all along, or back at once: "teen was in the arcade all along", "dad
    # came straight over", "he popped out the side tube 30 secs later", "hes holding her
    # hand now".
    r"all along|(?:came|come|comes) (?:straight|right) (?:over|back)|popped (?:out|up|back)"
    r"(?: \w+){0,4} (?:later|after)|(?:he|she|they) (?:is |s |are )?(?:now )?holding (?:her|his|"
    r"their|mum s|mums|dad s|dads) hand(?:s)? now" + _STILL_GONE + r"|"
    # Found, told in the passive: "child lost earlier found with granny, all fine".
    r"(?:lost|missing|wandered off|ran off|run off) (?:\w+ ){0,4}(?:was |were |been |got |and "
    r")?found (?:safe|safely|straight away|right away|quickly|fine|well|with (?:\w+ )?(?:mum|"
    r"dad|granny|gran|nan|nana|grandma|grandad|grandpa|parents?|family|teacher|carer|sister|"
    r"brother|aunt|auntie|uncle))" + _STILL_GONE + r"|"
    # Found at once, or found happy: "she find him by waffles straight away, he fine",
    # "lifeguard find her after 5 min", "found giggling in the tent".
    r"(?:found|find|finds|spotted) (?:him|her|them) (?:\w+ ){0,3}(?:straight away|right away|"
    r"straightaway|immediately|quickly|after (?:\d+|a few|two|three|five) (?:min|mins|minutes|"
    r"seconds|secs))" + _STILL_GONE + r"|found (?:\w+ )?(?:giggling|laughing|playing|smiling)"
    + _STILL_GONE + r"|"
    # "Got them back" is found; "she's got them out now" (her tablets) is not.
    r"got (?:him|her|them) back|(?:found|spotted) (?:him|her|them)(?! (?:on|in|lying|"
    r"unconscious|collapsed|crying|"
    r"alone|wandering|outside|by|near|at|under|behind|hiding|locked|trapped|scooter|bike|bag|"
    r"shoes?|coat|phone|hat|toy|teddy|doll|jacket|scarf|gloves?|ball|trainers|backpack|"
    r"rucksack|lunchbox|bottle|dummy|buggy|pram|wallet|purse|keys|helmet|cap)\b)"
    + _STILL_GONE
    + r"|(?<!thought )(?<!assumed )(?<!reckoned )(?<!believed )(?<!thinks )(?<!think )"
    # "Dad thought he was with mum" is how a child goes missing, not how a search ends.
    r"(?:he|she|"
    r"they) (?:is|are|was|were|has|have|came|come) (?:back|found|here now|turned up|safe|"
    r"fine|with (?:mum|dad|her|him|them|us|his|her))" + _STILL_GONE + r"|turned up|reunited|"
    r"false alarm|panic "
    r"over|(?:came|come|comes) (?:straight |right |back )?back(?! to)" + _STILL_GONE + r"|"
    # A fright that was wrong: "thought she'd lost her boy ... he was hiding in the rail".
    # Not a belief that they were safe: "instructor thought he'd gone with mum" is how
    # a child goes missing.
    r"thought (?:\w+ ){0,3}(?:lost|missing|wandered|gone|run off|ran off)(?! (?:home|off )?"
    r"with\b| home\b| to\b| for\b| back\b)" + _STILL_GONE + r"|"
    # "He was under the table" settles a search only when said as the answer ("he was
    # just under the table"): "can't find her toddler, swears he was under the table a
    # min ago" is where he was before he went.
    r"(?<!thought )(?<!assumed )(?<!reckoned )(?<!thinks )(?:he|she|they) (?:was|were) (?:(?:only "
    r"|just |actually )?(?:hiding|in the (?:loo|toilet|"
    r"toilets|bathroom|car|next aisle|changing room))|(?:only|just|actually) (?:playing|"
    r"behind|under))" + _STILL_GONE + r"|back "
    r"(?:in|within|after) "
    r"(?:a|two|five|ten|\d+) (?:minute|minutes|mins|seconds)|"
    # Found again within moments: "found in 2 mins in the cafe", "found within minutes",
    # "was at reception a minute later", "found instantly".
    # A number needs its unit: "found him in a bad way" is no search over.
    r"(?:found|back|returned|turned up|reappeared|was at \w+(?: \w+)?) (?:\w+ ){0,4}(?:in|within|"
    r"after|inside) (?:(?:a|an|one|two|three|five|ten|\d+|under (?:a|\d+)|about (?:a|\d+)|less "
    r"than (?:a|\d+)|a few) (?:\w+ )?(?:minute|minutes|min|mins|seconds|secs|moments?)|seconds|"
    r"minutes|moments|no time)|found (?:him |her |them )?(?:instantly|straight away|"
    r"right away|in seconds|in no time|quickly|immediately|almost immediately)|(?:a|one|two|"
    r"\d+|few) (?:minute|minutes|min|mins|seconds|secs) later|"
    r"(?:he|she|they) (?:is|are|s) (?:stood|standing|sat|sitting) (?:right )?(?:next to|beside|"
    r"with) (?:her|him|them|mum|dad)" + _STILL_GONE + r"|turns out (?:she|he|they) (?:means|"
    r"meant|was talking about|were talking about) (?:her|his|their|the) (?:\w+ )?(?:cat|dog|"
    r"pet|rabbit|parrot|hamster|tortoise|car|phone|bag|case|doll|teddy|parcel)|"
    r"(?:had|with|holding|watching) (?:him|her|them) (?:the whole time|all along|all the "
    r"time)|"
    r"all (?:good|fine|sorted|okay) now|been found|found safe|back together|straight back "
    r"(?:with|to)|for (?:literally |only |just )?(?:a (?:few |couple of )?|\d+ |one |two |few |"
    r"ten |twenty |thirty )(?:sec|secs|seconds|second|moment|moments)\b" + _STILL_GONE + r"|"
    r"sorted (?:ages|hours|a while|"
    r"long|\w+ (?:minutes|mins|hours)) ago|turns out (?:he|she|they) (?:was|were|went|had "
    r"gone|had been) (?:\w+ )?(?:with|home|to|in|at)" + _STILL_GONE + r"|"
    # Or minded all along: "on his own in the play area while she pays, she can see him".
    r"(?:she|he|they|mum|dad|parents?|mother|father|nan|gran) (?:\w+ )?(?:can see|is watching|"
    r"are watching|keeping an eye on|has an eye on) (?:him|her|them)|while (?:her |his |their |"
    r"the )?(?:mum|dad|mother|father|parents?|she|he|they|nan|gran|grandma|grandad) (?:\w+ )?"
    r"(?:pays|orders|queues|is paying|is ordering|is queuing|are paying|are ordering|checks "
    r"in|is checking in|shops|tries|gets|grabs|works|is working|serves|is serving|finishes|"
    r"browses|is browsing)"
)


# Words that someone was missing or left alone, for ``_FOUND_AGAIN`` to settle.
_SOMEONE_MISSING = _rx(
    r"missing|lost|wander\w*|gone|disappear\w*|vanish\w*|(?:can not|cannot|could not) find|"
    r"slipped (?:out|away|off)|snuck (?:out|off)|sneaked (?:out|off)|"
    r"ran off|run off|runs off|bolted|no sign|separated|where (?:he|she|they) (?:is|are|was|"
    r"went)|not (?:with|there|here|back)|looking for|search\w*|on (?:his|her|their) own|"
    r"alone|unattended|by (?:himself|herself|themselves)|left (?:him|her|them)|(?:did not|"
    r"never) (?:get off|come home|come out|turn up|arrive|show up)|lost kid|lost child"
)


# "crying but fine": the clause after "but" is the one word.
_FINE_CLAUSE = re.compile(r"(?:^|\| )(?:fine|okay|alright|all good)(?: now)?(?= \||$)")


def _is_reassurance(words: str) -> bool:
    """ "she is fine", "all good now": someone said to be well, not found or explained."""
    return _ALL_WELL.search(words) is not None or _FINE_CLAUSE.search(words) is not None


# A faulty item brought back to us, its fright over: "motor smelt like burning and
# stopped, she's brought it in with the receipt", "sparked once, she unplugged it, wants
# a replacement". A product defect to stop using, not a fire; unless it is still going.
_GOODS_BACK = _rx(
    r"brought (?:it |them |the \w+ )?(?:in|back)|bringing (?:it |them )?(?:in|back)|returning|"
    r"returned it|wants? (?:\w+ )?(?:a |her |his |their )?(?:refund|replacement|exchange|new one|"
    r"money back|swap)|(?:under|on) (?:the )?(?:warranty|guarantee)|(?:with|has|had|got) "
    r"(?:the |her |his )?receipt|unplugged (?:it|them)|switched (?:it|them) off"
)
_STILL_GOING = _rx(
    r"now|still|right now|at the moment|currently|keeps|again|spreading|kids in|(?:is|are) "
    r"(?:swelling|hissing|smoking|sparking|melting|hot)"
)


# A hazard checked and declared safe, or explained by something harmless: "gas smell was
# the drains, engineer checked and all clear", "the smoke was only burnt toast". Unless it
# is still going on ("all clear yesterday but the alarm is going off again now").
_CLEARABLE = frozenset({"fire", "gas", "flood", "hazard"})
_MADE_SAFE = _rx(
    r"(?:fixed|sorted|repaired|cleared|pumped out|cleaned up|made safe|capped|isolated) "
    r"(?:\w+ ){0,2}by (?:the |a |our )?(?:plumber|engineer|electrician|fire (?:brigade|"
    r"service)|technician|maintenance|contractor|gas (?:board|engineer))|(?:plumber|engineer|"
    r"electrician|maintenance|contractor) (?:\w+ ){0,3}(?:fixed|sorted|repaired|cleared|pumped)|"
    r"(?:given|gave|got|had) (?:us |it )?the all clear|all clear(?! (?:to|for) (?:go|open|"
    r"reopen)\b)|(?:engineer|plumber|electrician|fire (?:brigade|service|crew)|brigade|"
    r"firefighters|"
    r"gas (?:board|man|engineer)|national grid|technician|landlord) (?:\w+ ){0,4}(?:checked|"
    r"made (?:it |everything )?safe|capped it|isolated it|said (?:it is|it s|its|it was) "
    r"(?:fine|safe|nothing))|(?:smell|smoke|alarm|leak|haze|fumes|drip|dripping) "
    r"(?:\w+ ){0,3}(?:was|turned "
    r"out to be|turns out to be|is) (?:only |just |actually )?(?:the |a |some |from the )?"
    r"(?:drains?|burnt toast|toast|aircon|air con|air conditioning|condensation|steam|a "
    r"candle|candles|dry ice|smoke machine|bins|cooking|vape|vaping|kettle)"
)


# Said with a hazard declared safe, these say it is back: "all clear yesterday but the
# smell is back now".
_HAZARD_BACK = _rx(
    r"still (?:\w+ ){0,2}(?:smell\w*|smok\w*|burning|going|leaking|there|sparking|hissing)|"
    r"(?:leak\w*|flood\w*|smok\w*|spark\w*|burn\w*|smell\w*|happen\w*|going off|alarm\w*|"
    r"dripping|pouring|coming (?:in|through)) (?:\w+ ){0,2}again|again (?:now|today|tonight)|"
    r"spreading|getting (?:worse|thicker|stronger|bigger)|keeps|(?:but|and) now|(?:is|s|are) "
    r"back"
)


def made_safe(whole: str) -> str | None:
    """The words that say a hazard was checked and declared safe, or was something
    harmless, if nothing says it is back."""
    hit = _MADE_SAFE.search(whole)
    return hit.group(0) if hit is not None and _HAZARD_BACK.search(whole) is None else None


def _goods_brought_back(whole: str) -> bool:
    return _GOODS_BACK.search(whole) is not None and _STILL_GOING.search(whole) is None


def _found_again(whole: str) -> bool:
    return any(not _negated_in(whole, m) for m in _FOUND_AGAIN.finditer(whole))


# One of our people as the one attacked or threatened.
_STAFF_TARGET = _rx(
    r"(?:our|my|a|the|one of (?:our|the)) (?:\w+ )?(?:staff|colleague|colleagues|security "
    r"guard|guard|bouncer|doorman|waiter|waiters|waitress|waitresses|barman|barmaid|bartender|"
    r"cashier|cashiers|teller|receptionist|receptionists|nurse|nurses|doctor|pharmacist|"
    r"driver|drivers|rider|riders|porter|cleaner|manager|attendant|steward|crew|agent|"
    r"assistant|worker|carer|chef|trainee|server|barista|member of staff|team member)|"
    r"my colleague|our staff|staff member|member of staff"
)

# Signs of a body in trouble that each may mean little ("feels dizzy", "confused about
# the bill") but together mean a medical emergency: two different signs, one of them
# strong, describe someone who needs help now ("dizzy and being sick", "clammy and grey").
_STRONG_SIGNS: tuple[re.Pattern[str], ...] = tuple(
    _rx(p)
    for p in (
        r"dizzy|light ?headed|woozy|faint|fainting|vertigo|room (?:is )?spinning",
        r"clammy|cold sweat|sweaty|drenched in sweat|pouring with sweat|sweating (?:loads|"
        r"buckets|a lot|heavily|profusely|like mad)",
        # The heart told by the jaw: "sweating loads and says his jaw aches".
        r"jaw (?:\w+ )?(?:aches|ache|aching|pain|hurts|hurting|is sore)|(?:aching|sore|"
        r"painful) jaw",
        r"pale|grey|gray|white as a sheet|ashen|(?:gone|went|turned|going) white|colour "
        r"(?:has )?drained|(?:went|gone|turned|turning|going) (?:a |all )?(?:funny|strange|odd|"
        r"weird|horrible|awful) colou?r",
        r"confused(?! (?:by|about|with|over|as to|why|how|what|which|at|because)\b)|"
        r"disorientated|disoriented|not making (?:any )?sense|talking nonsense|muddled|"
        r"(?:does not|do not) know where (?:he|she|they) (?:is|are)",
        r"slurr\w*|(?:can not|cannot|could not) (?:speak|talk) (?:properly|clearly|right)|"
        r"speech (?:is )?(?:slurred|funny|weird)|face (?:\w+ )?(?:looks|looking|went|gone|is) "
        r"(?:all )?(?:odd|strange|weird|funny|wrong|lopsided)",
        r"(?:being|been|was) sick(?! of| and tired)|vomit\w*|throwing up|threw up",
        r"numb|numbness|tingling|pins and needles",
        r"drowsy|(?:can not|could not) stay awake|nodding off|keeps passing out|drifting off",
        r"not (?:answering|responding to) (?:us|me|staff|her name|his name|anyone)|not "
        r"answering when (?:we|i) (?:call|speak|talk)",
        r"(?:blurred|blurry|double) vision|vision (?:is )?(?:blurred|blurry|double)|seeing "
        r"double|(?:can not|could not) see properly",
    )
)
_SOFT_SIGNS: tuple[re.Pattern[str], ...] = tuple(
    _rx(p)
    for p in (
        r"(?:feels?|feeling|felt) (?:really |very |so |quite |a bit |bit )?(?:odd|strange|"
        r"weird|funny|unwell|rough|ill|awful|terrible|off|not right|sick|wobbly|weak|faint)"
        r"(?! (?:about|that|for|because|asking|to|having|with the)\b)|unwell|not feeling "
        r"(?:well|right|herself|himself)|feeling ill",
        r"shaking|shaky|trembling|shivering(?! (?:his|her|their) head)",
        r"headache|head (?:is )?(?:pounding|splitting)|migraine",
        r"breathless|short of breath|out of breath(?! (?:from|after))",
        r"hot and cold|burning up|(?:a |high )fever|high temperature",
        r"weak|wobbly|(?:legs|knees) (?:\w+ )?(?:gone|going|went|buckl\w*)",
        r"clutching|doubled over|in pain|holding (?:his|her|their) (?:stomach|chest|head|side)",
    )
)
# Idioms built of those words: "sick of waiting", "pale ale", "the grey one".
_NOT_A_SIGN = _rx(
    r"sick (?:of|and tired)|pale (?:ale|blue|pink|green|yellow|colour|wood)|grey (?:one|"
    r"colour|jumper|coat|car|suit|sofa|carpet|skies|day|area|hair)|(?:hair|sky|skies|"
    r"paint|walls?|sky) (?:\w+ ){0,2}(?:grey|gray|pale)|weak (?:signal|wifi|coffee|tea|"
    r"password|excuse|link|point|spot)|(?:dizzy|confused|shaking|weak) (?:at|with|from|by) "
    r"(?:the )?(?:price|prices|bill|choice|menu|options|laughter|excitement|rage|anger|cold)"
)


def _signs(whole: str) -> str | None:
    """The signs, if two different ones (at least one strong) are said of the line."""
    if _NOT_A_SIGN.search(whole):
        whole = _NOT_A_SIGN.sub(" ", whole)
    strong = [m for p in _STRONG_SIGNS if (m := p.search(whole)) and not _negated_in(whole, m)]
    if not strong:
        return None
    soft = [m for p in _SOFT_SIGNS if (m := p.search(whole)) and not _negated_in(whole, m)]
    # One phrase is one sign ("feels faint" is not "faint" and "feels faint").
    hits = strong + [
        m for m in soft if not any(m.start() < h.end() and h.start() < m.end() for h in strong)
    ]
    if len(hits) < 2:
        return None
    return " … ".join(m.group(0) for m in hits[:2])


def _vetoed(veto: re.Pattern[str], clause: str, hit: re.Match[str]) -> bool:
    """Whether a veto phrase overlaps the hit ("steak knife" over "knife")."""
    return any(v.start() < hit.end() and hit.start() < v.end() for v in veto.finditer(clause))


# Held or used to frighten, cutlery or a tool is a weapon: "gripping his steak knife and
# threatening the waiter", "got a knife in his bag and will use it".
_MENACE = _rx(
    r"threaten\w*|waving|waved|brandish\w*|pointing it|pointed it|gripping|holding it (?:up|"
    r"out|to)|pulled (?:it|out)|came at|lunged|(?:will|would|going to|gonna) use it|swinging "
    r"it|held it to|(?:going to|gonna|will|threaten\w* to|said (?:he|she|they) would) (?:cut|"
    r"stab|slash) (?:him|her|them|you|us|me|the \w+|our \w+|my \w+)|(?:going to|gonna|will|"
    r"threaten\w* to) (?:smash|batter|hit) (?:whoever|anyone|everyone|him|her|them|you|us)"
)


# A name, not an event: alarming words capitalised inside a line typed in lower case,
# with a capitalised word beside them ("the Heart Attack Burger challenge", "the
# Robbery at the Museum board game", "Kill Bill on screen 2").
_RAW_WORD = re.compile(r"[A-Za-z][A-Za-z']*")
_SENTENCE_END = re.compile(r"[.!?:;\n\"]\s*$")
MIN_LOWER_SHARE = 0.6


@lru_cache(maxsize=64)
def _typed_words(text: str) -> tuple[tuple[str, int], ...] | None:
    """The words of ``text`` with their offsets, when it is long enough and mostly typed
    in lower case for capitals to mean a name; None otherwise. Read once a line, however
    many alarming words it holds."""
    raw = tuple((m.group(0), m.start()) for m in _RAW_WORD.finditer(text))
    if len(raw) < 4:
        return None
    if sum(word[0].islower() for word, _ in raw) < MIN_LOWER_SHARE * len(raw):
        return None  # typed in capitals or title case: capitals say nothing here
    return raw


def named(text: str, phrase: str) -> bool:
    """Whether ``phrase`` (alarming words the detector or the triggers found) is part of
    a name in ``text``: its first word capitalised mid-sentence, a capitalised word
    up to two words before it or three after, in a line mostly typed in lower case."""
    if not phrase or text.islower():
        return False  # no capital anywhere: no name (most lines staff type)
    raw = _typed_words(text)
    if raw is None:
        return False
    first = phrase.split()[0]
    for i, (word, start) in enumerate(raw):
        if i == 0 or word.lower() != first or not word[0].isupper():
            continue
        if _SENTENCE_END.search(text, 0, start):
            continue  # a new sentence
        near = raw[max(0, i - 2) : i] + raw[i + 1 : i + 4]
        if any(n[0].isupper() and n.lower() != "i" for n, _ in near):
            return True
    return False


def menaced(tokens: Sequence[Token]) -> bool:
    """Whether the line says a weapon is held or used to frighten ("male w knife
    threatening colleague"): a weapon finding then is never doubted, however terse the
    line and however little danger the readers see in it."""
    return _MENACE.search(" ".join(t.word for t in tokens)) is not None


# Lost to a death, not in a crowd: "just lost her husband, confused about the direct
# debits", "lady just lost her son, came in to cancel his phone". The loss is read as a
# bereavement only when the line is about the affairs a death leaves and says nothing of
# a search ("lost his wife in the crowd, she has her pension card on her" still pages).
_LOST_RELATIVE = _rx(rf"lost (?:\w+ ){{0,2}}(?:{_RELATIVE}|{_CHILD})")
_AFFAIRS_OF_THE_DEAD = _rx(
    r"cancel\w*|clos(?:e|ing) (?:\w+ ){0,3}(?:account|contract|membership|line|policy)|"
    r"accounts?|contracts?|licen[cs]e|council tax|bills?|(?:direct )?debits?|funeral|"
    r"death|died|passed away|probate|estate|bereave\w*|widow\w*|griev\w*|grief|"
    r"condolences?|paperwork|pension|policy|in (?:his|her|their) name|name on|"
    r"(?:his|her|their) (?:phone|car|things|stuff|belongings|subscription|membership)"
)
_SEARCHED_FOR = _rx(
    r"crowd|can not find|cannot find|could not find|looking for|searching|search|last "
    r"seen|wander\w*|(?:a|one|few|couple of|\d+) (?:minute|min|minutes|mins) ago|was (?:just "
    r")?(?:here|there|with (?:her|him|them|me|us))|where (?:he|she|they) (?:is|are|went)|"
    r"not (?:come|came) back|gone off|ran off|run off|missing"
)


def _bereaved(hit: re.Match[str], line: str) -> bool:
    """Whether a relative "lost" is a death told with its paperwork (``_LOST_RELATIVE``)."""
    return (
        _LOST_RELATIVE.fullmatch(hit.group(0)) is not None
        and _AFFAIRS_OF_THE_DEAD.search(line) is not None
        and _SEARCHED_FOR.search(line) is None
    )


# A jump that is the activity booked: "tomorrow she go jump off cliff, it's cliff jumping
# tour she booked".
_JUMP_BOOKED = _rx(
    r"cliff jumping|coasteering|tombstoning|bungee\w*|sky ?div\w*|parachut\w*|jump\w* (?:tour|"
    r"trip|excursion|session|lesson)"
)


def _vetoed_by_rule(rule: _Rule, clause: str, hit: re.Match[str], line: str = "") -> bool:
    """Whether ``rule``'s veto explains ``hit`` away; a weapon's veto (cutlery, tools)
    does not when the clause, or the rest of the ``line``, says it is held or used to
    frighten (``_MENACE``): "only a pocket knife but he's pointing it at the barman"."""
    if rule.kind == "missing" and _bereaved(hit, line or clause):
        return True
    if rule.kind == "self-harm" and "jump" in hit.group(0) and _JUMP_BOOKED.search(line or clause):
        return True
    if rule.veto is None or not _vetoed(rule.veto, clause, hit):
        return False
    return not (rule.kind == "weapon" and (_MENACE.search(clause) or _MENACE.search(line)))


def _word_index(clause: str, offset: int) -> int:
    return clause.count(" ", 0, offset)


def _negated(words: Sequence[str], start: int) -> bool:
    """A negation within the window before word ``start`` governs it ("no knife")."""
    for i in range(start - 1, max(-1, start - 1 - _NEGATION_WINDOW), -1):
        if words[i] in _NEGATION_BREAKERS:
            return False
        if words[i] in _NEGATIONS:
            return True
    return False


def _negated_in(whole: str, hit: re.Match[str]) -> bool:
    clause_start = whole.rfind("|", 0, hit.start()) + 1
    before = whole[clause_start : hit.start()].split()
    return _negated(before, len(before))


# Alarming-sounding words in a routine situation, for when the detector found no danger
# but a reader of the whole line (the classifier) is sure of an emergency: a toy lost
# with the parent right there is lost property, not a missing child.
# A thing lost, not a person: "lost his teddy". Said of a child's things, it explains
# away "lost"; it does not explain a crisis ("left her bag and phone and walked out").
_LOST_ITEM = re.compile(
    r"\b(?:lost|left|dropped|forgot|forgotten|misplaced|(?:can not|cannot|could not) "
    r"find) (?:his|her|their|my|a|the) (?:\w+ ){0,2}(?:teddy|teddies|toy|toys|bunny|dummy|"
    r"coat|jacket|hat|shoe|shoes|bag|phone|bottle|blanket|book|scarf|gloves?|glasses|keys|"
    r"wallet|purse|card|umbrella|comforter|balloon|ice cream|sweets|lolly|kite|ball)\b"
)
# The person minded all along: "her girl is right next to her", "was with grandad".
_MINDED_WORDS = (
    r"(?:" + _CARER + r" (?:is |was |are |were )?"
    r"(?:right )?(?:with|next to|beside|holding) (?:him|her|them)|"
    r"(?:he|she|they) (?:is|are|s) (?:stood|standing|sat|sitting) (?:right )?(?:next to|beside|"
    r"with) (?:her|him|them)|"
    # "he's right here holding mum's hand", "kids right here w her".
    r"(?:he|she|they|kid|kids|boy|girl|child|children|son|daughter) (?:is |are |s )?(?:right "
    r"(?:here|there) (?:with|w|next to|beside)|(?:right (?:here|there) )?holding (?:her|his|"
    r"their|mum s|mums|mum|dad s|dads|dad|mummy s|daddy s|nan s|gran s) hand)|"
    r"(?:girl|boy|son|daughter|kid|kids|child|children|toddler|baby|little one|lad|lass) "
    r"(?:is |was |are |were )(?:right |still |safe )?(?:next to|with|beside) (?:her|him|them|"
    r"(?:her |his |their )?(?:nan|gran|grandad|grandma|granny|grandpa|auntie|aunt|uncle|mum|"
    r"dad|mother|father|parents?|sister|brother)))"
)
_MINDED = re.compile(_MINDED_WORDS)
_ROUTINE = re.compile(
    r"\b(?:" + _MINDED_WORDS + r"|"
    # Fire-safety kit, asked about or broken, is no fire; a joke is no threat.
    r"fire (?:exit|exits|door|doors|escape|extinguishers?|blanket|drill|alarm test|safety|"
    r"marshal|warden|assembly|risk|certificate|pit|place|side|exit sign)|car alarms?|"
    # Gym kit named for the body: "the leg press is broken".
    r"(?:leg|chest|shoulder|calf|hip|ab|back|neck) (?:press|presses|curl|curls|extension|"
    r"extensions|machine|machines|raise|raises|roller|stretcher)|"
    r"sugar (?:overdose|rush|high)|"
    # Staff being trained about a danger: "staff doing dementia wandering awareness
    # training in the lounge".
    r"(?:awareness|safeguarding|dementia|wandering|stroke|choking|cpr|resus|evacuation|"
    r"lockdown|missing person|missing child) (?:\w+ )?(?:training|course|session|workshop|"
    r"drill)|"
    # Furniture and a show, not a body: "chest of drawers ... drawer fell off", "headliner
    # pulled out, crowd booing".
    r"chests? of drawers|drawers? (?:\w+ )?(?:fell|falling|came|come|coming) (?:off|out|"
    r"apart)|(?:headliner|headline act|act|band|artist|speaker|sponsor|singer|dj|performer|"
    r"comedian) (?:\w+ )?(?:pulled|pulling|has pulled) out|smoke alarm "
    r"(?:battery|batteries|chirp\w*|beep\w*)|water feature|(?:burnt|burned) (?:the |his |her |"
    r"some )?(?:toast|food|"
    r"pizza|chips|bacon|rice|edges|bits)|lost (?:a|his|her|their) (?:baby )?(?:tooth|teeth|"
    r"filling)|" + JOKE_WORDS + r"|missing in action|fell flat|(?:would|d) rather die than|"
    r"bomb ?site|(?:look|looks|looked|looking) like a bomb (?:went off|has gone off|had gone "
    r"off|hit)|"
    r"falls flat|falling flat|lost child (?:wristband|band|sticker|policy|procedure|point|desk|"
    r"form)|end of "
    r"(?:her|his|my|their|our) (?:rope|tether) (?:with|over|about)|"
    r"lost in (?:a|his|her|their|"
    r"the) (?:book|game|thought|thoughts|music|film|movie|show|world|daydream)|die happy|to "
    r"die for|dying (?:to|for)|(?:die|died|dying) (?:of|from) (?:laughing|laughter|boredom|"
    r"embarrassment|shame|hunger|thirst|curiosity)|waiting (?:outside )?for (?:her|his|"
    r"their) (?:mum|dad|parents?|lift|ride|taxi|nan|gran) to (?:pick|collect|come))\b"
)


# Fire-safety kit or a bottle swung at someone is a weapon, not a routine mention.
_WIELDED = _rx(
    r"(?:swing|swings|swinging|swung|waving|waved|brandish\w*|threaten\w*|hitting|hit (?:him|"
    r"her|them|staff|someone|people)|throwing|threw|smashing|lashing out) (?:\w+ ){0,3}(?:at|"
    r"with|around|about|towards)"
)


def routine_mention(
    text: str,
    tokens: Sequence[Token] | None = None,
    reassurance: bool = True,
    idioms: bool = True,
    lost_items: bool = True,
    settled: bool = True,
    fire_kit: bool = True,
    retractions: bool = True,
) -> str | None:
    """The words that make this line routine despite alarming vocabulary, if any: an
    idiom one of the rules recognised and vetoed ("bleeding him dry", "the band set the
    dance floor on fire") or a routine situation ("lost his teddy, mum with him").
    Meant for lines in which ``detect`` found nothing. ``reassurance=False``: a person
    said to be fine ("but he is fine", "all good now") does not count. ``idioms=False``:
    only the teller's own words that it is over or was a joke count ("found him", "only
    kidding"), not an idiom or a routine situation the alarming words may also be.
    ``lost_items=False``: a thing lost ("left her bag") does not count.
    ``settled=False``: someone said to be well or a question about our policy ("she is
    fine", "asked about our procedure") does not count either; "found him", the
    teller's "only joking" and a danger told as over still do. ``fire_kit=False``: fire
    safety kit ("the fire exit is propped open") does not count.
    ``retractions=False``: "he said he was joking" does not count either."""
    if tokens is None:
        tokens = tokenise(text, keep_numbers=True)
    # "Came back", "turned up": the search is over only if someone was missing ("the
    # rider came back shaking" is no search).
    missing = _SOMEONE_MISSING.search(" ".join(t.word for t in tokens)) is not None
    clauses = clauses_of(tokens)
    # The whole line once, each clause's offset in it: an idiom, a joke or a routine
    # mention the teller goes on to contradict ("... false alarm again but there's smoke
    # under the door") explains nothing, so what follows a hit is read to the line's end.
    whole = " | ".join(" ".join(words) for words in clauses)
    turns = _turns(text, tokens)
    offset = 0
    for index, words in enumerate(clauses):
        clause = " ".join(words)
        at, offset = offset, offset + len(clause) + len(" | ")
        routine = _ROUTINE.search(clause) if idioms else None
        if routine is None and idioms and lost_items:
            routine = _LOST_ITEM.search(clause)
        if routine is not None and not fire_kit and routine.group(0).startswith("fire "):
            routine = None
        if (
            routine is not None
            and not _negated(words, _word_index(clause, routine.start()))
            and not _WIELDED.search(clause)
            and not _contradicted_after(whole, at + routine.end())
            and not (_MINDED.fullmatch(routine.group(0)) and _gone_after(whole, at + routine.end()))
            and not _JOKE_DOUBTED.search(clause)
            and not (_JOKE.fullmatch(routine.group(0)) and turns[index])
        ):
            return routine.group(0)
        told_settled = (_FOUND_AGAIN.search(clause) if missing else None) or (
            (
                _ALL_WELL.search(clause)
                or _FINE_CLAUSE.search(clause)
                or _POLICY_QUESTION.search(clause)
            )
            if settled
            else None
        )
        if (
            told_settled is not None
            and (not reassurance or turns[index])
            and _is_reassurance(told_settled.group(0))
        ):
            # Not a "he's fine" that the teller then turns from: "says she's fine now but
            # she's still gripping the razor blades".
            told_settled = None
        retracted = _RETRACTED.search(clause) if retractions else None
        if (
            retracted is not None
            and not _negated(words, _word_index(clause, retracted.start()))
            and not _contradicted_after(whole, at + retracted.end())
            and not turns[index]
            and not _JOKE_DOUBTED.search(clause)
        ):
            return retracted.group(0)  # "a regular joked he'd jump off a bridge"
        if (
            told_settled is not None
            and not _negated(words, _word_index(clause, told_settled.start()))
            and not (missing and _gone_after(whole, at + told_settled.end()))
        ):
            return told_settled.group(0)  # "while his mum pays", "but he is fine"; not "no
            # parent has turned up"
        if _ANY_RULE.search(clause) is None:
            continue
        if settled:
            # The alarming words are a supposition ("staff meeting at 4 is about what to
            # do if a child goes missing"): ``detect`` passed over them, and the readers'
            # reading of the whole line is no sign either.
            for hit in _ANY_RULE.finditer(clause):
                supposition = _supposition(clause, hit.start())
                if supposition is not None and not _contradicted_after(whole, at + hit.end()):
                    return supposition.group(0)
        past = _PAST.search(clause)
        if past is not None and _NOW.search(clause) is None and _past_danger(clause):
            return past.group(0)  # "the burst pipe back in jan flooded the hall"
        if not idioms:
            continue
        for rule in _RULES:
            if rule.veto is None:
                continue
            for m in rule.pattern.finditer(clause):
                if _vetoed_by_rule(rule, clause, m, whole) and not _contradicted_after(
                    whole, at + m.end()
                ):
                    return m.group(0)
    return None
