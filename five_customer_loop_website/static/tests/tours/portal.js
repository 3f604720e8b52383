import { registry } from "@web/core/registry";

// Anna on her page: her Gold Card's balance, her package's sessions left; she
// cancels Thursday's booking (inside the window) and cannot change today's.
registry.category("web_tour.tours").add("five_customer_loop_portal", {
    steps: () => [
        {
            content: "The Gold Card's balance",
            trigger:
                ".o_loop_my_card:contains('Gold Card') .o_loop_balance:contains('11,000.00')",
        },
        {
            content: "The package's sessions left, per service",
            trigger:
                ".o_loop_my_card:contains('Facial Package') .o_loop_sessions:contains('10 sessions left')",
        },
        {
            content: "Today's booking cannot be changed here any more",
            trigger: ".o_loop_my_booking:contains('12-07') .o_loop_call_store",
        },
        {
            content: "Cancel Thursday's booking",
            trigger: ".o_loop_my_booking:contains('12-10') .o_loop_cancel",
            run: "click",
        },
        {
            content: "Cancelled; today's booking is still there",
            trigger: ".o_loop_cancelled",
        },
        {
            trigger:
                ".o_loop_my_bookings:not(:has(.o_loop_my_booking:contains('12-10')))",
        },
    ],
});
