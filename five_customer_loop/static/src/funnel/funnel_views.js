import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { kanbanView } from "@web/views/kanban/kanban_view";
import { KanbanController } from "@web/views/kanban/kanban_controller";
import { listView } from "@web/views/list/list_view";
import { ListController } from "@web/views/list/list_controller";

// A card or row of the funnel is a customer's place in one company's loop
// (loop.customer): opening it opens the customer's archive page.
const OpensPartner = (Controller) =>
    class extends Controller {
        setup() {
            super.setup();
            this.loopOrm = useService("orm");
        }

        async openRecord(record) {
            const action = await this.loopOrm.call(
                "loop.customer",
                "action_open_partner",
                [[record.resId]]
            );
            return this.actionService.doAction(action);
        }
    };

export const LoopFunnelKanbanController = OpensPartner(KanbanController);
export const LoopFunnelListController = OpensPartner(ListController);

registry.category("views").add("loop_funnel_kanban", {
    ...kanbanView,
    Controller: LoopFunnelKanbanController,
});
registry.category("views").add("loop_funnel_list", {
    ...listView,
    Controller: LoopFunnelListController,
});
