import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as PartnerList from "@point_of_sale/../tests/tours/utils/partner_list_util";
import * as PaymentScreen from "@point_of_sale/../tests/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import * as TicketScreen from "@point_of_sale/../tests/tours/utils/ticket_screen_util";
import { registry } from "@web/core/registry";
import { scan_barcode } from "@point_of_sale/../tests/tours/utils/common";

function selectCustomer(name) {
    return [
        ProductScreen.clickPartnerButton(),
        ProductScreen.clickCustomer(name),
    ].flat();
}

function loopStatusShows(selector, text) {
    return {
        content: `the customer's loop status shows ${text}`,
        trigger: `.product-screen .o_loop_customer ${selector}:contains("${text}")`,
    };
}

// Saving an order waits for the server: on a busy machine it takes longer
// than a step's default 10 seconds.
const SERVER_WAIT = 30000;

function finish() {
    return [
        ReceiptScreen.isShown().map((step) => ({ ...step, timeout: SERVER_WAIT })),
        ReceiptScreen.clickNextOrder(),
    ].flat();
}

/** The refused order is settled in cash instead: both payment lines go. */
function settleInCash(cardAmount, cashAmount) {
    return [
        PaymentScreen.clickPaymentlineDelButton("Prepaid Card", cardAmount),
        PaymentScreen.clickPaymentlineDelButton("Cash", cashAmount),
        PaymentScreen.clickPaymentMethod("Cash", true, { remaining: "0.00" }),
        PaymentScreen.clickValidate(),
        finish(),
    ].flat();
}

/** Another till spends `amount` of the customer's card, through the server. */
async function spendOnOtherTill(partnerName, amount) {
    const card = posmodel.models["loop.card"].find(
        (c) => c.partner_id?.name === partnerName
    );
    await posmodel.data.call("loop.card", "consume_amount", [
        [card.id],
        amount,
        { origin: "Other till" },
    ]);
}

function refusedDialog() {
    return { ...Dialog.is({ title: "Prepaid card refused" }), timeout: SERVER_WAIT };
}

/**
 * Data (tests/test_pos_tour.py): Gold Card sells for 1,000 and carries 1,100;
 * Alice holds a Facial Package (5 Loop Facial); Bob holds 10 of stored value.
 */
registry.category("web_tour.tours").add("five_customer_loop_pos_cards", {
    steps: () =>
        [
            Chrome.startPoS(),

            // 1. A card sale needs a customer: the till asks before paying.
            ProductScreen.addOrderline("Gold Card", "1"),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Cash"),
            PaymentScreen.clickValidate(),
            Dialog.is({ title: "Customer required" }),
            Dialog.confirm(),
            PartnerList.clickPartner("Alice Loop"),
            PaymentScreen.clickValidate(),
            finish(),

            // 2. Alice's loop status, then she pays with her new card.
            selectCustomer("Alice Loop"),
            loopStatusShows(".o_loop_stage", "Lock-in"),
            loopStatusShows(".o_loop_balance", "1,100.00"),
            loopStatusShows(".o_loop_sessions", "5 sessions"),
            ProductScreen.addOrderline("Loop Massage", "1"),
            ProductScreen.clickPayButton(),
            {
                content: "the card method shows Alice's stored value",
                trigger:
                    ".paymentmethod:contains('Prepaid Card') .o_loop_card_balance:contains('1,100.00')",
            },
            PaymentScreen.clickPaymentMethod("Prepaid Card", true, {
                remaining: "0.00",
            }),
            PaymentScreen.clickValidate(),
            finish(),

            // 3. A facial taken from Alice's package: free, one session used.
            selectCustomer("Alice Loop"),
            loopStatusShows(".o_loop_balance", "900.00"),
            ProductScreen.addOrderline("Loop Facial", "1"),
            {
                content: "take the facial from the package",
                trigger:
                    ".control-buttons .o_loop_package_button:contains('Use package')",
                run: "click",
            },
            {
                content: "the line is free and names the package",
                trigger:
                    ".order-container .orderline:has(.o_loop_package) .price:contains('0.00')",
            },
            ProductScreen.totalAmountIs("0.00"),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickValidate(),
            finish(),

            // 4. Bob holds 10: the till refuses a card payment of 30.
            selectCustomer("Bob Loop"),
            loopStatusShows(".o_loop_balance", "10.00"),
            ProductScreen.addOrderline("Loop Facial", "1"),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Prepaid Card", true, {
                remaining: "290.00",
            }),
            PaymentScreen.enterPaymentLineAmount("Prepaid Card", "30"),
            PaymentScreen.clickPaymentMethod("Cash", true, { remaining: "0.00" }),
            PaymentScreen.clickValidate(),
            Dialog.is({ title: "Not enough stored value" }),
            {
                content: "the refusal says what is left",
                trigger: ".modal-body:contains('10.00 of stored value left')",
            },
            Dialog.confirm(),
            settleInCash("30", "270"),
        ].flat(),
});

/**
 * Carol's card holds 100 when the till loads; another till spends 60 of it
 * before she pays. The till's own check passes, the server refuses the order:
 * it stays on the payment screen with the reason, and is settled in cash.
 */
registry.category("web_tour.tours").add("five_customer_loop_pos_card_refused", {
    steps: () =>
        [
            Chrome.startPoS(),
            selectCustomer("Carol Loop"),
            loopStatusShows(".o_loop_balance", "100.00"),
            ProductScreen.addOrderline("Loop Facial", "1"),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Prepaid Card", true, {
                remaining: "200.00",
            }),
            PaymentScreen.clickPaymentMethod("Cash", true, { remaining: "0.00" }),
            {
                content: "another till spends 60 of Carol's card meanwhile",
                trigger: ".payment-screen",
                run: () => spendOnOtherTill("Carol Loop", 60),
            },
            PaymentScreen.clickValidate(),
            refusedDialog(),
            {
                content: "the reason comes from the server",
                trigger: ".modal-body:contains('40.00 of stored value left')",
            },
            Dialog.confirm(),
            {
                content: "the order stays on the payment screen with the reason",
                trigger:
                    ".payment-screen .o_loop_refusal:contains('40.00 of stored value left')",
            },
            settleInCash("100", "200"),
        ].flat(),
});

/**
 * Offline: Carol pays 100 with her card (and 200 in cash) while the till cannot
 * reach the server; another till spends 60 of her card. When the till is back
 * online the server refuses the order: it returns to the open orders with the
 * reason, and the cashier loads it and settles it in cash.
 */
registry.category("web_tour.tours").add("five_customer_loop_pos_offline_refused", {
    steps: () =>
        [
            Chrome.startPoS(),
            {
                content: "an order paid offline, a card payment of 100 included",
                trigger: ".product-screen",
                run: async () => {
                    const pos = posmodel;
                    const order = pos.get_order();
                    const carol = pos.models["res.partner"].find(
                        (p) => p.name === "Carol Loop"
                    );
                    const facial = pos.models["product.product"].find(
                        (p) => p.name === "Loop Facial"
                    );
                    const method = (name) =>
                        pos.models["pos.payment.method"].find((m) => m.name === name);
                    order.set_partner(carol);
                    await pos.addLineToCurrentOrder({ product_id: facial }, {});
                    order.add_paymentline(method("Prepaid Card")).set_amount(100);
                    order.add_paymentline(method("Cash")).set_amount(200);
                    // what the payment screen does when the server cannot be reached
                    order.state = "paid";
                    pos.addPendingOrder([order.id]);
                    pos.add_new_order();
                    // meanwhile another till spends 60 of Carol's card
                    await spendOnOtherTill("Carol Loop", 60);
                    // back online: the pending orders are sent
                    await pos.syncAllOrders();
                },
            },
            refusedDialog(),
            {
                content: "the refusal names the order and where it waits",
                trigger:
                    ".modal-body:contains('40.00 of stored value left'):contains('waits in the open orders')",
            },
            Dialog.confirm(),
            Chrome.clickMenuOption("Orders"),
            TicketScreen.selectOrder("Carol Loop"),
            TicketScreen.loadSelectedOrder(),
            {
                content: "the order shows why it was refused",
                trigger:
                    ".payment-screen .o_loop_refusal:contains('40.00 of stored value left')",
            },
            settleInCash("100", "200"),
        ].flat(),
});

function clickButton(selector, content) {
    return { content, trigger: `.control-buttons ${selector}`, run: "click" };
}

function choose(item) {
    return {
        content: `choose ${item}`,
        trigger: `.modal .selection-item:contains("${item}")`,
        run: "click",
    };
}

function receiptShows(selector, text) {
    return {
        content: `the receipt shows ${text}`,
        trigger: `.receipt-screen .pos-receipt ${selector}:contains("${text}")`,
        timeout: SERVER_WAIT,
    };
}

/**
 * The front desk's day (tests/test_pos_tour.py): Dana buys a Gold Card
 * (numbered LC00007000) with the till's card button, scans it back at her
 * next visit, and pays a facial with it that Stella Loop did.
 */
registry.category("web_tour.tours").add("five_customer_loop_pos_till", {
    steps: () =>
        [
            Chrome.startPoS(),

            // 1. Sell a card: one button, then the customer it is for.
            clickButton(".o_loop_sell_card_button", "sell or top up a card"),
            choose("New card: Gold Card"),
            PartnerList.clickPartner("Dana Loop"),
            ProductScreen.totalAmountIs("1,000.00"),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Cash"),
            PaymentScreen.clickValidate(),
            receiptShows(".o_loop_receipt_card", "LC00007000"),
            receiptShows(".o_loop_receipt_balance", "1,100.00"),
            ReceiptScreen.clickNextOrder(),

            // 2. Her next visit: the card's barcode selects her and the card.
            scan_barcode("LC00007000"),
            loopStatusShows(".o_loop_balance", "1,100.00"),
            {
                content: "the till selected the card's holder",
                trigger: ".product-screen .o_loop_customer:contains('Dana Loop')",
            },

            // 3. A facial done by Stella, paid from the card.
            ProductScreen.addOrderline("Loop Facial", "1"),
            clickButton(".o_loop_staff_button", "credit the line"),
            choose("Stella Loop"),
            {
                content: "the line names Stella",
                trigger:
                    ".order-container .orderline .o_loop_line_staff:contains('Stella Loop')",
            },
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Prepaid Card", true, {
                remaining: "0.00",
            }),
            PaymentScreen.clickValidate(),
            receiptShows(".o_loop_receipt_staff", "Stella Loop"),
            receiptShows(".o_loop_receipt_balance", "800.00"),
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});
