/// The sender kinds a pipeline can name under `trigger.webhook.verify`.
public struct SenderRegistry: Sendable {
    public private(set) var senders: [String: any SenderVerifier] = [:]

    public init(_ senders: [any SenderVerifier]) {
        for sender in senders { self.senders[sender.name] = sender }
    }

    /// The built-in senders.
    public static let builtins = SenderRegistry([
        HubSpotVerifier(), StandardWebhooksVerifier(), BasicAuthVerifier(), NoneVerifier(), StripeVerifier(),
        TypeformVerifier(), NotionVerifier(), SalesforceVerifier(), DynamicsVerifier(), HeaderVerifier(),
        QueryKeyVerifier(), HMACVerifier(), ZohoVerifier(), ShopifyVerifier(), WooCommerceVerifier(),
        CrispVerifier(),
    ])

    public subscript(name: String) -> (any SenderVerifier)? { senders[name] }

    /// The names, sorted, for error messages.
    public var names: [String] { senders.keys.sorted() }
}
