# Copyright 2026 Five Customer Loop Developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Five-Customer Loop - Point of Sale",
    "summary": "The loop at the till: paid POS orders as visits, customers' status, "
    "prepaid cards, staff credit and stores",
    "version": "18.0.1.1.0",
    "category": "Sales/Point of Sale",
    "website": "https://github.com/five-customer-loop/five_customer_loop",
    "author": "Five Customer Loop Developers",
    "maintainers": ["five-customer-loop"],
    "license": "LGPL-3",
    "development_status": "Beta",
    "installable": True,
    "auto_install": True,
    "post_init_hook": "post_init_hook",
    "depends": ["five_customer_loop", "point_of_sale"],
    "data": [
        # security
        "security/ir.model.access.csv",
        # views
        "views/pos_views.xml",
        "views/loop_card_views.xml",
        "views/loop_measure_views.xml",
        "views/loop_report_views.xml",
        "views/res_partner_views.xml",
    ],
    "assets": {
        "point_of_sale._assets_pos": [
            "five_customer_loop_pos/static/src/pos/**/*",
        ],
        "web.assets_tests": [
            "five_customer_loop_pos/static/tests/tours/**/*",
        ],
    },
}
