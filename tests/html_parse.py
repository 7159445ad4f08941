"""One HTML collector for the tests that read rendered pages: tags, attributes and text."""

from __future__ import annotations

from html.parser import HTMLParser


class Collected(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        self.text.append(data)


def parse_html(text: str) -> Collected:
    parsed = Collected()
    parsed.feed(text)
    parsed.close()
    return parsed
