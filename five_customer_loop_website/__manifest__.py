# Copyright 2026 Five Customer Loop Developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Five-Customer Loop - Online Booking",
    "summary": "Customers book their visits themselves on the store's website",
    "version": "18.0.1.0.0",
    "category": "Website/Website",
    "website": "https://github.com/five-customer-loop/five_customer_loop",
    "author": "Five Customer Loop Developers",
    "maintainers": ["five-customer-loop"],
    "license": "LGPL-3",
    "development_status": "Alpha",
    "installable": True,
    "depends": ["five_customer_loop", "website", "portal", "resource"],
    "data": [
        "security/ir.model.access.csv",
        "security/ir_rule.xml",
        "data/loop_channel_data.xml",
        "data/waitlist_data.xml",
        "views/calendar_event_views.xml",
        "views/loop_booking_waitlist_views.xml",
        "views/res_users_views.xml",
        "views/loop_settings_views.xml",
        "views/booking_templates.xml",
        "views/portal_templates.xml",
        "data/website_menu_data.xml",
        "views/menus.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "five_customer_loop_website/static/tests/tours/**/*",
        ],
    },
    "post_init_hook": "post_init_hook",
}
