import Foundation

/// `query_key`: a query parameter (`?key=…` by default) must equal a shared secret. The parameter is removed
/// before the request is stored, recorded or logged.
public struct QueryKeyVerifier: SenderVerifier {
    public init() {}
    public var name: String { "query_key" }
    public var settings: [String] { ["value", "parameter"] }
    public var requiredSettings: [String] { ["value"] }

    public func verify(_ request: WebhookRequest, settings: [String: JSONValue], context: VerificationContext)
        throws(BridgeCoreError)
    {
        let secrets = try settings.requiredTexts("value", sender: name)
        try Self.check(request, parameter: parameter(settings), secrets: secrets, sender: name)
    }

    public func secretNames(settings: [String: JSONValue]) -> SenderSecretNames {
        SenderSecretNames(queryParameters: [parameter(settings)])
    }

    private func parameter(_ settings: [String: JSONValue]) -> String {
        settings["parameter"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? "key"
    }

    /// Checks that query parameter `parameter` equals one of `secrets`.
    static func check(
        _ request: WebhookRequest, parameter: String, secrets: [String], sender: String
    ) throws(BridgeCoreError) {
        guard let given = request.queryItems[parameter], !given.isEmpty else {
            throw BridgeCoreError(.verification, "\(sender): no ?\(parameter)= query parameter")
        }
        guard SignatureCheck.anySecret(given, equals: secrets) else {
            throw BridgeCoreError(.verification, "\(sender): the ?\(parameter)= query parameter does not match")
        }
    }
}
