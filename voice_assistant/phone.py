"""Phone numbers: checked and spelled out in one place, so what a reply shows and what the
voice says agree.

`PhoneNumber.spelled` is the one speller: digit by digit, groups kept as written, a leading +
as "plus", letters as written (a vanity number's word), an extension last:
"+1 555 0199" → "plus 1, 5 5 5, 0 1 9 9"; "1-800-FLOWERS x12" → "1, 8 0 0, FLOWERS,
extension 1 2". The guide puts `in_reply(number)` into the reply text; the voice
(`voices.spoken`) spells every number still written in digits in a sentence ("911",
"555-0123") with `spell_numbers`, which uses the same speller, and then only adds pauses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_KEYS = 15  # E.164: at most 15 digits in a phone number
MAX_LETTERS = 7  # a vanity number's word stands for the last keys (1-800-FLOWERS)
_EXTENSION = re.compile(
    r"(?P<sep>\s*[,;]?\s*)(?P<word>ext\.?|extension|x|#)\s*(?P<ext>\d{1,6})$", re.IGNORECASE)
_MAIN = re.compile(r"^\+?\s*\(?\s*\d[0-9A-Za-z ()./-]*$")
_GROUP = re.compile(r"[0-9A-Za-z]+")
_RUN = re.compile(r"\d+|[A-Za-z]+")
# A number written in digits inside a sentence: groups joined by a space, a hyphen or
# brackets ("555-0123", "+1 555 0199", "(555) 0199"), not part of "1,000" or "3.14159".
_IN_TEXT = re.compile(r"(?<![\w.,+])(?:\+\s?)?\(?\d+(?:(?:[ -]|\) ?)\(?\d+)*\)?(?![\w]|[.,]\d)")


@dataclass(frozen=True)
class PhoneNumber:
    """A phone number as written: its groups (digits or keypad letters), a leading +, and
    an extension."""

    groups: tuple[str, ...]
    plus: bool = False
    extension: str = ""

    @property
    def keys(self) -> int:
        """How many keys dialling it takes (without the extension)."""
        return sum(len(g) for g in self.groups)

    @property
    def spelled(self) -> str:
        """Digit by digit, groups kept: "plus 1, 5 5 5, 0 1 9 9, extension 1 2"."""
        said = [" ".join(" ".join(run) if run.isdigit() else run for run in _RUN.findall(g))
                for g in self.groups]
        if self.plus:
            said[0] = f"plus {said[0]}"
        if self.extension:
            said.append(f"extension {' '.join(self.extension)}")
        return ", ".join(said)


def parse(text: str, min_keys: int = 3) -> PhoneNumber | None:
    """The phone number `text` writes, or None if it is not one: it starts with a digit
    (after a + or a bracket), has `min_keys`-15 keys (digits, or up to 7 letters as on a
    keypad), spaces, dashes, dots and brackets between groups, and perhaps an extension
    ("ext. 12", "extension 12", "x12", "#12")."""
    text = " ".join(text.split())
    extension = ""
    ext = _EXTENSION.search(text)
    if ext and (ext["sep"] or ext["word"] == "#" or text[:ext.start()][-1:].isdigit()):
        text, extension = text[:ext.start()], ext["ext"]
    if not _MAIN.match(text):
        return None
    number = PhoneNumber(tuple(_GROUP.findall(text)), text.startswith("+"), extension)
    letters = sum(ch.isalpha() for g in number.groups for ch in g)
    if not min_keys <= number.keys <= MAX_KEYS or letters > MAX_LETTERS:
        return None
    return number


def in_reply(text: str) -> str:
    """How a reply writes the number `text` (valid, from the settings): a short number of
    one group as written ("911", "112": the voice spells it the same way), any other
    spelled out ("5 5 5, 0 1 2 3")."""
    number = parse(text, min_keys=1)
    if number is None:
        return text
    if len(number.groups) == 1 and number.groups[0].isdigit() and number.keys <= 4 \
            and not number.plus and not number.extension:
        return number.groups[0]
    return number.spelled


def spell_numbers(sentence: str) -> str:
    """Every number written in digits in `sentence` spelled out, when one of its groups has
    three digits or more ("911", "555-0123"; "2-3 days" and "Room 12" stay as they are)."""

    def spell(match: re.Match[str]) -> str:
        number = parse(match.group(), min_keys=1)
        if number is None or max(len(g) for g in number.groups) < 3:
            return match.group()
        return number.spelled

    return _IN_TEXT.sub(spell, sentence)
