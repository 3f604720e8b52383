# Copyright 2026 Five Customer Loop Developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Five-Customer Loop - Job Queue",
    "summary": "Run the loop's nightly recompute as queue jobs (OCA queue_job)",
    "version": "18.0.1.0.0",
    "category": "Sales/Point of Sale",
    "website": "https://github.com/five-customer-loop/five_customer_loop",
    "author": "Five Customer Loop Developers",
    "maintainers": ["five-customer-loop"],
    "license": "LGPL-3",
    "development_status": "Beta",
    "installable": True,
    "auto_install": True,
    "depends": ["five_customer_loop", "queue_job"],
    "data": [
        "data/queue_job_channel_data.xml",
        "data/queue_job_function_data.xml",
    ],
}
