-- A copied (neutralized) database must never talk to the production e-CO service.
UPDATE res_company
   SET rcep_service_url = NULL,
       rcep_api_key = NULL,
       rcep_webhook_secret = NULL,
       rcep_connection_state = NULL,
       rcep_environment = 'sandbox';
