import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { kanbanView } from "@web/views/kanban/kanban_view";
import { KanbanRenderer } from "@web/views/kanban/kanban_renderer";

// A card dropped in another stage does not move at once: the move wizard opens
// with that stage, and asks the reason (kept in the stage history) and whether
// to pin it. Cancelled, the card goes back where it was.
export class LoopFunnelKanbanRenderer extends KanbanRenderer {
    setup() {
        super.setup();
        this.loopOrm = useService("orm");
        this.loopAction = useService("action");
    }

    async sortRecordDrop(dataRecordId, dataGroupId, params) {
        const target = params.parent?.dataset.id;
        const list = this.props.list;
        if (!list.isGrouped || !target || target === dataGroupId) {
            return super.sortRecordDrop(dataRecordId, dataGroupId, params);
        }
        const group = list.groups.find((g) => g.id === target);
        const source = list.groups.find((g) => g.id === dataGroupId);
        const record = source?.list.records.find((r) => r.id === dataRecordId);
        params.parent.classList.remove("o_kanban_hover");
        if (!group || !record) {
            return;
        }
        const action = await this.loopOrm.call(
            "loop.customer",
            "action_move_stage",
            [[record.resId]],
            { stage_id: group.value }
        );
        await this.loopAction.doAction(action, {
            onClose: () => list.model.load(),
        });
        // until the wizard is applied, the card stays in its column
        this.render(true);
    }
}

registry.category("views").add("loop_funnel_kanban", {
    ...kanbanView,
    Renderer: LoopFunnelKanbanRenderer,
});
