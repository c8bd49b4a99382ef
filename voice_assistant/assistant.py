"""One conversation: the matcher and the guide together, one turn at a time."""

from __future__ import annotations

from dataclasses import dataclass

from voice_assistant import data as data_mod
from voice_assistant.guide import Guide, State
from voice_assistant.matcher import Match, Matcher, MatcherSettings, leads_on
from voice_assistant.settings import Settings
from voice_assistant.stt.base import Transcript

#: A match is sure when it acts with at least this confidence and its nearest phrasing is at
#: least this close: then a streaming engine's text is taken without waiting for Whisper's,
#: and a short answer may be taken before the trailing silence has run out.
SURE = 0.9
#: When the engine's best reading is not acted on at all (nothing, or only "did you mean"),
#: its own next reading is taken if the matcher acts on it with at least this confidence.
#: Measured (README "Speech in"): held-out lists 5 and 6, 780 recordings, 681 -> 693 right
#: (lists 3 and 4, not used to choose it: 698 -> 709, 2 more of 60 chatter turns acted on),
#: the fixtures 556 -> 559; another engine's reading is not rescued so (pocketsphinx's weak
#: readings made chatter act). Not in idle: in the hallway recording it started a false
#: emergency ("call mom at five" -> "at fire"); kept to sessions it costs 5 of 1,560.
RESCUE = 0.9


@dataclass(frozen=True)
class Turn:
    """The result of one user turn (the fields of `converse --json`)."""

    heard: str
    intent: str
    confidence: float
    step: str
    say: str
    match: Match

    def as_json(self) -> dict[str, object]:
        return {
            "heard": self.heard,
            "intent": self.intent,
            "confidence": round(self.confidence, 3),
            "step": self.step,
            "say": self.say,
        }


class Assistant:
    def __init__(
        self,
        data: data_mod.Data | None = None,
        settings: Settings | None = None,
        matcher_settings: MatcherSettings | None = None,
    ) -> None:
        d = data or data_mod.default()
        self.matcher = Matcher(d, matcher_settings)
        self.guide = Guide(d, settings)
        self.state = State()
        self._leads_on = leads_on(d)
        #: the last match made: the loop asks about the same partial text at every frame of
        #: a pause (early answer? unfinished?) and then hears it, all in one step
        self._last: tuple[tuple[str, str], Match] | None = None

    def reset(self) -> None:
        self.state = State()

    @property
    def in_session(self) -> bool:
        return self.state.in_session

    @property
    def ended(self) -> bool:
        """The session has just ended (said goodbye): `reset` starts the next one."""
        return self.state.step == "end"

    def answers_early(self, partial: str) -> bool:
        """Is this partial transcript already a sure, complete answer (guide.yaml's
        `rules.early`), so the loop may answer before the trailing silence runs out?"""
        m = self.sure(partial)
        return m is not None and m.intent in self.guide.rules.early

    def incomplete(self, partial: str) -> bool:
        """Do the words heard so far sound unfinished, so a pause after them is a breath and
        not the end of the turn? They end with a word that leads on to more (guide.yaml's
        `leads_on`: "wait", "okay", "so"), or they are not understood yet ("okay, the
        firefighters checked" before "... continue")."""
        m = self._match(partial)
        said = m.text.split()  # normalised, as the leads_on words are
        if any(said[-len(w):] == w for w in self._leads_on if len(w) <= len(said)):
            return True
        return m.decision != "act"

    def turn(self, text: str) -> Turn:
        return self._respond(text, self._match(text))

    def _respond(self, text: str, match: Match) -> Turn:
        self.state, say = self.guide.respond(self.state, match)
        return Turn(text, match.intent, match.confidence, self.state.step, say, match)

    def sure(self, text: str) -> Match | None:
        """The match for `text` in this step if it is sure (see `SURE`), else None."""
        m = self._match(text)
        return m if _is_sure(m) else None

    def _match(self, text: str) -> Match:
        """The matcher's answer for `text` at this step (the same words at the same step
        always get the same match, so the last one is kept)."""
        key = (text, self.state.step)
        if self._last is None or self._last[0] != key:
            self._last = (key, self.matcher.match(text, self.state.step))
        return self._last[1]

    def hear(self, transcript: Transcript) -> Turn:
        """One spoken turn. The engine's best reading when it is a sure match; else the
        first other reading that is: another engine's (a dual path's streaming engine), then
        the same engine's next-best readings; else, in a session, when the best reading is
        not acted on, the first of the engine's next-best readings that is acted on
        confidently (`RESCUE`; never in idle: only a reading the engine ranked first may start
        a session); else the best reading as it is."""
        others = sorted(transcript.alternatives, key=lambda t: t.engine == transcript.engine)
        # each distinct reading matched once, in the order they are tried
        matches = {text: self._match(text)
                   for text in (transcript.text, *(t.text for t in others)) if text}
        for text, m in matches.items():
            if _is_sure(m) and self._heard_by_best(text, m, transcript):
                return self._respond(text, m)
        best = matches.get(transcript.text)
        if self.in_session and (best is None or not best.acted):
            for alt in others:
                m = matches.get(alt.text)
                if (alt.engine == transcript.engine and m is not None and m.acted
                        and m.confidence >= RESCUE):
                    return self._respond(alt.text, m)
        return self.turn(transcript.text)

    def _heard_by_best(self, text: str, m: Match, transcript: Transcript) -> bool:
        """May this reading be taken? When the best engine heard no words at all, or threw
        its words away as doubtful, another engine's reading is taken only if it agrees with
        those doubted words: a streaming engine with a domain language model finds domain
        words in any noise ("what", "help", "I can't" in the babble of a street)."""
        if transcript.text:
            return True
        return bool(transcript.doubted) and (
            self._match(transcript.doubted).intent == m.intent)

    def end_session(self) -> str:
        self.state, say = self.guide.end_session(self.state)
        return say

    def reprompt(self) -> str:
        self.state, say = self.guide.reprompt(self.state)
        return say


def _is_sure(m: Match) -> bool:
    """Acted on, confidently, with a phrasing that close (see `SURE`)."""
    return m.acted and m.confidence >= SURE and bool(m.ranked) and m.ranked[0].phrase >= SURE
