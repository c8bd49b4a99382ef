"""The guide's flow as a Mermaid diagram, generated from `intents/<lang>/guide.yaml`."""

from __future__ import annotations

from voice_assistant.data import Data
from voice_assistant.names import TIP_INTENTS, TOPIC_STEPS

_SPECIAL = {"stay": "stays here", "previous": "back to the step before", "next_tip": "next tip"}


def _id(step: str) -> str:
    return f"s_{step}"  # `end` is a Mermaid keyword, so every node gets a prefix


def mermaid(data: Data) -> str:
    steps, rules = data.guide.steps, data.guide.rules
    lines = ["flowchart TD"]
    lines += [f"    {_id(name)}([{name}])" for name in steps]
    lines.append(f"    {_id('idle')} -->|{' / '.join(rules.wake)}| {_id('assess')}")
    for name, step in steps.items():
        edges: dict[str, list[str]] = {}
        for answer, target in step.transitions.items():
            edges.setdefault(target, []).append(answer)
        for target, answers in edges.items():
            label = " / ".join(answers)
            if target in _SPECIAL:
                node = f"{_id(name)}_{target}"
                lines.append(f"    {_id(name)} -.->|{label}| {node}[{_SPECIAL[target]}]")
            else:
                lines.append(f"    {_id(name)} -->|{label}| {_id(target)}")
    lines.append(f"    {_id('end')} -->|next turn| {_id('idle')}")
    lines += [
        "    anywhere{{any step but idle}}",
        f"    anywhere -.->|{' / '.join(TOPIC_STEPS)}| topic[the step of that name]",
        f"    anywhere -.->|got_in / {' / '.join(TIP_INTENTS)}| {_id('prevention')}",
        f"    anywhere -.->|{' / '.join(rules.restart)}| {_id('assess')}",
        f"    anywhere -.->|stop| {_id('end')}",
        f"    anywhere -.->|emergency, from idle too| {_id('emergency')}",
        f"    anywhere -.->|help / repeat / {' / '.join(rules.reply)} / none| same[same step]",
    ]
    return "\n".join(lines) + "\n"
