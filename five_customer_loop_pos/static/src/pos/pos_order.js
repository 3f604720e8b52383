import { patch } from "@web/core/utils/patch";
import { PosOrder } from "@point_of_sale/app/models/pos_order";
import { PosOrderline } from "@point_of_sale/app/models/pos_order_line";
import { formatDate } from "@web/core/l10n/dates";
import { formatCurrency } from "@point_of_sale/app/models/utils/currency";

patch(PosOrder.prototype, {
    loopCardPayments() {
        return this.payment_ids.filter(
            (payment) => payment.payment_method_id?.loop_is_card
        );
    },
    loopCardPaymentTotal() {
        return this.loopCardPayments().reduce(
            (sum, payment) => sum + payment.get_amount(),
            0
        );
    },
    loopPackageLines() {
        return this.lines.filter((line) => line.loop_card_id);
    },
    loopCardSaleLines() {
        const products = this.session?._loop_card_products || {};
        return this.lines.filter(
            (line) => products[line.product_id?.id] && line.qty > 0
        );
    },
    /** What needs the customer on this order: a card sale, payment or package. */
    loopCustomerReason() {
        if (this.loopCardSaleLines().length) {
            return "sale";
        }
        if (this.loopCardPayments().length) {
            return "payment";
        }
        if (this.loopPackageLines().length) {
            return "package";
        }
        return false;
    },
    set_partner(partner) {
        const previous = this.get_partner();
        super.set_partner(...arguments);
        if (previous?.id !== this.get_partner()?.id) {
            // another customer's packages cannot pay for this one
            for (const line of this.loopPackageLines()) {
                line.loopReleasePackage();
            }
            // lines the cashier did not credit go to the customer's beautician
            for (const line of this.lines) {
                if (!line.uiState.loopStaffChosen) {
                    line.loopCreditStaff(this.loopDefaultStaff(), false);
                }
            }
        }
    },
    /** Who a new line credits: today's booking's staff member, else the cashier. */
    loopDefaultStaff() {
        const booked = this.get_partner()?.loop_booking_staff_id;
        return booked || this.user_id || false;
    },
    /** The prepaid cards of the receipt, as the server read them after the order. */
    loopReceiptCards() {
        return (this.loop_receipt_cards || []).map((card) => ({
            ...card,
            balance: formatCurrency(card.balance, this.currency),
            expiry: card.expiry_date
                ? formatDate(luxon.DateTime.fromISO(card.expiry_date))
                : false,
        }));
    },
    export_for_printing() {
        return {
            ...super.export_for_printing(...arguments),
            loopCards: this.loopReceiptCards(),
        };
    },
});

patch(PosOrderline.prototype, {
    /** Take this line from session package ``card``: free, one session per unit. */
    loopUsePackage(card) {
        this.update({ loop_card_id: card });
        this.price_type = "manual";
        this.set_unit_price(0);
        this.set_discount(0);
    },
    /** The line is paid again at the product's price. */
    loopReleasePackage() {
        this.update({ loop_card_id: false });
        this.price_type = "original";
        this.set_unit_price(
            this.product_id.get_price(
                this.order_id.pricelist_id,
                this.get_quantity(),
                this.get_price_extra()
            )
        );
    },
    /** Credit the line to ``staff`` (a res.users record); ``chosen`` by the cashier. */
    loopCreditStaff(staff, chosen = true) {
        this.update({ loop_staff_id: staff || false });
        this.uiState.loopStaffChosen = chosen;
    },
    getDisplayData() {
        return {
            ...super.getDisplayData(...arguments),
            loopStaff: this.loop_staff_id?.name || "",
        };
    },
    can_be_merged_with(orderline) {
        return (
            !this.loop_card_id &&
            !orderline.loop_card_id &&
            this.loop_staff_id?.id === orderline.loop_staff_id?.id &&
            super.can_be_merged_with(...arguments)
        );
    },
});
