from voice_assistant.oneline import one_line, shorten


def test_short_text_is_kept() -> None:
    assert shorten("abc") == "abc"
    assert one_line("a  b\nc") == "a b c"


def test_long_values_are_cut_in_the_middle_and_counted() -> None:
    text = shorten("a" * 50 + "b" * 100_000 + "c" * 50)
    assert text.startswith("a" * 50) and text.endswith("c" * 50 + " (100100 characters)")
    assert len(text) < 150


def test_a_message_with_a_huge_word_stays_readable() -> None:
    msg = one_line("bad value: " + "x" * 100_000 + "\nsecond line")
    assert "\n" not in msg and len(msg) < 420
    assert msg.startswith("bad value: xxx") and "(100000 characters)" in msg
