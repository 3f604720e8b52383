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
            content: "The move asks for the reason, Lock-in chosen",
            trigger: ".modal .o_field_widget[name='stage_id'] input:value('Lock-in')",
        },
        {
            content: "Cancel: Tina stays in Attract",
            trigger: ".modal .modal-footer button:contains('Cancel')",
            run: "click",
        },
        {
            content: "Tina is still in Attract",
            trigger:
                ".o_kanban_group:has(.o_column_title:contains('Attract')) .o_kanban_record:contains('Tour Tina')",
        },
        {
            content: "Drag Tina to Lock-in again",
            trigger: ".o_kanban_record:contains('Tour Tina')",
            run: "drag_and_drop (.o_kanban_group:has(.o_column_title:contains('Lock-in')))",
        },
        {
            content: "Give the reason",
            trigger: ".modal .o_field_widget[name='reason'] input",
            run: "edit Bought a yearly card",
        },
        {
            content: "Move",
            trigger: ".modal .modal-footer button[name='action_apply']",
            run: "click",
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
            content: "Her place in the loop opens: Lock-in, pinned",
            trigger:
                ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Lock-in')",
        },
        {
            content: "Open her archive",
            trigger: ".o_form_view button[name='action_open_partner']",
            run: "click",
        },
        {
            content: "Her archive page opens",
            trigger:
                ".o_form_view .o_field_widget[name='name'] input:value('Tour Tina')",
        },
    ],
});
