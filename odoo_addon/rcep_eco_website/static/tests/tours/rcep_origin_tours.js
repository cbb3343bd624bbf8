/**
 * The shop's origin badge as a visitor sees it, and a manager publishing and withdrawing a
 * product's origin statement from its form (issue 13); driven by tests/test_website.py, which
 * prepares the data and checks the database and the service afterwards.
 */
import { registry } from "@web/core/registry";

const tours = registry.category("web_tour.tours");
const productTitle = "#product_details h1:contains(Oak dining table), #product_details h1:contains(Plain stool)";

tours.add("rcep_origin_badge_en", {
    steps: () => [
        { content: "the product page", trigger: productTitle },
        {
            content: "the origin badge under the name: country, agreement, criterion",
            trigger: "#rcep_origin_badge .o_rcep_origin:contains(RCEP origin: China)",
        },
        { trigger: "#rcep_origin_badge .o_rcep_criterion:contains(criterion RVC)" },
        { content: "said to be the exporter's statement", trigger: "#rcep_origin_badge .o_rcep_verify:contains(statement)" },
        {
            content: "linked to the statement's verification page, in a new tab",
            trigger: "#rcep_origin_badge[href*='/V/'][target=_blank][rel=noopener]:visible",
        },
    ],
});

tours.add("rcep_origin_badge_zh", {
    steps: () => [
        { content: "the product page in Chinese", trigger: "html[lang='zh-CN'] #product_details h1" },
        { trigger: "#rcep_origin_badge .o_rcep_origin:contains(RCEP原产地：中国)" },
        { trigger: "#rcep_origin_badge .o_rcep_criterion:contains(原产地标准 RVC)" },
        { trigger: "#rcep_origin_badge .o_rcep_verify:contains(出口商声明)" },
        { trigger: "#rcep_origin_badge[href*='/V/']:visible" },
    ],
});

tours.add("rcep_origin_badge_absent", {
    steps: () => [
        { content: "the product page", trigger: "#product_details h1" },
        { content: "no origin badge", trigger: "body:not(:has(#rcep_origin_badge))" },
    ],
});

tours.add("rcep_publish_origin_statement", {
    steps: () => [
        { content: "the product's RCEP Origin tab", trigger: ".o_notebook_headers a[name='rcep_origin']", run: "click" },
        { trigger: ".o_field_widget[name='rcep_statement_state']:contains(Not published)" },
        {
            content: "publish the product's origin statement",
            trigger: "button[name='action_rcep_publish_statement']:contains(Publish Origin Statement)",
            run: "click",
        },
        { content: "published", trigger: ".o_notification:contains(Origin statement published)" },
        { trigger: ".o_field_widget[name='rcep_statement_state']:contains(Published and current)" },
        { trigger: ".o_field_widget[name='rcep_statement_ids'] .o_data_row:contains(Published)" },
        { content: "withdraw it", trigger: "button[name='action_rcep_withdraw_statement']", run: "click" },
        { trigger: ".modal .o_field_widget[name='reason'] input", run: "edit product discontinued" },
        { trigger: ".modal button[name='action_withdraw']", run: "click" },
        { content: "withdrawn", trigger: "body:not(:has(.modal)) .o_field_widget[name='rcep_statement_state']:contains(Not published)" },
        { trigger: ".o_field_widget[name='rcep_statement_ids'] .o_data_row:contains(Withdrawn)" },
    ],
});
