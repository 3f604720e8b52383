import { registry } from "@web/core/registry";
import { FloatField, floatField } from "@web/views/fields/float/float_field";

// A rate out of a base: with no base there is no rate ("–"), not 0.0 %.
export class LoopRateField extends FloatField {
    static props = { ...FloatField.props, baseField: { type: String } };

    get formattedValue() {
        if (!this.props.record.data[this.props.baseField]) {
            return "–";
        }
        return super.formattedValue;
    }
}

registry.category("fields").add("loop_rate", {
    ...floatField,
    component: LoopRateField,
    extractProps: (fieldInfo, dynamicInfo) => ({
        ...floatField.extractProps(fieldInfo, dynamicInfo),
        baseField: fieldInfo.options.base_field,
    }),
});
