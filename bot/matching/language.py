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

import unicodedata
from collections.abc import Callable, Sequence

from bot.text import Token, tokenise, words

NOTE = "I can only read English, so here are the general recovery steps."
# Without a general-recovery playbook in the library there are no steps to give.
NOTE_NO_STEPS = "I can only read English: please describe the situation in English."

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
