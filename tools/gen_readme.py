"""Build each addon's README.rst and static/description/index.html from readme/*.md.

A small stand-in for OCA's oca-gen-addon-readme (not reachable here): the
fragments use a plain subset of Markdown (headings, paragraphs, lists, bold,
inline code, links) that converts line by line to reStructuredText.
Run: python3 tools/gen_readme.py [--check]
"""

import ast
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
ADDONS = sorted(p.parent for p in ROOT.glob("*/__manifest__.py"))
SECTIONS = [
    ("DESCRIPTION.md", None),
    ("CONFIGURE.md", "Configuration"),
    ("USAGE.md", "Usage"),
    ("ROADMAP.md", "Known issues / Roadmap"),
    ("CONTRIBUTORS.md", "Contributors"),
]
UNDERLINES = "=~-^"


def inline(text):
    text = re.sub(r"`([^`]+)`", r"``\1``", text)
    text = re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r"`\1 <\2>`_", text)
    return text


def md_to_rst(md, level):
    # prettier writes emphasis as _text_, possibly across a line break
    md = re.sub(r"(?<![\w`])_([^_`]+)_(?![\w`])", r"*\1*", md)
    out = []
    for line in md.splitlines():
        heading = re.match(r"^(#+)\s+(.*)$", line)
        if heading:
            title = inline(heading.group(2).strip())
            depth = min(level + len(heading.group(1)) - 1, len(UNDERLINES) - 1)
            out += [title, UNDERLINES[depth] * len(title.encode("utf-8")), ""]
            continue
        numbered = re.match(r"^(\s*)\d+\.\s+(.*)$", line)
        if numbered:
            out.append(f"{numbered.group(1)}#. {inline(numbered.group(2))}")
            continue
        out.append(inline(line))
    return "\n".join(out).strip() + "\n"


def build(addon):
    manifest = ast.literal_eval((addon / "__manifest__.py").read_text(encoding="utf-8"))
    title = manifest["name"]
    parts = [
        "=" * len(title),
        title,
        "=" * len(title),
        "",
        ".. |badge1| image:: https://img.shields.io/badge/licence-"
        + manifest["license"].replace("-", "--")
        + "-blue.png",
        "    :alt: License: " + manifest["license"],
        ".. |badge2| image:: https://img.shields.io/badge/maturity-"
        + manifest["development_status"]
        + "-yellow.png",
        "    :alt: " + manifest["development_status"],
        "",
        "|badge1| |badge2|",
        "",
    ]
    for name, heading in SECTIONS:
        path = addon / "readme" / name
        if not path.exists():
            continue
        if heading:
            parts += [heading, "=" * len(heading), ""]
        parts.append(md_to_rst(path.read_text(encoding="utf-8"), 1 if heading else 0))
    parts += [
        "Maintainers",
        "===========",
        "",
        "This module is maintained by " + manifest["author"] + ".",
        "",
    ]
    return "\n".join(parts)


def main():
    for addon in ADDONS:
        write(addon, check="--check" in sys.argv)


def write(addon, check):
    rst = build(addon)
    target = addon / "README.rst"
    if check:
        if not target.exists() or target.read_text(encoding="utf-8") != rst:
            sys.exit(f"{target} is out of date: run python3 tools/gen_readme.py")
        return
    target.write_text(rst, encoding="utf-8")
    try:
        from docutils.core import publish_string
    except ImportError:  # docutils comes with Odoo's requirements
        return
    settings = {"output_encoding": "unicode", "report_level": 3}
    html = publish_string(rst, writer_name="html5", settings_overrides=settings)
    (addon / "static" / "description" / "index.html").write_text(html, encoding="utf-8")


if __name__ == "__main__":
    main()
