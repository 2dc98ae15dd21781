import Foundation

/// `salesforce`: Salesforce outbound messages (SOAP 1.1 XML). They carry no signature: the message's
/// `OrganizationId` must be the configured `organization_id`, and a shared secret must match — HTTP Basic
/// credentials in the endpoint URL (`username`, `password`) or a query key (`key`, in `?key=` or the parameter
/// named by `key_parameter`).
///
/// `body` is the `notifications` element, with `Notification` always a list (up to 100, one event each):
/// `{OrganizationId, ActionId, SessionId, EnterpriseUrl, PartnerUrl, Notification: [{Id, sObject: {…}}]}`.
/// Accepted messages are answered with the SOAP `Ack` Salesforce requires (else it resends for 24 hours).
public struct SalesforceVerifier: SenderVerifier {
    public init() {}
    public var name: String { "salesforce" }
    public var settings: [String] { ["organization_id", "username", "password", "key", "key_parameter"] }
    public var requiredSettings: [String] { ["organization_id"] }
    public var alternativeSettings: [[String]] { [["username", "password"], ["key"]] }
    public var defaultID: String? { "event.Id" }

    public func verify(_ request: WebhookRequest, settings: [String: JSONValue], context: VerificationContext)
        throws(BridgeCoreError)
    {
        let organizations = try settings.requiredTexts("organization_id", sender: name)
        if settings["key"] != nil {
            try QueryKeyVerifier.check(
                request, parameter: keyParameter(settings), secrets: try settings.requiredTexts("key", sender: name),
                sender: name)
        } else {
            try BasicAuthVerifier.check(
                request, usernames: try settings.requiredTexts("username", sender: name),
                passwords: try settings.requiredTexts("password", sender: name), sender: name)
        }
        // A body that is not an outbound message is refused as such (400), not as a failed check.
        let notifications = try shapeBody(try XMLBody.parse(request.body), of: request)
        if case .array = notifications["OrganizationId"] {
            throw BridgeCoreError(.verification, "salesforce: the message has more than one OrganizationId")
        }
        guard let given = notifications["OrganizationId"].stringValue, !given.isEmpty else {
            throw BridgeCoreError(.verification, "salesforce: the message has no OrganizationId")
        }
        // Salesforce ids come in a 15-character form and an 18-character form (with a checksum suffix).
        let matches = organizations.contains { expected in
            expected == given
                || (Set([expected.count, given.count]) == [15, 18] && expected.prefix(15) == given.prefix(15))
        }
        guard matches else {
            throw BridgeCoreError(
                .verification, "salesforce: OrganizationId \(given) is not the configured organization_id")
        }
    }

    /// True: `shapeBody` reshapes the body.
    public var shapesBody: Bool { true }

    public func shapeBody(_ body: JSONValue, of request: WebhookRequest) throws(BridgeCoreError) -> JSONValue {
        guard case .object(var notifications) = body["Envelope"]["Body"]["notifications"] else {
            throw BridgeCoreError.rejected(
                400, "not a Salesforce outbound message (no soapenv:Envelope/Body/notifications element)")
        }
        switch notifications["Notification"] {
        case .array?: break
        case nil, .null?: notifications["Notification"] = .array([])
        case let one?: notifications["Notification"] = .array([one])
        }
        return .object(notifications)
    }

    public var acceptedReply: SenderReply? {
        SenderReply(status: 200, contentType: "text/xml; charset=utf-8", body: Self.ack)
    }

    /// A message sent with "Send Session ID" carries a live session id of the sending user: it is replaced by
    /// `redacted` before the message is stored or recorded.
    public func redactBody(_ body: Data) -> Data {
        guard let text = String(data: body, encoding: .utf8), text.contains("SessionId>") else { return body }
        let range = NSRange(text.startIndex..., in: text)
        let redacted = Self.sessionID.stringByReplacingMatches(
            in: text, range: range, withTemplate: "$1redacted$2")
        return Data(redacted.utf8)
    }

    /// The element's whole content, CDATA sections and comments included; its start tag's attributes may hold
    /// `>` inside their quotes.
    private static let sessionID = try! NSRegularExpression(
        pattern:
            #"(<(?:[A-Za-z_][\w.-]*:)?SessionId(?:\s(?:[^>"']|"[^"]*"|'[^']*')*)?>).+?(</(?:[A-Za-z_][\w.-]*:)?SessionId>)"#,
        options: [.dotMatchesLineSeparators])

    public func secretNames(settings: [String: JSONValue]) -> SenderSecretNames {
        SenderSecretNames(queryParameters: settings["key"] != nil ? [keyParameter(settings)] : [])
    }

    private func keyParameter(_ settings: [String: JSONValue]) -> String {
        settings["key_parameter"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? "key"
    }

    /// The SOAP acknowledgement of an outbound message.
    static let ack = """
        <?xml version="1.0" encoding="UTF-8"?>
        <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
         <soapenv:Body>
          <notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">
           <Ack>true</Ack>
          </notificationsResponse>
         </soapenv:Body>
        </soapenv:Envelope>

        """
}
