"""The dual speech path: a streaming engine's transcript beside Whisper's, and the assistant
taking the streaming one only when it is a sure match."""

from __future__ import annotations

import pytest

from tests.conftest import TESTS
from voice_assistant import audio, data
from voice_assistant.assistant import Assistant
from voice_assistant.stt import Transcript, engines, transcribe

pytest.importorskip("faster_whisper", reason="install the whisper extra: scripts/setup")
AUDIO = TESTS / "fixtures" / "audio"


def _heard(main: str, alternative: str) -> Transcript:
    return Transcript(main, 0.8, "whisper",
                      alternatives=(Transcript(alternative, 0.9, "pocketsphinx"),))


def test_a_sure_streaming_transcript_is_taken() -> None:
    a = Assistant()
    a.turn("i'm locked out")
    turn = a.hear(_heard("Unlock it.", "no"))
    assert turn.heard == "no" and turn.intent == "no" and turn.step == "other_entry"


def test_an_unsure_streaming_transcript_is_not_taken() -> None:
    a = Assistant()
    a.turn("i'm locked out")
    turn = a.hear(_heard("My neighbour has a spare key.", "hob lit"))
    assert turn.heard == "My neighbour has a spare key." and turn.intent == "spare_key"


def test_without_alternatives_the_main_text_is_heard() -> None:
    a = Assistant()
    turn = a.hear(Transcript("I'm locked out.", 0.9, "whisper"))
    assert turn.intent == "locked_out" and turn.step == "assess"


def test_the_dual_recogniser_gives_both_transcripts() -> None:
    rec = engines.load_dual("pocketsphinx", data.default())
    pcm = audio.read_pcm16(AUDIO / "locked_out_01__clean.wav")[0]
    t = transcribe(rec, audio.chunks(pcm))
    assert "locked out" in t.text.lower() and t.engine == "whisper"
    assert [alt.engine for alt in t.alternatives] == ["pocketsphinx"]
    assert "locked out" in t.alternatives[0].text
