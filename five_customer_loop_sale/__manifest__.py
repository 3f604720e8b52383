# Copyright 2026 Five Customer Loop Developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Five-Customer Loop - Sales",
    "summary": "Count confirmed sale orders in the customer's consumption archive",
    "version": "18.0.1.1.0",
    "category": "Sales/Sales",
    "website": "https://github.com/five-customer-loop/five_customer_loop",
    "author": "Five Customer Loop Developers",
    "maintainers": ["five-customer-loop"],
    "license": "LGPL-3",
    "development_status": "Beta",
    "installable": True,
    "auto_install": True,
    "depends": ["five_customer_loop", "sale"],
    "data": [],
    "post_init_hook": "post_init_hook",
}
