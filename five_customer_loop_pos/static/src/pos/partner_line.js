import { patch } from "@web/core/utils/patch";
import { PartnerLine } from "@point_of_sale/app/screens/partner_list/partner_line/partner_line";
import { LoopStatus } from "./loop_status";

patch(PartnerLine, {
    components: { ...PartnerLine.components, LoopStatus },
});
