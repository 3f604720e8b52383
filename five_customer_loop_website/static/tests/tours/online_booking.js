import { registry } from "@web/core/registry";

// A visitor books Mei on Tuesday at 13:00, in Chinese, through the page's form.
registry.category("web_tour.tours").add("five_customer_loop_online_booking", {
    steps: () => [
        {
            content: "The page speaks Chinese",
            trigger: "h1:contains('预约到店')",
        },
        {
            content: "Choose the facial",
            trigger: ".o_loop_booking_form label:contains('Tour Facial') input",
            run: "click",
        },
        {
            content: "Choose Mei",
            trigger: ".o_loop_booking_form select[name='staff']",
            run: "selectByLabel Mei",
        },
        {
            content: "Choose Tuesday 8 December",
            trigger: ".o_loop_booking_form label[for='day_2026-12-08']",
            run: "click",
        },
        {
            content: "Show the free times",
            trigger: "button.o_loop_show_times",
            run: "click",
        },
        {
            content: "Take 13:00",
            trigger: "a.o_loop_slot:contains('13:00')",
            run: "click",
        },
        {
            trigger: "#loop_name",
            run: "edit 王芳",
        },
        {
            trigger: "#loop_mobile",
            run: "edit 138 0013 8000",
        },
        {
            content: "Book",
            trigger: "button.o_loop_book",
            run: "click",
        },
        {
            content: "Booked, in Chinese",
            trigger: "h1.o_loop_booked:contains('预约成功')",
        },
    ],
});

// A second visitor had the confirmation page of that slot open: her booking
// is refused with the reason, and the slot is gone from the page.
registry.category("web_tour.tours").add("five_customer_loop_online_booking_taken", {
    steps: () => [
        {
            trigger: "#loop_name",
            run: "edit 李娜",
        },
        {
            trigger: "#loop_mobile",
            run: "edit 13900139000",
        },
        {
            content: "Book the slot taken meanwhile",
            trigger: "button.o_loop_book",
            run: "click",
        },
        {
            content: "Refused, with the reason",
            trigger: ".o_loop_booking_error:contains('不再空闲')",
        },
        {
            content: "Choose another time",
            trigger: "a.o_loop_other_time",
            run: "click",
        },
        {
            content: "13:00 is gone (and 13:30, 14:00: 90 minutes); 14:30 is free",
            trigger:
                ".o_loop_slots:not(:has(a.o_loop_slot:contains('13:00'))):has(a.o_loop_slot:contains('14:30'))",
        },
    ],
});

// Mei's Tuesday is full: a visitor joins the waitlist (in Chinese).
registry.category("web_tour.tours").add("five_customer_loop_waitlist_join", {
    steps: () => [
        {
            content: "No free time that day",
            trigger: ".o_loop_slots:not(:has(a.o_loop_slot)) .o_loop_waitlist_form",
        },
        {
            trigger: ".o_loop_waitlist_form input[name='name']",
            run: "edit 王芳",
        },
        {
            trigger: ".o_loop_waitlist_form input[name='mobile']",
            run: "edit 13800138000",
        },
        {
            content: "Wait for a time",
            trigger: "button.o_loop_wait",
            run: "click",
        },
        {
            content: "On the waitlist, in Chinese",
            trigger: "h1.o_loop_waiting:contains('候补')",
        },
    ],
});

// The morning was cancelled: her link holds 09:00 for her; she books it.
registry.category("web_tour.tours").add("five_customer_loop_waitlist_take", {
    steps: () => [
        {
            content: "The time held for her",
            trigger: ".o_loop_booking_summary:contains('09:00')",
        },
        {
            content: "Book it",
            trigger: "button.o_loop_take",
            run: "click",
        },
        {
            trigger: "h1.o_loop_booked:contains('预约成功')",
        },
    ],
});
