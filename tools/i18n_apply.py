"""Fill zh_CN.po from JSON files mapping msgid -> translation (translation batches).

python tools/i18n_apply.py BATCH.json [BATCH2.json ...]
"""

import json
import pathlib
import sys

import polib

PO = pathlib.Path(__file__).resolve().parent.parent / "five_customer_loop/i18n/zh_CN.po"


def main():
    table = {}
    for path in sys.argv[1:]:
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
