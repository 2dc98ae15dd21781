import Foundation
import Testing

@testable import BridgeCore

@Suite struct PipelineLoaderTests {
    static let minimal = """
        trigger:
          webhook:
            path: /hooks/x
            verify: { basic: { username: u, password: p } }
        actions:
          - crisp.event: { email: "${{ body.email }}", text: Hi }
        """

    @Test func theExamplePipelinesLoadWithoutProblems() {
        let result = PipelineLoader.load(paths: [Paths.pipelines])
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        #expect(
            Set(result.pipelines.map(\.name)) == [
                "hubspot-contact-created", "google-sheets-row", "pipedrive-person-added", "salesforce-lead",
                "dynamics-contact-created", "notion-contact", "notion-page-created", "typeform-response",
                "stripe-customer-created", "zapier-webhook", "csv-contacts", "google-sheets-poll",
                "notion-database-poll", "hubspot-contacts-poll", "zoho-lead-created", "zoho-lead-notification",
                "shopify-customer-created", "shopify-customer-tags", "woocommerce-customer-created",
                "crisp-conversation-enrich", "crisp-contact-to-sheet", "crisp-conversation-to-sheet",
                "prestashop-customers-poll", "dynamics-contact-updated",
            ])
    }

    @Test func fiveDifferentProblemsAreAllReportedAtTheirPlaces() throws {
        let (pipeline, diagnostics) = PipelineLoader.load(file: Paths.fixtures + "/broken.yaml")
        #expect(pipeline == nil)
        let errors = diagnostics.filter { $0.severity == .error }
        let found = errors.map { "\($0.location.line):\($0.location.column) \($0.message)" }
        #expect(errors.count == 5, "\(found)")
        let expected: [(Int, Int, String)] = [
            (7, 9, "'(' is not closed"),  // unbalanced expression
            (9, 9, "'greeting' is not defined yet: it is defined by a later let (line 10)"),
            (13, 18, "unknown function 'emial_normalise'"),
            (14, 7, "unknown field 'persn'; did you mean 'person'?"),  // unknown key
            (19, 9, "'first name' is not a valid Crisp custom-data key"),
        ]
        for (line, column, message) in expected {
            #expect(
                errors.contains {
                    $0.location.line == line && $0.location.column == column && $0.message.contains(message)
                },
                "missing \(line):\(column) \(message) in \(found)")
        }
        let rendered = errors[0].description
        #expect(rendered.hasPrefix(Paths.fixtures + "/broken.yaml:7:9: error: '(' is not closed"))
        #expect(rendered.hasSuffix("  when: (event.kind == \"created\"\n        ^"))
    }

    @Test func expressionColumnsAreExactInsideQuotesAndBlockScalars() throws {
        let yaml = """
            trigger:
              webhook:
                path: /hooks/x
                verify: { basic: { username: u, password: p } }
              when: |
                body.ok &&
                  nope
            actions:
              - crisp.event: { email: "${{ body.email }}", text: "A ${{ bodi.x }}" }
            """
        let (_, diagnostics) = loadPipeline(yaml)
        let places = diagnostics.map { "\($0.location.line):\($0.location.column)" }
        #expect(places.contains("7:7"), "\(diagnostics)")
        #expect(places.contains("9:61"), "\(diagnostics)")
    }

    @Test func unknownKeysAtEveryLevelAreReportedWithSuggestions() {
        let yaml = """
            nmae: x
            trigger:
              webhok: {}
              webhook:
                path: /hooks/x
                verfy: none
                verify: { hubspott: { client_secret: s } }
            fetch:
              contact: { url: "https://x", methd: GET }
            actions:
              - crisp.evnt: { email: a@b.co, text: x }
              - crisp.data: { email: a@b.co, merge: { a: 1 }, replace: { b: 2 } }
              - crisp.event: { email: a@b.co, text: x, color: violet }
            """
        let (_, diagnostics) = loadPipeline(yaml)
        let messages = diagnostics.map(\.message).joined(separator: "\n")
        for fragment in [
            "unknown key 'nmae' in the pipeline; did you mean 'name'?",
            "unknown key 'webhok' in trigger; did you mean 'webhook'?",
            "unknown key 'verfy' in trigger.webhook; did you mean 'verify'?",
            "unknown sender 'hubspott'; did you mean 'hubspot'?",
            "unknown key 'methd' in fetch.contact; did you mean 'method'?",
            "unknown action 'crisp.evnt'; did you mean 'crisp.event'?",
            "'merge' (PATCH) or 'replace' (PUT), not both", "'violet' is not a Crisp event colour",
        ] {
            #expect(messages.contains(fragment), "missing: \(fragment)\n\(messages)")
        }
    }

    @Test func yamlSyntaxErrorsSuggestQuotingTheValue() throws {
        let yaml = """
            trigger:
              webhook:
                path: /hooks/x
                verify: none
              when: event.a ? event.b : event.c
            actions: []
            """
        let (_, diagnostics) = loadPipeline(yaml)
        let error = try #require(diagnostics.first)
        #expect(error.location.line == 5)
        #expect(error.message.contains("quote this value"), "\(error.message)")
    }

    @Test(arguments: [
        ("    path: /x\n   verify: basic\n", 5, "check the indentation of this line (3 spaces, the line above uses 4)"),
        (
            "    path: /x\n      verify: basic\n", 5,
            "check the indentation of this line (6 spaces, the line above uses 4)"
        ),
        ("\tpath: /x\n", 4, "this line is indented with a tab: YAML indents with spaces only"),
        ("    path: /x\n  when: body.a: 1\n", 5, "quote this value"),
        (
            "    path: /x\n  id: \"${{ default(body.id, \"none\") }}\"\n", 5,
            "this value is in double quotes and holds double quotes too"
        ),
        (
            "    path: /x\n  id: '${{ body.id }}' + 'x'\n", 5,
            "this value is in single quotes and holds single quotes too"
        ),
    ])
    func yamlSyntaxErrorsGetTheHintThatFitsTheLine(lines: String, line: Int, hint: String) throws {
        let yaml = "name: a\ntrigger:\n  webhook:\n" + lines + "actions: []\n"
        let error = try #require(loadPipeline(yaml).1.first)
        #expect(error.location.line == line)
        #expect(error.message.contains(hint), "\(error.message)")
        if hint.hasPrefix("check") || hint.hasPrefix("this line") {
            #expect(!error.message.contains("quote"), "\(error.message)")
        }
        if hint.hasPrefix("this value") { #expect(!error.message.contains("quote this value"), "\(error.message)") }
    }

    @Test func missingRequiredPartsAndWrongTypes() {
        let (_, diagnostics) = loadPipeline("description: [x]\nactions: {}")
        let messages = diagnostics.map(\.message).joined(separator: "\n")
        #expect(messages.contains("the pipeline needs 'trigger'"))
        #expect(messages.contains("description must be text"))
        #expect(messages.contains("actions must be a list"))
    }

    @Test func duplicateKeysNamesAndPathsAreErrors() throws {
        let (_, inFile) = loadPipeline(Self.minimal + "\nactions: []")
        #expect(
            inFile.contains {
                $0.message.contains("duplicate key 'actions' (first at line 5)") && $0.location.line == 7
            }, "\(inFile)")

        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.minimal.write(toFile: folder + "/a.yaml", atomically: true, encoding: .utf8)
        try ("name: a\n" + Self.minimal).write(toFile: folder + "/b.yaml", atomically: true, encoding: .utf8)
        let result = PipelineLoader.load(paths: [folder])
        let messages = result.diagnostics.map(\.message).joined(separator: "\n")
        #expect(messages.contains("duplicate pipeline name 'a'"))
        #expect(messages.contains("duplicate webhook path /hooks/x"))
    }

    @Test func aCSVTriggerNamesTheColumnsAFileMustHave() throws {
        let (pipeline, diagnostics) = loadPipeline(
            """
            trigger:
              csv: { columns: [email, plan] }
              when: event.email != ""
            actions:
              - crisp.event: { email: "${{ event.email }}", text: Imported }
            """)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let csv = try #require(pipeline?.trigger.csv)
        #expect(csv.columns == ["email", "plan"])
        #expect(try csv.mapping(of: ["Email", "plan", "data.x"]).missing(csv.columns) == ["email"])
        #expect(pipeline?.trigger.path == "")

        let (_, both) = loadPipeline(
            Self.minimal.replacingOccurrences(of: "trigger:\n", with: "trigger:\n  csv:\n"))
        #expect(both.contains { $0.message.contains("both `webhook:` and `csv:`") }, "\(both)")
        let (_, neither) = loadPipeline("trigger: { when: true }\nactions: []")
        #expect(neither.contains { $0.message.contains("`webhook:` (a route and its sender), `poll:`") })
        // The fields it reads and its own mapping of columns.
        let (mapped, mappedProblems) = loadPipeline(
            "trigger:\n  csv: { columns: [email], fields: [email, company], mapping: { Work Email: email, Notes: \"\" } }\n"
                + "actions:\n  - crisp.event: { email: \"${{ event.email }}\", text: Hi }\n")
        #expect(mappedProblems.isEmpty, "\(mappedProblems)")
        #expect(mapped?.trigger.csv?.fields == ["email", "company"])
        #expect(mapped?.trigger.csv?.mapping == ["Work Email": "email", "Notes": ""])
        let placed = try #require(try mapped?.trigger.csv?.mapping(of: ["Work Email", "Organization", "Notes"]))
        #expect(placed.columns.map(\.field) == ["email", "company", nil])
        let (_, unknownField) = loadPipeline(
            "trigger:\n  csv: { fields: [email], mapping: { Mail: e_mail } }\nactions: []")
        #expect(
            unknownField.contains {
                $0.message.contains("mapped to 'e_mail', which is not in trigger.csv.fields") && $0.location.line == 2
            }, "\(unknownField)")
        let (_, twice) = loadPipeline("trigger: { csv: { columns: [a, a] } }\nactions: []")
        #expect(
            twice.contains {
                $0.message.contains("'a' is listed twice in trigger.csv.columns") && $0.location.line == 1
            })

        // A CSV pipeline has no route: two of them do not clash.
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for name in ["a", "b"] {
            try "trigger: { csv: }\nactions:\n  - crisp.event: { email: \"${{ event.email }}\", text: Hi }\n"
                .write(toFile: folder + "/\(name).yaml", atomically: true, encoding: .utf8)
        }
        let result = PipelineLoader.load(paths: [folder])
        #expect(result.diagnostics.isEmpty && result.pipelines.count == 2, "\(result.diagnostics)")
    }

    @Test func verifyNoneIsAllowedWithAWarning() throws {
        let yaml = Self.minimal.replacingOccurrences(of: "{ basic: { username: u, password: p } }", with: "none")
        let (pipeline, diagnostics) = loadPipeline(yaml)
        #expect(pipeline != nil)
        #expect(diagnostics.contains { $0.severity == .warning && $0.message.contains("verify: none") })
    }

    @Test func letNamesAreVisibleOnlyAfterTheirDefinitionAndFetchesOnlyAfterWhen() {
        let yaml = """
            trigger:
              webhook: { path: /x, verify: none }
              when: contact.ok
            fetch:
              contact: { url: "https://x/${{ later }}" }
            let:
              later: 1
            actions:
              - crisp.event: { email: a@b.co, text: x }
            """
        let messages = loadPipeline(yaml).1.map(\.message).joined(separator: "\n")
        #expect(messages.contains("'contact' is not defined yet: it is fetched by fetch.contact"))
        #expect(messages.contains("'later' is not defined yet: it is defined by a later let"))
    }

    @Test func literalEventTextOverEightyCharactersIsAnError() {
        let yaml = Self.minimal.replacingOccurrences(of: "text: Hi", with: "text: \(String(repeating: "x", count: 81))")
        #expect(loadPipeline(yaml).1.contains { $0.message.contains("81 characters; Crisp takes at most 80") })
    }

    @Test func upperCaseCustomDataKeysWarn() {
        let yaml = Self.minimal.replacingOccurrences(
            of: "crisp.event: { email: \"${{ body.email }}\", text: Hi }",
            with: "crisp.data: { email: a@b.co, merge: { Plan: pro } }")
        let (pipeline, diagnostics) = loadPipeline(yaml)
        #expect(pipeline != nil)
        #expect(diagnostics.contains { $0.severity == .warning && $0.message.contains("written as 'plan'") })
    }
}
