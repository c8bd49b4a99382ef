"""Two engines as one (the dual path): a streaming engine's partial text, for early answers on
sure, short replies, and its final text, taken when it is a sure match; otherwise a
whole-utterance engine's text (Whisper), decoded when the voice pauses.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from voice_assistant.stt.base import Recognizer, Transcript


class DualRecognizer:
    def __init__(self, streaming: Recognizer, final: Recognizer) -> None:
        self.streaming, self.final = streaming, final
        self.name = f"{final.name}+{streaming.name}"

    def start(self, source_rate: int = 16000) -> None:
        self.streaming.start(source_rate)
        self.final.start(source_rate)

    def feed(self, pcm: np.ndarray) -> str:
        self.final.feed(pcm)
        return self.streaming.feed(pcm)

    def pause(self) -> None:
        self.final.pause()

    def resume(self) -> None:
        self.final.resume()

    def finish(self) -> Transcript:
        """Whisper's transcript, with the streaming engine's as an alternative (taken by the
        assistant when it is a sure match: `Assistant.hear`)."""
        quick = self.streaming.finish()
        final = self.final.finish()
        return replace(final, alternatives=(quick, *final.alternatives))

    def cancel(self) -> None:
        self.streaming.cancel()
        self.final.cancel()
