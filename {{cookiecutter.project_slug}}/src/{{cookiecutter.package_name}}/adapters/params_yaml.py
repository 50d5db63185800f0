"""Set many values of params.yaml at once, keeping its comments and layout (ruamel.yaml round trip).

``set_values(text, {"checks.columns": {...}, "data.end_date": "2026-03-01"})`` returns the
new text: keys that exist keep their comments and position, new keys are appended to
their section, mappings of scalars and lists of scalars are written in flow style
(``{dtype: numeric, min: 0}``, ``[a, b]``) as the file writes them, and date-like
strings stay quoted so YAML does not turn them into dates.
"""

from __future__ import annotations

import difflib
import io
import re
from typing import Any

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _yaml() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML()  # round-trip
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.representer.add_representer(type(None), lambda rep, _: rep.represent_scalar("tag:yaml.org,2002:null", "null"))
    return yaml


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _node(value: Any, depth: int) -> Any:
    """Plain data as ruamel nodes: flow style for flat mappings and lists, quoted dates."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    if isinstance(value, dict):
        node = CommentedMap()
        for key, item in value.items():
            node[key] = _node(item, depth + 1)
        if all(_scalar(v) or (isinstance(v, list) and all(map(_scalar, v))) for v in value.values()) and depth > 0:
            node.fa.set_flow_style()
        return node
    if isinstance(value, (list, tuple)):
        seq = CommentedSeq([_node(v, depth + 1) for v in value])
        if all(map(_scalar, value)):
            seq.fa.set_flow_style()
        return seq
    if isinstance(value, str) and DATE_RE.match(value):
        return DoubleQuotedScalarString(value)
    return value


def _pop_tail(node: Any) -> Any:
    """Take the comment token after a block mapping's last item (blank lines, the next section's comment)."""
    from ruamel.yaml.comments import CommentedMap

    if not isinstance(node, CommentedMap) or not len(node) or node.fa.flow_style():
        return None
    last = list(node.keys())[-1]
    child = node[last]
    if isinstance(child, CommentedMap) and len(child) and not child.fa.flow_style():
        return _pop_tail(child)
    token = node.ca.items.get(last)
    if not token or token[2] is None:
        return None
    node.ca.items.pop(last)
    return token


def _put_tail(node: Any, token: Any) -> None:
    from ruamel.yaml.comments import CommentedMap

    while True:
        last = list(node.keys())[-1]
        child = node[last]
        if isinstance(child, CommentedMap) and len(child) and not child.fa.flow_style():
            node = child
            continue
        node.ca.items[last] = token
        return


def _merge(node: Any, values: dict[str, Any], depth: int) -> None:
    """Make mapping ``node`` hold ``values`` in their order; kept keys keep their comments."""
    from ruamel.yaml.comments import CommentedMap

    tail = _pop_tail(node)
    for key in [k for k in node if k not in values]:
        del node[key]
    for key, value in values.items():
        old = node.get(key)
        if isinstance(value, dict) and isinstance(old, CommentedMap) and not old.fa.flow_style() and value:
            _merge(old, value, depth + 1)
        else:
            node[key] = _node(value, depth + 1)
        node.move_to_end(key)
    if tail is not None and len(node):
        _put_tail(node, tail)


def set_values(text: str, values: dict[str, Any]) -> str:
    from ruamel.yaml.comments import CommentedMap

    yaml = _yaml()
    doc = yaml.load(text)
    if not isinstance(doc, CommentedMap):
        raise ValueError("params.yaml: expected a mapping at the top level")
    for dotted, value in values.items():
        *path, last = dotted.split(".")
        parent = doc
        for key in path:
            if key not in parent or not isinstance(parent[key], CommentedMap):
                parent[key] = CommentedMap()
            parent = parent[key]
        _set(parent, last, value, len(path))
    out = io.StringIO()
    yaml.dump(doc, out)
    return out.getvalue()


def _set(parent: Any, key: str, value: Any, depth: int) -> None:
    from ruamel.yaml.comments import CommentedMap

    old = parent.get(key)
    if isinstance(value, dict) and isinstance(old, CommentedMap) and not old.fa.flow_style() and value:
        _merge(old, value, depth + 1)
        return
    tail = _pop_tail(parent) if list(parent.keys())[-1:] == [key] else None
    parent[key] = _node(value, depth)
    if tail is not None:
        _put_tail(parent, tail)


def unified_diff(old: str, new: str, name: str = "params.yaml") -> str:
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=f"{name} (now)",
            tofile=f"{name} (proposed)",
        )
    )
