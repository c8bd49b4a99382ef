"""Two engines as one: a streaming engine's partial text (for early answers on sure, short
replies), and a whole-utterance engine's final text (Whisper), decoded when the voice pauses.
"""

from __future__ import annotations

import numpy as np

from voice_assistant.stt.base import Recognizer, Transcript


class DualRecognizer:
    def __init__(self, streaming: Recognizer, final: Recognizer) -> None:
        self.streaming, self.final = streaming, final
        self.name = final.name

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
        self.streaming.cancel()
        return self.final.finish()

    def cancel(self) -> None:
        self.streaming.cancel()
        self.final.cancel()
