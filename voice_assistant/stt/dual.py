"""Two engines as one (the dual path): a whole-utterance engine (Whisper), decoded when the
voice pauses, and a streaming engine beside it. The partial text is Whisper's once it has
decoded (so an early answer is taken on its words), the streaming engine's before; the final
transcript is Whisper's, with the streaming engine's reading as an alternative that the
assistant takes when Whisper's readings are not understood (`Assistant.hear`).
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
        decoded = self.final.feed(pcm)
        quick = self.streaming.feed(pcm)
        return decoded or quick

    def pause(self) -> None:
        self.final.pause()

    def resume(self) -> None:
        self.final.resume()

    def finish(self) -> Transcript:
        """Whisper's transcript, with the streaming engine's reading first among its
        alternatives."""
        quick = self.streaming.finish()
        final = self.final.finish()
        return replace(final, alternatives=(quick, *final.alternatives))

    def cancel(self) -> None:
        self.streaming.cancel()
        self.final.cancel()
