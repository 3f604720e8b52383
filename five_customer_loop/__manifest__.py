# Copyright 2026 Five Customer Loop Developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Five-Customer Loop",
    "summary": "Attract, retain, lock in, expand and upgrade customers "
    "(五客循环) for retail and beauty chains",
    "version": "18.0.1.0.0",
    "category": "Sales/Point of Sale",
    "website": "https://github.com/five-customer-loop/five_customer_loop",
    "author": "Five Customer Loop Developers",
    "maintainers": ["five-customer-loop"],
    "license": "LGPL-3",
    "development_status": "Beta",
    "application": True,
    "installable": True,
    "depends": ["contacts", "mail", "calendar", "point_of_sale"],
    "external_dependencies": {"python": []},
    "data": [
        "security/five_customer_loop_groups.xml",
        "security/ir.model.access.csv",
        "security/ir_rule.xml",
        "data/loop_channel_data.xml",
        "data/loop_stage_data.xml",
        "data/loop_tier_data.xml",
        "data/mail_activity_type_data.xml",
        "data/ir_cron_data.xml",
        "wizards/loop_stage_move_wizard_views.xml",
        "views/res_partner_views.xml",
        "views/loop_stage_views.xml",
        "views/loop_tier_views.xml",
        "views/res_config_settings_views.xml",
        "report/loop_customer_analysis_views.xml",
        "views/menus.xml",
    ],
    "demo": ["demo/loop_demo.xml"],
    "assets": {
        "web.assets_tests": [
            "five_customer_loop/static/tests/tours/**/*",
        ],
    },
    "post_init_hook": "post_init_hook",
    "uninstall_hook": "uninstall_hook",
}
