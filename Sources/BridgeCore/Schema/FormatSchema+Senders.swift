extension FormatSchema {
    /// `trigger.webhook.verify`: a sender's name alone (when it needs no settings), or one sender and its settings.
    static var verify: JSONValue {
        let registry = SenderRegistry.builtins
        var properties: [String: JSONValue] = [:]
        var bare: [JSONValue] = []
        for name in registry.names {
            let sender = registry[name]!
            var settings: [String: JSONValue] = [:]
            for key in sender.settings {
                settings[key] = [
                    "description": .string(settingSummary(sender: name, key)),
                    "anyOf": [
                        ["type": ["string", "number", "boolean", "null"]],
                        ["type": "array", "minItems": 1, "items": ["type": "string"]],
                    ],
                ]
            }
            var object: [String: JSONValue] = [
                "type": "object", "properties": .object(settings), "additionalProperties": false,
            ]
            if !sender.requiredSettings.isEmpty {
                object["required"] = .array(sender.requiredSettings.map(JSONValue.string))
            }
            if !sender.alternativeSettings.isEmpty {
                object["anyOf"] = .array(
                    sender.alternativeSettings.map { ["required": .array($0.map(JSONValue.string))] })
            }
            var schema: JSONValue = .object(object)
            if sender.requiredSettings.isEmpty, sender.alternativeSettings.isEmpty {
                schema = ["anyOf": [schema, ["type": "null"]]]
                bare.append(.string(name))
            }
            var described = schema.objectValue ?? [:]
            described["description"] = .string(senderSummaries[name] ?? "")
            properties[name] = .object(described)
        }
        return [
            "anyOf": [
                ["enum": .array(bare)],
                [
                    "type": "object", "minProperties": 1, "maxProperties": 1, "additionalProperties": false,
                    "properties": .object(properties),
                ],
            ]
        ]
    }

    /// What a sender's setting means: by `sender.setting`, else by the setting's name.
    static func settingSummary(sender: String, _ key: String) -> String {
        settingSummaries["\(sender).\(key)"] ?? settingSummaries[key] ?? ""
    }

    static let senderSummaries: [String: String] = [
        "basic": "HTTP basic authentication (Pipedrive, Zapier and most tools that let you set a user and password).",
        "crisp":
            "Crisp's plugin hooks: X-Crisp-Signature (hex HMAC-SHA256 of [timestamp;body]) with the hook's signing secret; website hooks use query_key.",
        "dynamics": "Microsoft Dataverse / Dynamics 365 service endpoints: a WebhookKey (?code=) or a header key.",
        "header": "A shared secret in a header of your choice.",
        "hmac": "A generic HMAC signature: header, algorithm, encoding, prefix and what is signed.",
        "hubspot": "HubSpot's signatures (v3, v2, v1) with the app's client secret; v3 within 5 minutes.",
        "none": "Nothing is checked (a warning at load): only for trusted networks and tests.",
        "notion":
            "Notion's X-Notion-Signature with the verification token (kept from Notion's handshake when not given).",
        "query_key": "A shared secret in a query parameter (senders that can only call a URL).",
        "salesforce": "Salesforce outbound messages (SOAP): the organization id, with basic auth or a key parameter.",
        "shopify":
            "Shopify's X-Shopify-Hmac-Sha256 (base64 HMAC-SHA256 of the body) with the app's client secret; id: X-Shopify-Event-Id.",
        "standard_webhooks":
            "Standard Webhooks signatures (webhook-id, webhook-timestamp, webhook-signature; also Svix headers).",
        "stripe": "Stripe-Signature (t=…,v1=…) with the endpoint's signing secret, within 5 minutes.",
        "typeform": "Typeform-Signature: base64 HMAC-SHA256 of the body with the form's secret.",
        "zoho":
            "Zoho CRM: a workflow webhook's secret header or URL parameter, or a Notification API callback's token and channel_id.",
        "woocommerce":
            "WooCommerce's X-WC-Webhook-Signature (base64 HMAC-SHA256 of the body) with the webhook's secret; its creation ping is answered 200.",
    ]

    static let settingSummaries: [String: String] = [
        "secret": "The signing secret, e.g. ${{ env.SECRET }}; a list accepts any of them (during a rotation).",
        "shopify.secret":
            "The Shopify app's client secret, e.g. ${{ env.SHOPIFY_CLIENT_SECRET }}; a list (new, old) during a rotation.",
        "crisp.secret":
            "The Crisp plugin's hook signing secret, e.g. ${{ env.CRISP_HOOK_SECRET }}; a list during a rotation.",
        "woocommerce.secret":
            "The WooCommerce webhook's secret, e.g. ${{ env.WOOCOMMERCE_WEBHOOK_SECRET }}; a list during a rotation.",
        "client_secret":
            "The HubSpot app's client secret, e.g. ${{ env.HUBSPOT_CLIENT_SECRET }}; a list during a rotation.",
        "public_url":
            "The public URL the sender calls (signed by HubSpot v3 and `{url}`); defaults to serve's --public-url and the path.",
        "max_age_seconds": "How old a signed request may be (HubSpot v3: 300).",
        "tolerance_seconds": "How far the signed timestamp may be from now, in seconds (300).",
        "username": "The expected user name of basic authentication.",
        "password":
            "The expected password of basic authentication, e.g. ${{ env.PASSWORD }}; a list during a rotation.",
        "header": "The header holding the signature or the key.",
        "value": "The expected secret, e.g. ${{ env.KEY }}; a list during a rotation.",
        "code": "The Dataverse WebhookKey, sent back as ?code=.",
        "name": "The header's name.",
        "parameter": "The query parameter holding the key (default `key`).",
        "verification_token":
            "Notion's verification token; when left out, the one Notion sends in its handshake is kept and trusted once confirmed.",
        "organization_id": "The 18-character Salesforce organization id the message must come from.",
        "key": "A key the outbound message's URL carries as a query parameter.",
        "key_parameter": "The query parameter holding the key (default `key`).",
        "algorithm": "sha256 (default), sha1 or sha512.",
        "encoding": "hex (default) or base64.",
        "prefix": "Text before the signature in the header, e.g. sha256=.",
        "signed": "What is signed: text with {body}, {timestamp}, {id}, {method} and {url} (default {body}).",
        "timestamp_header":
            "The header with the signed timestamp (UNIX seconds or milliseconds), checked against tolerance_seconds.",
        "id_header": "The header with the delivery id that {id} signs.",
        "zoho.header": "The custom header set in the Zoho workflow webhook, holding the secret (with value).",
        "zoho.parameter":
            "The parameter written into the webhook's or notify_url's query, holding the secret (with value).",
        "zoho.value":
            "The secret of header or parameter, e.g. ${{ env.ZOHO_WEBHOOK_SECRET }}; a list during a rotation.",
        "token":
            "The Notification API channel's token (at most 50 characters), echoed in every callback, e.g. ${{ env.ZOHO_CHANNEL_TOKEN }}.",
        "channel_id":
            "The Notification API channel's id (a number), e.g. ${{ env.ZOHO_CHANNEL_ID }}; crisp-bridge zoho watch registers it.",
    ]
}
