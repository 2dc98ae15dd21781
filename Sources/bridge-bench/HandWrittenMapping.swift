import BridgeCore
import Foundation

/// The HubSpot mapping by hand: what the pipeline's expressions do, without the interpreter (the per-event
/// benchmark's baseline).
enum HandWrittenMapping {
    /// Plans the batch in `body` with the fetched `contact`; returns the number of operations planned.
    static func operations(body: Data, contact: Data) -> Int {
        guard case .array(let events)? = try? JSONValue.parse(body) else { return 0 }
        var operations = 0
        for event in events where event["subscriptionType"] == "contact.creation" {
            guard let props = (try? JSONValue.parse(contact))?["properties"],
                let email = props["email"].stringValue.flatMap(EmailAddress.normalize)
            else { continue }
            let nickname = [props["firstname"].stringValue, props["lastname"].stringValue].compactMap { $0 }
                .filter { !$0.isEmpty }.joined(separator: " ")
            var person: [String: JSONValue] = ["nickname": .string(nickname)]
            if let phone = props["phone"].stringValue { person["phone"] = .string(phone.filter { $0 != " " }) }
            if let country = props["country"].stringValue {
                person["geolocation"] = ["country": .string(String(country.prefix(2)).uppercased())]
            }
            var segments = ["hubspot"]
            if let stage = props["lifecyclestage"].stringValue { segments.append(stage) }
            let plan: [CrispOperation] = [
                .profile(
                    ProfileUpsert(
                        email: email, person: person, company: ["name": props["company"]], segments: segments,
                        notepad: nil, active: nil)),
                .data(
                    DataUpdate(
                        email: email, mode: .merge,
                        data: [
                            "hubspot_id": .string(JSONValue.format(number: event["objectId"].numberValue ?? 0)),
                            "lifecycle_stage": props["lifecyclestage"],
                        ], unset: [])),
                .event(ProfileEvent(email: email, text: "Created in HubSpot", data: [:], color: "orange")),
            ]
            operations += plan.count
        }
        return operations
    }
}
