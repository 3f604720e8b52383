from odoo import models


class LoopCareRecord(models.Model):
    """Care records of a booking take their session from the booking's card."""

    _inherit = "loop.care.record"

    def _on_done(self):
        res = super()._on_done()
        self._loop_consume_booking_sessions()
        return res

    def _on_cancel(self):
        self._loop_reverse_booking_sessions()
        return super()._on_cancel()

    def _loop_booking_card_records(self):
        """Records whose service is on the card attached to their booking."""
        return self.filtered(
            lambda r: r.calendar_event_id.loop_card_id
            and r.product_id
            in r.calendar_event_id._loop_card_services(r.calendar_event_id.loop_card_id)
        )

    def _loop_consume_booking_sessions(self):
        """One session of the record's service from the booking's card.

        The move carries the booking (``calendar_event_id``) and the care
        record as its reference; ``consume_session`` refuses (nothing written)
        when no session is left or the card expired.
        """
        for record in self._loop_booking_card_records():
            event = record.calendar_event_id
            event.loop_card_id.consume_session(
                record.product_id,
                {"calendar_event_id": event.id, "origin": record.display_name},
            )

    def _loop_reverse_booking_sessions(self):
        """Give back the sessions the records took from their booking's card."""
        records = self._loop_booking_card_records()
        if not records:
            return
        moves = self.env["loop.card.move"].search(
            [
                ("calendar_event_id", "in", records.calendar_event_id.ids),
                ("kind", "=", "consume"),
                ("reversed_move_id", "=", False),
                ("reversal_ids", "=", False),
            ]
        )
        for event, event_records in records.grouped("calendar_event_id").items():
            to_reverse = moves.filtered(
                lambda m, e=event, r=event_records: m.calendar_event_id == e
                and m.product_id in r.product_id
            )
            if to_reverse:
                to_reverse.action_reverse(
                    self.env._(
                        "Care record cancelled: %(records)s",
                        records=", ".join(event_records.mapped("display_name")),
                    ),
                    {"calendar_event_id": event.id},
                )
