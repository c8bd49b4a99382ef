"""Speech to text: the recogniser protocol (`base`), one module per engine (`whisper`, `vosk`,
`pocketsphinx`: the only places that import those libraries), where models come from
(`models`), the engine table that the command line's `--engine` choices come from
(`engines`), and the worker-thread guard (`guarded`)."""

from voice_assistant.stt.base import EngineError, Recognizer, Transcript, transcribe
from voice_assistant.stt.engines import CHOICES, load_recognizer
from voice_assistant.stt.guarded import GuardedRecognizer

__all__ = ["CHOICES", "EngineError", "GuardedRecognizer", "Recognizer", "Transcript",
           "load_recognizer", "transcribe"]
