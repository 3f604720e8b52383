import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { calendarView } from "@web/views/calendar/calendar_view";
import { CalendarController } from "@web/views/calendar/calendar_controller";

// The bookings calendar: a new slot opens a booking, not an "event".
export class LoopBookingCalendarController extends CalendarController {
    get editRecordDefaultDisplayText() {
        return _t("New Booking");
    }
}

registry.category("views").add("loop_booking_calendar", {
    ...calendarView,
    Controller: LoopBookingCalendarController,
});
