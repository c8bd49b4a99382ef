"""The intent and step names fixed by the product contract (SPEC §1 and §2)."""

from typing import Final

INTENTS: Final = (
    "locked_out", "yes", "no", "help", "repeat", "back", "next", "start_over", "stop",
    "got_in", "emergency", "spare_key", "other_entry", "force_entry", "landlord",
    "locksmith", "safe_place", "prevention", "lease", "duplicate_keys", "lockbox",
    "smart_lock", "renters_insurance", "unlock", "none",
)  # fmt: skip

STEPS: Final = (
    "idle", "assess", "spare_key", "other_entry", "landlord", "locksmith",
    "safe_place", "prevention", "emergency", "end",
)  # fmt: skip

#: Intents that jump straight to the step of the same name.
TOPIC_STEPS: Final = (
    "spare_key", "other_entry", "landlord", "locksmith", "safe_place", "prevention",
)  # fmt: skip

#: Intents that go to `prevention` with the tip of the same name.
TIP_INTENTS: Final = ("lease", "duplicate_keys", "lockbox", "smart_lock", "renters_insurance")

NONE: Final = "none"
