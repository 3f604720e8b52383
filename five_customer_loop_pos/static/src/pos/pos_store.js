import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { AlertDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { PosStore } from "@point_of_sale/app/store/pos_store";
import { roundCurrency } from "@point_of_sale/app/models/utils/currency";

// Partner fields of the loop status, refreshed after each sync.
export const LOOP_PARTNER_FIELDS = [
    "loop_tier_name",
    "loop_stage_name",
    "loop_health",
    "loop_card_balance",
    "loop_card_sessions",
    "loop_booking_staff_id",
];

/**
 * The error the server raises when the prepaid cards refuse an order carries the
 * order's uuid (see LoopCardRefusal in models/pos_order.py).
 */
export function loopRefusedOrderUuid(error) {
    return error?.data?.context?.loop_card_refused_order || false;
}

function today() {
    return luxon.DateTime.now().toISODate();
}

patch(PosStore.prototype, {
    // ------------------------------------------------------------ card data
    get loopCardProducts() {
        return this.session._loop_card_products || {};
    },
    isLoopCardProduct(product) {
        return Boolean(product && this.loopCardProducts[product.id]);
    },
    /** Usable cards of ``partner`` of ``kind`` ("value" or "session"), expiring first first. */
    loopUsableCards(partner, kind) {
        if (!partner) {
            return [];
        }
        const day = today();
        return this.models["loop.card"]
            .filter(
                (card) =>
                    card.partner_id?.id === partner.id &&
                    card.kind === kind &&
                    card.state === "active" &&
                    (!card.expiry_date || card.expiry_date >= day)
            )
            .sort(
                (a, b) =>
                    (a.expiry_date ? 0 : 1) - (b.expiry_date ? 0 : 1) ||
                    (a.expiry_date || "").localeCompare(b.expiry_date || "") ||
                    a.id - b.id
            );
    },
    /** Paid orders of the till not yet saved on the server. */
    loopUnsyncedOrders(exceptOrder) {
        return this.models["pos.order"].filter(
            (order) =>
                order !== exceptOrder &&
                order.state === "paid" &&
                (this.pendingOrder.create.has(order.id) ||
                    this.pendingOrder.write.has(order.id))
        );
    },
    /**
     * Stored value ``partner`` can still spend on ``order``: the cards' balance
     * less what this till's unsynced orders already took.
     */
    loopAvailableBalance(partner, order) {
        if (!partner) {
            return 0;
        }
        const balance = this.loopUsableCards(partner, "value").reduce(
            (sum, card) => sum + card.balance,
            0
        );
        const pending = this.loopUnsyncedOrders(order)
            .filter((o) => o.get_partner()?.id === partner.id)
            .reduce((sum, o) => sum + o.loopCardPaymentTotal(), 0);
        return Math.max(roundCurrency(balance - pending, this.currency), 0);
    },
    /**
     * Sessions of ``product`` left on ``card`` for ``order``: the card's sessions
     * less those taken by unsynced orders and by the order's other lines.
     */
    loopSessionsLeft(card, product, order, exceptLine) {
        const left = (card.pos_sessions || {})[product.id] || 0;
        const used = [...this.loopUnsyncedOrders(order), order]
            .flatMap((o) => o?.lines || [])
            .filter(
                (line) =>
                    line !== exceptLine &&
                    line.loop_card_id?.id === card.id &&
                    line.product_id?.id === product.id
            )
            .reduce((sum, line) => sum + line.get_quantity(), 0);
        return Math.max(left - used, 0);
    },
    loopPackageCards(partner, product, order, exceptLine) {
        return this.loopUsableCards(partner, "session").filter(
            (card) => this.loopSessionsLeft(card, product, order, exceptLine) > 0
        );
    },
    /** Read again the loop status and the cards of these customers (online only). */
    async loopRefreshPartners(partnerIds) {
        const ids = [...new Set(partnerIds.filter((id) => typeof id === "number"))];
        if (!ids.length) {
            return;
        }
        try {
            await this.data.read("res.partner", ids, LOOP_PARTNER_FIELDS);
            await this.data.searchRead(
                "loop.card",
                [
                    ["partner_id", "in", ids],
                    ["company_id", "=", this.company.id],
                ],
                this.data.fields["loop.card"]
            );
        } catch (error) {
            // offline: the till keeps what it has; the server checks again
            console.info("Customer Loop: could not refresh the cards", error);
        }
    },

    // -------------------------------------------------------------- staff
    /** The store's staff a line can credit: the cashier first, then by name. */
    get loopStaff() {
        const [cashier, ...others] = this.models["res.users"].getAll();
        return [
            cashier,
            ...others.sort((a, b) => (a.name || "").localeCompare(b.name || "")),
        ].filter(Boolean);
    },

    // -------------------------------------------------------- card barcode
    /**
     * The card printed with barcode ``code``, of this till's company: its
     * customer is loaded (and selected by the caller), with her cards.
     * Returns the card record, or false when no card has this code.
     */
    async loopFindCard(code) {
        let card = this.models["loop.card"].find((c) => c.code === code);
        if (!card) {
            const found = await this.data.call("pos.session", "loop_find_card", [
                [odoo.pos_session_id],
                code,
            ]);
            if (!found) {
                return false;
            }
            if (!this.models["res.partner"].get(found.partner_id)) {
                await this.data.read(
                    "res.partner",
                    [found.partner_id],
                    this.data.fields["res.partner"]
                );
            }
            await this.loopRefreshPartners([found.partner_id]);
            card = this.models["loop.card"].get(found.card_id);
        }
        return card || false;
    },

    // ----------------------------------------------------------- overrides
    async addLineToOrder(vals, order, opts = {}, configure = true) {
        if (order && !("loop_staff_id" in vals)) {
            vals = { ...vals, loop_staff_id: order.loopDefaultStaff() };
        }
        return await super.addLineToOrder(vals, order, opts, configure);
    },
    async selectPartner() {
        const result = await super.selectPartner(...arguments);
        const partner = this.get_order()?.get_partner();
        if (partner) {
            // not awaited: the till goes on, the figures follow when they arrive
            this.loopRefreshPartners([partner.id]);
        }
        return result;
    },
    postSyncAllOrders(orders) {
        super.postSyncAllOrders(...arguments);
        const ids = (orders || []).map((order) => order.partner_id?.id).filter(Boolean);
        if (ids.length) {
            this.loopRefreshPartners(ids);
        }
    },
    /**
     * An order the prepaid cards refuse is not lost: it goes back to the open
     * orders with the reason shown, and the other orders of the batch are synced
     * again (the refused one as a draft).
     */
    async syncAllOrders(options = {}) {
        let result;
        try {
            result = await super.syncAllOrders(...arguments);
        } catch (error) {
            if (!loopRefusedOrderUuid(error)) {
                throw error;
            }
            result = error;
        }
        if (!(result instanceof Error) || !loopRefusedOrderUuid(result)) {
            return result;
        }
        const refused = await this.loopOnRefusal(result);
        if (!refused || (options.throw && refused === this.get_order())) {
            // the order being validated stays on the payment screen
            return false;
        }
        return await this.syncAllOrders(options);
    },
    /** Put the refused order back in the open orders and tell the cashier why. */
    async loopOnRefusal(error) {
        const order = this.models["pos.order"].getBy(
            "uuid",
            loopRefusedOrderUuid(error)
        );
        const reason = error.data.message;
        if (order) {
            order.state = "draft";
            order.uiState.loopRefusal = reason;
            this.addPendingOrder([order.id]);
        }
        let body = reason;
        if (order && order === this.get_order()) {
            body = _t(
                "%(reason)s\n\nThe order was not saved. Remove the prepaid card payment and settle it another way.",
                { reason }
            );
        } else if (order) {
            body = _t(
                "%(reason)s\n\nOrder %(order)s was not saved: it waits in the open orders. Settle it another way.",
                { reason, order: order.pos_reference || order.name }
            );
        }
        this.dialog.add(AlertDialog, { title: _t("Prepaid card refused"), body });
        if (order?.get_partner()) {
            await this.loopRefreshPartners([order.get_partner().id]);
        }
        return order;
    },
});
