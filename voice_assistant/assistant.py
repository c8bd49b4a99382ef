"""One conversation: the matcher and the guide together, one turn at a time."""

from __future__ import annotations

from dataclasses import dataclass

from voice_assistant import data as data_mod
from voice_assistant.guide import Guide, State
from voice_assistant.matcher import Match, Matcher, MatcherSettings
from voice_assistant.settings import Settings


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

    def reset(self) -> None:
        self.state = State()

    def turn(self, text: str) -> Turn:
        match = self.matcher.match(text, self.state.step)
        self.state, say = self.guide.respond(self.state, match)
        return Turn(text, match.intent, match.confidence, self.state.step, say, match)

    def end_session(self) -> str:
        self.state, say = self.guide.end_session(self.state)
        return say

    def reprompt(self) -> str:
        self.state, say = self.guide.reprompt(self.state)
        return say
