import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { AlertDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { PaymentScreen } from "@point_of_sale/app/screens/payment_screen/payment_screen";
import { ask } from "@point_of_sale/app/store/make_awaitable_dialog";
import { roundCurrency } from "@point_of_sale/app/models/utils/currency";

patch(PaymentScreen.prototype, {
    get loopHasCardMethod() {
        return this.payment_methods_from_config.some((method) => method.loop_is_card);
    },
    /** Stored value the customer can spend on this order. */
    get loopAvailable() {
        return this.pos.loopAvailableBalance(
            this.currentOrder.get_partner(),
            this.currentOrder
        );
    },
    async loopAskCustomer(reason) {
        const bodies = {
            sale: _t(
                "A prepaid card is sold to a customer: choose who the card is for."
            ),
            payment: _t(
                "Paying with a prepaid card needs the customer who holds the card."
            ),
            package: _t(
                "A service taken from a package needs the customer who holds it."
            ),
        };
        const confirmed = await ask(this.dialog, {
            title: _t("Customer required"),
            body: bodies[reason],
        });
        if (confirmed) {
            // not awaited, as in the core: validating again must not wait for it
            this.pos.selectPartner();
        }
    },
    loopRefuse(title, body) {
        this.dialog.add(AlertDialog, { title, body });
    },
    async addNewPaymentLine(paymentMethod) {
        if (!paymentMethod.loop_is_card) {
            return await super.addNewPaymentLine(...arguments);
        }
        const order = this.currentOrder;
        const partner = order.get_partner();
        if (!partner) {
            await this.loopAskCustomer("payment");
            return false;
        }
        const due = order.get_due();
        const available = this.loopAvailable - order.loopCardPaymentTotal();
        if (due > 0 && available <= 0) {
            this.loopRefuse(
                _t("No stored value"),
                _t("%(customer)s has no stored value left on a prepaid card.", {
                    customer: partner.name,
                })
            );
            return false;
        }
        // A card payment line is a customer account line for Odoo (no journal):
        // add it directly, without the core's invoice reminder for those.
        const line = order.add_paymentline(paymentMethod);
        if (!line) {
            return false;
        }
        this.numberBuffer.reset();
        if (due > 0) {
            line.set_amount(roundCurrency(Math.min(due, available), this.pos.currency));
        }
        return true;
    },
    /**
     * The till's own check before the server's: a customer for card sales,
     * payments and packages, no more stored value or sessions than they hold.
     */
    async _isOrderValid(isForceValidate) {
        const order = this.currentOrder;
        const reason = order.loopCustomerReason();
        const partner = order.get_partner();
        if (reason && !partner) {
            await this.loopAskCustomer(reason);
            return false;
        }
        const paid = roundCurrency(order.loopCardPaymentTotal(), this.pos.currency);
        const available = this.loopAvailable;
        if (paid > available) {
            const fmt = (amount) => this.env.utils.formatCurrency(amount);
            this.loopRefuse(
                _t("Not enough stored value"),
                _t(
                    "%(customer)s has %(available)s of stored value left: the prepaid card cannot pay %(paid)s. Lower the card payment and pay the rest another way.",
                    {
                        customer: partner.name,
                        available: fmt(available),
                        paid: fmt(paid),
                    }
                )
            );
            return false;
        }
        for (const line of order.loopPackageLines()) {
            const card = line.loop_card_id;
            const left = this.pos.loopSessionsLeft(card, line.product_id, order, line);
            if (line.get_quantity() > left) {
                this.loopRefuse(
                    _t("Not enough sessions"),
                    _t(
                        "Package %(card)s has %(left)s session(s) of %(service)s left, not %(qty)s.",
                        {
                            card: card.code,
                            left,
                            service: line.product_id.display_name,
                            qty: line.get_quantity(),
                        }
                    )
                );
                return false;
            }
        }
        return await super._isOrderValid(...arguments);
    },
    async _finalizeValidation() {
        // a new attempt: a new refusal shows its own reason
        this.currentOrder.uiState.loopRefusal = false;
        return await super._finalizeValidation(...arguments);
    },
});
