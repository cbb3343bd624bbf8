import { registry } from "@web/core/registry";

// A supplier opens the e-mailed link (no account) and provides its origin declaration.
registry.category("web_tour.tours").add("rcep_mrp_supplier_portal", {
    steps: () => [
        {
            content: "The page says who asks for what",
            trigger: ".o_rcep_scope:contains('Lacquer')",
        },
        {
            content: "A country outside RCEP, declared originating, is refused with the reason",
            trigger: "#rcep_orig_yes",
            run: "click",
        },
        { trigger: "select[name=country]", run: "select US" },
        { trigger: "select[name=criterion]", run: "select WO" },
        {
            trigger: "input[name=date_from]",
            run() {
                this.anchor.value = "2026-01-01";
            },
        },
        {
            trigger: "input[name=date_to]",
            run() {
                this.anchor.value = "2027-12-31";
            },
        },
        { trigger: "input[name=reference]", run: "edit HN-2026-77" },
        { trigger: "input[name=signer_name]", run: "edit Nguyen Van An, Sales Director" },
        { trigger: "input[name=signer_email]", run: "edit an.nguyen@hanoi-coatings.example.com" },
        {
            content: "Attach the signed declaration",
            trigger: "input[name=document]",
            run() {
                const transfer = new DataTransfer();
                transfer.items.add(
                    new File(["%PDF-1.4 signed declaration"], "declaration.pdf", {
                        type: "application/pdf",
                    })
                );
                this.anchor.files = transfer.files;
            },
        },
        { trigger: ".o_rcep_submit", run: "click", expectUnloadPage: true },
        {
            content: "Refused: not an RCEP Party; what was typed is kept",
            trigger: ".o_rcep_errors:contains('not a Party to RCEP')",
        },
        { trigger: "input[name=reference]:value(HN-2026-77)" },
        { trigger: "select[name=country]", run: "select VN" },
        {
            content: "Attach the signed declaration again",
            trigger: "input[name=document]",
            run() {
                const transfer = new DataTransfer();
                transfer.items.add(
                    new File(["%PDF-1.4 signed declaration"], "declaration.pdf", {
                        type: "application/pdf",
                    })
                );
                this.anchor.files = transfer.files;
            },
        },
        { trigger: ".o_rcep_submit", run: "click", expectUnloadPage: true },
        {
            content: "Received, with its validity",
            trigger: ".o_rcep_thanks:contains('has been received')",
        },
    ],
});
