/**
 * The export clerk's flows in the web client (issue 11), driven by HttpCase.start_tour in
 * tests/test_tours.py, which prepares the data and checks the database afterwards.
 */
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

const tours = registry.category("web_tour.tours");

/** Choose an option of a selection field (Odoo's SelectMenu), then wait until it shows. */
function pick(field, label) {
    return [
        { trigger: `${field} .o_select_menu_toggler`, run: "click" },
        { trigger: `.o_select_menu_menu .o_select_menu_item:contains(${label})`, run: "click" },
        { trigger: `body:not(:has(.o_select_menu_menu)) ${field}:contains(${label}), ${field} input:value(${label})` },
    ];
}

/** Search a list or kanban view for `text` (no default filter kept). */
function search(text) {
    return [
        { trigger: ".o_searchview_input" },
        {
            trigger: ".o_searchview",
            async run({ queryAll, click }) {
                for (const remove of queryAll(".o_searchview_facet .o_facet_remove")) {
                    await click(remove);
                }
            },
        },
        { trigger: ".o_searchview_input", run: `edit ${text}` },
        { trigger: ".o_searchview_input", run: "press Enter" },
    ];
}

// Each tour starts where its first step is (start_tour's URL, tests/test_tours.py): a page
// load costs a second or two on the shared machine, so no tour loads a page only to leave it.
const QUOTATIONS = "/odoo/action-sale.action_quotations_with_onboarding";

/** From the Sales app's product list, open a product and fill its RCEP Origin tab. */
function setOrigin(product, hsCode, criterionLabel, taken = ":not(:contains(HS code))") {
    return [
        { trigger: ".o_kanban_view, .o_list_view" },
        ...search(product),
        { trigger: `.o_kanban_record:contains(${product}), .o_data_row:contains(${product})`, run: "click" },
        { trigger: ".o_notebook_headers a[name='rcep_origin']", run: "click" },
        { trigger: ".o_field_widget[name='hs_code'] input", run: `edit ${hsCode}` },
        { trigger: ".o_field_widget[name='hs_code'] input", run: "press Tab" },
        { trigger: `.o_field_widget[name='rcep_missing']${taken}`, content: "HS code taken" },
        ...pick(".o_field_widget[name='rcep_criterion']", criterionLabel),
        ...stepUtils.saveForm(),
    ];
}

/** From the quotations list: the customer's quotation → Confirm. */
function confirmQuotation(customer) {
    return [
        { trigger: ".o_list_view" },
        ...search(customer),
        { trigger: `.o_data_row:contains(${customer}) td.o_data_cell`, run: "click" },
        { trigger: ".o_statusbar_buttons button[name='action_confirm']:visible:first", run: "click" },
        { trigger: ".o_statusbar_status .o_arrow_button_current:contains(Sales Order)" },
    ];
}

/** The one-step dialog: transport details, pre-check, then issue and send. */
function issueAndSend({ precheck = "Pre-check passed" } = {}) {
    return [
        { trigger: ".o_statusbar_buttons button[name='action_rcep_open_wizard']", run: "click" },
        { trigger: ".modal .o_field_widget[name='vessel_or_flight'] input", run: "edit COSCO HARMONY V.026S" },
        { trigger: ".modal .o_field_widget[name='port_of_discharge'] input", run: "edit Cat Lai" },
        { trigger: ".modal .o_data_row", content: "the order's lines are offered" },
        { trigger: ".modal button[name='action_precheck']", run: "click" },
        { trigger: `.modal .o_rcep_precheck:contains(${precheck})` },
        { trigger: ".modal button[name='action_issue_and_send']", run: "click" },
        { trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains(Issued)" },
        { trigger: ".o_form_view:not(:has(.modal))" },
    ];
}

/**
 * Click a report of the open Print menu and wait until the browser has downloaded it (the
 * web client's own download, watched, not replaced; tests/test_tours.py checks what the
 * server rendered).
 */
function printed(report) {
    return [
        {
            trigger: `.o-dropdown--menu .o-dropdown-item:contains(${report})`,
            async run({ click }) {
                const { download } = odoo.loader.modules.get("@web/core/network/download");
                const original = download._download;
                download._download = async (options) => {
                    try {
                        return await original(options);
                    } finally {
                        download._download = original;
                        document.body.classList.add("o_rcep_downloaded");
                    }
                };
                await click();
            },
        },
        { trigger: "body.o_rcep_downloaded", content: `${report} downloaded` },
    ];
}

function clerkFlow(name, { product, hsCode, criterion, customer, fobShown, ruleWords }) {
    tours.add(name, {
        steps: () => [
            ...setOrigin(product, hsCode, criterion),
            { trigger: ".o_field_widget[name='rcep_ready'] input:checked", content: "ready for e-CO" },
            { trigger: `.o_field_widget[name='rcep_reason_summary']:contains(${ruleWords})`, content: "words, not codes" },
            stepUtils.goToUrl(QUOTATIONS),
            ...confirmQuotation(customer),
            ...issueAndSend(),
            // No pre-check banner on an issued certificate.
            { trigger: ".o_form_view:not(:has(.alert-info .o_field_widget[name='precheck_result']:visible))" },
            { trigger: ".o_notebook_headers a[name='goods']", run: "click" },
            { trigger: `.o_field_widget[name='line_ids'] .o_data_row td[name='fob_shown'] input${fobShown ? ":checked" : ":not(:checked)"}` },
            // Print the Form RCEP (the stored PDF once the service issued it).
            { trigger: ".o_cp_action_menus button:has(.fa-cog)", run: "click" },
            ...printed("Form RCEP"),
            { trigger: ".o_form_view:not(:has(.o_error_dialog))" },
        ],
    });
}

clerkFlow("rcep_eco_tour_rvc", {
    product: "Tour cabinet RVC",
    hsCode: "9403.60",
    criterion: "RVC - regional value content",
    customer: "Tour RVC Buyer JSC",
    fobShown: true,
    ruleWords: "Regional value content: met",
});
clerkFlow("rcep_eco_tour_ctc", {
    product: "Tour chair CTC",
    hsCode: "9401.61",
    criterion: "CTC - change in tariff classification",
    customer: "Tour CTC Buyer JSC",
    fobShown: false,
    ruleWords: "Change in tariff classification: met",
});
clerkFlow("rcep_eco_tour_wo", {
    product: "Tour live carp WO",
    hsCode: "0301.93",
    criterion: "WO - wholly obtained",
    customer: "Tour WO Buyer JSC",
    fobShown: false,
    ruleWords: "Wholly obtained: yes",
});

/** The buyer on the portal: the order's certificate, its link and the PDF. */
tours.add("rcep_eco_tour_portal", {
    steps: () => [
        { trigger: "#rcep_certificates:contains(Certificates of Origin)" },
        { trigger: "#rcep_certificates a:contains(Verify online)" },
        { trigger: "#rcep_certificates a.o_rcep_pdf" },
        { trigger: "#rcep_certificates img[alt='QR code of the verification link']" },
    ],
});

/** A product that is not ready is refused in the dialog, with the reason. */
tours.add("rcep_eco_tour_not_ready", {
    steps: () => [
        ...confirmQuotation("Tour Not Ready Buyer JSC"),
        { trigger: ".o_statusbar_buttons button[name='action_rcep_open_wizard']", run: "click" },
        { trigger: ".modal .o_rcep_blocking:contains(is not ready for e-CO: claimed criterion)" },
        { trigger: ".modal button[name='action_issue_and_send']", run: "click" },
        { trigger: ".o_error_dialog:contains(is not ready for e-CO)" },
        { trigger: ".o_error_dialog .btn-primary", run: "click" },
        { trigger: ".modal button.btn-secondary:contains(Discard)", run: "click" },
        { trigger: "body:not(:has(.modal))" },
    ],
});

/** Goods already certified cannot be certified again; the certificate holding them is named. */
tours.add("rcep_eco_tour_double", {
    steps: () => [
        ...confirmQuotation("Tour Double Buyer JSC"),
        ...issueAndSend(),
        { trigger: ".breadcrumb-item:not(.active):last a", run: "click" },
        { trigger: ".o_statusbar_buttons button[name='action_rcep_open_wizard']", run: "click" },
        { trigger: ".modal .o_data_row td[name='include'] input:not(:checked)", content: "nothing left to certify" },
        { trigger: ".modal .o_data_row td[name='quantity']", run: "click" },
        { trigger: ".modal .o_data_row td[name='include'] input:enabled", run: "click" },
        { trigger: ".modal .o_data_row td[name='quantity'] input", run: "edit 5" },
        { trigger: ".modal .o_field_widget[name='vessel_or_flight'] input", run: "click" },
        { trigger: ".modal .o_rcep_blocking:contains(already certified by RCEP-)" },
        { trigger: ".modal button[name='action_issue_and_send']", run: "click" },
        { trigger: ".o_error_dialog:contains(already certified by RCEP-)" },
        { trigger: ".o_error_dialog .btn-primary", run: "click" },
        { trigger: ".modal button.btn-secondary:contains(Discard)", run: "click" },
        { trigger: "body:not(:has(.modal))" },
    ],
});

/** An HS code that does not exist in the edition is refused, naming the edition. */
tours.add("rcep_eco_tour_hs_invalid", {
    steps: () => [
        ...setOrigin(
            "Tour swivel chair",
            "9401.30",
            "CTC - change in tariff classification",
            ":contains(not a subheading of HS 2022)"
        ).slice(0, -2),
        { trigger: ".o_form_button_save", run: "click" },
        { trigger: ".o_error_dialog:contains(940130 is not a subheading of HS 2022)" },
        { trigger: ".o_error_dialog .btn-primary", run: "click" },
        ...pick(".o_field_widget[name='rcep_hs_edition']", "HS 2017"),
        ...stepUtils.saveForm(),
    ],
});

/** The service cannot be reached: a sentence saying so and what happens next. */
tours.add("rcep_eco_tour_service_down", {
    steps: () => [
        ...confirmQuotation("Tour Offline Buyer JSC"),
        { trigger: ".o_statusbar_buttons button[name='action_rcep_open_wizard']", run: "click" },
        { trigger: ".modal .o_data_row" },
        { trigger: ".modal button[name='action_issue_and_send']", run: "click" },
        { trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains(Queued)" },
        { trigger: ".o_form_view .alert-danger:contains(cannot be reached):contains(Odoo tries again automatically)" },
    ],
});

/** A customer whose country is corrected: the draft certificate follows it. */
tours.add("rcep_eco_tour_importer_corrected", {
    steps: () => [
        { trigger: ".o_form_view .o_field_widget[name='country_id'] input", run: "edit Thailand" },
        { trigger: ".o-autocomplete--dropdown-item:contains(Thailand)", run: "click" },
        ...stepUtils.saveForm(),
        stepUtils.goToUrl("/odoo/action-rcep_eco.action_rcep_certificate"),
        { trigger: ".o_data_row:contains(Tour Moved Buyer Co) td.o_data_cell", run: "click" },
        { trigger: ".o_form_view .o_field_widget[name='importing_country_id'] input:value(Thailand)" },
    ],
});

/** The readiness list: goods only, and the clerk fills the HS code in the list. */
tours.add("rcep_eco_tour_readiness", {
    steps: () => [
        { trigger: ".o_list_view .o_data_row:contains(Tour lamp to classify)" },
        { trigger: ".o_list_view:not(:has(.o_data_row:contains(Tour documentation fee)))" },
        { trigger: ".o_data_row:contains(Tour lamp to classify) td[name='hs_code']", run: "click" },
        { trigger: ".o_data_row td[name='hs_code'] input", run: "edit 9405.11" },
        ...pick(".o_data_row td[name='rcep_criterion']", "CTC - change in tariff classification"),
        { trigger: ".o_list_button_save", run: "click" },
        { trigger: ".o_data_row:contains(Tour lamp to classify) td[name='rcep_verdict']:contains(Originating)" },
    ],
});

/** A Chinese export clerk reads the product's origin in Chinese (translations of issue 11). */
tours.add("rcep_eco_tour_zh", {
    steps: () => [
        { trigger: ".o_notebook_headers a[name='rcep_origin']:contains(RCEP 原产地)", run: "click" },
        { trigger: ".o_form_label:contains(申报的原产地标准)" },
        { trigger: ".o_field_widget[name='rcep_reason_summary']:contains(区域价值成分：满足)" },
        { trigger: ".o_field_widget[name='rcep_rule_explained']:contains(品目改变 或 区域价值成分至少 40 %)" },
        { trigger: ".o_field_widget[name='rcep_verdict']:contains(原产)" },
    ],
});

/** Select every row of the list, then run an entry of its Actions menu. */
function bulkAction(label) {
    return [
        { trigger: ".o_list_view thead .o_list_record_selector input", run: "click" },
        { trigger: ".o_cp_action_menus button:has(.fa-cog)", run: "click" },
        { trigger: `.o-dropdown--menu .o-dropdown-item:contains(${label})`, run: "click" },
    ];
}

/** Bulk, from the order list and the certificate list: issue and send, send, refresh. */
tours.add("rcep_eco_tour_bulk", {
    steps: () => [
        { trigger: ".o_list_view" },
        ...search("Tour Bulk"),
        { trigger: ".o_list_view:has(.o_data_row:contains(Tour Bulk Gamma)):not(:has(.o_data_row:contains(Saigon)))" },
        ...bulkAction("Issue and Send Certificates of Origin"),
        // Each order answered: issued, or refused with the reason; the others went on.
        { trigger: ".o_notification:contains(The certificate for S):contains(cannot be sent yet)" },
        { trigger: ".o_notification:contains(Tour Bulk Gamma cabinet is not ready for e-CO)" },
        { trigger: ".o_notification:contains(Select at least one order line to certify)" },
        { trigger: ".o_notification:contains(: Issued)" },
        // The state is a badge column of the list, a filter and a group-by.
        { trigger: ".o_data_row:contains(Tour Bulk Alpha) td[name='rcep_certificate_state'] .badge:contains(Issued)" },
        { trigger: ".o_data_row:contains(Tour Bulk Gamma) td[name='rcep_certificate_state']:not(:has(.badge))" },
        { trigger: ".o_searchview_dropdown_toggler", run: "click" },
        { trigger: ".o_group_by_menu .o-dropdown-item:contains(Certificate of Origin)", run: "click" },
        { trigger: ".o_group_name:contains(Issued):contains(2)" },
        { trigger: ".o_group_name:contains(Draft):contains(1)" },
        { trigger: ".o_filter_menu .o-dropdown-item:contains(Certificate of Origin: None Yet)", run: "click" },
        // Only the order without a certificate is left (its group has no state: "(1)").
        { trigger: ".o_list_view:not(:has(.o_group_name:contains(Issued))):not(:has(.o_group_name:contains(Draft))) .o_group_name:contains((1))" },
        // The certificate list: send the draft (the issued ones are named as already sent),
        // then refresh their status.
        stepUtils.goToUrl("/odoo/action-rcep_eco.action_rcep_certificate"),
        { trigger: ".o_list_view .o_data_row:contains(Tour Bulk Delta) td[name='state']:contains(Draft)" },
        ...bulkAction("Send"),
        { trigger: ".o_notification:contains(already sent (Issued))" },
        { trigger: ".o_data_row:contains(Tour Bulk Delta) td[name='state'] .badge:contains(Issued)" },
        ...bulkAction("Refresh Status"),
        { trigger: ".o_notification:contains(Certificate status refreshed)" },
    ],
});
