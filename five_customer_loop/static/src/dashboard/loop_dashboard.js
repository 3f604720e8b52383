import { Component, onWillStart, useState } from "@odoo/owl";
import { formatCurrency } from "@web/core/currency";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { Layout } from "@web/search/layout";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";

/**
 * The manager dashboard of the Five-Customer Loop: one server call for every
 * figure; each figure opens the records behind it.
 */
export class LoopDashboard extends Component {
    static template = "five_customer_loop.LoopDashboard";
    static components = { Layout };
    static props = { ...standardActionServiceProps };

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({ data: null, storeId: false, month: false });
        onWillStart(() => this.load());
    }

    async load() {
        this.state.data = await this.orm.call(
            "loop.dashboard",
            "get_dashboard_data",
            [],
            {
                store_id: this.state.storeId || false,
                month: this.state.month || false,
            }
        );
    }

    onStoreChange(ev) {
        this.state.storeId = parseInt(ev.target.value) || false;
        return this.load();
    }

    onMonthChange(ev) {
        this.state.month = ev.target.value || false;
        return this.load();
    }

    monthLabel(day) {
        return day.slice(0, 7);
    }

    get data() {
        return this.state.data;
    }

    get maxStage() {
        return Math.max(1, ...this.data.stages.map((s) => s.count));
    }

    get maxTier() {
        return Math.max(1, ...this.data.tiers.map((t) => t.count));
    }

    get lastRetention() {
        const trend = this.data.trend;
        return trend.length ? trend[trend.length - 1] : null;
    }

    percent(value) {
        return `${(value || 0).toFixed(1)} %`;
    }

    money(value) {
        return formatCurrency(value || 0, this.data.currency_id);
    }

    barWidth(count, max) {
        return `width: ${Math.max(2, (100 * count) / max)}%`;
    }

    trendHeight(row) {
        // no customer active at the start: no rate, no bar
        return `height: ${row.active_start ? Math.max(2, row.retention_rate) : 0}%`;
    }

    get moveCards() {
        const moves = this.data.moves;
        return [
            {
                key: "new_retention",
                title: _t("New customers back within 90 days"),
                hint: _t("new customers"),
                move: moves.new_retention,
            },
            {
                key: "revisit",
                title: _t("Visits followed by another within 90 days"),
                hint: _t("visits"),
                move: moves.revisit,
            },
            {
                key: "prebook",
                title: _t("Pre-book rate"),
                hint: _t("visits booked again the same day"),
                move: moves.prebook,
            },
            {
                key: "converted",
                title: _t("Prospects converted"),
                move: moves.converted,
            },
        ];
    }

    openMove(card) {
        const opens = card.move.opens;
        if (opens.customers) {
            this.openCustomers(card.title, opens.customers);
        } else {
            this.action.doAction(opens.rates);
        }
    }

    openCustomers(name, domain) {
        this.action.doAction({
            type: "ir.actions.act_window",
            name,
            res_model: "res.partner",
            domain,
            views: this.data.partner_views,
            context: { default_is_company: false },
        });
    }

    openFigure(key) {
        const names = {
            kept: _t("Kept Customers"),
            prospects: _t("Prospects"),
            first_timers: _t("First-Time Customers"),
            at_risk: _t("At Risk"),
            due: _t("Due for a Visit"),
        };
        this.openCustomers(names[key], this.data[key].domain);
    }

    openSnapshots(row) {
        this.action.doAction({
            type: "ir.actions.act_window",
            name: _t("Retention %s", row.month),
            res_model: "loop.retention.snapshot",
            domain: row.domain,
            views: [
                [false, "list"],
                [false, "pivot"],
                [false, "graph"],
            ],
        });
    }

    openAllSnapshots() {
        this.action.doAction("five_customer_loop.loop_retention_snapshot_action");
    }

    openCards() {
        if (this.data.card_liability.action) {
            this.action.doAction(this.data.card_liability.action);
        }
    }
}

registry.category("actions").add("five_customer_loop.dashboard", LoopDashboard);
