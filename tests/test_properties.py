"""Any text, in any step: a valid intent and step, never an exception."""

from hypothesis import given, settings
from hypothesis import strategies as st

from voice_assistant import data as data_mod
from voice_assistant.assistant import Assistant
from voice_assistant.guide import State
from voice_assistant.names import INTENTS, STEPS

_ASSISTANT = Assistant(data_mod.default())
WORDS = st.sampled_from([*data_mod.default().vocabulary(), "", "!", "’", "ß", "911", "..."])
UTTERANCE = st.one_of(st.text(max_size=80), st.lists(WORDS, max_size=12).map(" ".join))


@settings(max_examples=300, deadline=None)
@given(step=st.sampled_from(STEPS), history=st.lists(st.sampled_from(STEPS[1:-1]), max_size=3),
       pending=st.sampled_from([None, *INTENTS[:-1]]), texts=st.lists(UTTERANCE, max_size=4))
def test_any_text_in_any_step(step, history, pending, texts) -> None:
    _ASSISTANT.state = State(step=step, history=tuple(history), pending=pending)
    for text in texts:
        turn = _ASSISTANT.turn(text)
        assert turn.intent in INTENTS
        assert turn.step in STEPS
        assert 0.0 <= turn.confidence <= 1.0
        assert isinstance(turn.say, str)
        if turn.step not in ("idle",):
            assert turn.say, (step, text)
