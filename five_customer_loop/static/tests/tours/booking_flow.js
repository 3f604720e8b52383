import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("five_customer_loop_booking_flow", {
    url: "/odoo/action-five_customer_loop.calendar_event_action_loop_booking",
    steps: () => [
        {
            content: "The bookings open on the calendar",
            trigger: ".o_calendar_view",
        },
        {
            content: "Switch to the list of bookings",
            trigger: ".o_switch_view.o_list",
            run: "click",
        },
        {
            content: "Book a visit",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "Choose the customer",
            trigger: ".o_field_widget[name=loop_partner_id] input",
            run: "edit Tour Tina",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains('Tour Tina')",
            run: "click",
        },
        {
            content: "Choose the service",
            trigger: ".o_field_widget[name=loop_service_ids] input",
            run: "edit Tour Facial",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains('Tour Facial')",
            run: "click",
        },
        {
            content: "The service sets the duration",
            trigger: ".o_field_widget[name=duration] input:value(01:30)",
        },
        {
            content: "Save the booking",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Confirm it",
            trigger: "button[name=action_loop_confirm]",
            run: "click",
        },
        {
            content: "The customer arrives",
            trigger: "button[name=action_loop_arrive]",
            run: "click",
        },
        {
            content: "The service is done",
            trigger: "button[name=action_loop_done]",
            run: "click",
        },
        {
            content: "The next visit is proposed from the service's interval",
            trigger: ".modal .o_field_widget[name=interval_days] input:value(14)",
        },
        {
            content: "Book it in one click",
            trigger: ".modal button[name=action_book]",
            run: "click",
        },
        {
            content: "The next visit is booked",
            trigger:
                "body:not(:has(.modal)) .o_statusbar_status .o_arrow_button_current:contains('Booked')",
        },
        {
            content: "Its customer is Tina",
            trigger: ".o_field_widget[name=loop_partner_id] input:value(Tour Tina)",
        },
    ],
});
