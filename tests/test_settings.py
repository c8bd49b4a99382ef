from pathlib import Path

import pytest

from voice_assistant import settings
from voice_assistant.settings import SettingsError


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "settings.toml"
    path.write_text(text)
    return path


def test_nothing_needs_configuring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOCKOUT_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    s = settings.load()
    assert s.emergency_number == "911" and not s.landlord.configured


def test_full_settings(tmp_path: Path) -> None:
    s = settings.load(_write(tmp_path, """
emergency_number = "112"
[landlord]
name = "Sam Smith"
phone = "+44 (20) 7946-0018"
[locksmith]
phone = "555 0199"
"""))
    assert s.emergency_number == "112"
    assert s.landlord.name == "Sam Smith" and s.landlord.configured
    assert s.locksmith.phone == "555 0199"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("emergency_number = [", "invalid TOML"),
        ("emergency_number = 911.5", "emergency_number"),
        ("colour = 'red'", "colour: unknown key"),
        ("[landlord]\nphone = 'call me maybe'", "landlord.phone"),
        ("[landlord]\nphone = '12'", "landlord.phone"),
        ("[landlord]\nname = 3", "landlord.name"),
        ("[landlord]\nmobile = '555 0123'", "landlord.mobile: unknown key"),
        ("landlord = 'Sam'", "landlord"),
        ("[voice]\nrate = 'fast'", "voice.rate: must be an integer"),
        ("[voice]\nvolume = 3", "voice.volume: 3.0 is outside"),
        ("[listen]\nend_after = 0", "listen.end_after"),
        ("[listen]\nmicrophone = 2", "listen.microphone: unknown key"),
        ("[voice]\nrate = true", "voice.rate"),
        ("[voice]\nrate = 30", "voice.rate: 30 is outside 60-400 (or 0"),
        ("[voice]\nengine = 'festival'", "voice.engine: 'festival' is not a voice engine "
         "(expected pyttsx3, piper)"),
        ("[voice]\nengine = 1", "voice.engine: '1' is not a voice engine"),
    ],
)
def test_invalid_settings_name_the_file_and_key(tmp_path: Path, text: str, key: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(SettingsError) as err:
        settings.load(path)
    msg = str(err.value)
    assert msg.startswith(str(path)) and key in msg and "\n" not in msg


def test_every_mistake_in_the_file_is_reported_in_one_run(tmp_path: Path) -> None:
    path = _write(tmp_path, """
emergency_number = "nine one one"
colour = "red"
[landlord]
name = 3
phone = "12"
mobile = "555 0123"
[voice]
rate = 30
volume = 3
engine = "festival"
[listen]
end_after = 0
microphone = 2
""")
    with pytest.raises(SettingsError) as err:
        settings.load(path)
    problems = err.value.problems
    expected = ["emergency_number: 'nine one one' is not a phone number", "colour: unknown key",
                "landlord.name: must be a string", "landlord.phone: '12' is not a phone number",
                "landlord.mobile: unknown key", "voice.rate: 30 is outside 60-400",
                "voice.volume: 3.0 is outside", "voice.engine: 'festival' is not a voice engine",
                "listen.end_after: 0.0 is outside", "listen.microphone: unknown key"]
    assert len(problems) == len(expected), problems
    for key in expected:
        (line,) = [p for p in problems if key in p]
        assert line.startswith(f"{path}: ") and "\n" not in line
    assert str(err.value) == "\n".join(problems)


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="no such settings file"):
        settings.load(tmp_path / "nope.toml")


@pytest.mark.parametrize("number", ["+44 (20) 7946-0018", "555 0199 ext. 12", "555 0199 x12",
                                    "1-800-FLOWERS", "(555) 0199", "555.0199"])
def test_phone_numbers_as_people_write_them(tmp_path: Path, number: str) -> None:
    """International numbers, extensions and keypad letters (spelled out by `phone`)."""
    s = settings.load(_write(tmp_path, f'[locksmith]\nphone = "{number}"\n'))
    assert s.locksmith.phone == number


def test_voice_and_listen_tables(tmp_path: Path) -> None:
    s = settings.load(_write(tmp_path, """
[voice]
name = "en-gb"
rate = 150
volume = 0.8
[listen]
device = 2
trailing_silence = 0.6
reprompt_after = 10
"""))
    assert (s.voice.name, s.voice.rate, s.voice.volume) == ("en-gb", 150, 0.8)
    assert s.voice.engine == "pyttsx3"  # default kept
    assert s.listen.device == "2" and s.listen.reprompt_after == 10.0
    assert s.listen.end_after == 8.0  # default kept


def test_lockout_config_naming_a_missing_file_is_an_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCKOUT_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(SettingsError, match=r"no such settings file \(named by \$LOCKOUT_CONFIG\)"):
        settings.load()


def test_an_empty_lockout_config_counts_as_unset(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCKOUT_CONFIG", "")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert settings.load().emergency_number == "911"


@pytest.mark.parametrize("kind", ["fifo", "dir", "loop", "/dev/zero", "/dev/urandom", "big"])
def test_special_and_huge_files_are_refused_before_reading(tmp_path: Path, kind: str) -> None:
    import os

    path = tmp_path / "s.toml"
    if kind == "fifo":
        os.mkfifo(path)  # opening it for reading would wait for a writer
    elif kind == "dir":
        path.mkdir()
    elif kind == "loop":
        path.symlink_to(path)
    elif kind == "big":
        path.write_text("# " + "x" * settings.MAX_BYTES + "\n")
    else:
        path = Path(kind)
    with pytest.raises(SettingsError) as err:
        settings.load(path)
    assert str(err.value).startswith(str(path)) and "\n" not in str(err.value)


def test_deep_nesting_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="nested too deeply"):
        settings.load(_write(tmp_path, "a=" + "[" * 50_000))


def test_long_values_are_cut_in_messages(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as err:
        settings.load(_write(tmp_path, f'[landlord]\nphone = "{"1" * 50_000}"\n'))
    assert len(str(err.value)) < 400 and "is not a phone number" in str(err.value)


def test_voice_defaults_are_the_tuned_default_voice(tmp_path: Path) -> None:
    s = settings.load(_write(tmp_path, "[voice]\nengine = 'piper'\nvolume = 0.5\n"))
    assert (s.voice.engine, s.voice.name, s.voice.rate, s.voice.volume) == ("piper", "", 0, 0.5)
    assert settings.Settings().voice.engine == "pyttsx3"


def test_what_the_code_runs_with_has_the_settings_defaults() -> None:
    """The defaults are declared once, in settings.py: with no file and no options, the loop
    and the voice run with exactly what the settings' tables say."""
    from voice_assistant.loop import LoopSettings
    from voice_assistant.tts import VoiceSettings

    defaults = settings.Settings()
    assert LoopSettings.configured(defaults.listen) == LoopSettings()
    assert VoiceSettings.configured(defaults.voice) == VoiceSettings()


def test_the_command_line_overrides_the_listen_table(tmp_path: Path) -> None:
    from voice_assistant.cli import listen_settings
    from voice_assistant.commands import Commands
    from voice_assistant.loop import LoopSettings

    cfg = settings.load(_write(tmp_path, "[listen]\ndevice = 'USB'\ntrailing_silence = 0.8\n"
                                         "end_after = 20\n"))
    args = Commands().parse(["--end-after", "30", "listen", "--device", "2"])
    listen = listen_settings(args, cfg.listen)
    assert listen == settings.Listen(device="2", trailing_silence=0.8, reprompt_after=8.0,
                                     end_after=30.0)
    loop = LoopSettings.configured(listen)
    assert (loop.vad.trailing_silence, loop.reprompt_after, loop.end_after) == (0.8, 8.0, 30.0)
    none = Commands().parse([])
    assert listen_settings(none, cfg.listen) == cfg.listen
