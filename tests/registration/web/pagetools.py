"""Read a rendered page as a visitor would: its visible text, its fields and their errors."""
from __future__ import annotations

from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
HIDDEN = {"script", "style", "head", "template"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None = None):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    def iter(self):
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    @property
    def text(self) -> str:
        """The text a reader sees, whitespace collapsed (inputs show their value)."""
        parts: list[str] = []
        self._collect(parts)
        return " ".join(" ".join(parts).split())

    def _collect(self, parts: list[str]) -> None:
        if self.tag in HIDDEN:
            return
        for child in self.children:
            if isinstance(child, Node):
                child._collect(parts)
            else:
                parts.append(child)

    def find_all(self, tag: str | None = None, **attrs) -> list[Node]:
        wanted = {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}
        return [node for node in self.iter()
                if (tag is None or node.tag == tag)
                and all(_matches(node.attrs.get(k), v) for k, v in wanted.items())]

    def find(self, tag: str | None = None, **attrs) -> Node | None:
        found = self.find_all(tag, **attrs)
        return found[0] if found else None

    def by_id(self, element_id: str) -> Node | None:
        return self.find(id=element_id)

    def __getitem__(self, name: str):
        return self.attrs.get(name)


def _matches(value: str | None, wanted) -> bool:
    if wanted is True:
        return value is not None
    if value is None:
        return False
    if isinstance(wanted, str) and " " not in wanted and " " in value:
        return wanted in value.split()  # class="a b" matches class_="a"
    return value == wanted


def _attrs(pairs) -> dict[str, str]:
    # A boolean attribute (``disabled``, ``checked``) is present with an empty value.
    return {name: value or "" for name, value in pairs}


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#document", {})

    def handle_starttag(self, tag, attrs):
        node = Node(tag, _attrs(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, _attrs(attrs), self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


class Page:
    """A parsed HTML response."""

    def __init__(self, html: str):
        builder = _Builder()
        builder.feed(html)
        self.html = html
        self.root = builder.root

    @classmethod
    def of(cls, response) -> Page:
        return cls(response.get_data(as_text=True))

    @property
    def main(self) -> Node:
        return self.root.find("main") or self.root

    @property
    def text(self) -> str:
        """The visible text of the page's main content."""
        return self.main.text

    @property
    def h1(self) -> str:
        heading = self.root.find("h1")
        return heading.text if heading else ""

    def error_for(self, field_id: str) -> str:
        """The inline error shown beside a field ('' when none)."""
        node = self.root.by_id(f"{field_id}-error")
        return node.text.replace("Error:", "").replace("错误：", "").strip() if node else ""

    def value_of(self, field_id: str) -> str | None:
        node = self.root.by_id(field_id)
        if node is None:
            return None
        if node.tag == "select":
            chosen = node.find("option", selected=True) or node.find("option")
            return chosen["value"] if chosen else None
        if node.tag == "textarea":
            return node.text
        return node["value"]

    def links(self) -> dict[str, str]:
        return {a.text: a["href"] for a in self.root.find_all("a") if a["href"]}

    def link(self, text: str) -> str:
        for a in self.root.find_all("a"):
            if text in a.text:
                return a["href"]
        raise AssertionError(f"no link {text!r} on the page")
