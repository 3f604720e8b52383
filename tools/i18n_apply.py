"""Fill zh_CN.po from JSON files mapping msgid -> translation (translation batches).

python tools/i18n_apply.py [--addon ADDON] BATCH.json [BATCH2.json ...]

ADDON is the addon whose i18n/zh_CN.po is filled (five_customer_loop by default).
"""

import json
import pathlib
import sys

import polib

ROOT = pathlib.Path(__file__).resolve().parent.parent


def main():
    args = sys.argv[1:]
    addon = "five_customer_loop"
    if args[:1] == ["--addon"]:
        addon, args = args[1], args[2:]
    PO = ROOT / addon / "i18n" / "zh_CN.po"
    table = {}
    for path in args:
        table.update(json.loads(pathlib.Path(path).read_text(encoding="utf-8")))
    po = polib.pofile(str(PO))
    filled = 0
    for entry in po:
        if not entry.msgstr and table.get(entry.msgid):
            entry.msgstr = table[entry.msgid]
            filled += 1
    po.save(str(PO))
    missing = sum(1 for e in po if not e.msgstr)
    sys.stdout.write(f"filled {filled}, {missing} still untranslated\n")


if __name__ == "__main__":
    main()
