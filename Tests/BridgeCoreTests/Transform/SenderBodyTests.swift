import Foundation
import Testing

@testable import BridgeCore

/// Senders' body formats and conventions through the transform: XML and Salesforce's notifications, route
/// parameters, sender default ids, and fetch calls that may only reach the host written in the pipeline.
@Suite struct SenderBodyTests {
    func pipeline(_ yaml: String) throws -> Pipeline {
        let (pipeline, diagnostics) = loadPipeline(yaml)
        return try #require(pipeline, "\(diagnostics)")
    }

    static let salesforceXML =
        FileManager.default.contents(atPath: Paths.fixtures + "/payloads/salesforce-lead.outbound-message.xml")
        ?? Data()

    @Test func xmlBecomesJSONWithoutPrefixesTypesOrNamespaces() throws {
        let xml = """
            <?xml version="1.0"?>
            <r:Root xmlns:r="urn:x" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" version="2">
              <r:Name>Zoë &amp; Ada</r:Name><Count>007</Count><Empty/><Nil xsi:nil="true"/>
              <Item>a</Item><Item>b</Item><Typed xsi:type="sf:Lead"><Id>1</Id></Typed>
              <Mixed id="7">text</Mixed><![CDATA[ignored beside children]]>
            </r:Root>
            """
        let value = try XMLBody.parse(Data(xml.utf8))
        let root = value["Root"]
        #expect(root["@version"] == "2")
        #expect(root["Name"] == "Zoë & Ada")
        #expect(root["Count"] == "007", "text stays text")
        #expect(root["Empty"] == "")
        #expect(root["Nil"] == .null)
        #expect(root["Item"] == ["a", "b"])
        #expect(root["Typed"] == ["Id": "1"], "xsi:type is dropped")
        #expect(root["Mixed"] == ["@id": "7", "#text": "text"])
    }

    @Test func xmlWithADoctypeOrEntitiesIsRefusedBeforeParsing() throws {
        for xml in [
            #"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><lolz>&lol;</lolz>"#,
            #"<!doctype x SYSTEM "http://127.0.0.1/evil.dtd"><x/>"#,
            #"<x><!ENTITY e "v"></x>"#,
        ] {
            #expect(throws: BridgeCoreError.self) { try XMLBody.parse(Data(xml.utf8)) }
            #expect(XMLBody.scan(Data(xml.utf8)) == .declaration)
        }
        #expect(throws: BridgeCoreError.self) { try XMLBody.parse(Data("<a><b></a>".utf8)) }
        // UTF-16 (which would hide a declaration from the byte check) and other non-UTF-8 bodies are refused
        let doctype = #"<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY e "v">]><x>&e;</x>"#
        for data in [
            doctype.data(using: .utf16LittleEndian)!, doctype.data(using: .utf16)!, Data([0x3C, 0x61, 0xE9, 0x3E]),
        ] {
            #expect(throws: BridgeCoreError.self) { try XMLBody.parse(data) }
        }
        // many repeated elements are read in linear time
        let many = "<a>" + String(repeating: "<i>x</i>", count: 50_000) + "</a>"
        #expect(try XMLBody.parse(Data(many.utf8))["a"]["i"].arrayValue?.count == 50_000)
        #expect(XMLBody.scan(Self.salesforceXML) == .fine)
    }

    /// The prolog names the encoding the parser follows: only UTF-8 may be declared. UTF-7 would otherwise
    /// smuggle a DOCTYPE past the byte check (`+ADw-` is `<`), ISO-8859-1 would turn UTF-8 text into mojibake.
    @Test func anXMLPrologMayDeclareOnlyUTF8() throws {
        let smuggled =
            #"<?xml version="1.0" encoding="UTF-7"?>+ADw-+ACE-DOCTYPE x +AFs-+ADw-+ACE-ENTITY e +ACI-v+ACI-+AD4-+AF0-+AD4-<x>&e;</x>"#
        let latin = "<?xml version='1.0' encoding = 'ISO-8859-1'?><x>Café Zoë</x>"
        for (xml, named) in [(smuggled, "UTF-7"), (latin, "ISO-8859-1")] {
            #expect {
                try XMLBody.parse(Data(xml.utf8))
            } throws: {
                "\($0)".contains("names encoding \"\(named)\"") && "\($0)".contains("only UTF-8")
            }
        }
        for fine in [
            #"<?xml version="1.0" encoding="UTF-8"?><x>Café Zoë</x>"#,
            #"<?xml version="1.0" encoding='utf-8' ?><x>Café Zoë</x>"#,
            "\u{FEFF}<?xml version=\"1.0\"?><x>Café Zoë</x>", "<x>Café Zoë</x>",
        ] {
            #expect(try XMLBody.parse(Data(fine.utf8))["x"] == "Café Zoë", "\(fine)")
        }
    }

    /// `<!DOCTYPE` inside a CDATA section or a comment is text, not a declaration; a `>` inside a quoted
    /// attribute does not end its tag.
    @Test func aDoctypeInCDATAOrACommentIsText() throws {
        let xml = #"<x a="1 > 0"><![CDATA[see <!DOCTYPE html> here]]><!-- <!ENTITY e "v"> --><y>1</y></x>"#
        #expect(XMLBody.scan(Data(xml.utf8)) == .fine)
        #expect(try XMLBody.parse(Data(xml.utf8))["x"]["y"] == "1")
        #expect(XMLBody.scan(Data(#"<x><![CDATA[a]]><!DOCTYPE y></x>"#.utf8)) == .declaration, "after the CDATA")
    }

    /// The parser checks an element's attributes against each other: their number is bounded before parsing.
    @Test func anElementWithTooManyAttributesIsRefusedBeforeParsing() throws {
        let attributes = (0..<90_000).map { "a\($0)=\"v\"" }.joined(separator: " ")
        let xml = "<x>\n<y \(attributes)/></x>"
        #expect(XMLBody.scan(Data(xml.utf8)) == .tooManyAttributes(line: 2))
        #expect { try XMLBody.parse(Data(xml.utf8)) } throws: { "\($0)".contains("more than 256 attributes") }
        let allowed = (0..<256).map { "a\($0)=\"v=>\"" }.joined(separator: " ")
        #expect(try XMLBody.parse(Data("<x \(allowed)/>".utf8))["x"]["@a255"] == "v=>")
    }

    static let salesforcePipeline = """
        trigger:
          webhook:
            path: /hooks/salesforce
            verify: { salesforce: { organization_id: 00D5g000004XyZaEAK, key: k } }
          each: body.Notification
        actions:
          - crisp.profile:
              email: ${{ email(event.sObject.Email) }}
              person: { nickname: "${{ event.sObject.FirstName }}" }
        """

    @Test func salesforceNotificationsAreOneEventEachWithTheNotificationIdAndTheAck() async throws {
        let p = try pipeline(Self.salesforcePipeline)
        let request = WebhookRequest(
            path: "/hooks/salesforce", query: "key=k", headers: ["content-type": "text/xml; charset=utf-8"],
            body: Self.salesforceXML)
        let accepted = try p.accept(request, context: TransformContext(environment: [:])).get()
        #expect(accepted.body["OrganizationId"] == "00D5g000004XyZaEAK")
        #expect(accepted.body["SessionId"] == .null)
        #expect(accepted.events.map(\.id) == ["04l5g00000QrStUAAV"])
        #expect(accepted.events[0].value["sObject"]["Email"] == "ada@example.com")
        #expect(p.trigger.sender.acceptedReply?.body.contains("<Ack>true</Ack>") == true)
        guard case .events(let events) = await p.run(request, context: TransformContext(environment: [:])) else {
            Issue.record("refused")
            return
        }
        #expect(
            events[0].expectationJSON == [
                ["crisp.profile": ["email": "ada@example.com", "person": ["nickname": "Ada"]]]
            ])
        // a SOAP body that is not an outbound message is refused with a reason
        var other = request
        other.body = Data(#"<?xml version="1.0"?><x/>"#.utf8)
        guard case .rejected(let status, _) = await p.run(other, context: TransformContext(environment: [:])) else {
            Issue.record("accepted")
            return
        }
        #expect(status == 400)
    }

    @Test func dynamicsTargetAttributesAreReachableByName() throws {
        let body = try #require(
            FileManager.default.contents(atPath: Paths.fixtures + "/payloads/dynamics365-contact.create.json"))
        let request = WebhookRequest(
            path: "/hooks/dynamics", query: "code=c", headers: ["content-type": "application/json"], body: body)
        let p = try pipeline(
            """
            trigger:
              webhook: { path: /hooks/dynamics, verify: { dynamics: { code: c } } }
            actions:
              - crisp.profile: { email: "${{ event.Target.Attributes.emailaddress1 }}" }
            """)
        let accepted = try p.accept(request, context: TransformContext(environment: [:])).get()
        #expect(accepted.body["Target"]["Attributes"]["emailaddress1"] == "ada@example.com")
        #expect(accepted.body["Target"]["LogicalName"] == "contact")
        #expect(accepted.body["InputParameters"][0]["key"] == "Target", "the original stays")
        #expect(accepted.events.map(\.id) == ["7d3e1f90-3b9d-f011-b4cb-000d3a9e1f27"])
        #expect(
            try eval(#"date(a)"#, ["a": accepted.body["Target"]["Attributes"]["createdon"]]) == "2025-06-12T09:41:07Z")
    }

    @Test func aSalesforceSessionIdIsRedactedBeforeStoring() throws {
        let text = String(decoding: Self.salesforceXML, as: UTF8.self).replacingOccurrences(
            of: #"<SessionId xsi:nil="true"/>"#, with: "<SessionId>00D5g!AQ0AQLiveSessionToken</SessionId>")
        let redacted = SalesforceVerifier().redactBody(Data(text.utf8))
        let redactedText = String(decoding: redacted, as: UTF8.self)
        #expect(!redactedText.contains("LiveSessionToken"))
        #expect(redactedText.contains("<SessionId>redacted</SessionId>"))
        let notifications = try SalesforceVerifier().shapeBody(
            try XMLBody.parse(redacted), of: WebhookRequest(path: "/", body: redacted))
        #expect(notifications["Notification"][0]["sObject"]["Email"] == "ada@example.com", "the rest is untouched")
        #expect(SalesforceVerifier().redactBody(Self.salesforceXML) == Self.salesforceXML, "a nil session id stays")
        // an attribute holding `>` does not end the start tag: the redacted XML stays well-formed
        let quoted = String(decoding: Self.salesforceXML, as: UTF8.self).replacingOccurrences(
            of: #"<SessionId xsi:nil="true"/>"#, with: #"<SessionId note="a>b">00D5g!AQ0SECRET</SessionId>"#)
        let quotedRedacted = SalesforceVerifier().redactBody(Data(quoted.utf8))
        #expect(!String(decoding: quotedRedacted, as: UTF8.self).contains("SECRET"))
        #expect(
            String(decoding: quotedRedacted, as: UTF8.self).contains(#"<SessionId note="a>b">redacted</SessionId>"#))
        #expect(throws: Never.self) { try XMLBody.parse(quotedRedacted) }
        for hidden in ["<![CDATA[00D5g!AQ0SECRET]]>", "<!--x-->00D5g!AQ0SECRET", "00D5g!AQ0\nSECRET"] {
            let body = String(decoding: Self.salesforceXML, as: UTF8.self).replacingOccurrences(
                of: #"<SessionId xsi:nil="true"/>"#, with: "<SessionId>\(hidden)</SessionId>")
            let text = String(decoding: SalesforceVerifier().redactBody(Data(body.utf8)), as: UTF8.self)
            #expect(!text.contains("SECRET"), "\(hidden)")
        }
    }

    @Test func senderSettingsAreCheckedWhenThePipelineLoads() {
        let cases: [(String, String)] = [
            ("salesforce: { organization_id: x }", "needs username and password, or key"),
            ("dynamics: {}", "needs header and value, or code"),
            ("hmac: { secret: s, header: h, algorithm: md5 }", "unknown algorithm 'md5'"),
            ("hmac: { secret: s, header: h, encoding: base32 }", "unknown encoding 'base32'"),
            ("hmac: { secret: s, header: h, signed: \"{ts}.{body}\" }", "unknown placeholder {ts}"),
            // a timestamp checked but not signed: a replay with a fresh one would pass
            ("hmac: { secret: s, header: h, timestamp_header: x-ts }", "signed has no {timestamp}"),
            (
                "hmac: { secret: s, header: h, timestamp_header: x-ts, signed: \"{id}.{body}\", id_header: x-id }",
                "signed has no {timestamp}"
            ),
            ("header: { name: x-key }", "value"),
        ]
        for (verify, message) in cases {
            let (_, diagnostics) = loadPipeline(
                "trigger:\n  webhook:\n    path: /x\n    verify: { \(verify) }\nactions:\n  - crisp.event: { email: a@x.io, text: t }"
            )
            #expect(
                diagnostics.contains { $0.severity == .error && $0.message.contains(message) },
                "\(verify): \(diagnostics)")
        }
        let (signedTimestamp, fine) = loadPipeline(
            "trigger:\n  webhook:\n    path: /x\n    verify: { hmac: { secret: s, header: h, timestamp_header: x-ts, signed: \"{timestamp}.{body}\" } }\nactions:\n  - crisp.event: { email: a@x.io, text: t }"
        )
        #expect(signedTimestamp != nil && !fine.contains { $0.severity == .error }, "\(fine)")
        let (_, notion) = loadPipeline(
            "trigger:\n  webhook: { path: /x, verify: notion }\nactions:\n  - crisp.event: { email: a@x.io, text: t }")
        #expect(notion.contains { $0.severity == .warning && $0.message.contains("pin the key") })
    }

    @Test func theContactIsKnownAtIntakeWhenItsEmailNeedsNoFetch() throws {
        func keys(_ yaml: String, _ body: String) throws -> [String?] {
            let p = try pipeline(yaml)
            let request = WebhookRequest(
                path: "/x", headers: ["content-type": "application/json"], body: Data(body.utf8))
            return try p.accept(request, context: TransformContext(environment: [:])).get().events.map(\.orderKey)
        }
        let head = "trigger:\n  webhook: { path: /x, verify: none }\n  each: body\n"
        // the first action's email, through the lets it needs
        #expect(
            try keys(
                head
                    + "let:\n  raw: event.mail\n  mail: email(raw)\nactions:\n  - crisp.profile: { email: \"${{ mail }}\" }",
                #"[{"mail": " ADA@Example.com "}, {"mail": "not an email"}, {}]"#) == ["ada@example.com", nil, nil])
        // an email that needs a fetch is known only after planning
        #expect(
            try keys(
                head
                    + "fetch:\n  c: { url: \"https://api.example.com/${{ event.id }}\" }\nlet:\n  mail: email(c.email)\n"
                    + "actions:\n  - crisp.profile: { email: \"${{ mail }}\" }",
                #"[{"id": 1}]"#) == [nil])
        // order_key says it when the email does not
        #expect(
            try keys(
                head
                    + "order_key: \"'hubspot:' + event.objectId\"\nfetch:\n  c: { url: \"https://api.example.com/${{ event.objectId }}\" }\n"
                    + "actions:\n  - crisp.profile: { email: \"${{ email(c.email) }}\" }",
                #"[{"objectId": 7}, {"objectId": 8}]"#) == ["hubspot:7", "hubspot:8"])
        let (_, diagnostics) = loadPipeline(
            head
                + "order_key: c.email\nfetch:\n  c: { url: \"https://api.example.com/x\" }\nactions:\n  - crisp.event: { email: a@x.io, text: t }"
        )
        #expect(diagnostics.contains { $0.severity == .error && $0.location.line == 4 }, "\(diagnostics)")
    }

    @Test func routeParametersFillPath() async throws {
        let p = try pipeline(
            """
            trigger:
              webhook: { path: "/hooks/{source}/{tenant}", verify: none }
            actions:
              - crisp.profile: { email: a@x.io, segments: ["${{ path.source }}", "${{ path.tenant }}"] }
            """)
        let request = WebhookRequest(path: "/hooks/typeform/acme%20corp", headers: [:], body: Data("{}".utf8))
        guard case .events(let events) = await p.run(request, context: TransformContext(environment: [:])) else {
            Issue.record("refused")
            return
        }
        #expect(
            events[0].expectationJSON == [
                ["crisp.profile": ["email": "a@x.io", "segments": ["typeform", "acme corp"]]]
            ])
        #expect(p.trigger.pathPattern.match("/hooks/typeform") == nil)
        // A parameter decoded to a separator, a control character or a dot segment is refused, with its reason.
        for (smuggled, reason) in [
            ("/hooks/..%2f..%2fadmin/t", "path separator ('/')"), ("/hooks/a%5Cb/t", "path separator ('\\')"),
            ("/hooks/x%00y/t", "control character (U+0000)"), ("/hooks/x%0D%0Ay/t", "control character (U+000D)"),
            ("/hooks/%2E%2E/t", "is '..'"),
        ] {
            #expect(p.trigger.pathPattern.match(smuggled) == nil, "\(smuggled)")
            guard case .refused(let why)? = p.trigger.pathPattern.matching(smuggled) else {
                Issue.record("\(smuggled) was not refused")
                continue
            }
            #expect(why.contains("{source}") && why.contains(reason), "\(why)")
        }
        #expect(p.trigger.pathPattern.matching("/hooks/a.b%40c/t") == .matched(["source": "a.b@c", "tenant": "t"]))
        for bad in [
            "/hooks/{}", "/hooks/{a-b}", "/hooks/x{a}", "/hooks/{a}/{a}", "/hooks/*", "/hooks/**", "/hooks/:source",
        ] {
            let (_, diagnostics) = loadPipeline(
                "trigger:\n  webhook: { path: \"\(bad)\", verify: none }\nactions:\n  - crisp.event: { email: a@x.io, text: t }"
            )
            #expect(diagnostics.contains { $0.severity == .error && $0.message.contains("route parameter") }, "\(bad)")
        }
    }

    @Test func aFetchMayOnlyCallTheHostWrittenInThePipeline() async throws {
        for url in [
            "${{ env.BASE }}/contacts/1", "https://${{ event.host }}/x", "https://api.example.${{ event.tld }}/x",
        ] {
            let (_, diagnostics) = loadPipeline(
                Self.fetchPipeline(url: url))
            #expect(
                diagnostics.contains {
                    $0.severity == .error && $0.message.contains("write the URL's scheme and host literally")
                }, "\(url)")
        }
        let p = try pipeline(Self.fetchPipeline(url: "https://api.example.com/contacts/${{ event.id }}"))
        let fetcher = RecordedFetcher(
            ["c": FetchResponse(status: 200, body: Data(#"{"email":"a@x.io"}"#.utf8))], keepingRequests: true)
        let context = TransformContext(environment: [:], fetcher: fetcher)
        for (id, planned) in [("42", true), ("x/../../y", true)] {
            let body = Data(JSONValue.object(["id": .string(id)]).jsonText.utf8)
            guard case .events(let events) = await p.run(WebhookRequest(path: "/x", body: body), context: context)
            else {
                Issue.record("refused")
                continue
            }
            if case .failed(let reason, _) = events[0].status {
                #expect(!planned, "\(id): \(reason)")
            }
        }
        #expect(fetcher.recordedRequests.count == 2)
        #expect(fetcher.recordedRequests.allSatisfy { $0.origin == FetchOrigin(url: "https://api.example.com") })
        #expect(FetchOrigin(url: "https://api.example.com@evil.example.net/x")?.host == "evil.example.net")
        #expect(FetchOrigin(url: "https://API.example.com:443/x") == FetchOrigin(url: "https://api.example.com/y"))
        #expect(FetchOrigin(url: "http://api.example.com/x") != FetchOrigin(url: "https://api.example.com/x"))
    }

    static func fetchPipeline(url: String) -> String {
        """
        trigger:
          webhook: { path: /x, verify: none }
        fetch:
          c:
            url: \(url)
        actions:
          - crisp.event: { email: "${{ c.email }}", text: t }
        """
    }
}
