import BridgeCore
import BridgeStore
import Crypto
import Foundation
import Testing

/// Senders end to end through `serve --sandbox`-like processes: Salesforce's SOAP messages and Ack, Notion's
/// handshake and ids-only events with a fetch, a HubSpot batch with a fetch per event, and hardened fetches.
extension ProcessTests {
    @Suite struct SenderServeTests {
        static let salesforcePipeline = """
            name: salesforce
            trigger:
              webhook:
                path: /hooks/salesforce
                verify:
                  salesforce:
                    organization_id: ${{ env.SALESFORCE_ORG_ID }}
                    key: ${{ env.SALESFORCE_WEBHOOK_KEY }}
              each: body.Notification
            actions:
              - crisp.profile:
                  email: ${{ email(event.sObject.Email) }}
                  person: { nickname: "${{ join([event.sObject.FirstName, event.sObject.LastName], ' ') }}" }
              - crisp.event: { email: "${{ email(event.sObject.Email) }}", text: Lead in Salesforce }
            """

        static func outboundMessage(_ leads: [(id: String, email: String)]) -> Data {
            let notifications = leads.map { lead in
                """
                   <Notification>
                    <Id>\(lead.id)</Id>
                    <sObject xsi:type="sf:Lead" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">
                     <sf:Id>00Q\(lead.id)</sf:Id>
                     <sf:Email>\(lead.email)</sf:Email>
                     <sf:FirstName>Lead</sf:FirstName>
                     <sf:LastName>\(lead.id)</sf:LastName>
                    </sObject>
                   </Notification>
                """
            }.joined(separator: "\n")
            return Data(
                """
                <?xml version="1.0" encoding="UTF-8"?>
                <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
                 <soapenv:Body>
                  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
                   <OrganizationId>00D5g000004XyZaEAK</OrganizationId>
                   <ActionId>04k5g000000AbCdAAK</ActionId>
                   <SessionId xsi:nil="true"/>
                \(notifications)
                  </notifications>
                 </soapenv:Body>
                </soapenv:Envelope>
                """.utf8)
        }

        @Test func aSalesforceMessageWithThreeLeadsIsAckedAndGivesThreeProfilesOnce() async throws {
            let h = try await InProcessBridge.start(
                pipelines: ["salesforce": Self.salesforcePipeline],
                environment: ["SALESFORCE_ORG_ID": "00D5g000004XyZa", "SALESFORCE_WEBHOOK_KEY": "sf-key-1"])
            let message = Self.outboundMessage([
                ("04l000000000001AAA", "Lead.One@Example.com"), ("04l000000000002AAA", "lead.two@example.com"),
                ("04l000000000003AAA", " lead.three@example.com "),
            ])
            let xml = ["Content-Type": "text/xml; charset=utf-8", "SOAPAction": #""""#]
            let first = try await h.send("/hooks/salesforce?key=sf-key-1", body: message, headers: xml)
            #expect(first.status == 200)
            #expect(first.contentType.hasPrefix("text/xml"))
            #expect(first.body.contains("<Ack>true</Ack>"), "\(first.body)")
            let emails = ["lead.one@example.com", "lead.two@example.com", "lead.three@example.com"]
            let delivered = try await h.eventually {
                let people = try await h.sandboxPeople()
                return emails.allSatisfy { people[$0]?.events == 1 }
            }
            let delivered3 = try await h.sandboxPeople().keys.sorted()
            #expect(delivered, "\(delivered3)")

            // Salesforce resends the same message (say, the Ack was lost): acknowledged, nothing delivered twice.
            let again = try await h.send("/hooks/salesforce?key=sf-key-1", body: message, headers: xml)
            #expect(again.status == 200)
            #expect(again.body.contains("<Ack>true</Ack>"))
            #expect(try await h.idle())
            let people = try await h.sandboxPeople()
            #expect(people.count == 3)
            #expect(emails.allSatisfy { people[$0]?.events == 1 })
            let store = h.store
            #expect(try await store.events(status: nil, since: nil, limit: 10).count == 3)
            let stored = try #require(try await store.request(1))
            #expect(stored.webhook.query == "key=redacted", "the query key is not stored")

            // Refusals: a wrong key, another organisation, an entity declaration; none is stored.
            #expect(try await h.send("/hooks/salesforce?key=wrong", body: message, headers: xml).status == 401)
            let otherOrg = String(decoding: message, as: UTF8.self).replacingOccurrences(
                of: "00D5g000004XyZaEAK", with: "00D000000000001AAA")
            #expect(
                try await h.send("/hooks/salesforce?key=sf-key-1", body: Data(otherOrg.utf8), headers: xml).status
                    == 401)
            let entity = #"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>"#
            let refused = try await h.send("/hooks/salesforce?key=sf-key-1", body: Data(entity.utf8), headers: xml)
            #expect(refused.status == 400)
            #expect(refused.body.contains("DOCTYPE"))
            #expect(!refused.body.contains("root:"))
            #expect(try await store.events(status: nil, since: nil, limit: 10).count == 3)
            await h.stop()
        }

        static func notionPipeline(api: String) -> String {
            """
            name: notion
            trigger:
              webhook:
                path: /hooks/notion
                verify: notion
              when: event.type == "page.created"
            fetch:
              page:
                url: \(api)/v1/pages/${{ event.entity.id }}
                headers: { authorization: "Bearer ${{ env.NOTION_TOKEN }}", notion-version: "2022-06-28" }
            let:
              props: notion_properties(page)
            actions:
              - crisp.profile:
                  email: ${{ email(props.Email) }}
                  person: { nickname: "${{ props.Name }}" }
            """
        }

        static let page = """
            {"object": "page", "id": "20f104cd-477e-8011-9c3a-d1e2f3a4b5c6", "properties": {
              "Name": {"id": "title", "type": "title", "title": [{"type": "text", "plain_text": "Ada Lovelace"}]},
              "Email": {"id": "x", "type": "email", "email": "ADA@example.com"}}}
            """

        static func hex(_ bytes: some Sequence<UInt8>) -> String {
            bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        }

        @Test func aNotionHandshakeIsAnsweredThenASignedPageCreatedFetchesThePage() async throws {
            let api = try await StandInAPI.start { _, path in
                path == "/v1/pages/20f104cd-477e-8011-9c3a-d1e2f3a4b5c6"
                    ? .init(body: Self.page) : .init(status: 404, body: #"{"object":"error","status":404}"#)
            }
            let h = try RuntimeHarness()
            defer { h.close() }
            try h.addPipeline("notion", Self.notionPipeline(api: api.baseURL))
            h.serveEnvironment = ["NOTION_TOKEN": "secret_integration_token"]
            try await h.startSandbox()
            try await h.startServe()

            let token = "secret_handshakeToken\(UInt32.random(in: 0...UInt32.max))"
            let json = ["Content-Type": "application/json"]
            let handshake = try await h.send(
                "/hooks/notion", body: Data(#"{"verification_token":"\#(token)"}"#.utf8), headers: json)
            #expect(handshake.status == 200)
            let store = try h.store()
            #expect(try await store.events(status: nil, since: nil, limit: 10).isEmpty, "a handshake delivers nothing")
            _ = try await h.serve!.waitFor("Notion sent a verification token")
            #expect(!h.serve!.output.contains(token), "the token is never logged")
            let printed = try ChildProcess([
                "senders", "token", "notion", "--pipelines", h.folder + "/pipelines", "--store",
                "sqlite:" + h.storePath,
            ])
            #expect(try await printed.waitForExit() == 0)
            let row = printed.output.split(separator: "\n").first { $0.hasPrefix(token + "\t") }
            // the token, when, from where (the test's loopback client), and that it is not trusted
            #expect(row?.contains("\t127.0.0.1\tpending") == true, "\(printed.output)")
            #expect(printed.output.contains("none trusted"))

            let event = Data(
                """
                {"id":"5d2c8b7e-41a9-4f0e-b8d3-6a1c9e2f7b40","type":"page.created","entity":{"id":"20f104cd-477e-8011-9c3a-d1e2f3a4b5c6","type":"page"},"data":{"parent":{"id":"1a2b","type":"database"}}}
                """.utf8)
            let signature =
                "sha256="
                + Self.hex(HMAC<SHA256>.authenticationCode(for: event, using: SymmetricKey(data: Data(token.utf8))))
            #expect(
                try await h.send(
                    "/hooks/notion", body: event, headers: json.merging(["X-Notion-Signature": "sha256=00"]) { $1 }
                ).status == 401)
            // A handshake proves nothing (anyone can send one): its token verifies nothing until the operator trusts it.
            let signed = json.merging(["X-Notion-Signature": signature]) { $1 }
            let untrusted = try await h.send("/hooks/notion", body: event, headers: signed)
            #expect(untrusted.status == 401, "\(untrusted.body)")
            // an attacker's handshake before the operator trusts: both are listed, and only a token named in full
            // is trusted (`--trust` alone, the newest, would have trusted the attacker's)
            #expect(
                try await h.send(
                    "/hooks/notion", body: Data(#"{"verification_token":"secret_attacker1"}"#.utf8),
                    headers: json.merging(["X-Forwarded-For": "203.0.113.9"]) { $1 }
                ).status == 200)
            let listed = try ChildProcess([
                "senders", "token", "notion", "--pipelines", h.folder + "/pipelines", "--store",
                "sqlite:" + h.storePath,
            ])
            #expect(try await listed.waitForExit() == 0)
            let rows = listed.output.split(separator: "\n").filter { $0.hasPrefix("secret_") }
            #expect(rows.count == 2 && rows.first?.hasPrefix("secret_attacker1\t") == true, "\(listed.output)")
            #expect(rows.first?.contains("127.0.0.1 (X-Forwarded-For: 203.0.113.9)") == true, "\(listed.output)")
            // A pipeline that does not exist, or whose sender hands over no token, is named as such.
            let unknown = try ChildProcess([
                "senders", "token", "nope", "--pipelines", h.folder + "/pipelines", "--store", "sqlite:" + h.storePath,
            ])
            #expect(try await unknown.waitForExit() == 1)
            #expect(unknown.output.contains("no pipeline named 'nope'"), "\(unknown.output)")
            // A "token" with control characters is no handshake (it would reach the operator's terminal).
            let evil = #"{"verification_token":"secret_EVIL\u001b[31mX\nline"}"#
            #expect(try await h.send("/hooks/notion", body: Data(evil.utf8), headers: json).status == 401)
            let bare = try ChildProcess([
                "senders", "token", "notion", "--trust", "--pipelines", h.folder + "/pipelines", "--store",
                "sqlite:" + h.storePath,
            ])
            #expect(try await bare.waitForExit() != 0, "--trust names the token: \(bare.output)")
            let wrong = try ChildProcess([
                "senders", "token", "notion", "--trust", "secret_guess", "--pipelines", h.folder + "/pipelines",
                "--store",
                "sqlite:" + h.storePath,
            ])
            #expect(try await wrong.waitForExit() == 1)
            #expect(wrong.output.contains("name one of the 2 listed"), "\(wrong.output)")
            #expect(!wrong.output.contains("secret_guess"), "a token is not echoed")
            #expect(try await h.send("/hooks/notion", body: event, headers: signed).status == 401)
            let trusted = try ChildProcess([
                "senders", "token", "notion", "--trust", token, "--pipelines", h.folder + "/pipelines", "--store",
                "sqlite:" + h.storePath,
            ])
            #expect(try await trusted.waitForExit() == 0)
            #expect(trusted.output.contains("now trusted"), "\(trusted.output)")
            // a later handshake (an attacker's, say) is kept but does not displace the trusted token: a warning
            #expect(
                try await h.send(
                    "/hooks/notion", body: Data(#"{"verification_token":"secret_attacker2"}"#.utf8), headers: json
                ).status == 200)
            _ = try await h.serve!.waitFor("but this pipeline already trusts one")
            let after = try ChildProcess([
                "senders", "token", "notion", "--pipelines", h.folder + "/pipelines", "--store",
                "sqlite:" + h.storePath,
            ])
            #expect(try await after.waitForExit() == 0)
            #expect(after.output.split(separator: "\n").filter { $0.hasSuffix("\ttrusted") }.count == 1)
            #expect(after.output.contains(token + "\t"), "\(after.output)")
            #expect(after.output.contains("a token newer than the trusted one arrived"))
            let accepted = try await h.send("/hooks/notion", body: event, headers: signed)
            #expect(accepted.status == 202, "\(accepted.body)")
            let delivered = try await h.eventually { try await h.sandboxPeople()["ada@example.com"] != nil }
            #expect(delivered, "\(h.serve!.output)")
            #expect(api.requests.map(\.path) == ["/v1/pages/20f104cd-477e-8011-9c3a-d1e2f3a4b5c6"])
            #expect(api.requests.first?.authorization == "Bearer secret_integration_token")
            await api.stop()
        }

        static func hubspotPipeline(api: String) -> String {
            """
            name: hubspot
            trigger:
              webhook:
                path: /hooks/hubspot
                verify:
                  hubspot: { client_secret: "${{ env.HUBSPOT_CLIENT_SECRET }}" }
              each: body
            fetch:
              contact:
                url: \(api)/crm/v3/objects/contacts/${{ event.objectId }}
                headers: { authorization: "Bearer ${{ env.HUBSPOT_TOKEN }}" }
            actions:
              - crisp.profile:
                  email: ${{ email(contact.properties.email) }}
                  person: { nickname: "${{ contact.properties.firstname }}" }
            """
        }

        /// A HubSpot batch of `ids`, signed with v1 (SHA-256 of secret and body).
        static func hubspotBatch(_ ids: [Int]) -> (body: Data, headers: [String: String]) {
            let events = ids.map {
                #"{"eventId":\#($0 + 7000),"subscriptionType":"contact.creation","objectId":\#($0),"occurredAt":1749721268000}"#
            }
            let body = Data("[\(events.joined(separator: ","))]".utf8)
            let signature = hex(SHA256.hash(data: Data("hubspot-secret".utf8) + body))
            return (
                body,
                [
                    "Content-Type": "application/json", "X-HubSpot-Signature": signature,
                    "X-HubSpot-Signature-Version": "v1",
                ]
            )
        }

        @Test func aHubSpotBatchOfFiveFetchesEachContactAndARedirectElsewhereFailsTheEvent() async throws {
            let elsewhere = try await StandInAPI.start { _, _ in
                .init(body: #"{"properties":{"email":"evil@example.com"}}"#)
            }
            let api = try await StandInAPI.start { _, path in
                let id = path.split(separator: "/").last.map(String.init) ?? ""
                if id == "666" {
                    return .init(status: 302, location: elsewhere.baseURL + "/steal")
                }
                if id == "667" {  // a redirect within the same host is followed
                    return .init(status: 301, location: "/crm/v3/objects/contacts/5")
                }
                return .init(body: #"{"properties":{"email":"contact\#(id)@example.com","firstname":"C\#(id)"}}"#)
            }
            let h = try await InProcessBridge.start(
                pipelines: ["hubspot": Self.hubspotPipeline(api: api.baseURL)],
                environment: ["HUBSPOT_CLIENT_SECRET": "hubspot-secret", "HUBSPOT_TOKEN": "hubspot-token"]
            ) { options, folder in options.record = folder + "/recordings" }
            let recordings = h.folder + "/recordings"

            let batch = Self.hubspotBatch([1, 2, 3, 4, 5])
            let answer = try await h.send("/hooks/hubspot", body: batch.body, headers: batch.headers)
            #expect(answer.status == 202, "\(answer.body)")
            let delivered = try await h.eventually {
                let people = try await h.sandboxPeople()
                return (1...5).allSatisfy { people["contact\($0)@example.com"] != nil }
            }
            #expect(delivered)
            #expect(api.requests.count == 5)
            #expect(api.requests.allSatisfy { $0.authorization == "Bearer hubspot-token" })

            // The recording holds the five fetch answers, in event order: with them it is a complete test case.
            let recorded = try #require(
                try FileManager.default.contentsOfDirectory(atPath: recordings + "/hubspot").first {
                    $0.hasSuffix(".yaml")
                })
            let complete = try await h.eventually {
                let text = try String(contentsOfFile: recordings + "/hubspot/" + recorded, encoding: .utf8)
                return text.components(separatedBy: "status: 200").count == 6
            }
            #expect(complete)
            let recordingText = try String(contentsOfFile: recordings + "/hubspot/" + recorded, encoding: .utf8)
            #expect(!recordingText.contains("hubspot-token"), "fetch credentials are not recorded")
            let expected = (1...5).map {
                "      - - crisp.profile: { email: contact\($0)@example.com, person: { nickname: C\($0) } }"
            }.joined(separator: "\n")
            try """
            pipeline: ../pipelines/hubspot.yaml
            cases:
              - name: a recorded batch with its fetch answers
                request: hubspot/\(recorded)
                expect:
            \(expected)
            """.write(toFile: recordings + "/hubspot.test.yaml", atomically: true, encoding: .utf8)
            let report = await TestRunner.run(paths: [recordings + "/hubspot.test.yaml"])
            #expect(report.diagnostics.isEmpty, "\(report.diagnostics)")
            #expect(report.passed == 1, "\(report.results.map { "\($0.differences) \($0.problem ?? "")" })")

            let redirected = Self.hubspotBatch([666, 667])
            #expect(
                try await h.send("/hooks/hubspot", body: redirected.body, headers: redirected.headers).status == 202)
            let store = h.store
            let dead = try await h.eventually {
                try await store.events(status: .dead, since: nil, limit: 10).count == 1
            }
            #expect(dead)
            let event = try #require(try await store.events(status: .dead, since: nil, limit: 10).first)
            let reason = try await store.attempts(eventID: event.id).last?.reason ?? ""
            #expect(reason.contains("redirected to \(elsewhere.baseURL)"), "\(reason)")
            #expect(reason.contains("only \(api.baseURL)"), "\(reason)")
            #expect(elsewhere.requests.isEmpty, "the other host is never called")
            #expect(try await h.eventually { try await h.sandboxPeople()["contact5@example.com"] != nil })
            #expect(try await h.sandboxPeople()["evil@example.com"] == nil)
            await h.stop()
            await api.stop()
            await elsewhere.stop()
        }
    }
}
