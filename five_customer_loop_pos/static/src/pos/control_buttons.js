import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { formatDate } from "@web/core/l10n/dates";
import { AlertDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { ControlButtons } from "@point_of_sale/app/screens/product_screen/control_buttons/control_buttons";
import { SelectionPopup } from "@point_of_sale/app/utils/input_popups/selection_popup";
import { makeAwaitable } from "@point_of_sale/app/store/make_awaitable_dialog";

patch(ControlButtons.prototype, {
    get loopSelectedLine() {
        return this.currentOrder?.get_selected_orderline();
    },
    /** Credit the selected line to a staff member of the store (the beautician). */
    async clickLoopStaff() {
        const line = this.loopSelectedLine;
        if (!line) {
            this.notification.add(_t("Select the line to credit."));
            return;
        }
        const staff = await makeAwaitable(this.dialog, SelectionPopup, {
            title: _t("Who served %s?", line.get_full_product_name()),
            list: this.pos.loopStaff.map((user) => ({
                id: user.id,
                item: user,
                label: user.name,
                isSelected: user.id === line.loop_staff_id?.id,
            })),
        });
        if (staff) {
            line.loopCreditStaff(staff);
        }
    },
    /** The card types on sale at this till: sell one, or top up the customer's. */
    get loopCardOffers() {
        const offers = this.pos.loopCardProducts;
        return Object.entries(offers)
            .map(([id, offer]) => ({
                product: this.pos.models["product.product"].get(Number(id)),
                ...offer,
            }))
            .filter((offer) => offer.product);
    },
    async clickLoopSellCard() {
        const offers = this.loopCardOffers;
        if (!offers.length) {
            this.dialog.add(AlertDialog, {
                title: _t("No card on sale"),
                body: _t(
                    "No card type has a product sold at this till: set one in Customer Loop › Configuration › Card Types."
                ),
            });
            return;
        }
        const actions = { true: _t("Top up"), false: _t("New card") };
        // a top-up goes on the customer's card; without one, the sale issues it
        const holds = Boolean(
            this.pos.loopUsableCards(this.currentOrder.get_partner(), "value").length
        );
        const offer = await makeAwaitable(this.dialog, SelectionPopup, {
            title: _t("Sell or top up a card"),
            list: offers.map((o, index) => ({
                id: o.product.id,
                item: o,
                label: _t("%(action)s: %(card)s, %(price)s", {
                    action: actions[Boolean(o.top_up && holds)],
                    card: o.name,
                    price: this.env.utils.formatCurrency(o.product.lst_price),
                }),
                isSelected: index === 0,
            })),
        });
        if (!offer) {
            return;
        }
        await this.pos.addLineToCurrentOrder({ product_id: offer.product }, {});
        if (!this.currentOrder.get_partner()) {
            // the card will be the customer's: choose her now
            await this.pos.selectPartner();
        }
    },
    /** The button shows when the customer holds a session package. */
    get loopShowPackageButton() {
        const partner = this.currentOrder?.get_partner();
        return Boolean(partner && this.pos.loopUsableCards(partner, "session").length);
    },
    get loopSelectedLineFromPackage() {
        return Boolean(this.currentOrder?.get_selected_orderline()?.loop_card_id);
    },
    loopCardLabel(card, product, line) {
        const left = this.pos.loopSessionsLeft(card, product, this.currentOrder, line);
        const expiry = card.expiry_date
            ? _t("valid until %s", formatDate(luxon.DateTime.fromISO(card.expiry_date)))
            : _t("never expires");
        return _t("%(card)s: %(left)s session(s) left, %(expiry)s", {
            card: card.code,
            left,
            expiry,
        });
    },
    /**
     * Take the selected service from the customer's package (free at the till,
     * one session per unit), or pay it normally again. With several packages
     * the cashier chooses; the one expiring first comes first.
     */
    async clickLoopPackage() {
        const order = this.currentOrder;
        const line = order.get_selected_orderline();
        const partner = order.get_partner();
        if (!line) {
            this.notification.add(_t("Select the service to take from a package."));
            return;
        }
        if (line.loop_card_id) {
            line.loopReleasePackage();
            return;
        }
        const product = line.product_id;
        const cards = this.pos.loopPackageCards(partner, product, order, line);
        if (!cards.length) {
            this.dialog.add(AlertDialog, {
                title: _t("No package for this service"),
                body: _t(
                    "%(customer)s has no session of %(service)s left on a package.",
                    {
                        customer: partner.name,
                        service: product.display_name,
                    }
                ),
            });
            return;
        }
        // the card the cashier scanned comes first
        let card = cards.find((c) => c.id === order.uiState.loopCardId) || cards[0];
        if (cards.length > 1) {
            const first = card;
            card = await makeAwaitable(this.dialog, SelectionPopup, {
                title: _t("Take %s from which package?", product.display_name),
                list: cards.map((c) => ({
                    id: c.id,
                    item: c,
                    label: this.loopCardLabel(c, product, line),
                    isSelected: c === first,
                })),
            });
            if (!card) {
                return;
            }
        }
        line.loopUsePackage(card);
    },
});
