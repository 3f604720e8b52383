import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("five_customer_loop_dashboard", {
    url: "/odoo/action-five_customer_loop.loop_dashboard_action",
    steps: () => [
        {
            content: "The dashboard counts one customer at risk",
            trigger:
                ".o_loop_dashboard .o_loop_kpi[name='at_risk'] .fs-2:contains('1')",
        },
        {
            content: "The Retain stage holds one customer",
            trigger:
                ".o_loop_dashboard .o_loop_bar_row:contains('Retain') strong:contains('1')",
        },
        {
            content: "Open the customers at risk",
            trigger: ".o_loop_dashboard .o_loop_kpi[name='at_risk']",
            run: "click",
        },
        {
            content: "The list shows Rita, at risk, and not Sam",
            trigger: ".o_list_view .o_data_row:contains('Tour Rita')",
        },
        {
            content: "Only Rita",
            trigger: ".o_list_view:not(:has(.o_data_row:contains('Tour Sam')))",
        },
    ],
});
