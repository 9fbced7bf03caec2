"""Where each part of a YAML or JSON document stands: the line of every key and list item, by path, so an error
names the field and the line (gate configuration files, simulation scenarios)."""

from __future__ import annotations

import yaml

#: A place in a document: keys and list indexes from the root (``("gates", 1, "lanes", 2, "kind")``).
Path = tuple[str | int, ...]


class Lines:
    """Line numbers (1-based) of every mapping key and list item, by path."""

    def __init__(self) -> None:
        self.by_path: dict[Path, int] = {}

    def walk(self, node: yaml.Node, path: Path) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                name = key.value if isinstance(key, yaml.ScalarNode) else str(key.start_mark.line)
                self.by_path[(*path, name)] = key.start_mark.line + 1
                self.walk(value, (*path, name))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self.by_path[(*path, i)] = item.start_mark.line + 1
                self.walk(item, (*path, i))

    def line(self, path: Path) -> int:
        """The line of ``path`` or of its nearest ancestor that has one (1 for the document)."""
        for n in range(len(path), 0, -1):
            found = self.by_path.get(tuple(path[:n]))
            if found is not None:
                return found
        return 1


def dotted(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
