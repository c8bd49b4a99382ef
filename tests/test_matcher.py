import csv
from collections import Counter

import pytest

from tests.conftest import DATA
from voice_assistant import data as data_mod
from voice_assistant.matcher import Matcher, MatcherSettings, correction
from voice_assistant.names import INTENTS


@pytest.fixture(scope="module")
def matcher(data: data_mod.Data) -> Matcher:
    return Matcher(data)


def _rows(name: str) -> list[tuple[str, str]]:
    with (DATA / name).open(encoding="utf-8") as fh:
        return [(r["intent"], r["utterance"]) for r in csv.DictReader(fh, delimiter="\t")]


def _acted(matcher: Matcher, text: str) -> str:
    m = matcher.match(text)
    return m.intent if m.acted else "none"


SETS = sorted(p.name for p in DATA.glob("*paraphrases.tsv"))


def test_there_are_heldout_sets() -> None:
    assert "heldout_paraphrases.tsv" in SETS


@pytest.mark.parametrize("name", SETS)
def test_heldout_paraphrase_accuracy(matcher: Matcher, name: str) -> None:
    """Paraphrases written separately from intents/ (different wording): >= 97 % right."""
    rows = _rows(name)
    assert len(rows) >= 120
    assert {i for i, _ in rows} == set(INTENTS), "the set must cover every intent"
    misses = [(want, text, _acted(matcher, text)) for want, text in rows]
    misses = [m for m in misses if m[0] != m[2]]
    for want, text, got in misses:
        print(f"MISS want {want:17s} got {got:17s} {text!r}")
    accuracy = 1 - len(misses) / len(rows)
    print(f"{name}: {accuracy:.1%} of {len(rows)}; confusions: "
          f"{Counter((w, g) for w, _, g in misses).most_common(5)}")
    assert accuracy >= 0.97


def test_i_dont_know_is_not_no(matcher: Matcher) -> None:
    assert matcher.match("I don't know").intent != "no"
    assert _acted(matcher, "i'm not sure") != "no"


def test_no_with_spare_key_news_carries_spare_key_evidence(matcher: Matcher) -> None:
    m = matcher.match("no, my neighbour has it")
    assert "spare_key" in [e.intent for e in m.ranked[:2]]


def test_emergency_wins_ties(matcher: Matcher) -> None:
    m = matcher.match("i need a locksmith, my baby is inside")
    assert (m.intent, m.decision) == ("emergency", "act")
    assert "emergency wins when plausible" in m.reasons


def test_emergency_does_not_fire_on_chance_similarity(matcher: Matcher) -> None:
    for text in ("i need a locksmith", "the dog walker has one of my keys", "what time is it"):
        assert matcher.match(text).intent != "emergency", text


def test_a_keyword_at_the_very_end_covers_only_its_own_words(matcher: Matcher) -> None:
    """A segment with longer alternatives ("no one picking up") matched by a shorter one
    ("not answering") at the end of the utterance must not claim words past the end, which
    made it outrank the emergency keyword that shares those words."""
    m = matcher.match("my mum is in there and she is not answering", "locksmith")
    assert m.intent == "emergency" and m.acted


def test_longer_keyword_owns_its_words(matcher: Matcher) -> None:
    m = matcher.match("my dog walker has a key")
    assert m.intent == "spare_key"


def test_confidence_is_explained(matcher: Matcher) -> None:
    m = matcher.match("can I smash the glass")
    assert m.intent == "force_entry" and m.acted
    assert any("smash" in r for r in m.reasons)
    assert 0 <= m.confidence <= 1


def test_near_miss_asks_for_confirmation(data: data_mod.Data) -> None:
    m = Matcher(data).match("lockbocks")
    assert (m.intent, m.decision) == ("lockbox", "confirm")


def test_nothing_is_none(matcher: Matcher) -> None:
    for text in ("", "   ", "!!!", "play some jazz music", "what's the weather tomorrow"):
        m = matcher.match(text)
        assert m.intent == "none" and m.decision == "none", text


def test_thresholds_are_settings(data: data_mod.Data) -> None:
    strict = Matcher(data, MatcherSettings(act_threshold=0.99, near_threshold=0.98))
    assert strict.match("lockbocks").decision == "none"
    assert Matcher(data, MatcherSettings(scorer="ratio")).match("lockbocks").intent == "lockbox"


# -- issue 10: what recognisers really write ---------------------------------------------------
@pytest.mark.parametrize(
    ("text", "step", "want"),
    [
        ("can you help me get into my place", "idle", "locked_out"),
        ("Tell me the joke.", "landlord", "none"),
        ("tell me a joke", "landlord", "none"),
        ("I need help using this", "idle", "help"),
        ("where should I hide the spare key", "prevention", "lockbox"),
        ("where should I hide a spare key", "prevention", "lockbox"),
        ("where should I hide a spare key", None, "lockbox"),
        ("it's raining and I'm stuck outside", "idle", "locked_out"),
        ("get a locks myth", "landlord", "locksmith"),
        ("i smel gaz", "landlord", "emergency"),
        # Whisper on the first held-out recordings (tests/data/heldout_speech)
        ("My elderly mom's in there and she's not answering.", "locksmith", "emergency"),
        ("I can smell burning from inside the flat.", "other_entry", "emergency"),
        ("Okay, we're finished here.", "safe_place", "stop"),
        ("Am i going to get it with a lock out fee.", "assess", "lease"),
        ("Can the leaching agents sort this out.", "locksmith", "none"),
        ("Can the letting agent sort this out?", "locksmith", "landlord"),
        # ... and on the second held-out recordings (tests/data/heldout_speech2)
        ("Can we start this whole thing over.", "locksmith", "start_over"),
        ("Is there any other way i could get in.", "assess", "other_entry"),
        ("Please just let me in. You were right there by the door.", "assess", "unlock"),
        ("My land lady has a master key i think.", "landlord", "landlord"),
        ("Afraid not. It went straight to voicemail.", "landlord", "no"),
        ("Never mind. My flatmate does let me in.", "locksmith", "got_in"),
    ],
)
def test_observed_recogniser_cases(matcher: Matcher, text: str, step: str | None,
                                   want: str) -> None:
    m = matcher.match(text, step)
    assert m.intent == want, (text, m.reasons)
    if want != "none":
        assert m.acted, (text, m.confidence, m.reasons)
    else:
        assert not m.acted


@pytest.mark.parametrize(("text", "not_this"), [
    ("Where's my spre key?", "unlock"), ("I think the rental is open", "emergency"),
    ("I got him.", "yes"),
])
def test_observed_false_matches_are_gone(matcher: Matcher, text: str, not_this: str) -> None:
    for step in (None, "idle", "landlord", "assess"):
        assert matcher.match(text, step).intent != not_this, (text, step)
    assert matcher.match("Where's my spre key?").intent == "spare_key"


def test_unlock_needs_a_code_a_hidden_key_or_an_opening(matcher: Matcher) -> None:
    for text in ("tell me the joke", "where is my spare key", "what is the score",
                 "tell me the news", "i need my coat", "whats the time"):
        assert matcher.match(text, "landlord").intent != "unlock", text
    for text in ("what's the lockbox code", "open the door for me", "where is the key hidden"):
        assert matcher.match(text, "landlord").intent == "unlock", text


def test_the_step_is_a_prior(matcher: Matcher) -> None:
    m = matcher.match("it's raining and I'm stuck outside", "idle")
    assert m.intent == "locked_out" and "step prior" in m.decided_by
    assert matcher.match("yeah", "landlord").confidence >= matcher.match("yeah").confidence


def test_match_says_which_evidence_decided(matcher: Matcher) -> None:
    assert matcher.match("call my landlord").decided_by.startswith(("keyword", "phrase"))
    assert matcher.match("get a locks myth").decided_by == "keyword by sound"
    assert matcher.match("i smell gas").decided_by == "emergency rule"
    assert matcher.match("play some music").intent == "none"


def test_ties_are_broken_by_the_declared_order(matcher: Matcher) -> None:
    ranked = matcher.match("it's raining and I'm stuck outside").ranked
    top = [e for e in ranked if e.score == ranked[0].score]
    order = [e.intent for e in top]
    assert order == sorted(order, key=lambda i: (i != "emergency", INTENTS.index(i)))


_SEED_SCRIPT = """
import csv, glob, json, sys
from voice_assistant import data
from voice_assistant.matcher import Matcher
m = Matcher(data.default())
out = []
for path in sorted(glob.glob(sys.argv[1] + '/*_paraphrases.tsv')):
    with open(path, encoding='utf-8') as fh:
        for row in csv.DictReader(fh, delimiter='\\t'):
            for step in (None, 'idle', 'landlord'):
                r = m.match(row['utterance'], step)
                out.append((r.intent, r.confidence))
r = m.match("it's raining and I'm stuck outside")
out.append((r.intent, r.confidence))
print(json.dumps(out))
"""


def test_same_words_same_answer_under_any_hash_seed() -> None:
    """Set and dict order differ between runs (PYTHONHASHSEED); the answers must not."""
    import json
    import os
    import subprocess
    import sys

    results = {}
    for seed in ("0", "1", "4", "123"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", _SEED_SCRIPT, str(DATA)], env=env,
                              capture_output=True, text=True, timeout=300, check=True)
        results[seed] = json.loads(done.stdout)
    first = results["0"]
    assert len(first) > 1000
    for seed, got in results.items():
        assert got == first, seed
    assert first[-1][0] == "locked_out"


# -- issue 10: false acts on out-of-domain talk ------------------------------------------------
def _lines(name: str) -> list[str]:
    text = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [x for x in text if x.strip() and not x.startswith("#")]


def _ood_sets(data: data_mod.Data) -> dict[str, list[str]]:
    none_rows = [u for n in SETS for i, u in _rows(n) if i == "none"]
    return {"chatter + none rows": [*data.chatter, *none_rows],
            "hallway_whisper.txt": _lines("hallway_whisper.txt"),
            "ood_fresh.txt": _lines("ood_fresh.txt")}


OOD_STEPS = ("idle", "assess", "landlord", "safe_place", "prevention")


def _acts(matcher: Matcher, texts: list[str], step: str) -> list[tuple[str, str]]:
    return [(m.intent, t) for t in texts if (m := matcher.match(t, step)).acted]


def test_unlock_never_acts_on_out_of_domain_talk(matcher: Matcher, data: data_mod.Data) -> None:
    """SPEC: unlock only for a door code, a key's hiding place or an opening. Every OOD set,
    the fresh one (never tuned on) included, in every step: not one unlock."""
    for name, texts in _ood_sets(data).items():
        for step in OOD_STEPS:
            wrong = [t for i, t in _acts(matcher, texts, step) if i == "unlock"]
            assert not wrong, (name, step, wrong)


@pytest.mark.parametrize(("name", "most"), [
    # measured (README "How it understands"): 0.18 %, 1.67 % (1 line: "I need help using
    # this.", which test_observed_recogniser_cases wants as help), 23.3-23.8 % (at first
    # contact 30.8-31.7 %)
    ("chatter + none rows", 0.005), ("hallway_whisper.txt", 0.02), ("ood_fresh.txt", 0.25),
])
def test_out_of_domain_act_rate(matcher: Matcher, data: data_mod.Data, name: str,
                                most: float) -> None:
    texts = _ood_sets(data)[name]
    for step in OOD_STEPS:
        acts = _acts(matcher, texts, step)
        print(f"{name} at {step}: {len(acts)}/{len(texts)} {Counter(i for i, _ in acts)}")
        assert len(acts) / len(texts) <= most, (step, acts)


def test_no_emergency_alarm_on_the_tuned_out_of_domain_talk(matcher: Matcher,
                                                            data: data_mod.Data) -> None:
    """News of a fire, a baby that slept, smoke from a barbecue: at most a question."""
    sets = _ood_sets(data)
    for step in OOD_STEPS:
        for name in ("chatter + none rows", "hallway_whisper.txt"):
            wrong = [t for i, t in _acts(matcher, sets[name], step) if i == "emergency"]
            assert not wrong, (name, step, wrong)


def test_recall_on_fresh_emergency_and_unlock_requests(matcher: Matcher) -> None:
    """tests/data/danger_fresh.tsv, written before tuning and never tuned on: the false-act
    fixes must not silence real requests (measured 64/68 = 94.1 %; first contact 91.2 %)."""
    rows = _rows("danger_fresh.tsv")
    assert len(rows) >= 60
    for step in (None, "idle", "assess", "landlord"):
        right = sum(_acted(matcher, u) == i if step is None else
                    (m := matcher.match(u, step)).acted and m.intent == i for i, u in rows)
        assert right / len(rows) >= 0.9, (step, right)


@pytest.mark.parametrize("text", [
    "my baby is inside", "i smell smoke", "there's a fire in my flat",
    "my dog is locked in and it's hot", "Fire!", "gas", "there's smoke",
    "I think there's a fire in my kitchen.", "My little boy is in there on his own.",
])
def test_a_real_emergency_is_caught_in_every_step(matcher: Matcher, text: str) -> None:
    for step in (*OOD_STEPS, "locksmith", "emergency", None):
        m = matcher.match(text, step)
        assert (m.intent, m.decision) == ("emergency", "act"), (text, step, m.reasons)


@pytest.mark.parametrize("text", [
    "Did you hear about the fire on Elm Street? It was on the news.",
    "The baby finally slept through the night.",
    "I smell like smoke after that barbecue.",
])
def test_an_emergency_in_doubt_is_asked_about_not_ignored(matcher: Matcher, text: str) -> None:
    """Talk about a fire or a baby is not acted on; in a session it is asked about."""
    m = matcher.match(text, "landlord")
    assert (m.intent, m.decision) == ("emergency", "confirm"), m.reasons
    assert "emergency in doubt" in " ".join(m.reasons) or m.evidence.doubted


def test_a_doubted_topic_still_acts_beside_a_clear_request(matcher: Matcher) -> None:
    m = matcher.match("I'm locked out, and did you see the fire on the news", "idle")
    assert (m.intent, m.decision) == ("locked_out", "act")


@pytest.mark.parametrize(("text", "step", "not_this"), [
    ("lock it", "assess", "locksmith"), ("Lock it.", "assess", "locksmith"),
    ("how much does this shirt cost", "locksmith", "locksmith"),
    ("What's the password for the Wi-Fi?", "landlord", "unlock"),
    ("The code review took all afternoon.", "landlord", "unlock"),
    ("hey siri", "landlord", "yes"), ("fair enough", "prevention", "stop"),
    ("The dog next door barks all night.", "prevention", "next"),
    ("I need to charge my laptop.", "landlord", "lease"),
    ("My landlord raised the rent again, can you believe it?", "landlord", "landlord"),
])
def test_talk_about_a_topic_does_not_act_on_it(matcher: Matcher, text: str, step: str,
                                               not_this: str) -> None:
    m = matcher.match(text, step)
    assert not (m.acted and m.intent == not_this), (text, m.intent, m.reasons)


def test_keyword_patterns_anchor_at_the_end(data: data_mod.Data) -> None:
    from voice_assistant.data import _keyword
    from voice_assistant.matcher import keyword_span

    kw = _keyword(DATA, "k", "(code|password)$", 1.0)
    assert kw.anchored_end
    assert keyword_span("what is the code".split(), kw) == frozenset({3})
    assert keyword_span("what is the password for the wifi".split(), kw) is None
    assert "code" in " ".join(data.vocabulary()) and "$" not in " ".join(data.vocabulary())


def test_a_known_word_in_another_form_is_not_respelled(matcher: Matcher) -> None:
    """'pains' is 'pain' (chest pain), not 'pins' (bobby pins): a stem the domain knows is
    left as written, so the emergency keyword is found."""
    m = matcher.match("I'm having chest pains", "idle")
    assert (m.intent, m.decision) == ("emergency", "act"), m.reasons


def test_a_word_of_everyday_talk_is_not_respelled(matcher: Matcher) -> None:
    """'lift' is a word of the chatter patterns (the lift is broken), so it is known and not
    respelled by sound into a domain word ('left', as in left the stove on)."""
    m = matcher.match("the lift is out of order again", "landlord")
    assert m.intent == "none", m.reasons


# -- learned from the third held-out recordings (tests/data/heldout_speech3), by concept -------
THIRD_LIST = [
    # outside without a key
    ("i've got no keys and i'm stuck out here", "safe_place", "locked_out"),
    ("we are not able to get inside, the door shut", "idle", "locked_out"),
    ("i'm standing outside my flat like an idiot", "idle", "locked_out"),
    # a leading no (or a recogniser's "know") with the reason
    ("nah she's away till sunday", "spare_key", "no"),
    ("Know their office is closed.", "landlord", "no"),
    ("he's on holiday", "landlord", "no"),
    ("i'll pass", "locksmith", "no"),
    # agreeing to try what was suggested
    ("i'll give that a go", "safe_place", "yes"),
    # what the assistant is for and how to talk to it
    ("what is this thing for", "idle", "help"),
    ("tell me what you can do", "safe_place", "help"),
    ("how do i answer, yes or no", "prevention", "help"),
    ("i've never used this before", "other_entry", "help"),
    # back, next, stop
    ("rewind please", "locksmith", "back"),
    ("go back to the previous question", "landlord", "back"),
    ("pass", "landlord", "next"),
    ("what happens after this", "prevention", "next"),
    ("ok thanks bye", "landlord", "stop"),
    ("Thanks by now.", "safe_place", "stop"),
    ("that will do", "safe_place", "stop"),
    # back inside thanks to someone
    ("my neighbour came round and i'm back inside", "locksmith", "got_in"),
    ("panic over", "locksmith", "got_in"),
    # drilling the lock out is forcing it; burglars are talk about security
    ("could i just drill out the lock", "locksmith", "force_entry"),
    ("can burglars break into a key safe", "prevention", "lockbox"),
    # the lease on charges
    ("are they allowed to charge me for this", "prevention", "lease"),
    # a box with a code on the wall
    ("should i put a combination box by the gate", "prevention", "lockbox"),
    ("what about fitting a key safe", "prevention", "lockbox"),
    ("does my household contents policy cover this", "prevention", "renters_insurance"),
    # a code by another name
    ("what digits do i type in at the front", "other_entry", "unlock"),
    ("you're right next to it, just release the lock", "assess", "unlock"),
    # a threat to the person is an emergency
    ("a man is following me and won't leave", "landlord", "emergency"),
    # talk to someone else, a call, plans
    ("sorry not you, i'm on the phone to my mum", "locksmith", "none"),
    ("yeah i'm on my way, running a bit late", "landlord", "none"),
]


# -- learned from the fourth held-out recordings (tests/data/heldout_speech4), by concept ------
FOURTH_LIST = [
    # an answer that says the step's topic again is still the answer
    ("yes, the side window was open", "other_entry", "yes"),
    ("no, the back door is locked as well", "other_entry", "no"),
    ("no, the landlord's phone is off", "landlord", "no"),
    ("uh huh, yeah", "safe_place", "yes"),
    ("that would be really useful", "locksmith", "yes"),
    # what to say, how it works
    ("are there words i am supposed to say", "landlord", "help"),
    ("what sort of answer do you want", "landlord", "help"),
    ("explain how you work", "end", "help"),
    # repeat, back, next, start over, stop
    ("go over that again for me", "other_entry", "repeat"),
    ("take me back to the previous question", "locksmith", "back"),
    ("ok we can carry on", "emergency", "next"),
    ("let's go through everything again", "locksmith", "start_over"),
    ("can we do it all from the first question", "prevention", "start_over"),
    ("ok that's enough", "spare_key", "stop"),
    ("that's all from me", "safe_place", "stop"),
    # inside and home
    ("i'm in through the back door now", "spare_key", "got_in"),
    ("safely home now", "safe_place", "got_in"),
    # emergencies said plainly
    ("my nan's inside and she won't answer", "idle", "emergency"),
    ("i heard a crash inside", "landlord", "emergency"),
    ("oh no i left the hob on under a pan", "assess", "emergency"),
    ("a guy over there has a knife", "locksmith", "emergency"),
    # spare keys with a reason
    ("my brother has got one of my keys but he's at work", "assess", "spare_key"),
    # forcing: something through the glass
    ("could i throw a rock through the window and climb in", "safe_place", "force_entry"),
    # who runs the building, where to sit, what the lease says
    ("i'll ring the company that manages the flats", "assess", "landlord"),
    ("is there an out of hours line for the office", "other_entry", "landlord"),
    ("is there anywhere open all night near here", "locksmith", "safe_place"),
    ("what does my tenancy say about lost keys", "spare_key", "lease"),
    # tips
    ("what can i do to make sure this never happens", "safe_place", "prevention"),
    ("how do i never end up locked outside again", "safe_place", "prevention"),
    ("could i install a keypad lock", "spare_key", "smart_lock"),
    ("would tenant cover pay for this", "safe_place", "renters_insurance"),
    ("what's the code for the key safe", "landlord", "unlock"),
    ("can you release the door remotely", "safe_place", "unlock"),
    ("the french doors don't latch properly", "spare_key", "other_entry"),
    # someone else addressed, the car, a delivery
    ("yes mum, i've eaten", "safe_place", "none"),
    ("dad, where are the car keys", "idle", "none"),
    ("leave it outside the door please", "idle", "none"),
]


def test_a_new_request_still_beats_the_answer(matcher: Matcher) -> None:
    """The answer rule takes only the step's own topic: an emergency or another request wins."""
    assert matcher.match("no, and i can smell gas", "other_entry").intent == "emergency"
    assert matcher.match("no, but my neighbour has a spare key", "other_entry").intent != "no"


def test_a_leading_no_answers_the_question_about_its_topic(matcher: Matcher) -> None:
    """The first step asks whether someone has a spare key, the locksmith step whether to hear
    about a safe place (`asks_about` in guide.yaml): a leading "no" with the topic said again
    answers the question; with a contrast the topic is the news. Held-out sessions, list 10:
    "No, I'm afraid nobody has a spare." went to the spare-key step in four of 16 sessions."""
    for text in ("nah, none of my mates have got a spare", "no, there's nobody with a spare key",
                 "nope, no one round here has a spare"):
        assert matcher.match(text, "assess").intent == "no", text
    assert matcher.match("no, but the lady upstairs has a spare", "assess").intent == "spare_key"
    assert matcher.match("no thanks, i know where to wait safely", "locksmith").intent == "no"
    assert matcher.match("yes, my brother has a spare key", "assess").intent in (
        "yes", "spare_key")  # both lead to the spare-key step


def test_an_unless_explains_away_only_the_keyword_it_covers(matcher: Matcher) -> None:
    """'next door' is not 'next', but a strong keyword elsewhere still counts ("... it was the
    flat next door. carry on, continue"); an `unless` over no keyword (talk around the topic)
    still doubts the intent, and so does one beside only weak keywords."""
    m = matcher.match("the fire brigade came, it was the flat next door. please continue",
                      "emergency")
    assert (m.intent, m.decision) == ("next", "act")
    assert matcher.match("my friend next door", "prevention").intent != "next"
    assert matcher.match("i'm so tired i could sleep for a month", "idle").decision != "act"


# -- learned from sealed set B (first contact 84.4 %), by concept: dialect words --------------
SEALED_B = [
    ("the bairns are in the hoose on their own", None, "emergency"),
    ("a didnae hear ye", "landlord", "repeat"),
    ("my pan's still burnin on the hob", None, "emergency"),
    ("it's freezin out here and i'm on my own", "safe_place", "safe_place"),
    ("how do i stop forgettin my keys", None, "prevention"),
    ("how does this thing work", "idle", "help"),
    ("that's me finished", "landlord", "stop"),
    ("we're in the flat now", "safe_place", "got_in"),
    ("could i kick the door in", "assess", "force_entry"),
    ("where should i hide a spare", "prevention", "lockbox"),
    ("where did i hide the spare", "assess", "unlock"),
    ("can it open with your phone", "prevention", "smart_lock"),
    ("disengage the deadbolt", "assess", "unlock"),
    ("i locked myself outside", "idle", "locked_out"),
    ("the two factor code never arrives", "idle", "none"),
    ("that's well dodgy, the price of bread", "idle", "none"),
]


# -- learned from sealed set C (first contact 88.7 %), by concept -------------------------------
SEALED_C = [
    ("yep, that's the one", "landlord", "yes"),
    ("not really, sorry", "landlord", "no"),
    ("which phrases do you recognise", "idle", "help"),
    ("can i just speak normally", "assess", "help"),
    ("say again please", "landlord", "repeat"),
    ("i want to fix my previous answer", "locksmith", "back"),
    ("ok proceed", "emergency", "next"),
    ("let's start afresh", "locksmith", "start_over"),
    ("oh leave it", "spare_key", "stop"),
    ("the pikin dey inside alone", None, "emergency"),
    ("could i slide a credit card past the latch", "assess", "force_entry"),
    ("should i snap the cylinder", "assess", "force_entry"),
    ("could the caretaker let me in", "assess", "landlord"),
    ("i keep losing my keys", "prevention", "prevention"),
    ("what precautions are there", "safe_place", "prevention"),
    ("a key box for my spare", "prevention", "lockbox"),
    ("a lock i can open from my mobile", "prevention", "smart_lock"),
    ("remind me of the gate code", "landlord", "unlock"),
    ("could you buzz me in", "assess", "unlock"),
    ("my brother's a locksmith, he lives in spain", None, "none"),
    ("i'll call you back after dinner", "landlord", "none"),
    ("is a locksmith dearer at night", None, "locksmith"),
]


# -- learned from the fifth held-out recordings (tests/data/heldout_speech5), by concept -------
FIFTH_LIST = [
    ("somehow i got myself out of my apartment without the key", "idle", "locked_out"),
    ("no, don't worry about it", "locksmith", "no"),
    ("no, his mobile's turned off", "spare_key", "no"),
    ("it's not over yet", "emergency", "no"),
    ("my mum's inside, she has alzheimers", "idle", "emergency"),
    ("i got stung by a wasp and i'm allergic", "locksmith", "emergency"),
    ("water is spraying everywhere in there", "other_entry", "emergency"),
    ("a stranger has been following me", "landlord", "emergency"),
    ("how do i use you", "idle", "help"),
    ("what was that number again", "prevention", "repeat"),
    ("one back please", "landlord", "back"),
    ("let's carry on where we stopped", "emergency", "next"),
    ("scrap that and do it all from the beginning", "landlord", "start_over"),
    ("you can turn off now", "safe_place", "stop"),
    ("it wasn't even locked, i'm in", "assess", "got_in"),
    ("the nanny has a key", "assess", "spare_key"),
    ("let's look at the window in the spare room", "landlord", "other_entry"),
    ("could i unscrew the handle", "other_entry", "force_entry"),
    ("how do i get out of the habit", "safe_place", "prevention"),
    ("one of those safes with a dial", "prevention", "lockbox"),
    ("i'd like keyless entry installed", "prevention", "smart_lock"),
    ("does it cover my belongings", "prevention", "renters_insurance"),
    ("open the front door", "idle", "unlock"),
    ("i'll ring the letting agency", "assess", "landlord"),
    ("it's pitch black out here", "landlord", "safe_place"),
]


# -- learned from sealed set D (first contact 90.1 %) and list 6 (typed 96.2 %), by concept;
# -- each case is a new wording of the concept, not the line that taught it ------------------
SEALED_D = [
    ("my grandad has got a key to our place", "assess", "spare_key"),
    ("my aunt is minding a spare for me", "assess", "spare_key"),
    ("maybe through the skylight", "assess", "other_entry"),
    ("the kitchen window might be unlocked", "assess", "other_entry"),
    ("i could have left the patio door open", "assess", "other_entry"),
    ("my three year old is in there on his own", "idle", "emergency"),
    ("there's water trickling out from under the door", "idle", "emergency"),
    ("could i bump the lock", "assess", "force_entry"),
    ("i'll smash the pane and reach in to the latch", "assess", "force_entry"),
    ("could you open it up for me", "assess", "unlock"),
    ("what's the keypad number", "assess", "unlock"),
    ("fifth time this year, how do i stop it happening", "assess", "prevention"),
    ("i'm so forgetful, any tips", "assess", "prevention"),
    ("i never want to go through that again", "assess", "prevention"),
    ("i'll have another set cut for my brother", "assess", "duplicate_keys"),
    ("should i get a yale lock", "assess", "smart_lock"),
    ("does renters in surance pay for this", "assess", "renters_insurance"),
    ("what is this thing able to do", "assess", "help"),
    ("onwards", "prevention", "next"),
    ("and after that", "prevention", "next"),
    ("that's a yes", "landlord", "yes"),
    ("that is a no", "landlord", "no"),
    ("the landlord's coming to look at the heating", "landlord", "none"),
    ("don't forget it this time", "landlord", "none"),
    ("ah sure look, it'll be grand", "landlord", "none"),
    ("ring a lock guy", "assess", "locksmith"),
]
SIXTH_LIST = [
    ("my mum was holding onto a key for me", "assess", "spare_key"),
    ("how do i never end up in this mess again", "other_entry", "prevention"),
    ("my grandad's in there and he's had a funny turn", "landlord", "emergency"),
    ("the frying pan is still on", "assess", "emergency"),
    ("i've locked the keys inside of the flat", "idle", "locked_out"),
    ("try the side gate, it might be open", "assess", "other_entry"),
    ("what about phone controlled locks", "prevention", "smart_lock"),
]


# -- learned from sealed set E (first contact 92.0 %), by concept; new wordings ----------------
SEALED_E = [
    ("the latch snapped shut and now i'm locked out on the landing", "idle", "locked_out"),
    ("Know.", "landlord", "no"),
    ("my pickney dey inside alone", "idle", "emergency"),
    ("can you release the latch from there", "assess", "unlock"),
    ("pop the door remotely", "assess", "unlock"),
    ("assistant, unlock front door", "assess", "unlock"),
    ("come on, open it would you", "assess", "unlock"),
    ("turn the alarm off so i can get inside", "assess", "unlock"),
    ("remind me where we stashed the spare", "assess", "unlock"),
    ("tell me where my keys are", "assess", "unlock"),
    ("un lock the front door", "assess", "unlock"),
    ("unlock my computer for me", "assess", "none"),
    ("my brother has got an extra key", "assess", "spare_key"),
    ("what do i tell the locksmith when he arrives", "assess", "locksmith"),
    ("is anything still open late around here", "assess", "safe_place"),
    ("i keep locking myself out, how do i stop that", "assess", "prevention"),
    ("what can i do so this never happens again", "assess", "prevention"),
    ("where's a clever place to hide a spare", "assess", "lockbox"),
    ("could i open the door with an app", "assess", "smart_lock"),
    ("i'll talk to my landlady about a keypad lock", "assess", "smart_lock"),
    ("would we be covered for the locksmith", "assess", "renters_insurance"),
    ("ok you can go now", "landlord", "stop"),
    ("get me a lockie", "assess", "locksmith"),
    ("call the lock man", "assess", "locksmith"),
    ("can i dupe a key for my flatmate", "assess", "duplicate_keys"),
    ("stopp", "landlord", "stop"),
    ("moov on", "prevention", "next"),
    ("could i brake the glass in the door", "assess", "force_entry"),
]

# -- learned from held-out list 7 (typed 91.5 %, its recordings 80.5 % at first contact), by
# -- concept, from the typed turns and from what the recogniser wrote; new wordings ----------
SEVENTH_LIST = [
    ("i never lock the side door", "assess", "other_entry"),
    ("the balcony is reachable from next door's", "assess", "other_entry"),
    ("i've gone and shut meself out again", "idle", "locked_out"),
    ("the keys are still inside on the counter", "idle", "locked_out"),
    ("i'm stranded out here with no keys", "idle", "locked_out"),
    ("i left my keys in the kitchen", "idle", "locked_out"),
    ("i'm locked outta my flat", "idle", "locked_out"),
    ("the dishwasher's leaking all over the floor", "idle", "emergency"),
    ("my mum has alzheimers and she's alone inside", "idle", "emergency"),
    ("which drawer did my landlord put the key in", "assess", "unlock"),
    ("which rock did we hide the spare under", "assess", "unlock"),
    ("assistant, buzz me in", "idle", "unlock"),
    ("make sure the cat stays in when you open the door", "idle", "none"),
    ("go back to the previous question", "landlord", "back"),
    ("can we back up a bit", "landlord", "back"),
    ("would a smart lock stop this happening", "assess", "smart_lock"),
    ("i'll get my landlady to install a keypad lock", "assess", "smart_lock"),
    ("could a fingerprint lock help me", "assess", "smart_lock"),
    ("should i fit a smart dead bolt", "assess", "smart_lock"),
    ("yes, on you go", "other_entry", "yes"),
    ("kindly end it", "assess", "stop"),
    ("and after this one", "landlord", "next"),
    ("what is this box", "idle", "help"),
]

# -- learned from sealed set F (first contact 89.9 %), by concept; new wordings -------------
SEALED_F = [
    ("will they charge me for being let in", "landlord", "lease"),
    ("is there a charge if the caretaker comes to open up", "landlord", "lease"),
    ("i'm the tenant here, let me in", "assess", "unlock"),
    ("Unlock.", "assess", "unlock"),
    ("which numbers open the key box", "assess", "unlock"),
    ("what's the cold for the keypad", "assess", "unlock"),
    ("are my belongings insured if there's a break in", "prevention", "renters_insurance"),
    ("cannot leh", "assess", "no"),
    ("can lor", "assess", "yes"),
    ("yass", "landlord", "yes"),
    ("get another spare set cut", "prevention", "duplicate_keys"),
    ("where's the nearest key cutting kiosk", "assess", "duplicate_keys"),
    ("i'd like a duplicate made", "assess", "duplicate_keys"),
    ("am i allowed to copy the door key", "prevention", "duplicate_keys"),
    ("enough now", "landlord", "stop"),
    ("shush", "landlord", "stop"),
    ("how do i avoid being shut out again", "assess", "prevention"),
    ("those lockout companies cost a fortune", "assess", "locksmith"),
    ("my brother was locked out of his account for a week", "landlord", "none"),
    ("i think the lock snapped shut as i went to the car", "idle", "locked_out"),
    ("the key's in the flat and i'm outside", "idle", "locked_out"),
    ("i'm lock doubt again", "idle", "locked_out"),
    ("a small safe for my spare key", "prevention", "lockbox"),
    ("a combination box fixed to the fence", "prevention", "lockbox"),
    ("sorry i didn't catch that", "landlord", "repeat"),
    ("tell me all of it again", "landlord", "repeat"),
    ("it's freezing out here tonight", "assess", "safe_place"),
    ("we're back inside our flat", "assess", "got_in"),
    ("the super came and let us in", "landlord", "got_in"),
    ("i'm at the front door, where are you", "assess", "none"),
    ("he lost his keys and found them in the car", "assess", "none"),
    ("the one that opens with your thumb", "prevention", "smart_lock"),
    ("my neighbor holds a key for us", "assess", "spare_key"),
    ("my sister is keeping the spare keys", "assess", "spare_key"),
    ("i've burnt my arm really badly", "idle", "emergency"),
    ("there's an evacuation drill at noon", "landlord", "none"),
    ("the kids have been smoking on the stairs again", "landlord", "none"),
    ("back to the previous one", "landlord", "back"),
    ("excuse me, can i get by", "landlord", "none"),
    ("we're waiting on the courier", "landlord", "none"),
    ("the elevator's out of order again", "landlord", "none"),
    ("the new caretaker seems a lovely bloke", "landlord", "none"),
    ("my old flat had a keypad lock", "landlord", "none"),
    ("the lease ends in june", "landlord", "none"),
    ("the fridge won't fit through the door", "landlord", "none"),
    ("yes ma'am", "landlord", "yes"),
]

# -- learned from held-out list 8 (typed 96.2 %, its recordings 84.4 % at first contact), by
# -- concept, from the typed turns and from what the recogniser wrote; new wordings ----------
EIGHTH_LIST = [
    ("Mm-hmm, I guess.", "assess", "yes"),
    ("he's just passed the keys over", "spare_key", "yes"),
    ("Know, it is all shut.", "landlord", "no"),
    ("i'm fine for now, thanks", "prevention", "no"),
    ("i am in the flat now", "safe_place", "got_in"),
    ("my flatmate led me in", "landlord", "got_in"),
    ("i'll have some extra keys cut", "prevention", "duplicate_keys"),
    ("i could get one made at the hardware store", "prevention", "duplicate_keys"),
    ("could we fit a code lock on the door", "prevention", "smart_lock"),
    ("does anything cover my things if we get burgled", "prevention", "renters_insurance"),
    ("what if a burglar breaks in, would that be covered", "prevention", "renters_insurance"),
    ("could i saw the lock off", "assess", "force_entry"),
    ("i gave a spare to my cleaner", "assess", "spare_key"),
    ("my gran has the spare one", "assess", "spare_key"),
    ("a lock guy who does not overcharge", "assess", "locksmith"),
    ("is there a lockout fee under my lease", "assess", "lease"),
    ("a box on the wall with a key in it", "prevention", "lockbox"),
    ("could i climb in through the window", "assess", "other_entry"),
    ("please stop it", "landlord", "stop"),
    ("my aunt is in there on her own and won't answer", "assess", "emergency"),
    ("the pipe has burst in my kitchen", "idle", "emergency"),
    ("my keys are lying on the hall table and the door's shut", "idle", "locked_out"),
    ("our landlord used to live upstairs", "landlord", "none"),
    ("the dentist moved to friday", "landlord", "none"),
]

# -- learned from sealed set G (first contact 87.0 %) and held-out list 9 (typed 97.7 %, its
# -- recordings 91.3 % at first contact), by concept; new wordings ----------------------------
SEALED_G = [
    ("okay okay stop", "landlord", "stop"),
    ("you can stop talking now", "landlord", "stop"),
    ("that'll be all, thanks", "landlord", "stop"),
    ("khalas", "landlord", "stop"),
    ("i'm waiting at the bus stop", "landlord", "none"),
    ("stop pulling her hair", "landlord", "none"),
    ("my little one's in there by herself", "idle", "emergency"),
    ("the sink is overflowing", "idle", "emergency"),
    ("the puppy next door is barking all night", "landlord", "none"),
    ("the baby's finally fallen asleep", "landlord", "none"),
    ("open my door", "assess", "unlock"),
    ("where is the spare hidden", "assess", "unlock"),
    ("you know the code, tell me", "assess", "unlock"),
    ("can you do a remote unlock", "assess", "unlock"),
    ("a lock with a keypad", "prevention", "smart_lock"),
    ("guest codes for visitors", "prevention", "smart_lock"),
    ("and we're inside now", "assess", "got_in"),
    ("the code worked", "assess", "got_in"),
    ("what am i supposed to say", "assess", "help"),
    ("a metal box for the spare", "prevention", "lockbox"),
    ("a guy who opens locks", "assess", "locksmith"),
    ("yeah nah", "landlord", "no"),
    ("yeah nah, the meeting got moved to friday", "idle", "none"),
    ("can i cut a key myself", "prevention", "duplicate_keys"),
    ("insurance against break ins", "prevention", "renters_insurance"),
    ("what was that again", "landlord", "repeat"),
    ("it's teeming down out here", "assess", "safe_place"),
    ("sorry, i'm afraid not", "landlord", "no"),
    ("my bff has a key", "assess", "spare_key"),
    ("let's start afresh", "landlord", "start_over"),
    ("we start again next week at the gym", "landlord", "none"),
    ("for sho", "landlord", "yes"),
    ("his car keys are on the table", "assess", "none"),
    ("my cousin got locked out last month", "landlord", "none"),
    ("the landlord's dog barks at everyone", "landlord", "none"),
    ("the locksmith on the corner went out of business", "landlord", "none"),
    ("i need to renew my travel insurance", "landlord", "none"),
    ("don't forget your phone", "landlord", "none"),
    ("i'll be there in five", "landlord", "none"),
    ("come on, buzz us in", "locksmith", "unlock"),
    ("the door is locked and the keys are inside", "idle", "locked_out"),
    ("we could not get in", "idle", "locked_out"),
    ("everything is flooded, water every where", "idle", "emergency"),
]

# -- learned from held-out list 10 (first contact 87.9 % of its recordings) and the held-out
#    sessions (first contact 19/48 through `listen`), by concept, with new wordings -----------
TENTH_LIST = [
    ("oh forget it, my housemate has just unlocked the door", "landlord", "got_in"),
    ("my boyfriend opened it", "safe_place", "got_in"),
    ("could a locksmith open it up without damaging the lock", "landlord", "locksmith"),
    ("right, i'll manage it on my own from here", "locksmith", "stop"),
    ("apparently you can pick it with a hair grip", "assess", "force_entry"),
    ("my neighbour says you can pick it with a bobby pin", "locksmith", "force_entry"),
    ("my cat's in there and something is wrong with her", "landlord", "emergency"),
    ("nobody around here has got one", "assess", "no"),
    ("no one nearby has a key", "assess", "no"),
    ("false alarm, it was the neighbours next door. continue", "emergency", "next"),
]

# held-out sessions 11, learned by concept: a 'nah' heard as 'now'; the answer without its 'no'
# ('everything's locked', 'nothing's open'); 'I got through to her'; 'got it from him';
# 'one step backwards'; the fire crew or the fire being out is not a new emergency; 'blocked
# myself out'; where to hide a key is lockbox advice, not a request for a hidden key;
# Whisper's 'Skipper head.'
ELEVENTH_SESSIONS = [
    ("now i'm fine", "prevention", "no"),
    ("ugh whatever, no, nobody", "assess", "no"),
    ("nothing's unlocked", "other_entry", "no"),
    ("all the windows are shut", "other_entry", "no"),
    ("we finally got hold of the manager", "landlord", "yes"),
    ("i grabbed the spare from him", "spare_key", "yes"),
    ("can we go backwards", "locksmith", "back"),
    ("the firefighters got her out, carry on", "emergency", "next"),
    ("the fire's out now, let's continue", "emergency", "next"),
    ("the fire department is here but my dog is still inside", "other_entry", "emergency"),
    ("i've blocked myself out of the flat", None, "locked_out"),
    ("is hiding a key under the mat a good idea", "prevention", "lockbox"),
    ("skipper head", "other_entry", "next"),
]

#: Held-out list 11 and sessions 12 (blind writers), learned by concept, in new words.
ELEVENTH_LIST_TWELFTH_SESSIONS = [
    ("nah, the whole place is shut up tight", "other_entry", "no"),
    ("maybe the side door's open, no idea", "other_entry", "other_entry"),
    ("remind me the combination and the key safe", "prevention", "unlock"),
    ("could we try a lock and key company", "landlord", "locksmith"),
    ("will i get stung for a call out charge", "prevention", "lease"),
    ("smoke's pouring out under the door", "spare_key", "emergency"),
    ("my babies are napping there, i can't get to them", "assess", "emergency"),
    ("tenant insurance, is it worth it with my lease", "prevention", "renters_insurance"),
    ("climbed back in through the fire escape", "locksmith", "got_in"),
    ("move one move one", "other_entry", "next"),
    ("back to the square won", "assess", "start_over"),
    ("does the landing agent keep one", "spare_key", "landlord"),
    ("could i use a bobby bin on it", "locksmith", "force_entry"),
    ("lock the main door for me", "landlord", "unlock"),
    ("then lock it", "assess", "unlock"),
    ("yeah nah, the balcony's bolted", "other_entry", "no"),
    ("he's at work till five, so no luck", "spare_key", "no"),
    ("nah that would do, cheers", "prevention", "no"),
    ("slide my student card in the crack", "other_entry", "force_entry"),
    ("the ambulance is on its way, ok carry on", "emergency", "next"),
    ("i'll message you after the meeting, bye bye", "spare_key", "none"),
    ("yessir she does", "assess", "yes"),
    ("nobody, my dad's away", "assess", "no"),
    ("i never gave a spare out to anyone", "assess", "no"),
    ("the windows are locked too", "other_entry", "no"),
    ("you reckon so", "assess", "yes"),
    ("my keys stayed inside the flat", None, "locked_out"),
    ("blocked out again, second time this week", "idle", "locked_out"),
    ("i've gone and left myself out", "idle", "locked_out"),
    ("how do you yoke work", "idle", "help"),
    ("all my stuff's in the apartment and i'm stood outside", "idle", "locked_out"),
]

#: Held-out list 12 and sessions 13 (second-language, pidgin and dialect speakers), by concept.
TWELFTH_LIST_THIRTEENTH_SESSIONS = [
    ("they don't answer either, it's the weekend", "landlord", "no"),
    ("he no pick, just ringing", "spare_key", "no"),
    ("it's the voicemail again", "spare_key", "no"),
    ("front door also locked already, windows also closed", "other_entry", "no"),
    ("i know no one around here, just moved in", "assess", "no"),
    ("ugh, and no, nobody has a key", "assess", "no"),
    ("mrs jones upstairs, she's always had one", "assess", "yes"),
    ("he handed me the spare at the door", "spare_key", "yes"),
    ("she's bringing it over now", "spare_key", "yes"),
    ("already reached him, he says he's coming with the key", "landlord", "yes"),
    ("i'll stop there, that's enough for today", "safe_place", "stop"),
    ("what about those locks with the numbers", "prevention", "smart_lock"),
    ("i don't think so, i'm new here", "assess", "no"),
    ("i've come over all funny", "other_entry", "emergency"),
    ("my heart pills are in there", "other_entry", "emergency"),
    ("shh baby, shh, i've locked us out", "idle", "locked_out"),
    ("do you know the code for the key box? just tell me the code", "locksmith", "unlock"),
    ("no, that's it", "prevention", "no"),
    ("ok i'm in, my flatmate came back on his break", "landlord", "got_in"),
    ("bose me in please", "safe_place", "unlock"),
    ("didn't i leave a spare with my aunt", "assess", "spare_key"),
    ("i've only got my pyjamas on", "assess", "safe_place"),
    ("alright, moving on", "spare_key", "next"),
    ("who pays for the locksmith", "prevention", "lease"),
    ("sorry what, the dog was barking", "assess", "repeat"),
    ("i didn't lock myself out", "idle", "locked_out"),
    ("and nobody's got a spare key", "assess", "no"),
    ("back door also block already", "other_entry", "no"),
    ("that's voicemail again", "spare_key", "no"),
    ("can i push the latch open", "other_entry", "force_entry"),
]

#: Held-out list 13 and sessions 14 (Southern US, New York, AAVE, Scots, Irish, Indian English,
#: Australian and Jamaican speakers, a child, self-correctors), scored once with a57760f, then
#: learned by concept; each fails on a57760f. The wording is theirs or a close variant, as typed
#: or as Whisper wrote it.
THIRTEENTH_LIST_FOURTEENTH_SESSIONS = [
    ("what time does the game tip off", "other_entry", "none"),
    ("again please, i couldn't follow that", "locksmith", "repeat"),
    ("ok you can cut it out now", "other_entry", "stop"),
    ("i've had enough of this, honestly", "landlord", "stop"),
    ("tell me the following step", "safe_place", "next"),
    ("the landlord, or no actually, a locksmith", "locksmith", "locksmith"),
    ("yes, no sorry, no, she's away", "spare_key", "no"),
    ("the neighbour's after letting me in", "spare_key", "got_in"),
    ("i have entered the apartment", "spare_key", "got_in"),
    ("a keyless deadbolt so this never happens again", "prevention", "smart_lock"),
    ("how do i quit locking myself out", "prevention", "prevention"),
    ("could i bust the bathroom window in", "other_entry", "force_entry"),
    ("couldn't get the agent, he's no answering", "landlord", "no"),
    ("can you make the door open", "assess", "unlock"),
    ("she's popped round with it, lovely", "spare_key", "yes"),
    ("forget it, shut up", "assess", "stop"),
    ("it just rang out", "landlord", "no"),
    ("everything's bolted up tight, no way in", "other_entry", "no"),
    ("got him on the phone, he's coming", "landlord", "yes"),
    ("ain't nobody got no spare", "spare_key", "no"),
    ("squeezed through the window, i'm indoors now", "other_entry", "got_in"),
    ("you went too fast", "spare_key", "repeat"),
    ("mi dog inna di house an she cyaan breathe", "prevention", "emergency"),
    ("Lord have mercy, I left the skillet goin' on the stove", "assess", "emergency"),
    ("Bredda, just tell mi weh di spare key hide nuh", "landlord", "unlock"),
    ("let us begin the whole thing fresh from first step only", "spare_key", "start_over"),
    ("how dis ting work? wha mi fi seh?", "landlord", "help"),
    ("cutting a second key. Worth it?", "prevention", "duplicate_keys"),
    ("No no, nobody is having duplicate key.", "spare_key", "no"),
    ("It didn't know. Sorry, it didn't. The chains on.", "other_entry", "no"),
    ("Eight fire department came through. We good. Keep it moving.", "emergency", "next"),
    ("I've gone and locked my salute the flat.", "idle", "locked_out"),
    ("Now i am sound. Cheers.", "locksmith", "no"),
    ("And my rent agreement. Is there any penalty for this lock out.", "other_entry", "lease"),
    ("Your bloody oath.", "prevention", "yes"),
    ("I'm lost. Start the hell thing again. They scratch.", "safe_place", "start_over"),
    ("It's pure Baltic and pit black. Where i'm at, t-weight.", "assess", "safe_place"),
    ("Reach her. No, i mean i didn't. It just ran out.", "landlord", "no"),
    ("Get a matter of fact. Some body does.", "assess", "yes"),
    ("I think someone in the building does.", "assess", "yes"),
    ("Couldn't he get the factor. He's no answering.", "landlord", "no"),
    ("Well done with raiding not. There isn't anyone I could ask sadly.", "assess", "no"),
    ("Well shoot. I unlocked myself out. He's sitting right on the counter.", "idle",
     "locked_out"),
    # not failing on a57760f: this round had made it a "did you mean" (a new help phrasing)
    ("Um, hello? Can you help me? I don't know what to do.", "idle", "help"),
]

#: Held-out list 14 and sessions 15 (twenty-third and twenty-fourth blind writers: speakers of
#: Spanish, Polish, Mandarin, Arabic, Nigerian English, French, German, Russian, Vietnamese; the
#: elderly, a teenager, a formal British speaker, hints, fillers), scored once with 63207cc, then
#: learned by concept; each fails on 63207cc. As typed or as Whisper wrote it.
FOURTEENTH_LIST_FIFTEENTH_SESSIONS = [
    ("Excuse me, I forget my key in my room, now I cannot go inside.", "idle", "locked_out"),
    ("Good evening. I am terribly sorry to trouble you. But i appear to have shit myself out.",
     "idle", "locked_out"),
    ("Well, this is embarrassing. The door just clicked up behind me and yeah.", "idle",
     "locked_out"),
    ("Okay, finish. I don't need more help.", "other_entry", "stop"),
    ("My neighbour has a key, but first, water is coming under my door, a lot.", "assess",
     "emergency"),
    ("Oh no no. I left a pen on this stove. It's still on.", "assess", "emergency"),
    ("The notice says they are testing the fire alarms tomorrow morning.", "other_entry", "none"),
    ("Ha, I nearly had a heart attack when the door slammed, but I'm fine.", "safe_place",
     "none"),
    ("My classmate keep one key for me, maybe I call her?", "safe_place", "spare_key"),
    ("Should I just phone one of those lock people? The man who comes out?", "assess",
     "locksmith"),
    ("Is it very expensive when the key service comes on a holiday?", "safe_place", "locksmith"),
    ("Can I buy small box with number lock to keep spare key?", "prevention", "lockbox"),
    ("What about the little locks with code. To hide a key outside.", "prevention", "lockbox"),
    ("Can I ask to put a lock with a number pad instead of key?", "landlord", "smart_lock"),
    ("Where did the owner hide the spare key? You must know.", "other_entry", "unlock"),
    ("Probably. I think so.", "assess", "yes"),
    ("Since i have reached him, he is coming in wonder.", "landlord", "yes"),
    ("Hello, thank you. I do not need this.", "locksmith", "no"),
    ("Look, this is a mess. Let's start my whole thing.", "safe_place", "start_over"),
    ("Again please, I did not understand", "spare_key", "repeat"),
    ("I don't have any spare key with anybody", "assess", "no"),
    ("My landlord is not picking my call at all", "landlord", "no"),
    ("Is not working, everything is closed", "other_entry", "no"),
    ("I tried again and now yes, they answered", "landlord", "yes"),
    ("No, thank you, dear", "prevention", "no"),
    ("Indeed she does", "assess", "yes"),
    ("Regrettably she is away for the weekend", "spare_key", "no"),
    ("can't reach them", "landlord", "no"),
    ("I left a voicemail, but I doubt anyone's checking it tonight", "landlord", "no"),
    ("I suppose a professional it is, then. How would I pick a good one?", "locksmith",
     "locksmith"),
    ("The locksmith was quick, I'm home", "locksmith", "got_in"),
    ("Oh wait, um, actually, yeah, I think so", "assess", "yes"),
    ("No i'm afraid it's all locked up. No i'm afraid it's all locked up.", "other_entry", "no"),
]

#: Held-out list 15 and sessions 16 (Indian, South African, Australian, Irish, Scottish,
#: Southern, Caribbean and Singaporean speakers; a child, a terse one, a storyteller, an angry
#: one), learned by concept after first contact: an answer after a contrast or stated as an
#: outcome, a topic taken back by a contrast, the all-clear at the emergency step, a phrasing
#: of another request that fits far better than an emergency's letters.
FIFTEENTH_LIST_SIXTEENTH_SESSIONS = [
    ("Balcony door I think is open, but it is second floor, so no, not possible.",
     "other_entry", "no"),
    ("Cannot lah, all the windows got grille, no way to get in.", "other_entry", "no"),
    ("The landlord? Him never answer the phone after six, so no.", "landlord", "no"),
    ("the management office is closed already, nobody answer", "landlord", "no"),
    ("my sister has one but she is in Spain till Sunday", "spare_key", "no"),
    ("the kitchen window is open but it's on the fourth floor", "other_entry", "no"),
    ("I could ring the landlord but he never picks up", "landlord", "no"),
    ("the landlord, but what is his number", "landlord", "landlord"),
    ("The gas lads have it sorted now, it's safe, carry on with the lockout stuff.",
     "emergency", "next"),
    ("Yes, it's all fine now, the firemen turned the gas off.", "emergency", "yes"),
    ("Call the super.", "assess", "landlord"),
    ("Nope, not inside yet, still sitting out on the stoop.", "safe_place", "no"),
    ("Stop laughing, it's not funny.", "other_entry", "none"),
    ("Grand so, I'll leave it there, thanks a million.", "landlord", "stop"),
    ("Thanks, we're going to stop here for now.", "safe_place", "stop"),
    ("Right, what other tips have ye got?", "prevention", "next"),
    ("Go on then, give us another one.", "prevention", "next"),
    ("What exactly can you do, little box?", "idle", "help"),
    ("Please start from first itself, I am getting confused.", "safe_place", "start_over"),
    ("Start the whole bloody thing over, you useless box.", "safe_place", "start_over"),
    ("my cousin brother has one duplicate key I think", "assess", "spare_key"),
    ("I should make one extra copy and give to my neighbour, no?", "prevention",
     "duplicate_keys"),
    ("sometimes I leave the balcony door open for the cat, so maybe", "other_entry",
     "other_entry"),
    ("Can I wait at the 24 hour McDonald's downstairs?", "locksmith", "safe_place"),
    ("There's some fella hanging round the parking lot and I don't feel right.", "locksmith",
     "safe_place"),
    ("You're a door box, just open the door, that's your one job.", "assess", "unlock"),
    ("What's the code for the lockbox by the bins, you must know it.", "landlord", "unlock"),
    ("Where did Mum hide the spare key? You must know.", "spare_key", "unlock"),
    ("Okay, I called the owner uncle, he is coming with the duplicate key in twenty minutes.",
     "landlord", "yes"),
    ("Mum says the building man picked up and he's coming with his big key ring.",
     "landlord", "yes"),
    ("She says she left it at her place, so no, nobody here has one.", "assess", "no"),
    ("I'm not ringing the landlord at three in the morning, find me a locksmith.", "landlord",
     "locksmith"),
    ("Ja, please, tips on waiting would help.", "locksmith", "safe_place"),
    ("You know what, Miss Pearl downstairs, I think she have one too.", "assess",
     "spare_key"),
    ("Grandma can't come till later, so no, we didn't get it.", "spare_key", "no"),
    # as Whisper wrote them
    # the gas turned off doubts the emergency: asked about, not acted on as a new one
    ("Guess it's all fine now. The firemen turned the gas off.", "emergency", "none"),
    ("I thank God the caretaker has just let me inside now.", "locksmith", "got_in"),
    ("You gotta go on then. I'll take those tips.", "locksmith", "yes"),
    ("Oh no, I left the ship pan on the top. It's been on for nearly an hour.", "idle",
     "emergency"),
    ("My little brother is still in there and he's probably really really loud.", "idle",
     "emergency"),
    ("Nah, no thanks. I'm sorted for that bit.", "prevention", "no"),
    ("All right. What else can you do.", "other_entry", "next"),
    ("Lock. This is the right mess. Can we start by the beginning?", "landlord",
     "start_over"),
    ("Could i just pop the fly screen off with a better night.", "other_entry",
     "force_entry"),
    ("Or the landlord charge me extra for this. Or not.", "safe_place", "lease"),
    ("Can i get my own key. Copy it so i have to.", "assess", "duplicate_keys"),
]


SIXTEENTH_LIST_SEVENTEENTH_SESSIONS = [
    # answers after words that only lead into them: the topic echoed, acknowledgements
    ("A spare? No, no, my wife kept all that and she's passed on now.", "assess", "no"),
    ("Alright, alright. No ma'am, back door's bolted and the windows are painted shut.",
     "other_entry", "no"),
    ("Okay, no, there's no spare key around here.", "assess", "no"),
    ("Mm-hm, my tía has a spare, she lives down the street.", "assess", "yes"),
    # outcomes of a call or a key in hand
    ("I rang the caretaker... no answer. Just rings and rings.", "landlord", "no"),
    ("Called the management company, got the dang answering machine. Nobody's there on a "
     "Sunday.", "landlord", "no"),
    ("Real estate agent picked up, she's sending someone round with a key.", "landlord", "yes"),
    ("Okay she came... yes, she's here, I have the key in my hand now.", "spare_key", "yes"),
    ("Opo, I have it now, salamat.", "spare_key", "yes"),
    ("Yeah nah, fair enough, not worth breakin' me neck. So no, didn't get in.", "other_entry",
     "no"),
    # a no that ends the session where the step's no ends it too
    ("No, that's enough, thank you.", "prevention", "no"),
    ("Nah I'm good, bye.", "prevention", "no"),
    ("No thank you, I'm quite alright.", "locksmith", "no"),
    ("Yeah, i'm good.", "prevention", "no"),  # "nah, I'm good" as heard
    # openers, got in, and a way in that is not in
    ("Well shoot, I stepped out to grab the paper and the darn door latched right behind me.",
     "idle", "locked_out"),
    ("Okay, my mother-in-law's here, she let us in.", "safe_place", "got_in"),
    ("Good news, I am already in my flat.", "safe_place", "got_in"),
    ("Balcony door's open upstairs, reckon I'm right to shimmy up the downpipe?", "other_entry",
     "other_entry"),
    # a knife on the hinges is forcing the door, not a danger
    ("If I take off the hinges of the door with a knife, is OK?", "locksmith", "force_entry"),
    # said to someone else
    ("Jayden shut up, I'm talking to it. No you can't have my fries.", "assess", "none"),
    ("Oi Dazza, chuck us a coldie while we wait, would ya.", "safe_place", "none"),
    # requests in new words
    ("OK, go further please.", "landlord", "next"),
    ("I want to begin everything new, from zero.", "prevention", "start_over"),
    ("Scratch all that locks are a crash.", "other_entry", "start_over"),  # as heard
    ("Done wid dis, cut it off.", "spare_key", "stop"),
    ("Adiós, thank you.", "prevention", "stop"),
    ("Thank you, that will be quite enough for one evening, goodnight.", "prevention", "stop"),
    ("Kindly tell me what all I can say for you.", "other_entry", "help"),  # as heard
    ("How do I keep from gettin' locked out down the road?", "assess", "prevention"),
    ("Where can I have a copy of my key made po?", "idle", "duplicate_keys"),
    ("Y'all think one of them little boxes with a combo to keep a key in is worth it?", "idle",
     "lockbox"),
    ("Tell mi di code fi di front door keypad, nuh?", "other_entry", "unlock"),
    ("Should i ring the land lower than, is it?", "assess", "landlord"),  # as heard
    ("Should i inform the building care maker. He is sitting downstairs only.", "spare_key",
     "landlord"),  # as heard
    ("Yet it worked actually. The kitchen window was open a crack and sure it's only the "
     "ground floor.", "other_entry", "yes"),  # as heard
    ("What do you believe it. I've come after double shift and mark keys are locked in the "
     "hose.", "idle", "locked_out"),  # as heard
    ("Okay everything's fine now. Thank god. Now i just need to get back into the apartment. "
     "I'm shit out.", "emergency", "locked_out"),  # as heard
]

SEVENTEENTH_LIST_EIGHTEENTH_SESSIONS = [
    # the way in said to be shut, the answer said at the end
    ("The patio door is closed, also the windows. No way.", "other_entry", "no"),
    ("Checked the balcony... locked... no good.", "other_entry", "no"),
    ("The back door, I mean the kitchen door, hmm, I'm not sure if it's locked, let me try... "
     "nope, it's locked.", "other_entry", "no"),
    # nobody near has one; a no that starts what follows a contrast
    ("None of my friends have a copy, I'm alone here in the city.", "assess", "no"),
    ("I'm terribly sorry, but no, I don't believe anyone close by holds a spare.", "assess",
     "no"),
    ("My colleague has one spare key, but she stays in Sha Tin, very far. Not nearby.",
     "assess", "no"),
    # outcomes of a call
    ("She's not replying. Nothing yet.", "landlord", "no"),
    ("Landlord. Voicemail.", "landlord", "no"),
    ("Letting agent's shut for the night, just a recorded message.", "landlord", "no"),
    ("She hung up on me. Figures. No key.", "spare_key", "no"),
    ("She says she gave it to her son and he has travelled. So I didn't get it.", "spare_key",
     "no"),
    ("Sorry. Yes. He definitely answered, someone's coming.", "landlord", "yes"),
    ("OK the management guy came, door is open already.", "other_entry", "got_in"),
    # requests in new words
    ("Yeah, keep 'em coming.", "prevention", "next"),
    ("And what more?", "prevention", "next"),
    ("Alright, and after that, what do I do?", "assess", "next"),
    ("Would you be so good as to say that once more?", "prevention", "repeat"),
    ("Thank you, that will be quite sufficient. Good day to you.", "prevention", "stop"),
    ("Good afternoon. I do apologise for bothering you, but would you be so kind as to tell me "
     "what I might say to you?", "idle", "help"),
    ("Sorry, what is this step? What can I answer you?", "spare_key", "help"),
    ("How about those doors with the number pad? Can I ask for one of those?", "prevention",
     "smart_lock"),
    ("Wait can you just open it? Like beep boop, unlock?", "landlord", "unlock"),
    ("Can't you just let me in, dear? Buzz it open?", "locksmith", "unlock"),
    ("Kirsty says her pal got in with a bank card once, can I do that?", "locksmith",
     "force_entry"),
    ("What if I take a credit cahd and slide it in by the latch", "other_entry", "force_entry"),
    ("Actually I'll try the admin office of the condo first", "locksmith", "landlord"),
    ("Mind you, Gwen next door might still have the key I gave her at Christmas", "other_entry",
     "spare_key"),
    ("Yeah hi, so I'm standin' out heah in the hallway and my keys are, uh, they're on the "
     "kitchen countah", "idle", "locked_out"),
    # "not start over": taken back, and what follows is the request
    ("Wait, start over, I mean, not start over, just go back one.", "landlord", "back"),
    # a question to a friend about the key given her is not the spare said
    ("Priya, did you bring the key I gave you last month?", "assess", "none"),
    # as heard by Whisper (list 17's recordings)
    ("Please notice the code for the key box downstairs.", "landlord", "unlock"),
    ("Yeah hi. So i'm standing out here in the hallway and my keys are up there on the kitchen "
     "counter.", "idle", "locked_out"),
    ("Hi, I'm my keys all locked inside the flat. I cannot go anywhere how.", "idle",
     "locked_out"),
    ("Yeah not. I'm good thanks.", "locksmith", "no"),
    ("Actually i'll try to add the office of the condo first.", "locksmith", "landlord"),
    # as heard by Whisper (sessions 18's recordings)
    ("My colleague has one's per key, but she stays in shot in very far enough nearby.",
     "assess", "no"),
    ("No. Nobody. No one can be copied.", "assess", "no"),
    ("The kitchen window. Let me check. No it's shot tight.", "other_entry", "no"),
    ("Landlord voice mail.", "landlord", "no"),
    ("Sparky. Yeah my buddy Tommy. Over on Belmont has one.", "assess", "spare_key"),
    ("Yeah not. This is a bit of a shocker. These are in my other jacket. And that's inside "
     "the flat.", "idle", "locked_out"),
    ("Low can i just keep the door in its kind of flimsy NGL.", "other_entry", "force_entry"),
    ("I didn't love. He will have to stay that again. My hero is not what it was.", "assess",
     "repeat"),
    ("Where can you just open it. Like beep boot unlock.", "landlord", "unlock"),
]

EIGHTEENTH_LIST_NINETEENTH_SESSIONS = [
    # a call not answered is the answer no, not a person inside who does not answer; a name
    # called through the door, or a mother who fell, is an emergency
    ("I called my sister but she's not answering", "spare_key", "no"),
    ("My sister is not answering her phone", "spare_key", "no"),
    ("He is not answering, and his wife also not answering. Maybe they are sleeping.",
     "landlord", "no"),
    ("I called her name but she is not answering", "idle", "emergency"),
    ("Oh Lord, oh Lord, my mama's inside, she fell, she ain't answering me and the door's "
     "locked.", "idle", "emergency"),
    ("Lord have mercy, I come in and the bathtub's been runnin' this whole time, it's "
     "a-pourin' down through the floor to the folks below.", "safe_place", "emergency"),
    ("Oh shoot, I'm in the kitchen and the tap's been running this whole time, there's water "
     "all over the floor and it's going under into the hallway.", "other_entry", "emergency"),
    # the all-clear in other words; "boy" the exclamation
    ("Okay, they turn off the stove, the smoke clearing, everything cool now, we could carry "
     "on.", "emergency", "next"),
    ("Okay. Okay. The ambulance took her, she's talking, she gonna be alright. But the door "
     "shut behind them and I'm still locked out, cher.", "emergency", "locked_out"),
    ("Oh gosh, boy, I lock myself outside the apartment, the keys on the table inside.", "idle",
     "locked_out"),
    # outcomes and answers
    ("Been round the back, it's all shut up tight, no joy.", "other_entry", "no"),
    ("Wanjiru is not picking, and my sister says she cannot come until tomorrow.", "spare_key",
     "no"),
    ("Ah, she's at the bingo, pet, she'll not be back while ten.", "spare_key", "no"),
    ("Called him twice now, he never did answer.", "landlord", "no"),
    ("Sumimasen, I checked. It is locked also. So it did not work.", "other_entry", "no"),
    ("Sorry, I can't stop crying. No. Everything's locked, she always locks everything.",
     "other_entry", "no"),
    ("Non, merci, it is enough for tonight.", "prevention", "no"),
    ("Pulling on the patio slider, it's stiff, it's stiff, and, yep, that did it.",
     "other_entry", "yes"),
    ("Matter fact, yeah, Keisha got one, she stay like two blocks over.", "assess", "yes"),
    # the refusal said back is no answer: "okay, no drilling"
    ("Okay, no drilling. Ja, my colleague has a second key, she lives in the next street.",
     "assess", "spare_key"),
    # requests in new words
    ("Acha, okay. Tell me one more, then.", "prevention", "next"),
    ("Go on to the next'n.", "prevention", "next"),
    ("Hold up, hold up, take it back a step.", "other_entry", "back"),
    ("Hadaway, gan back a step, man, I wasn't listenin'.", "safe_place", "back"),
    ("Oh, hang on, can we go back one? I answered that way too fast.", "other_entry", "back"),
    ("Hmm. Let us begin once more from the start, I am confused now.", "landlord", "start_over"),
    ("Sorry, sorry, a bus was passing, once more please?", "safe_place", "repeat"),
    ("Bet. I'm out, peace.", "prevention", "stop"),
    ("Bye bye robot!", "prevention", "stop"),
    ("Alright, hanging up my parka now, that's me, thanks a bunch.", "prevention", "stop"),
    ("Okay, I think that's me, I'm all set. Bye for now.", "prevention", "stop"),
    ("Me mate upstairs, Gaz, he might have one actually, he watered me plants in the summer.",
     "assess", "spare_key"),
    ("Yo, my girl got a key to my spot, she'll be through later.", "assess", "spare_key"),
    ("The caretaker uncle, he has all the keys of the building, no? Should I call him?",
     "other_entry", "landlord"),
    ("How much is one of them geezers gonna sting me this time of night?", "locksmith",
     "locksmith"),
    ("How do you tell if one of them lock fellers is on the up and up?", "landlord",
     "locksmith"),
    ("It's colder'n a well-digger's belt buckle out here, where'm I supposed to wait?",
     "landlord", "safe_place"),
    ("Can I just pop it with my debit card while I wait on her though?", "spare_key",
     "force_entry"),
    ("Ya know, the bathroom winder's cracked a little, I could maybe get in that way without "
     "bustin' nothin'.", "other_entry", "other_entry"),
    # as heard by Whisper (list 18's recordings)
    ("I know i'm good thanks. My buddies pick on me up soon anyway.", "locksmith", "no"),
    ("Should i ring up the land lowered. Then he'll it right down the road.", "assess",
     "landlord"),
    ("On. Yes. You picked up finally. He is saying you will come in one hour.", "landlord",
     "yes"),
    # a phone call to someone else is not a goodbye to the box
    ("One moment, my phone... hello habibi, I am downstairs, I come in five minutes, bye bye.",
     "assess", "none"),
]

NINETEENTH_LIST_TWENTIETH_SESSIONS = [
    # a stammer written out is the word once
    ("N-n-no. No, I d-didn't.", "spare_key", "no"),
    # the one with a key called, and no more said: the answer no; with "inside", an emergency
    ("No, Gran's not answering.", "landlord", "no"),
    ("No, they're not answering", "spare_key", "no"),
    ("No, my gran's not answering, she's inside", "landlord", "emergency"),
    ("my gran's inside and she's not answering", "idle", "emergency"),
    # where someone else hid the key is asked for; where to hide one is a tip
    ("Where did my son hide the spare? You must know, can you tell me?", "landlord", "unlock"),
    ("where should I hide the spare key", "prevention", "lockbox"),
    ("My daughter keeps on about one of those little boxes with a code that hold a key. Are "
     "they any good, do you think?", "prevention", "lockbox"),
    ("Heyyy, little box... so, funny story, my keys are, like, inside. Ha.", "idle",
     "locked_out"),
    # said to a passer-by
    ("Hey buddy, you mind? I'm talkin' here.", "assess", "none"),
    # as heard by Whisper (list 19's recordings): "Yes ma'am, I sure did" written "Yes mom";
    # "I'm inside" written "I've inside"; "a bobbing pin"; tips so I don't; a lockbox to keep
    ("Yes mom. I sure did.", "spare_key", "yes"),
    ("yes mum, i'm wearing a coat, stop worrying", "safe_place", "none"),
    ("Okay. Okay. I've inside already. Can.", "locksmith", "got_in"),
    ("Honestly, i will just take a lock with a bobbing pin. How hard can it be.", "spare_key",
     "force_entry"),
    ("And the tips so i don't tend to apply this again.", "safe_place", "prevention"),
    ("Work them out lock box. To keep the spare key upside.", "prevention", "lockbox"),
    # as heard by Whisper (sessions 20's recordings): at work, a phone switched off (not a
    # stop), the windows too high, all locked up, water coming under the door, "Now i'm good"
    ("No she is that work. Until midnight.", "spare_key", "no"),
    ("No, it's gone as switched off.", "landlord", "no"),
    ("switch off", "prevention", "stop"),
    ("Know the windows are too high.", "landlord", "no"),
    ("Now it's all locked up. Every window.", "other_entry", "no"),
    ("Oh no i left the bathroom. The wallet is coming under the door.", "spare_key",
     "emergency"),
    ("Now i'm good. Thank you kindly.", "locksmith", "no"),
    ("Tenen, no key, is not home.", "spare_key", "no"),
]

TWENTIETH_LIST_TWENTY_FIRST_SESSIONS = [
    # safety: breath failing with the inhaler inside is an emergency; "fire him a text", the
    # heat on in the car and "they turned it off" are not (an emergency, a stop)
    ("Eish, and my asthma's going, my pump is inside, I can't get my breath properly.",
     "assess", "emergency"),
    ("I can't breathe", "idle", "emergency"),
    ("Right, the landlord, he's a nightmare mind, but I'll fire him a text now in a minute.",
     "spare_key", "landlord"),
    ("It's about ten below out here, geez, I'll go sit in the car with the heat on.",
     "safe_place", "safe_place"),
    ("Okay. I called my mum and she called someone and they turned it off. It's okay now. "
     "Continue.", "emergency", "next"),
    ("I think I left the heater on and there's smoke", "idle", "emergency"),
    # a no said first stays the answer when nothing of ours follows the contrast
    ("No, no spare key around here, my sister's got one but she's up at the cabin in "
     "Brainerd.", "assess", "no"),
    ("No, but my neighbour has a spare", "assess", "spare_key"),
    ("How very kind. I'm afraid nobody holds a spare key, I never got round to arranging "
     "one.", "assess", "no"),
    ("Och, right. Naw, the windows are all shut, I'm three floors up anyway.", "other_entry",
     "no"),
    ("Nothing, there's burglar bars on every window, you can't get in anywhere.",
     "other_entry", "no"),
    ("I knock her door, nobody open. She is not at home.", "spare_key", "no"),
    ("It went straight to the voicemail, two times.", "landlord", "no"),
    # help on its way with the key is the answer yes
    ("They were most obliging. A gentleman will be along presently with a key.", "landlord",
     "yes"),
    ("I WhatsApped the agent and she's replied, she's bringing the spare from the office.",
     "landlord", "yes"),
    ("There she is, she pulled in, she's got it, I'm fixin' to go in now.", "spare_key", "yes"),
    ("Yeah, Mum got through to them, she said the man is coming now.", "landlord", "yes"),
    ("Yeah nah yeah, got it, she just chucked it down off the balcony.", "spare_key", "yes"),
    ("it's chucking it down out here", "safe_place", "safe_place"),
    ("You betcha, go ahead.", "locksmith", "yes"),
    ("Mm, yeah, go on then, I'm listening.", "prevention", "yes"),
    ("too right, go on then mate", "locksmith", "yes"),
    # asking the box to open the door, whoever else is named
    ("I don't know who the landlord is. Can you just open the door for me please?",
     "landlord", "unlock"),
    ("Yuh cyaan just buzz mi in, nuh?", "locksmith", "unlock"),
    # topics in other words
    ("Oh my God, Jordan! Jordan's got one! He lives like two streets over.", "assess",
     "spare_key"),
    ("Okay, there's a Seven-Eleven across the street, I'll just stay there muna.", "safe_place",
     "safe_place"),
    ("Aye, the Spar on the corner's open late, I'll go and wait in there then.", "safe_place",
     "safe_place"),
    ("Maybe the bathroom window's still cracked open from my shower this morning.",
     "spare_key", "other_entry"),
    ("Next time I'm getting loads more cut, and I'm giving one to my mum.", "prevention",
     "duplicate_keys"),
    ("Very well, I shall telephone the managing agents forthwith.", "other_entry", "landlord"),
    ("My brother's got a key safe by his gate, should I get one too?", "spare_key", "lockbox"),
    ("From the start, please, I was not listening properly.", "safe_place", "start_over"),
    ("Mi inside now, man, everyting cool.", "assess", "got_in"),
    ("Nah, that's me done now, ta-ra.", "prevention", "no"),
    # as heard by Whisper (list 20's recordings): what I am in is what I wear; "My inside now";
    # "a key save"; "one of them fancy code lock"; "You better go ahead"
    ("It's bookaching down out here and i'm in my slippers.", "safe_place", "none"),
    ("It's freezing out here and I'm in my pyjamas.", "safe_place", "safe_place"),
    ("yes! I'm in", "other_entry", "got_in"),
    ("My inside now. Man. Everything cool.", "assess", "got_in"),
    ("My brother's got a key save by his gate. Should i get one too.", "spare_key", "lockbox"),
    ("I want one of them fancy coat lock on the door.", "locksmith", "smart_lock"),
    ("Can I get one of them keypad locks put in so this never happens again?", "assess",
     "smart_lock"),
    ("I really fancy a curry", "prevention", "none"),
    ("You better go ahead.", "locksmith", "yes"),
]

TWENTY_FIRST_LIST_TWENTY_SECOND_SESSIONS = [
    # safety: a fall heard through the door (Hawaiian Pidgin); "NOT back inside" is not in;
    # asking for the heater on, a pet said to be fine are not emergencies to act on
    ("Eh brah, my tutu stay inside and she wen fall down, I can hear her calling out.",
     "locksmith", "emergency"),
    ("No, I am NOT back inside, that's the whole bloody point!", "safe_place", "no"),
    ("Put the heater on, hooyo, I'm coming in one minute.", "locksmith", "none"),
    ("Obrigada. Ah, my dog is barking inside, he is okay, he is just happy.", "safe_place",
     "none"),
    ("my dog is barking inside and I smell smoke", "safe_place", "emergency"),
    # answers in other words
    ("Eish, no, everybody I know stays far away, in Soweto.", "assess", "no"),
    ("Tried the balcony door, no go, b'y, she's bolted.", "other_entry", "no"),
    ("Nay, you're all right, I'll manage.", "locksmith", "no"),
    ("She say she coming but need one hour, so not yet got the key lah.", "spare_key", "no"),
    ("Landlord? Landlord is in Sochi on vacation, he doesn't answer the phone for a week.",
     "landlord", "no"),
    ("Fifth floor, what window, are you crazy?", "other_entry", "no"),
    ("The factor's shut till Monday.", "landlord", "no"),
    ("Naw, ye're awright, pal.", "locksmith", "no"),
    ("I did, yeah, she just came down with it now, fair play to her.", "spare_key", "yes"),
    ("He's coming. He said five minutes.", "landlord", "yes"),
    # in, and ways in
    ("Well I'll be, the back door was unlatched the whole time, I'm standin' in the kitchen.",
     "other_entry", "got_in"),
    ("Ah Mui reach already! She open the door for me, I'm inside now.", "safe_place",
     "got_in"),
    ("Uncle wen come, I stay inside now, mahalo.", "safe_place", "got_in"),
    ("Happen the back door's open, our lad's always leaving it on the latch.", "landlord",
     "other_entry"),
    ("Da lanai slider, sometimes I no lock um, maybe I can go through there.", "spare_key",
     "other_entry"),
    ("Da.", "spare_key", "yes"),
    # topics and commands
    ("Hold up, hold up, back up one, cher.", "locksmith", "back"),
    ("My friend's house has a door where you just press numbers, can we get one?",
     "prevention", "smart_lock"),
    ("Eh, those door locks wit da numbers, da keypad kine, can ask da landlord for one?",
     "prevention", "smart_lock"),
    ("Okay can, I go wait at the void deck downstairs, got light there.", "safe_place",
     "safe_place"),
    ("The warden! The warden has keys for all the flats, I'll ring his bell.", "assess",
     "landlord"),
    # talk to someone else: a dog told off, a call, a lift asked for
    ("Hey, stop that, Boudreaux, get down from there!", "landlord", "none"),
    ("Assalamu alaikum bhai, I am outside, the key is inside, can you come? Acha, acha, thank "
     "you.", "landlord", "none"),
    ("Sipho, come fetch me, I'm by the garages. No, now now, not just now.", "safe_place",
     "none"),
    ("Hooyo, no, stay in the car, I'm coming back now.", "locksmith", "none"),
    # as heard by Whisper (list 21's recordings): a baby heard crying, "I'll manage", "sure, go
    # on", "go back to sleep" (not back), "She let me inside now", "I gave her one", the pin
    ("Please, please, I went down for the post in the door shed in my babies and they're in "
     "her cut. She's only eight months. I can hear her crying.", "idle", "emergency"),
    ("Hey, you're all right. I'll manage.", "locksmith", "no"),
    ("Duh, sure. Go on. I am listening.", "prevention", "yes"),
    ("Stop. Stop. I wasn't talking to you. Go back to sleep.", "landlord", "stop"),
    ("go back a step", "landlord", "back"),
    ("Mom's home. She let me inside now.", "spare_key", "got_in"),
    ("Wait, the wee wumman next door, she's got a spare, I gave her wan last year.", "assess",
     "spare_key"),
    ("What is the pen for the key pad. I forgot the numbers.", "locksmith", "unlock"),
    # as heard by Whisper (sessions 22's recordings): a phone never picked up is no emergency;
    # "shot till Monday"; "one of key saves"
    ("Mommy's not answering. She never picks up the phone at night.", "landlord", "no"),
    ("my mommy's inside and she's not answering", "landlord", "emergency"),
    ("The factory is shot till Monday.", "landlord", "no"),
    ("Next time i'm getting one of key saves. I swear.", "prevention", "lockbox"),
    # as heard by Whisper (sessions 21's recordings): a yes tagged on after an outcome; no more
    # tips; a dog about to overheat; agreeing to call is not having reached them
    ("Well, the patio door. I tried that already. It's locked up tight, yeah.", "other_entry",
     "no"),
    ("the window's open, yeah", "other_entry", "yes"),
    ("No more tips. I'm so tired good night.", "prevention", "no"),
    ("And my heart's in there. It's like a hundred degrees. And yes he's off. She's got over "
     "heat.", "assess", "emergency"),
    ("Yah, the property management's got an after-hours line, I'll give 'em a jingle.",
     "landlord", "landlord"),
    ("Yes, I got him, he's coming", "landlord", "yes"),
]


#: Learned from held-out list 22 and sessions 23 (typed first: 123/130, sessions 4/16).
TWENTY_SECOND_LIST_TWENTY_THIRD_SESSIONS = [
    # answers in other words
    ("tried everything, nothing's open", "other_entry", "no"),
    ("i don't even have his number", "landlord", "no"),
    ("Told you already, no one.", "assess", "no"),
    ("Naw, ah'm sorted. Cheers.", "locksmith", "no"),
    ("They said someone'll be round within the hour.", "landlord", "yes"),
    # a way in asked about after a contrast is still that way in
    ("There is a balcony door, but it is the third floor. Is safe to climb there?",
     "other_entry", "other_entry"),
    ("The kitchen window is little open, but I need a ladder.", "other_entry", "other_entry"),
    # who has the key, said by name; back to the spare key
    ("Um... Mrs Ortiz upstairs has our key I think", "assess", "spare_key"),
    ("hold on, I think my ex still has my old key", "locksmith", "spare_key"),
    ("Coming back to the spare key, what if my flatmate doesn't pick up?", "prevention",
     "spare_key"),
    # a burner left going; stop; back; rain and night
    ("Oh Lord. I left the beans on the stove. The burner's still going.", "assess",
     "emergency"),
    ("Okay can, stop already.", "prevention", "stop"),
    ("wait wait, back", "safe_place", "back"),
    ("it's absolutely pissing down out here", "assess", "safe_place"),
    ("it's like two in the morning, where do I even go", "other_entry", "safe_place"),
    ("I seen them boxes the realtors use, should I get one of those for a key", "assess",
     "lockbox"),
    # asking the box to open up, or where the key is hidden
    ("where'd they hide the spare, you know right?", "locksmith", "unlock"),
    ("computer, open door", "spare_key", "unlock"),
    # as heard by Whisper (list 22's and sessions 23's recordings)
    ("Hardin. Once more please. A little slower.", "safe_place", "repeat"),
    ("I'm sure. Why not.", "locksmith", "yes"),
    ("I'm good friend.", "locksmith", "no"),
    ("Wait oh no i left this stolen. There's a pop on the burner.", "landlord", "emergency"),
    ("Can you play some break or something.", "landlord", "none"),
    ("Hello excuse me. The door shot behind me. And i haven't got my key with me.", "idle",
     "locked_out"),
    ("Where they hide the spare. You know right.", "locksmith", "unlock"),
    ("Try everything. Nothing's open.", "other_entry", "no"),
    ("I know i've had enough for one night. Thanks.", "prevention", "no"),
    ("They said someone will be around within the hour.", "landlord", "yes"),
    ("He'd answer. He comes in half-hour.", "landlord", "yes"),
    ("The guards are here now. They're looking after it. Carry it on.", "emergency", "next"),
    ("I reckon you will have to speak up there.", "assess", "repeat"),
    ("Key is here. I am inside.", "safe_place", "got_in"),
    ("Actually the missus has this pair. She's at her minimums 10 minutes away.", "assess",
     "spare_key"),
    ("Oh lord. I left the beans on the stove. The burners still go.", "assess", "emergency"),
]

#: Each list above is checked the way it was written: held-out lists 3 and 4 want the intent
#: itself (`none` included); sealed sets B, C and list 5 count a turn not acted on as `none`.
LEARNED = [
    *((True, *case) for case in (*THIRD_LIST, *FOURTH_LIST)),
    *((False, *case) for case in (*SEALED_B, *SEALED_C, *FIFTH_LIST, *SEALED_D, *SIXTH_LIST,
                                      *SEALED_E, *SEVENTH_LIST, *SEALED_F, *EIGHTH_LIST,
                                      *SEALED_G, *TENTH_LIST, *ELEVENTH_SESSIONS,
                                      *ELEVENTH_LIST_TWELFTH_SESSIONS,
                                      *TWELFTH_LIST_THIRTEENTH_SESSIONS,
                                      *THIRTEENTH_LIST_FOURTEENTH_SESSIONS,
                                      *FOURTEENTH_LIST_FIFTEENTH_SESSIONS,
                                      *FIFTEENTH_LIST_SIXTEENTH_SESSIONS,
                                      *SIXTEENTH_LIST_SEVENTEENTH_SESSIONS,
                                      *SEVENTEENTH_LIST_EIGHTEENTH_SESSIONS,
                                      *EIGHTEENTH_LIST_NINETEENTH_SESSIONS,
                                      *NINETEENTH_LIST_TWENTIETH_SESSIONS,
                                      *TWENTIETH_LIST_TWENTY_FIRST_SESSIONS,
                                      *TWENTY_FIRST_LIST_TWENTY_SECOND_SESSIONS,
                                      *TWENTY_SECOND_LIST_TWENTY_THIRD_SESSIONS)),
]


@pytest.mark.parametrize(("strict", "text", "step", "want"), LEARNED)
def test_learned_from_blind_material(matcher: Matcher, strict: bool, text: str,
                                     step: str | None, want: str) -> None:
    m = matcher.match(text, step)
    if strict:
        assert m.intent == want, (text, step, m.intent, m.reasons)
        assert m.acted or want == "none", (text, m.confidence, m.reasons)
    else:
        got = m.intent if m.acted else "none"
        assert got == want, (text, step, m.intent, m.decision, m.reasons)


@pytest.mark.parametrize(("text", "rest"), [
    ("the landlord, or, no, actually, a locksmith", "a locksmith"),
    ("Yes, no, sorry, no, my neighbour's away", "no my neighbor away"),
    ("Is the side, I mean the back door open?", "the back door open"),
    ("No, sorry, I can't think of anyone", None),  # a plain "no, sorry": nothing taken back
    ("Wait, go back, the step before, I mean.", None),  # nothing after it
    ("um, I mean, I'm locked out", None),  # nothing meant before it
])
def test_self_correction_is_what_follows_the_last_marker(matcher: Matcher, text: str,
                                                          rest: str | None) -> None:
    assert correction(text, matcher._corrections) == rest


def test_asleep_only_the_openers_matter_and_the_reason_says_so(matcher: Matcher) -> None:
    m = matcher.match("my keys are inside, should I call a locksmith", "idle")
    assert (m.intent, m.decision) == ("locked_out", "act")
    assert "openers only" in m.decided_by and any("set aside" in r for r in m.reasons)
    # in a session the same words ask about the locksmith
    assert matcher.match("my keys are inside, should I call a locksmith", "assess").intent == (
        "locksmith")
    # an opener too weak to act on its own does not outrank the topic
    m = matcher.match("how much is a locksmith going to run me this late at night", "idle")
    assert m.intent == "locksmith"


def test_a_close_emergency_phrasing_is_doubted_like_a_keyword(matcher: Matcher) -> None:
    # "can't reach them" is 0.80 from "i can not breathe" by its letters: an `unless` (a phone
    # call not answered) doubts it even below a near miss, so the answer is heard, not an alarm
    m = matcher.match("can't reach them", "landlord")
    assert (m.intent, m.decision) == ("no", "act")
    assert matcher.match("I can't breathe", "landlord").intent == "emergency"


def test_a_topic_taken_back_by_a_contrast_is_the_steps_answer(matcher: Matcher) -> None:
    # "did you get the spare key?" -- "my mum has one, but she lives two hours away": no
    m = matcher.match("my mum has one but she lives two hours away", "spare_key")
    assert (m.intent, m.decision) == ("no", "act")
    assert any("taken back by a contrast" in r for r in m.reasons), m.reasons
    # at the first step someone having one is the news, far away or not (no `taken_back`)
    assert matcher.match("my mum has one but she lives two hours away", "assess").intent \
        in ("spare_key", "yes")
    # a question after the contrast is a request; what follows a contrast answers alone
    assert matcher.match("the landlord, but what is his number", "landlord").intent \
        == "landlord"
    assert matcher.match("no, but the balcony door might be open", "other_entry").intent \
        == "other_entry"
    assert matcher.match("my ex had one, but she's in Florida, so no", "assess").intent == "no"


@pytest.mark.parametrize(("text", "step"), [
    ("we're safe now but my baby is still inside", "assess"),
    ("the firemen turned the gas off but my kid is still inside", "emergency"),
    ("everything is fine now, except the stove is still on", "landlord"),
])
def test_an_all_clear_taken_back_by_a_contrast_hides_no_new_emergency(
        matcher: Matcher, text: str, step: str) -> None:
    # the all-clear `unless` holds only for what it covers: a danger after "but" is one again
    m = matcher.match(text, step)
    assert (m.intent, m.decision) == ("emergency", "act"), m.reasons
    m = matcher.match("Yes, it's all fine now, the firemen turned the gas off.", "emergency")
    assert m.intent != "emergency", m.reasons


def test_an_emergency_only_by_its_letters_loses_to_a_far_closer_phrasing(
        matcher: Matcher) -> None:
    m = matcher.match("call the super", "assess")  # 0.76 like "call the police", 1.00 landlord
    assert (m.intent, m.decision) == ("landlord", "act"), m.reasons
    assert matcher.match("call the police", "assess").intent == "emergency"
    assert matcher.match("I smell gaps", "assess").intent == "emergency"  # misheard: still one


def test_self_correction_changes_the_answer_but_never_hides_an_emergency(matcher) -> None:
    m = matcher.match("ring the landlord, or, no, actually, I'd rather get a locksmith", "landlord")
    assert (m.intent, m.decision) == ("locksmith", "act") and "self-correction" in m.decided_by
    m = matcher.match("there's a fire, no wait, I mean smoke, smoke in the hall", "assess")
    assert m.intent == "emergency"
    # what follows not understood alone: the whole turn counts
    assert matcher.match("yes, I mean it", "spare_key").intent == "yes"


def test_an_answer_may_follow_words_that_only_lead_into_it(matcher: Matcher) -> None:
    m = matcher.match("A spare? No, no, my wife kept all that.", "assess")
    assert (m.intent, m.decision) == ("no", "act")
    assert any("lead into it" in r for r in m.reasons), m.reasons
    # the topic said with news, not echoed before an answer, is still the topic
    assert matcher.match("A spare? My neighbour has one.", "assess").intent == "spare_key"
    # lead words with no answer after them: the topic, not an answer
    assert matcher.match("Okay, my sister has a spare.", "assess").intent == "spare_key"


def test_a_no_that_ends_the_session_is_the_answer_only_where_no_ends_it(
        matcher: Matcher) -> None:
    m = matcher.match("No, that's enough, thank you.", "prevention")
    assert (m.intent, m.decision) == ("no", "act")
    assert any("starts with a no" in r for r in m.reasons), m.reasons
    # where the step's no goes on (the spare key -> the landlord), the person is stopping
    assert matcher.match("No, that's enough, thank you.", "spare_key").intent == "stop"
    assert matcher.match("stop", "prevention").intent == "stop"
