import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { ProductScreen } from "@point_of_sale/app/screens/product_screen/product_screen";
import { LoopStatus } from "./loop_status";

patch(ProductScreen, {
    components: { ...ProductScreen.components, LoopStatus },
});

patch(ProductScreen.prototype, {
    /**
     * A scanned prepaid card (the barcode printed on it) selects its customer
     * and the card, as pos_loyalty does with its cards; any other code is a
     * product, as before.
     */
    async _barcodeProductAction(code) {
        const known = this.pos.models["product.product"].getBy(
            "barcode",
            code.base_code
        );
        if (!known) {
            const card = await this.pos.loopFindCard(code.base_code);
            if (card) {
                this.loopSelectCard(card);
                return;
            }
        }
        return await super._barcodeProductAction(...arguments);
    },
    loopSelectCard(card) {
        const order = this.currentOrder;
        const partner = card.partner_id;
        if (order.get_partner()?.id !== partner.id) {
            order.set_partner(partner);
        }
        order.uiState.loopCardId = card.id;
        this.notification.add(
            _t("Card %(card)s of %(customer)s", {
                card: card.code,
                customer: partner.name,
            }),
            { type: "success" }
        );
    },
});
