"""Can the bot read this line? It understands English only.

A line in Spanish or Polish shares a stray word or two with some playbook ("hotel",
"taxi", "gerente" one typo from nothing): ranked like English it comes back as a
confident, wrong playbook. So before ranking, a line is judged by its small words,
which every language has many of and shares few of: a line whose function words are
mostly another language's, or whose letters are mostly not Latin, is not read; the
answer is the general recovery steps and one sentence saying why.

Staff shorthand, typos and names are no problem here: they are neither English nor
foreign function words, so they do not count either way.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.text import Token, tokenise, words

NOTE = "I can only read English, so here are the general recovery steps."
# Without a general-recovery playbook in the library there are no steps to give.
NOTE_NO_STEPS = "I can only read English: please describe the situation in English."
# A line not read, with a word for danger in it ("ambulancia", "Messer").
NOTE_DANGER = "I can only read English, but a word here means danger, so safety comes first."

# Common English words that also carry a line's grammar (after bot.text expands
# contractions and shorthand: "cust" → "customer", "shes" → "she is").
_ENGLISH = frozenset(
    words(
        """
        the a an and or but is are was were be been being am has have had do does did
        not no to of in on at for with from by about into over after before up down out
        off this that these those it its he she they we you i me him her them us my his
        their our your who what when where why how which there here than then so if
        because just also very too again still only all some any every each more most
        customer guest client member patient passenger says said wants wanted asking
        asked says can could will would should may might must need needs want
        now today tonight yesterday tomorrow week day time minutes hours
        """
    )
)

# Function words of the languages staff most often meet, that are not English words
# too ("die", "was", "in", "also", "son", "per" are left out on purpose).
_FOREIGN = frozenset(
    words(
        """
        el los las del una uno unos unas que q por para con pero muy esta estoy esto este
        eso es y dice quiero hablar tiene tengo hay mi su sus le les lo ya aqui
        donde cuando porque gracias hola senor senora cliente clienta gerente necesito
        puede fria frio habitacion cuenta mucho nada bien mal veces cobramos enfadado
        le les des du une est et avec pour dans sur pas ne je il elle nous vous ils elles
        mais ou qui oui tres merci bonjour monsieur madame chambre veut parler au aux ce
        cette ces sa ses ma mes votre notre leur rien encore toujours
        der das und ist nicht ich sie er ein eine einen einem mit fur auf den dem zu von
        aber wir sein mein meine kunde kundin zimmer bitte danke sehr mochte kein keine
        ja nein noch schon wie wo hier heute gast kalt essen warten wartet
        nie na jest juz tak nikt niej jego jej mnie pani klient klientka czeka zwrot
        bardzo ale dla czy jak gdzie tylko pokoj prosze dzien oddzwonil kasy tyg sie ze
        il gli della che non sono una molto vuole parlare camera grazie buongiorno
        os uma nao muito ela ele obrigado obrigada quer voce senhor
        het een niet ik wij zij met voor dat maar klant kamer wil
        """
    )
)

# At least this many foreign function words, and more than English ones: a French
# "merci" in an English line is read as English.
MIN_FOREIGN_WORDS = 2
# A line whose letters are mostly outside the Latin alphabet (Cyrillic, Arabic, CJK,
# Greek ...) is not English whatever its words.
MAX_NON_LATIN_SHARE = 0.5


# With a vocabulary of English word stems (the situation classifier's: every stem seen
# in ~20,000 staff-voice lines), a line of at least MIN_WORDS_FOR_SHARE words of which
# fewer than this share are known is not English, whatever language it is in
# (Romanian, Turkish, Hindi written in Latin letters ... have no list above). On the
# development sets every English line scored 0.75 or more, shorthand and typos
# included; 24 lines in 20 other languages scored 0.25 or less, French 0.5.
MIN_KNOWN_SHARE = 0.5
MIN_WORDS_FOR_SHARE = 4


def readable(
    text: str,
    tokens: Sequence[Token] | None = None,
    known: Callable[[str], bool] | None = None,
) -> bool:
    """Whether ``text`` reads as English (or as nothing in particular). ``tokens``: the
    text as ``bot.text.tokenise`` reads it, when the caller has it already. ``known``:
    whether a word is a known English word (the matcher passes its vocabulary)."""
    letters = [ch for ch in text if ch.isalpha()]
    if letters:
        non_latin = sum(1 for ch in letters if not _latin(ch))
        if non_latin / len(letters) > MAX_NON_LATIN_SHARE:
            return False
    seen = [t.word for t in (tokenise(text) if tokens is None else tokens)]
    if known is not None:
        spelled = [w for w in seen if w.isalpha() and len(w) > 1]
        if len(spelled) >= MIN_WORDS_FOR_SHARE:
            share = sum(1 for w in spelled if w in _ENGLISH or known(w)) / len(spelled)
            if share < MIN_KNOWN_SHARE:
                return False
    foreign = sum(1 for w in seen if w in _FOREIGN and w not in _ENGLISH)
    if foreign < MIN_FOREIGN_WORDS:
        return True
    english = sum(1 for w in seen if w in _ENGLISH)
    return english >= foreign


def _latin(ch: str) -> bool:
    if ch.isascii():
        return True
    try:
        return unicodedata.name(ch).startswith("LATIN")
    except ValueError:
        return False


# A line the bot cannot read may still carry a word every manager needs to hear about:
# "abogado", "polícia", "Krankenwagen", "iptal". These words, in the languages staff most
# often meet, raise the escalation they stand for and offer the playbook behind it; the
# line is still not read (no other word of it counts). Only words no English line
# uses: "police", "brand", "mes", "kan" are left out on purpose.
_SIGNAL_WORDS: dict[tuple[str, str], str] = {
    ("legal", "abusive-or-legal-threat"): """
        abogado abogada abogados demanda demandar denuncia denunciar denunciare policia
        advogado advogada advogados processar processo avocat avocate avocats plainte
        tribunal poursuivre anwalt anwaltin rechtsanwalt polizei klage verklagen gericht
        avvocato avvocata avvocati polizia tribunale querela adwokat adwokata prawnik
        prawnika policja policje policji pozew sadu avukat avukata polis mahkeme dava
        davaci advocaat politie rechter aangifte politia avocatul
        """,
    ("review", "review-threat"): """
        instagram facebook tiktok twitter tripadvisor trustpilot yelp resena resenas
        avaliacao avaliacoes bewertung bewertungen rezension recensione recensioni opinia
        opinie yorum yorumu recensie recensies
        """,
    ("leaving", "customer-leaving"): """
        cancelar cancelo cancela annuler resilier resiliation kundigen
        kundigung cancellare disdire disdetta anulowac zrezygnowac rezygnuje rezygnacja
        iptal opzeggen opzegging
        """,
    ("safety", "medical-emergency"): """
        ambulancia ambulanta krankenwagen notarzt rettungswagen ambulanza karetka karetke karetki
        ambulans sangre sangue sangrando blut blutet krew krwawi bloed bloedt
        desmayo desmayado desmayada desmaiou desmaiada inconsciente inconscient evanoui
        evanouie bewusstlos ohnmachtig svenuto svenuta nieprzytomny nieprzytomna
        zemdlal zemdlala bayildi bilincsiz bewusteloos flauwgevallen infarto herzinfarkt
        zawal
        """,
    ("safety", "safety-emergency"): """
        incendio fuego fogo incendie feuer fuoco pozar yangin cuchillo navaja faca couteau
        messer coltello noz bicak pistola arma waffe pistolet silah
        """,
    ("security", "theft-or-security"): """
        robado robada robaron roubado roubada roubaram vole volee gestohlen geklaut rubato
        rubata ukradziony ukradziona ukradl ukradla calindi calinti gestolen furat furata
        """,
    ("safety", "missing-person"): """
        desaparecido desaparecida disparu disparue vermisst scomparso scomparsa zaginal
        zaginela zaginiony zaginiona kayboldu vermist perdido perdida perdu perdue verloren
        perso persa zgubil zgubila kayip disparut disparuta
        """,
}
# Lost or gone is said of bookings and bags too ("ma réservation a disparu"): a missing
# person needs a person in the line.
_PEOPLE = frozenset(
    words(
        """
        nino nina ninos hijo hija bebe crianca filho filha menino menina enfant enfants fils
        fille garcon kind kinder sohn tochter junge madchen baby bambino bambina figlio
        figlia dziecko dziecka syn corka synek cocuk cocugu oglu kizi zoon dochter jongen
        meisje copil copilul fiul fiica fetita baiat abuela abuelo avo avozinha grand mere
        oma opa nonna nonno babcia dziadek
        """
    )
)
_SIGNALS: dict[str, tuple[str, str]] = {
    word: key for key, listed in _SIGNAL_WORDS.items() for word in words(listed)
}
_LETTERS = re.compile(r"[a-z]+")
# Letters NFKD does not take apart ("bıçak", "łza", "Straße").
_UNFOLDED = str.maketrans({"ı": "i", "ł": "l", "ø": "o", "đ": "d", "ß": "ss"})


@dataclass(frozen=True, slots=True)
class ForeignSignal:
    reason: str  # an escalation reason ("legal", "safety", ...)
    playbook: str  # the playbook behind it, offered as a guess
    word: str  # the word that raised it, for the notification


def foreign_signals(text: str) -> tuple[ForeignSignal, ...]:
    """The escalation words of another language in ``text`` (a line ``readable`` turned
    down), one per playbook, in the order they appear."""
    folded = unicodedata.normalize("NFKD", text.lower().translate(_UNFOLDED))
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    found: dict[str, ForeignSignal] = {}
    seen = _LETTERS.findall(plain)
    person = any(w in _PEOPLE for w in seen)
    for word in seen:
        hit = _SIGNALS.get(word) or _SIGNALS.get(_stem_of(word))
        if hit is None or hit[1] in found or (hit[1] == "missing-person" and not person):
            continue
        found[hit[1]] = ForeignSignal(hit[0], hit[1], word)
    return tuple(found.values())


# Words that take endings ("avukatını", "kündigung", "abogados"): a word of six letters or
# more on the list still counts with an ending of up to four letters.
_STEMS = {word for word in _SIGNALS if len(word) >= 6}


def _stem_of(word: str) -> str:
    for cut in range(1, 5):
        if len(word) - cut >= 6 and word[:-cut] in _STEMS:
            return word[:-cut]
    return word
