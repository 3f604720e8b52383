"""Keep the addon's translations complete.

    python tools/i18n.py merge POT [ADDON]  # merge an export into i18n/*.pot, zh_CN.po
    python tools/i18n.py check POT [ADDON]  # fail when the export differs from
                                            # i18n/*.pot or when zh_CN.po leaves a
                                            # string untranslated

ADDON is the addon whose i18n/ folder is meant (five_customer_loop by default).

POT is a template exported by Odoo itself (``odoo-bin --i18n-export``); the test
command exports one from its test database and runs ``check``. Uses polib, which
comes with Odoo's requirements.
"""

import pathlib
import sys

import polib

ROOT = pathlib.Path(__file__).resolve().parent.parent
LANGS = ("zh_CN",)


def _paths(addon):
    i18n = ROOT / addon / "i18n"
    return i18n, i18n / f"{addon}.pot"


def _key(entry):
    return (entry.msgctxt or "", entry.msgid)


def merge(fresh_path, addon="five_customer_loop"):
    I18N, POT = _paths(addon)
    I18N.mkdir(exist_ok=True)
    fresh = polib.pofile(fresh_path)
    fresh.save(str(POT))
    for lang in LANGS:
        path = I18N / f"{lang}.po"
        old = polib.pofile(str(path)) if path.exists() else polib.POFile()
        known = {_key(e): e.msgstr for e in old if e.msgstr}
        # also reuse a translation when only the context (module:field) changed
        by_id = {e.msgid: e.msgstr for e in old if e.msgstr}
        po = polib.pofile(fresh_path)
        po.metadata.update(
            {
                "Language": lang,
                "Content-Type": "text/plain; charset=UTF-8",
                "Content-Transfer-Encoding": "",
                "Plural-Forms": "",
            }
        )
        for entry in po:
            entry.msgstr = known.get(_key(entry)) or by_id.get(entry.msgid, "")
        po.save(str(path))
        missing = [e.msgid for e in po if not e.msgstr]
        sys.stdout.write(f"{lang}: {len(po)} strings, {len(missing)} untranslated\n")


def check(fresh_path, addon="five_customer_loop"):
    I18N, POT = _paths(addon)
    errors = []
    fresh = {_key(e) for e in polib.pofile(fresh_path)}
    committed = {_key(e) for e in polib.pofile(str(POT))} if POT.exists() else set()
    if fresh != committed:
        errors.append(
            f"{POT.name} is out of date: {len(fresh - committed)} new and "
            f"{len(committed - fresh)} stale strings (run tools/i18n.sh)"
        )
    for lang in LANGS:
        path = I18N / f"{lang}.po"
        po = polib.pofile(str(path)) if path.exists() else []
        translated = {_key(e) for e in po if e.msgstr and not e.obsolete}
        for key in sorted(fresh - translated):
            errors.append(f"{lang}: untranslated: {key[1][:70]!r}")
    for error in errors[:40]:
        sys.stdout.write(error + "\n")
    if errors:
        sys.exit(f"i18n check failed: {len(errors)} problems")
    sys.stdout.write("i18n check passed\n")


if __name__ == "__main__":
    {"merge": merge, "check": check}[sys.argv[1]](*sys.argv[2:4])
