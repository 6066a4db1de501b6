"""Which of a project's labels a suggestion proposes: by the label's name, as the demo's
scheme and most ISW-style schemes name them. A project without such a label gets ``null``."""

from collections.abc import Iterable

# What a suggestion is → the label names that fit it, the best first (case-insensitive).
LABEL_NAMES = {
    "actor": ("Actor", "Actor mention", "Mention", "Entity"),
    "estimative": ("Estimative phrase", "Estimative language", "Estimative", "Probability"),
    "claim": ("Claim", "Statement", "Quote"),
    "denial": ("Denial", "Claim"),
    "assessment": ("Assessment", "Claim"),
    "warning": ("Threat rhetoric", "Threat", "Warning", "Claim"),
}


class LabelChooser:
    """A project's span labels, looked up by what a suggestion is."""

    def __init__(self, labels: Iterable[tuple[int, str]]):
        """``labels``: (id, name) of the project's span labels."""
        by_name: dict[str, int] = {}
        self.described = []  # what a suggestion server is told of them
        for label_id, name in labels:
            by_name.setdefault(name.casefold(), label_id)
            self.described.append({"id": label_id, "name": name})
        self._label = {
            hint: next((by_name[n.casefold()] for n in names if n.casefold() in by_name), None)
            for hint, names in LABEL_NAMES.items()
        }
        self.ids = frozenset(by_name.values())
        self.signature = tuple((item["id"], item["name"]) for item in self.described)

    def label(self, hint: str) -> int | None:
        return self._label.get(hint)
