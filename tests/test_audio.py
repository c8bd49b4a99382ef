from pathlib import Path

import numpy as np
import pytest

from tests.wavs import tone, wav_bytes, write
from voice_assistant import audio
from voice_assistant.audio import AudioError, Converter, read_pcm16

CASES = [
    dict(rate=16000), dict(rate=8000), dict(rate=11025), dict(rate=22050),
    dict(rate=44100, channels=2), dict(rate=48000), dict(rate=96000, channels=6),
    dict(rate=16000, bits=8), dict(rate=16000, bits=24), dict(rate=16000, bits=32),
    dict(rate=16000, bits=32, encoding="float"), dict(rate=16000, bits=64, encoding="float"),
    dict(rate=8000, bits=8, encoding="alaw"), dict(rate=8000, bits=8, encoding="mulaw"),
    dict(rate=44100, channels=2, bits=24, extensible=True),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(str(v) for v in c.values()))
def test_every_common_wav_becomes_16k_mono_int16(tmp_path: Path, case: dict) -> None:
    rate = case["rate"]
    path = write(tmp_path / "a.wav", wav_bytes(tone(0.5, rate), **case))
    pcm, fmt = read_pcm16(path)
    assert pcm.dtype == np.int16
    assert fmt.rate == rate and fmt.channels == case.get("channels", 1)
    assert abs(len(pcm) - 8000) <= 16  # 0.5 s at 16 kHz
    # the 440 Hz tone survives: amplitude ~0.5 and its frequency is right
    assert 0.3 < np.abs(pcm).max() / 32768 < 0.6
    spectrum = np.abs(np.fft.rfft(pcm.astype(np.float32)))
    assert abs(np.argmax(spectrum) * 16000 / len(pcm) - 440) < 10


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"hello, not audio at all", "not a WAV file"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", "truncated WAV"),
        (wav_bytes(tone(0.1), 16000).split(b"data")[0] + b"data\0\0\0\0", "no audio in it"),
    ],
)
def test_broken_files_give_one_line(tmp_path: Path, data: bytes, message: str) -> None:
    path = write(tmp_path / "bad.wav", data)
    with pytest.raises(AudioError) as err:
        read_pcm16(path)
    assert message in str(err.value) and str(path) in str(err.value)
    assert "\n" not in str(err.value)


def test_zero_channels_and_odd_rates_and_encodings(tmp_path: Path) -> None:
    good = bytearray(wav_bytes(tone(0.1), 16000))
    zero = good.copy()
    zero[22:24] = b"\x00\x00"
    with pytest.raises(AudioError, match="no channels"):
        read_pcm16(write(tmp_path / "z.wav", bytes(zero)))
    slow = good.copy()
    slow[24:28] = (1000).to_bytes(4, "little")
    with pytest.raises(AudioError, match="outside"):
        read_pcm16(write(tmp_path / "r.wav", bytes(slow)))
    adpcm = good.copy()
    adpcm[20:22] = (2).to_bytes(2, "little")
    with pytest.raises(AudioError, match="unsupported WAV encoding"):
        read_pcm16(write(tmp_path / "e.wav", bytes(adpcm)))


def test_header_claiming_more_data_than_present_uses_what_is_there(tmp_path: Path) -> None:
    data = wav_bytes(tone(0.5), 16000)
    pcm, fmt = read_pcm16(write(tmp_path / "cut.wav", data[: len(data) // 2]))
    assert 0.2 < fmt.seconds < 0.3 and len(pcm) > 3000


def test_max_seconds_cuts_long_files(tmp_path: Path) -> None:
    path = write(tmp_path / "long.wav", wav_bytes(tone(3.0, 8000), 8000))
    pcm, fmt = read_pcm16(path, max_seconds=1.0)
    assert fmt.seconds == pytest.approx(3.0) and abs(len(pcm) - 16000) < 64


def test_streaming_conversion_matches_whole_file() -> None:
    x = tone(1.0, 44100)[:, None]
    conv = Converter(44100, 1)
    parts = [conv.convert(x[i : i + 4410]) for i in range(0, len(x), 4410)]
    parts.append(conv.convert(np.zeros((0, 1), np.float32), last=True))
    streamed = np.concatenate(parts)
    whole = Converter(44100, 1).convert(x, last=True)
    assert abs(len(streamed) - 16000) < 32
    n = min(len(streamed), len(whole))
    assert np.abs(streamed[:n].astype(int) - whole[:n]).max() <= 2


def test_chunks_are_100_ms() -> None:
    sizes = [len(c) for c in audio.chunks(np.zeros(16000 * 2 + 5, np.int16))]
    assert sizes[:20] == [1600] * 20 and sizes[-1] == 5


def test_a_session_is_the_turns_in_order_with_quiet_gaps(tmp_path: Path) -> None:
    a = write(tmp_path / "a.wav", wav_bytes(tone(0.5, 44100), 44100, channels=2))
    b = write(tmp_path / "b.wav", wav_bytes(tone(0.25, 8000, freq=300), 8000))
    path = audio.session_wav(tmp_path / "s.wav", [a, b], gap=2.0, lead=1.0, tail=3.0)
    pcm, fmt = read_pcm16(path)
    assert (fmt.rate, fmt.channels, fmt.bits) == (16000, 1, 16)
    assert fmt.seconds == pytest.approx(1.0 + 0.5 + 2.0 + 0.25 + 3.0)
    loud = np.flatnonzero(np.abs(pcm) > 1000) / 16000
    assert loud[0] == pytest.approx(1.0, abs=0.01) and loud[-1] == pytest.approx(3.75, abs=0.01)
    assert np.abs(pcm[: 16000 - 100]).max() < 200  # quiet room noise, not silence
    assert np.abs(pcm[: 16000 - 100]).max() > 0
    assert read_pcm16(audio.session_wav(tmp_path / "q.wav", [], gap=20.0))[1].seconds == 1.0
    again = audio.session_wav(tmp_path / "s2.wav", [a, b], gap=2.0, tail=3.0)
    assert again.read_bytes() == path.read_bytes()  # the same noise every time
