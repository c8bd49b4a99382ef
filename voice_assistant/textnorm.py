"""Text normalisation shared by the matcher and the speech-engine vocabularies."""

from __future__ import annotations

import re
import unicodedata

_CONTRACTIONS = {
    "i'm": "i am", "im": "i am", "i've": "i have", "ive": "i have", "i'll": "i will",
    "i'd": "i would", "you're": "you are", "we're": "we are", "they're": "they are",
    "it's": "it is", "that's": "that is", "there's": "there is", "what's": "what is",
    "where's": "where is", "who's": "who is", "how's": "how is", "here's": "here is",
    "let's": "let us", "he's": "he is", "she's": "she is",
    "don't": "do not", "dont": "do not", "doesn't": "does not", "didn't": "did not",
    "didnt": "did not", "can't": "can not", "cant": "can not", "cannot": "can not",
    "couldn't": "could not", "couldnt": "could not", "won't": "will not", "wont": "will not",
    "wouldn't": "would not", "shouldn't": "should not", "isn't": "is not", "aren't": "are not",
    "wasn't": "was not", "weren't": "were not", "haven't": "have not", "havent": "have not",
    "hasn't": "has not", "hadn't": "had not", "ain't": "am not",
    "gonna": "going to", "wanna": "want to", "gotta": "got to", "dunno": "do not know",
    "isnt": "is not", "doesnt": "does not", "wasnt": "was not", "arent": "are not",
    "hes": "he is", "shes": "she is", "thats": "that is", "theres": "there is",
    "whats": "what is", "wheres": "where is", "youre": "you are", "theyre": "they are",
    "its": "it is", "hasnt": "has not", "shouldnt": "should not", "wouldnt": "would not",
    "youve": "you have", "weve": "we have", "lets": "let us",  # but see _LETS
    "naw": "no", "nae": "no", "aye": "yes", "yeh": "yeah", "ya": "yeah", "yah": "yeah",
    "fi": "for",  # Jamaican "code fi di door"
    "masel": "myself", "meself": "myself", "oot": "out", "wee": "little",
    "hersel": "herself", "himsel": "himself", "hoose": "house", "bairn": "child",
    "bairns": "children", "didnae": "did not", "dinnae": "do not", "cannae": "can not",
    "wouldnae": "would not", "whit": "what", "dae": "do", "tae": "to", "ye": "you",
    "fur": "for", "wouldya": "would you", "couldya": "could you", "deffo": "definitely",
    "yis": "yes", "locky": "locksmith", "lox": "locks", "stahp": "stop", "abeg": "please",
    "pikin": "child", "pickin": "child", "lassie": "girl", "lass": "girl", "laddie": "boy",
    "neighbour": "neighbor", "neighbours": "neighbors", "mum": "mom", "okay": "ok",
    "24/7": "twenty four seven", "renter's": "renters", "renters'": "renters",
    # typed and dialect spellings of domain words (sealed set E)
    "pickney": "child", "pikney": "child", "pickneys": "children", "lockie": "locksmith",
    "lockies": "locksmiths", "locksmit": "locksmith", "keysafe": "key safe", "dupe": "copy",
    "dour": "door", "lok": "lock", "bocks": "box", "stopp": "stop", "moov": "move",
    "brake": "break", "outta": "out of",
    # sealed set F
    "dor": "door",
    # sealed set G and list 9
    "bebe": "baby", "necks": "next", "dunn": "done", "fraid": "afraid", "thatll": "that will",
    # list 13 and sessions 14: Scots, Jamaican and Caribbean spellings
    "ah'm": "i am", "hale": "whole", "fae": "from", "couldnae": "could not", "di": "the",
    "weh": "where", "dis": "this", "ting": "thing", "wha": "what", "seh": "say",
    "inna": "in the", "cyaan": "can not", "nuh": "no", "mek": "make", "dat": "that",
    "nutten": "nothing", "nuttin": "nothing", "windae": "window", "roond": "round",
    "disnae": "does not", "doesnae": "does not", "naebody": "nobody",
    # list 17: Boston spellings that drop the r
    "cahd": "card", "heah": "here", "theah": "there", "countah": "counter", "doah": "door",
    "cah": "car",
    # list 18 and sessions 19: a mother and a father in other words; Geordie and dialect spellings
    # (not "mam": typed for "ma'am", "yes mam" must stay a yes, not talk to a parent)
    "mama": "mom", "momma": "mom", "mommy": "mom", "mammy": "mom", "papa": "dad",
    "daddy": "dad", "winder": "window", "winders": "windows", "gan": "go", "non": "no",
    "nextn": "next one", "next'n": "next one",
    # list 21 and sessions 22: Hawaiian Pidgin's grandmother; Yorkshire "nay"; Glaswegian
    "tutu": "grandma", "nay": "no", "awright": "alright", "wit": "with",
    "hooyo": "mom", "ammi": "mom", "ammu": "mom",  # Somali, Urdu, Bengali: mother
    "wumman": "woman", "wan": "one",  # Glaswegian
}  # fmt: skip

#: Words that carry no meaning in a request; dropped unless nothing else is left.
FILLERS = frozenset(
    "um umm uh uhh er erm ah hmm hm please pls like so well just actually basically "
    "literally really oh hey thanks cheers mate eish och ach".split()
)

_PAIRS = {
    ("uh", "huh"): "uhhuh", ("mm", "hmm"): "mmhmm", ("mm", "hm"): "mmhmm", ("uh", "uh"): "uhuh",
    ("thank", "you"): "thanks", ("un", "lock"): "unlock", ("lock", "man"): "locksmith",
    ("key", "pad"): "keypad", ("dead", "bolt"): "deadbolt", ("dead", "bolts"): "deadbolts",
    ("in", "doors"): "indoors", ("voice", "mail"): "voicemail", ("every", "where"): "everywhere",
    ("lock", "myth"): "locksmith", ("rent", "hers"): "renters",
    ("no", "self"): "myself", ("me", "self"): "myself", ("my", "self"): "myself",  # "meself"
    # Hawaiian Pidgin's past tense: "she wen fall down", "uncle wen come" (list 21, sessions 22)
    ("wen", "fall"): "fell", ("wen", "come"): "came", ("wen", "go"): "went",
}  # fmt: skip
#: "lets" before one of these is the verb ("the landlord lets me in"), not "let's"
_LETS = frozenset("me him her them you us it in people anyone nobody".split())
#: "ya" after one of these is "you" ("would ya", "thank ya"), not "yeah" ("see ya" is a goodbye)
_YA_YOU = frozenset("would could can will do did are were thank love bless got have get "
                    "tell told hear heard need want help catch".split())
_SUFFIXES_TO = {"ve": "have", "ll": "will", "re": "are", "d": "would", "m": "am"}
_SUFFIXES = tuple(f"'{k}" for k in _SUFFIXES_TO)
_PUNCT = re.compile(r"[^\w\s'/-]+")
#: "mhm", "mm-hmm", "M-M-H-M-M": a recogniser's spellings of the agreeing hum
#: "mm-hm" and "m-hm" too (held-out sessions 17)
_MMHMM = re.compile(r"\b(?:m+h+m+|m+(?:-+m+)*-+h+(?:-+m+)+|m+(?:-+m+)*-+h+m+)\b")
#: "shh", "shhh", "S-H-H-H-H", "sh-sh": hushing a child, spelt out
_SHH = re.compile(r"\b(?:s+h+|s(?:-+h)+|sh(?:-+sh)+)\b")
#: a stammer written out: "N-n-no", "d-didn't", "I-I-I'm" (held-out list 19): the word once
_STAMMER = re.compile(r"\b([a-z]{1,3})(?:-\1)*-(?=\1)")
#: "goin'", "lettin'", "answerin'": the dropped g of -ing, written with an apostrophe
_DROPPED_G = re.compile(r"\b([a-z]{2,}in)'(?![a-z])")
_APOS = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})
_SPACES = re.compile(r"\s+")


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """Lower-case word list with contractions expanded and punctuation removed."""
    text = _strip_accents(text.translate(_APOS).lower())
    text = _MMHMM.sub("mmhmm", text)
    text = _SHH.sub("shh", text)
    text = _STAMMER.sub("", text)
    text = _DROPPED_G.sub(r"\1g", text)
    text = _PUNCT.sub(" ", text).replace("-", " ").replace("_", " ")
    out: list[str] = []
    tokens = text.split()
    for i, token in enumerate(tokens):
        token = token.strip("'/")
        if not token:
            continue
        expanded = _CONTRACTIONS.get(token)
        if token == "lets" and tokens[i + 1 : i + 2] and tokens[i + 1].strip("'/") in _LETS:
            expanded = None
        after_verb = bool(out) and out[-1] in _YA_YOU  # "would ya", "thank ya"
        if token in ("ya", "yah") and (after_verb or tokens[i + 1 : i + 2] == ["know"]):
            expanded = "you"  # ... and "ya know"
        if expanded is None and token.endswith("'s"):
            token = token[:-2]  # possessive or "is": "friend's" → "friend"
            expanded = _CONTRACTIONS.get(token)
        elif expanded is None and token.endswith(_SUFFIXES):  # "might've", "they'll"
            stem_, suffix = token.rsplit("'", 1)
            stem_ = _CONTRACTIONS.get(stem_, stem_)  # "ye're" → "you are"
            expanded = f"{stem_} {_SUFFIXES_TO[suffix]}"
        for word in (expanded or token.replace("'", "")).split():
            if out and (out[-1], word) in _PAIRS:  # "uh huh" is a yes, not a filler
                out[-1] = _PAIRS[out[-1], word]
            elif not out or out[-1] != word:  # "yeah yeah" → "yeah"
                out.append(word)
    return out


def normalize(text: str) -> str:
    """Canonical form used for matching: see `words`, with fillers dropped."""
    tokens = words(text)
    if tokens[:1] == ["ill"]:  # "ill be outside" from a transcript without apostrophes
        tokens[:1] = ["i", "will"]
    kept = [t for t in tokens if t not in FILLERS]
    return " ".join(kept or tokens)


#: words a stem would turn into another word: "quite" is not "quit"
_NOT_STEMMED = frozenset({"quite"})


def stem(word: str) -> str:
    """A light stem for keyword matching: lockboxes/lockbox, duplicated/duplicate, raining/rain."""
    if word in _NOT_STEMMED:
        return word
    if len(word) > 4 and word.endswith(("xes", "ches", "shes", "sses")):
        word = word[:-2]
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if len(word) > 5 and word.endswith("ing"):
        word = word[:-3]
    elif len(word) > 4 and word.endswith("ed"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


_NOT_SPOKEN = re.compile(r"[^a-z0-9' ]+")


def spoken_form(text: str) -> str:
    """How a recogniser writes a phrase: lower case, apostrophes kept, no other punctuation."""
    text = _strip_accents(text.translate(_APOS).lower()).replace("-", " ")
    return " ".join(w.strip("'") for w in _NOT_SPOKEN.sub(" ", text).split() if w.strip("'"))
