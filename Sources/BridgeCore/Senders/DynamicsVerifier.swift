import Foundation

/// `dynamics`: Dataverse / Dynamics 365 webhooks, which sign nothing. The registration's authentication is either
/// `HttpHeader` (a header with a secret value: settings `header` and `value`) or `WebhookKey` (`?code=…`:
/// setting `code`).
public struct DynamicsVerifier: SenderVerifier {
    public init() {}
    public var name: String { "dynamics" }
    public var settings: [String] { ["header", "value", "code"] }
    public var requiredSettings: [String] { [] }
    public var alternativeSettings: [[String]] { [["header", "value"], ["code"]] }
    public var defaultID: String? { "event.OperationId" }

    public func verify(_ request: WebhookRequest, settings: [String: JSONValue], context: VerificationContext)
        throws(BridgeCoreError)
    {
        if settings["code"] != nil {
            try QueryKeyVerifier.check(
                request, parameter: "code", secrets: try settings.requiredTexts("code", sender: name), sender: name)
            return
        }
        try HeaderVerifier.check(
            request, header: try settings.requiredText("header", sender: name),
            secrets: try settings.requiredTexts("value", sender: name), sender: name)
    }

    /// True: `shapeBody` reshapes the body.
    public var shapesBody: Bool { true }

    public func shapeBody(_ body: JSONValue, of request: WebhookRequest) throws(BridgeCoreError) -> JSONValue {
        guard case .object(var context) = body,
            let target = context["InputParameters"]?.arrayValue?.first(where: { $0["key"] == "Target" })?["value"],
            case .object(var entity) = target
        else { return body }
        if let attributes = entity["Attributes"]?.arrayValue {
            var map: [String: JSONValue] = [:]
            for pair in attributes {
                if let key = pair["key"].stringValue { map[key] = pair["value"] }
            }
            entity["Attributes"] = .object(map)
        }
        context["Target"] = .object(entity)
        return .object(context)
    }

    public func secretNames(settings: [String: JSONValue]) -> SenderSecretNames {
        SenderSecretNames(
            headers: settings["header"]?.stringValue.map { [$0] } ?? [],
            queryParameters: settings["code"] != nil ? ["code"] : [])
    }
}
