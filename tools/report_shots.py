"""Pictures of the addon's PDF reports, rendered by Odoo from the demo database.

Usage (Odoo's virtual environment, ODOO_SRC pointing at the Odoo tree):
    python tools/report_shots.py --db five_customer_loop_demo OUT_DIR
Renders, as the demo's store manager in Chinese: the customer archive of the
demo customer with the most visits, the monthly loop report of last month and
the card liability statement of the last 12 months; writes the first page of
each as PNG (pdftoppm, from poppler-utils) into OUT_DIR.
"""

import argparse
import os
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="five_customer_loop_demo")
    parser.add_argument("--login", default="manager")
    parser.add_argument("--dpi", type=int, default=80)
    parser.add_argument("out_dir")
    args = parser.parse_args()
    odoo_src = os.environ.get("ODOO_SRC", "/opt/odoo-18.0")
    sys.path.insert(0, odoo_src)
    import odoo
    from odoo import api
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(
        [
            f"--addons-path={odoo_src}/addons,{ROOT}",
            "--db_user="
            + os.environ.get("FCL_DB_USER", os.environ.get("USER", "odoo")),
            "--log-level=warn",
        ]
    )
    registry = Registry(args.db)
    out_dir = pathlib.Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        user = env["res.users"].search([("login", "=", args.login)], limit=1)
        env = api.Environment(
            cr, user.id, {"lang": user.lang, "tz": user.tz or "Asia/Shanghai"}
        )
        Report = env["ir.actions.report"]
        partner = (
            env["loop.customer"]
            .search([], order="visit_count desc, partner_id", limit=1)
            .partner_id
        )
        monthly = env["loop.monthly.report.wizard"].create({})
        liability = env["loop.card.liability.wizard"].create(
            {
                "date_from": odoo.fields.Date.subtract(
                    odoo.fields.Date.context_today(monthly), years=1
                )
            }
        )
        liability._compute_lines()  # as its Print button does
        reports = [
            (
                "report_customer_archive",
                "five_customer_loop.report_customer_archive",
                partner,
            ),
            ("report_monthly", "five_customer_loop.report_monthly_loop", monthly),
            (
                "report_card_liability",
                "five_customer_loop.report_loop_card_liability",
                liability,
            ),
        ]
        for name, report, records in reports:
            pdf, _kind = Report._render_qweb_pdf(report, records.ids)
            with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
                tmp.write(pdf)
                tmp.flush()
                subprocess.run(
                    [
                        "pdftoppm",
                        "-png",
                        "-r",
                        str(args.dpi),
                        "-f",
                        "1",
                        "-l",
                        "1",
                        "-singlefile",
                        tmp.name,
                        str(out_dir / name),
                    ],
                    check=True,
                )
            print(out_dir / f"{name}.png")
        cr.rollback()


if __name__ == "__main__":
    main()
