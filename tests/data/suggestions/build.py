"""Turn a hand-marked article (``*.marked.txt``) into its test-set JSON (``*.json``).

Markup, nested freely: ``[[surface|Actor name]]`` an actor mention, ``{{surface|step}}`` an
estimative phrase (``conf:level`` for a confidence), ``<<statement|Speaker|class>>`` an
attributed statement. ``python tests/data/suggestions/build.py`` rewrites the JSON files;
tests/suggestions/test_quality.py checks that they are what the markup says.
"""

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OPEN = {"[[": ("actor", "]]"), "{{": ("estimative", "}}"), "<<": ("source", ">>")}


def parse(marked: str) -> dict:
    body, stack, found, i = [], [], [], 0
    while i < len(marked):
        pair = marked[i : i + 2]
        if pair in OPEN:
            stack.append((OPEN[pair][0], OPEN[pair][1], len(body)))
            i += 2
        elif marked[i] == "|" and stack:
            kind, closer, start = stack.pop()
            close = marked.index(closer, i)
            note = marked[i + 1 : close]
            text = "".join(body[start:])
            item = {"start": start, "end": len(body), "text": text}
            if kind == "actor":
                item["actor"] = note
            elif kind == "estimative":
                if note.startswith("conf:"):
                    item["confidence"] = note[5:]
                else:
                    item["probability"] = note
            else:
                speaker, verb_class = note.split("|")
                item["actor"], item["class"] = speaker, verb_class
            found.append((kind, item))
            i = close + 2
        else:
            body.append(marked[i])
            i += 1
    if stack:
        raise ValueError(f"unclosed markup: {stack}")
    expected = {"actor": [], "estimative": [], "source": []}
    for kind, item in sorted(found, key=lambda f: (f[1]["start"], f[1]["end"])):
        expected[kind].append(item)
    return {"body": "".join(body), "expected": expected}


def build() -> dict[str, dict]:
    return {path.name.removesuffix(".marked.txt"): parse(path.read_text(encoding="utf-8"))
            for path in sorted(HERE.glob("*.marked.txt"))}  # fmt: skip


if __name__ == "__main__":
    for name, data in build().items():
        out = HERE / f"{name}.json"
        out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        words = len(data["body"].split())
        counts = {kind: len(items) for kind, items in data["expected"].items()}
        print(f"{out.name}: {words} words, {counts}", file=sys.stderr)
