import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("five_customer_loop_funnel_drag", {
    url: "/odoo/action-five_customer_loop.loop_customer_action_funnel",
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
        {
            content: "Open Tina's card",
            trigger: ".o_kanban_record:contains('Tour Tina') .fw-bold",
            run: "click",
        },
        {
            content: "Her archive page opens",
            trigger:
                ".o_form_view .o_field_widget[name='name'] input:value('Tour Tina')",
        },
    ],
});
