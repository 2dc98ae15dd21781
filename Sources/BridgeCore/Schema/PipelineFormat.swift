/// The keys of a pipeline file, level by level, with what each means and the shape of its value.
public enum PipelineFormat {
    /// The top level of a pipeline file.
    public static let top: [FormatKey] = [
        FormatKey(
            "name", "The pipeline's name, unique across pipelines; the file name without .yaml when left out.", text),
        FormatKey("description", "What the pipeline does, for people.", text),
        FormatKey(
            "trigger",
            "What starts the pipeline: `webhook:` (a route and its sender), `poll:` (an API asked on a schedule) or `csv:` (rows of `crisp-bridge import`); then `each`, `id` and `when`.",
            FormatSchema.trigger),
        FormatKey(
            "order_key",
            "An expression of the request and the event: events with the same key are delivered one after another, in order. Defaults to the email of the actions.",
            FormatSchema.expression),
        FormatKey(
            "always_write",
            "Write every field even when the bridge already wrote the same value (false: skip unchanged writes).",
            ["type": "boolean"]),
        FormatKey(
            "fetch",
            "Enrichment calls, in order, run for each event after `when`: each name holds the parsed JSON answer.",
            [
                "type": "object", "propertyNames": FormatSchema.namePattern,
                "additionalProperties": FormatSchema.object(fetchCall, required: ["url"]),
            ]),
        FormatKey(
            "let", "Named values, evaluated in order for each event: each value is a bare expression.",
            [
                "type": "object", "propertyNames": FormatSchema.namePattern,
                "additionalProperties": FormatSchema.expression,
            ]),
        FormatKey(
            "skip",
            "Rules checked for each event after the fetches and `let` values, in order: the first whose `when` holds stops the event as skipped (not failed, not a dead letter) with its `reason`, e.g. a CRM search that found nobody.",
            ["type": "array", "minItems": 1, "items": FormatSchema.object(skipRule, required: ["when", "reason"])]),
        FormatKey(
            "actions",
            "The Crisp actions, run in order for each event that passed `when`; one key (the action) per item.",
            ["type": "array", "minItems": 1, "items": FormatSchema.actionItem]),
    ]

    /// An item of `skip:`.
    public static let skipRule: [FormatKey] = [
        FormatKey("when", "A bare expression; when it is true the event is skipped.", FormatSchema.expression),
        FormatKey(
            "reason", "Why, for people: text with `${{ }}` templates, shown by `test`, `plan`, `events` and the logs.",
            text),
    ]

    /// `trigger:`.
    public static let trigger: [FormatKey] = [
        FormatKey(
            "webhook", "A route that senders POST to, and how the sender proves itself.",
            FormatSchema.object(webhook, required: ["path", "verify"])),
        FormatKey(
            "csv",
            "Rows of a file imported with `crisp-bridge import`: each row is the body, keyed by the header. Nothing, or `{ columns: [...] }` (the columns a file must have).",
            [
                "anyOf": [
                    ["type": "null"],
                    FormatSchema.object(csv),
                ]
            ]),
        FormatKey(
            "poll", "An API asked on a schedule, for senders without webhooks: each item it lists is one event.",
            FormatSchema.object(poll, required: ["every", "request", "items", "id"])),
        FormatKey(
            "each",
            "A bare expression of the request giving a list: one event per element (e.g. `body` for a batch). Webhooks and CSV only.",
            FormatSchema.expression),
        FormatKey(
            "id",
            "A bare expression giving each event's dedupe id; every sender has a default (a poll gives `poll.id`).",
            FormatSchema.expression),
        FormatKey(
            "when", "A bare expression: events for which it is false are skipped (not failed).", FormatSchema.expression
        ),
    ]

    /// `trigger.webhook:`.
    public static let webhook: [FormatKey] = [
        FormatKey(
            "path",
            "The route, unique across pipelines, e.g. /hooks/hubspot; `{name}` captures a segment into `path.name`.",
            ["type": "string", "pattern": "^/[^ ?#]*$"]),
        FormatKey("method", "The HTTP method (default POST).", FormatSchema.method),
        FormatKey(
            "verify",
            "How the sender proves a webhook is theirs: one sender and its settings, e.g. `{ hubspot: { client_secret: ${{ env.HUBSPOT_CLIENT_SECRET }} } }`.",
            FormatSchema.verify),
        FormatKey(
            "body", "`required` (an empty body is refused with 400; the default for POST, PUT, PATCH) or `optional`.",
            ["enum": ["required", "optional"]]),
    ]

    /// `trigger.csv:`.
    public static let csv: [FormatKey] = [
        FormatKey(
            "columns",
            "The columns a file must have (its header names, or the fields they fill); any others are allowed.",
            ["type": "array", "items": ["type": "string", "minLength": 1], "uniqueItems": true]),
        FormatKey(
            "fields",
            "The fields the pipeline reads from a row: a column named like one whatever its case, spaces, - or _ (`First Name`), or by a common synonym (`Email Address`, `Surname`, `Tags`), fills it; other columns are listed as ignored. Without it, columns keep their names.",
            ["type": "array", "items": ["type": "string", "minLength": 1], "uniqueItems": true]),
        FormatKey(
            "mapping",
            "Columns placed by name before any matching: `{ \"Work Email\": email }`; an empty field ignores the column. `import --map` adds to it.",
            ["type": "object", "additionalProperties": ["type": "string"]]),
    ]

    /// `trigger.poll:`.
    public static let poll: [FormatKey] = [
        FormatKey(
            "every", "How often to poll: 10 seconds to 7 days, e.g. 30s, 5m, 2h, 1d (or a number of seconds).",
            ["type": ["string", "number"], "pattern": "^\\s*[-+0-9.eE]+[smhd]?\\s*$"]),
        FormatKey(
            "start",
            "`now` (default: the first poll only records what exists) or `beginning` (the first poll delivers everything it finds).",
            ["enum": ["now", "beginning"]]),
        FormatKey(
            "rate", "How many requests the API allows, e.g. 3/s or 100/m; pages are paced to it.",
            ["type": "string", "pattern": "^\\s*[-+0-9.eE]+\\s*/\\s*([-+0-9.eE]+[smhd]?|[smhd])\\s*$"]),
        FormatKey(
            "auth", "How the poll signs in beyond its headers: `google_service_account` or `oauth2`.",
            FormatSchema.object(pollAuth, oneOfRequired: ["google_service_account", "oauth2"])),
        FormatKey(
            "request",
            "The call made each poll (and for each further page): it sees `env`, `cursor`, `polled_at` and `start`.",
            FormatSchema.object(call, required: ["url"])),
        FormatKey(
            "items", "A bare expression of the answer (`body`) giving the list of items; each item is one event.",
            FormatSchema.expression),
        FormatKey(
            "id", "A bare expression of the item (`event`) giving its id: an item seen before is not delivered again.",
            FormatSchema.expression),
        FormatKey(
            "cursor", "A bare expression of the answer giving where the next poll starts (kept in the store).",
            FormatSchema.expression),
        FormatKey(
            "next", "A bare expression of the answer giving the next page's token, or null on the last page.",
            FormatSchema.expression),
    ]

    /// `auth:` of a poll, a fetch or an `http` action: one way of signing in.
    public static let pollAuth: [FormatKey] = [
        FormatKey(
            "google_service_account",
            "A Google service account: its key file signs a token for the scopes, sent as `authorization: Bearer …`.",
            FormatSchema.object(serviceAccount, required: ["key_file", "scopes"])),
        FormatKey(
            "oauth2",
            "An OAuth 2 grant: with `refresh_token` a refresh grant (Zoho, Salesforce, HubSpot…), without it the client-credentials grant (Microsoft Entra ID for Dynamics 365…); the token is exchanged at `token_url`, kept until shortly before it expires, renewed once on a 401.",
            FormatSchema.object(oauth2, required: ["token_url", "client_id", "client_secret"])),
    ]

    /// `auth.oauth2:`.
    public static let oauth2: [FormatKey] = [
        FormatKey(
            "token_url",
            "Where tokens are had, e.g. https://accounts.zoho.com/oauth/v2/token, https://login.salesforce.com/services/oauth2/token, https://api.hubapi.com/oauth/v1/token, https://login.microsoftonline.com/TENANT/oauth2/v2.0/token.",
            text),
        FormatKey("client_id", "The OAuth client's id, e.g. ${{ env.ZOHO_CLIENT_ID }}.", text),
        FormatKey("client_secret", "The OAuth client's secret, e.g. ${{ env.ZOHO_CLIENT_SECRET }}.", text),
        FormatKey(
            "refresh_token",
            "The long-lived refresh token, e.g. ${{ env.ZOHO_REFRESH_TOKEN }}. Without it the client signs in as itself (client-credentials grant).",
            text),
        FormatKey(
            "scope",
            "Scopes to ask for (space-separated), for providers that want them, e.g. https://ORG.crm.dynamics.com/.default.",
            text),
        FormatKey(
            "scheme", "How the token is sent: `Authorization: SCHEME TOKEN` (default Bearer; Zoho: Zoho-oauthtoken).",
            ["type": "string", "pattern": "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"]),
    ]

    /// `trigger.poll.auth.google_service_account:`.
    public static let serviceAccount: [FormatKey] = [
        FormatKey(
            "key_file", "The service account's JSON key file, e.g. ${{ env.GOOGLE_SERVICE_ACCOUNT_FILE }}.", text),
        FormatKey(
            "scopes", "The OAuth scopes, e.g. https://www.googleapis.com/auth/spreadsheets.readonly.",
            [
                "anyOf": [
                    ["type": "string"], ["type": "array", "minItems": 1, "items": ["type": "string"]],
                ]
            ]),
    ]

    /// A call: a `fetch` step or a poll's `request`.
    public static let call: [FormatKey] = [
        FormatKey(
            "url",
            "The URL: its scheme and host written literally (http:// or https://), its path and query may use `${{ }}`.",
            text),
        FormatKey("method", "The HTTP method (default GET).", FormatSchema.method),
        FormatKey(
            "query", "Query parameters, encoded for you.",
            ["type": "object", "additionalProperties": FormatSchema.scalarValue]),
        FormatKey(
            "headers", "Request headers, e.g. `authorization: Bearer ${{ env.TOKEN }}`.",
            ["type": "object", "additionalProperties": FormatSchema.scalarValue]),
        FormatKey("body", "A JSON body (a mapping, a list or a value), with `${{ }}` where it is computed.", [:]),
    ]

    /// The `http` action: a call (POST by default), an idempotency key header and a sign-in.
    public static let httpAction: [FormatKey] =
        call.map {
            $0.name == "method" ? FormatKey("method", "The HTTP method (default POST).", FormatSchema.method) : $0
        } + [
            FormatKey(
                "idempotency_key",
                "The header that carries an idempotency key, when the target supports one (e.g. Idempotency-Key): the same key on every attempt, so a call in doubt is sent again. Without it a call is sent at most once.",
                ["type": "string", "pattern": "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"]),
            FormatKey(
                "auth", "How the call signs in beyond its headers: `google_service_account` or `oauth2`.",
                FormatSchema.object(pollAuth, oneOfRequired: ["google_service_account", "oauth2"])),
        ]

    /// A `fetch` step: a call, and a sign-in.
    public static let fetchCall: [FormatKey] =
        call + [
            FormatKey(
                "auth", "How the call signs in beyond its headers: `google_service_account` or `oauth2`.",
                FormatSchema.object(pollAuth, oneOfRequired: ["google_service_account", "oauth2"]))
        ]

    static let text: JSONValue = ["type": ["string", "number", "boolean"]]
}
