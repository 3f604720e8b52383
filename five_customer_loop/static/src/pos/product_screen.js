import { patch } from "@web/core/utils/patch";
import { ProductScreen } from "@point_of_sale/app/screens/product_screen/product_screen";
import { LoopStatus } from "./loop_status";

patch(ProductScreen, {
    components: { ...ProductScreen.components, LoopStatus },
});
