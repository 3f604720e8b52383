import { Component } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { usePos } from "@point_of_sale/app/store/pos_hook";

/** The customer's place in the loop: tier, stage, health, stored value, sessions. */
export class LoopStatus extends Component {
    static template = "five_customer_loop_pos.LoopStatus";
    static props = {
        partner: { type: Object },
        compact: { type: Boolean, optional: true },
    };

    setup() {
        this.pos = usePos();
    }

    get atRisk() {
        return this.props.partner.loop_health === "at_risk";
    }

    get lost() {
        return this.props.partner.loop_health === "lost";
    }

    get healthLabel() {
        return this.lost ? _t("Lost") : _t("At risk");
    }

    get balance() {
        return this.env.utils.formatCurrency(this.props.partner.loop_card_balance || 0);
    }

    get sessions() {
        return this.props.partner.loop_card_sessions || 0;
    }
}
