"""The lockout guide as a state machine (SPEC §2).

`Guide.respond(state, match)` is a pure function: it takes the conversation state and the
matcher's answer and returns the new state and the reply text. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from voice_assistant import data as data_mod
from voice_assistant.matcher import Match
from voice_assistant.names import TIP_INTENTS, TOPIC_STEPS
from voice_assistant.phone import in_reply
from voice_assistant.settings import Settings

#: Steps in which no session is running: only locked_out, help and emergency start one.
ASLEEP = ("idle", "end")
#: After "did you mean no?", a no of at most this many words ("no", "nope, no") declines the
#: guess; a longer one ("he's not picking up") is the answer itself.
BARE_NO_WORDS = 2


@dataclass(frozen=True)
class State:
    step: str = "idle"
    history: tuple[str, ...] = ()  # steps before the current one, for `back`
    tips_said: tuple[str, ...] = ()  # prevention tips already given
    last_say: str = ""  # for `repeat`
    pending: str | None = None  # intent awaiting a "did you mean …?" answer
    misses: int = 0  # not-understood turns in a row without in-domain evidence (see LetGo)

    @property
    def in_session(self) -> bool:
        return self.step not in ASLEEP


class Guide:
    def __init__(self, data: data_mod.Data, settings: Settings | None = None) -> None:
        self.guide = data.guide
        self.rules = data.guide.rules  # which intents do what whatever the step
        self.settings = settings or Settings()
        self._tip_text = dict(self.guide.tips)

    # -- text -------------------------------------------------------------------------------
    def _fill(self, text: str) -> str:
        return text.replace("{emergency}", in_reply(self.settings.emergency_number))

    def _reply(self, key: str, **slots: str) -> str:
        return self._fill(self.guide.replies[key].format(**slots))

    def question(self, state: State) -> str:
        step = self.guide.steps[state.step]
        if state.step == "prevention" and not self._unsaid(state):
            return self._fill(step.question_last)
        return self._fill(step.question)

    def _step_text(self, name: str) -> list[str]:
        step = self.guide.steps[name]
        say = list(step.say)
        contact = getattr(self.settings, name, None) if name in ("landlord", "locksmith") else None
        if contact is not None and contact.configured and step.contact:
            who = contact.name or ("your " + name)
            say[0] = step.contact.format(name=who, phone=in_reply(contact.phone))
        return [self._fill(s) for s in say]

    def end_session(self, state: State) -> tuple[State, str]:
        """Say goodbye and end the session (e.g. after the user stayed silent)."""
        return self._end(state)

    def reprompt(self, state: State) -> tuple[State, str]:
        """What to say after the user stayed silent following a question."""
        if not state.in_session:
            return state, ""
        text = self._fill(self.guide.steps[state.step].reprompt)
        return replace(state, last_say=text), text

    # -- transitions ----------------------------------------------------------------------
    def _unsaid(self, state: State) -> list[str]:
        return [t for t in TIP_INTENTS if t not in state.tips_said]

    def _say(self, state: State, *parts: str) -> tuple[State, str]:
        text = " ".join(p for p in parts if p)
        return replace(state, last_say=text, pending=None, misses=0), text

    def _enter(self, state: State, step: str, *prefix: str) -> tuple[State, str]:
        history = state.history
        if state.in_session and state.step != step:
            history = (*history, state.step)
        new = replace(state, step=step, history=history)
        return self._say(new, *prefix, *self._step_text(step), self.question(new))

    def _tip(self, state: State, tip: str | None, *prefix: str) -> tuple[State, str]:
        said = state.tips_said if len(state.tips_said) < len(TIP_INTENTS) else ()
        if tip is None:
            tip = next(t for t in TIP_INTENTS if t not in said)
        if tip not in said:
            said = (*said, tip)
        intro = () if state.step == "prevention" else (self._reply("prevention_intro"),)
        history = state.history
        if state.in_session and state.step != "prevention":
            history = (*history, state.step)
        new = replace(state, step="prevention", history=history, tips_said=said)
        return self._say(new, *prefix, *intro, self._tip_text[tip], self.question(new))

    def _end(self, state: State) -> tuple[State, str]:
        return self._say(State(step="end"), *self._step_text("end"))

    def _back(self, state: State) -> tuple[State, str]:
        if not state.history:
            if state.step == "assess":
                return self._say(state, self._reply("back_first"), *self._step_text("assess"),
                                 self.question(state))
            return self._enter(replace(state, history=()), "assess")
        target = state.history[-1]
        new = replace(state, step=target, history=state.history[:-1])
        if target == "prevention":
            return self._tip(new, None)
        return self._say(new, *self._step_text(target), self.question(new))

    def _answer(self, state: State, intent: str) -> tuple[State, str]:
        target = self.guide.steps[state.step].transitions[intent]
        if target == "stay":
            stay = self._fill(self.guide.steps[state.step].stay)
            return self._say(state, stay, self.question(state))
        if target == "previous":
            return self._back(state)
        if target == "next_tip":
            return self._tip(state, None) if self._unsaid(state) else self._end(state)
        if target == "end":
            return self._end(state)
        if target == "prevention":
            return self._tip(state, None)
        return self._enter(state, target)

    # -- the one entry point ----------------------------------------------------------------
    def respond(self, state: State, match: Match) -> tuple[State, str]:
        """The new state and what to say (empty: stay silent)."""
        intent, decision = match.intent, match.decision
        if state.step == "end":
            state = State()
        if decision == "act" and intent == "emergency":
            return self._enter(state, "emergency")
        if not state.in_session:
            if decision == "act" and intent in self.rules.wake:
                return self._enter(State(), "assess")
            return replace(state, step="idle", pending=None), ""
        if state.pending is not None and decision == "act" and intent in ("yes", "no"):
            if intent == "yes":
                return self._act(replace(state, pending=None), state.pending)
            if state.pending == "no" and len(match.text.split()) > BARE_NO_WORDS:
                # "did you mean no?" - "he's not picking up": a no said in full answers the
                # step's question; a bare "no" declines the guess (held-out sessions 23)
                return self._act(replace(state, pending=None), "no")
            return self._say(state, self._reply("confirm_no"), self.question(state))
        if decision == "none" or intent == "none":
            return self._not_understood(state, match)
        if decision == "confirm" and intent in self.rules.act_when_near:
            return self._act(state, intent)
        if decision == "confirm":
            label = self.guide.labels.get(intent, intent)
            new, text = self._say(state, self._reply("did_you_mean", label=label))
            return replace(new, pending=intent), text
        return self._act(state, intent)

    def _not_understood(self, state: State, match: Match) -> tuple[State, str]:
        """Ask again; but a session kept alive only by talk that is not for us is let go:
        after `let_go.after` such turns in a row, with no in-domain evidence, it ends; once
        the person has answered a question (the guide has moved on), or in an emergency,
        after `after_answered`."""
        rule = self.guide.let_go
        misses = 0 if match.in_domain(rule.evidence_below) else state.misses + 1
        under_way = bool(state.history) or state.step in rule.under_way_at
        if misses >= (rule.after_answered if under_way else rule.after):
            return self._say(State(step="end"), self._reply("let_go"))
        new, text = self._say(state, self._reply("didnt_catch"), self.question(state))
        return replace(new, misses=misses), text

    def _act(self, state: State, intent: str) -> tuple[State, str]:
        step = self.guide.steps[state.step]
        if intent == "emergency":
            return self._enter(state, "emergency")
        if intent == "help":
            return self._say(state, self._fill(step.help), self._reply("help_more"))
        if intent == "repeat":
            return self._say(state, state.last_say or self.question(state))
        if intent == "back":
            return self._back(state)
        if intent in self.rules.restart:
            return self._enter(State(), "assess")
        if intent == "stop":
            return self._end(state)
        if intent == "got_in":
            return self._tip(state, None, self._reply("got_in"))
        if intent in ("yes", "no", "next"):
            return self._answer(state, intent)
        if intent == "prevention":
            return self._tip(state, None)
        if intent in TIP_INTENTS:
            return self._tip(state, intent)
        if intent in TOPIC_STEPS:
            if intent == state.step:
                return self._say(state, *self._step_text(intent), self.question(state))
            return self._enter(state, intent)
        if intent in self.rules.reply:
            return self._say(state, self._reply(intent), self.question(state))
        return self._say(state, self._reply("didnt_catch"), self.question(state))
