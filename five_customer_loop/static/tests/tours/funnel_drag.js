import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("five_customer_loop_funnel_drag", {
    url: "/odoo/action-five_customer_loop.res_partner_action_loop_funnel",
    steps: () => [
        {
            content: "The funnel shows Tina in Attract",
            trigger:
                ".o_kanban_group:has(.o_column_title:contains('Attract')) .o_kanban_record:contains('Tour Tina')",
        },
        {
            content: "Drag Tina to the Lock-in column",
            trigger: ".o_kanban_record:contains('Tour Tina')",
            run: "drag_and_drop (.o_kanban_group:has(.o_column_title:contains('Lock-in')))",
        },
        {
            content: "Tina now sits in Lock-in, pinned",
            trigger:
                ".o_kanban_group:has(.o_column_title:contains('Lock-in')) .o_kanban_record:contains('Tour Tina') .fa-thumb-tack",
        },
    ],
});
