import { patch } from "@web/core/utils/patch";
import { Orderline } from "@point_of_sale/app/generic_components/orderline/orderline";

// the receipt's lines carry the staff member credited (getDisplayData)
patch(Orderline, {
    props: {
        ...Orderline.props,
        line: {
            ...Orderline.props.line,
            shape: {
                ...Orderline.props.line.shape,
                loopStaff: { type: String, optional: true },
            },
        },
    },
});
