/** Pre-check, issue and send a certificate of origin from a done delivery in one dialog
 * (tests/test_delivery.py). */
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("rcep_eco_stock_tour_delivery", {
    steps: () => [
        { trigger: ".o_statusbar_status .o_arrow_button_current:contains(Done)" },
        { trigger: ".o_statusbar_buttons button[name='action_rcep_open_wizard']", run: "click" },
        {
            content: "the departure date is the delivery's date done (en_US short format)",
            trigger: ".modal .o_field_widget[name='departure_date'] button:contains(Nov 27)",
        },
        { trigger: ".modal .o_data_row td[name='quantity']:contains(40)" },
        // The pre-check in the same dialog, before anything is created.
        { trigger: ".modal button[name='action_precheck']", run: "click" },
        { trigger: ".modal .o_rcep_precheck:contains(Pre-check passed)" },
        { trigger: ".modal .o_field_widget[name='departure_date'] button:contains(Nov 27)" },
        { trigger: ".modal button[name='action_issue_and_send']", run: "click" },
        { trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains(Issued)" },
        { trigger: ".o_form_view .o_field_widget[name='picking_id']" },
    ],
});
