import BridgeCore
import BridgeRuntime
import CrispPeople
import CrispSandbox
import Foundation
import Logging
import Testing

/// `crisp-bridge import` with the ready `csv-contacts` pipeline: Crisp's import rules, checked against the
/// sandbox (a real Crisp client over loopback) and the rejects file.
@Suite struct ImportTests {
    static let pipelines =
        URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path + "/pipelines"

    /// A sandbox, a fresh store and a folder for the files of one test.
    final class Setup: Sendable {
        let sandbox: RunningSandbox
        let folder: String
        let crisp: CrispClient

        init() async throws {
            sandbox = try await CrispSandbox.start()
            folder = NSTemporaryDirectory() + "crisp-bridge-import-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            crisp = CrispClient(
                configuration: .init(
                    baseURL: sandbox.baseURL, websiteID: sandbox.configuration.websiteID,
                    identifier: sandbox.configuration.identifier, key: sandbox.configuration.key))
        }

        func file(_ name: String, _ text: String) throws -> String {
            let path = folder + "/" + name
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            return path
        }

        func options(_ file: String) -> CSVImport.Options {
            var options = CSVImport.Options(file: file)
            options.bridge.pipelines = ImportTests.pipelines
            options.bridge.store = "sqlite:" + folder + "/bridge.sqlite"
            options.bridge.crispRate = 500
            options.bridge.environment = [
                "CRISP_API_URL": sandbox.baseURL, "CRISP_WEBSITE_ID": sandbox.configuration.websiteID,
                "CRISP_IDENTIFIER": sandbox.configuration.identifier, "CRISP_KEY": sandbox.configuration.key,
            ]
            return options
        }

        func run(_ options: CSVImport.Options) async throws -> CSVImport.Summary {
            try await CSVImport(options, logger: Logger(label: "import-test")).run()
        }

        func profile(_ email: String) async throws -> JSONValue {
            try #require(try await crisp.profile(email))
        }

        func data(_ email: String) async throws -> JSONValue {
            let people = sandbox.state.people.arrayValue ?? []
            return people.first { $0["email"].stringValue == email }?["data"] ?? .null
        }

        func close() async {
            try? await crisp.shutdown()
            await sandbox.stop()
            try? FileManager.default.removeItem(atPath: folder)
        }
    }

    /// Rows in every shape RFC 4180 allows, and every rule: what is valid reaches Crisp, the rest is in the
    /// rejects file with its line and reason.
    @Test func crispsImportRulesOnAMessyFile() async throws {
        let s = try await Setup()
        defer { Task { await s.close() } }
        let csv =
            "\u{FEFF}email,first_name,last_name,full_name,country,segments,data.plan,data.seats,created_at,last_active\r\n"
            + "ada@example.com,Ada,Lovelace,,UK,vip|beta,pro,3,2024-03-01T10:00:00+01:00,1749721267\r\n"
            + "\"GRACE@example.com \",\"Grace \"\"Amazing\"\"\",Hopper,,United States,\"a, b\",team,,1749721267000,\r\n"
            + "not-an-email,X,Y,,FR,,,,,\r\n"
            + ",No,Email,,,,,,,\r\n"
            + "bob@example.com,\"Bob\non two lines\",,,Congo,,,,,\r\n"
            + "\r\n"
            + "carol@example.com,,,,Atlantis,,,,,\r\n"
            + "dan@example.com,,,Dan Brown,,x y  z,,,yesterday,\r\n"
            + "eve@example.com,,,,,,,,,\r\n"
        let summary = try await s.run(s.options(try s.file("people.csv", csv)))
        #expect(summary.read == 8 && summary.delivered == 3 && summary.rejected == 5, "\(summary)")
        #expect(summary.exitCode == 2)

        let ada = try await s.profile("ada@example.com")
        #expect(ada["person"]["nickname"] == "Ada Lovelace")
        #expect(ada["person"]["geolocation"]["country"] == "GB")
        #expect(Set(ada["segments"].arrayValue ?? []) == ["vip", "beta"])
        #expect(
            try await s.data("ada@example.com")
                == ["plan": "pro", "seats": "3", "created_at": "2024-03-01T09:00:00Z"])
        let grace = try await s.profile("grace@example.com")
        #expect(grace["person"]["nickname"] == "Grace \"Amazing\" Hopper", "quotes inside a quoted cell")
        #expect(Set(grace["segments"].arrayValue ?? []) == ["a", "b"], "a comma inside quotes")
        #expect(try await s.data("grace@example.com") == ["plan": "team", "created_at": "2025-06-12T09:41:07Z"])
        #expect(try await s.profile("eve@example.com")["person"]["nickname"] == "eve", "the nickname from the email")

        let rejects = try String(contentsOfFile: try #require(summary.rejects), encoding: .utf8)
        let lines = rejects.components(separatedBy: "\n").filter { !$0.isEmpty }
        #expect(
            lines.first
                == "email,first_name,last_name,full_name,country,segments,data.plan,data.seats,created_at,last_active,line,reason"
        )
        for (line, reason) in [
            (4, "not a valid email: not-an-email"), (5, "no email"),
            (6, "country Congo is not a country code, nor the name of one country"),
            (9, "country Atlantis is not a country code"), (10, "\"\"yesterday\"\" is not a date"),
        ] {
            #expect(rejects.contains(",\(line),") && rejects.contains(reason), "line \(line): \(reason)\n\(rejects)")
        }
        #expect(rejects.contains("\"Bob\non two lines\""), "a cell with a line break is written back quoted")
    }

    /// `;` and tab files are read the same way, the separator found from the header.
    @Test(arguments: [";", "\t"]) func otherSeparatorsAreFound(_ separator: String) async throws {
        let s = try await Setup()
        defer { Task { await s.close() } }
        let csv =
            ["email", "full_name", "segments", "data.plan"].joined(separator: separator) + "\n"
            + ["zoe@example.com", "Zoë, Q.", "a,b c", "pro"].joined(separator: separator) + "\n"
        let summary = try await s.run(s.options(try s.file("people.csv", csv)))
        #expect(summary.delivered == 1 && summary.rejected == 0, "\(summary)")
        let zoe = try await s.profile("zoe@example.com")
        #expect(zoe["person"]["nickname"] == "Zoë, Q.")
        #expect(Set(zoe["segments"].arrayValue ?? []) == ["a", "b", "c"])
    }

    /// Importing an email that exists: new values update, an empty cell deletes its key, new keys are added,
    /// segments are added, the company is merged, the nickname is overwritten.
    @Test func aReimportFollowsCrispsRulesForExistingContacts() async throws {
        let s = try await Setup()
        defer { Task { await s.close() } }
        let first = try s.file(
            "first.csv",
            "email,full_name,company,company_url,segments,data.plan,data.seats,data.old\n"
                + "ada@example.com,Ada,Engines,https://engines.example,vip,free,3,x\n")
        #expect(try await s.run(s.options(first)).delivered == 1)
        let second = try s.file(
            "second.csv",
            "email,full_name,company,segments,data.plan,data.seats,data.new\n"
                + "ada@example.com,Ada Lovelace,Analytical Engines,beta,pro,,1\n")
        let summary = try await s.run(s.options(second))
        #expect(summary.delivered == 1 && summary.rejected == 0, "\(summary)")
        let ada = try await s.profile("ada@example.com")
        #expect(ada["person"]["nickname"] == "Ada Lovelace", "overwritten")
        #expect(Set(ada["segments"].arrayValue ?? []) == ["vip", "beta"], "added, never removed")
        #expect(ada["company"]["name"] == "Analytical Engines")
        #expect(ada["company"]["url"] == "https://engines.example", "the company is merged")
        #expect(
            try await s.data("ada@example.com") == ["plan": "pro", "old": "x", "new": "1"],
            "updated, deleted by an empty cell, added; a key without a column is kept")
    }

    /// The same file again is a no-op; `--again` is a new run; a dry run stores nothing.
    @Test func theSameFileAgainStoresNothingUnlessAgainAndADryRunStoresNothing() async throws {
        let s = try await Setup()
        defer { Task { await s.close() } }
        let file = try s.file("people.csv", "email,data.n\na@example.com,1\nb@example.com,2\nnot-an-email,3\n")
        var dry = s.options(file)
        dry.dryRun = true
        let planned = try await s.run(dry)
        #expect(planned.queued == 2 && planned.rejected == 1 && planned.cost.new == 4, "\(planned)")
        #expect(s.sandbox.state.profileCount == 0, "a dry run sends nothing")
        #expect(FileManager.default.fileExists(atPath: file + ".rejects.csv"))

        let firstRun = try await s.run(s.options(file))
        #expect(firstRun.queued == 2 && firstRun.delivered == 2 && firstRun.rejected == 1)
        let secondRun = try await s.run(s.options(file))
        #expect(secondRun.queued == 0 && secondRun.alreadyStored == 2 && secondRun.delivered == 2)
        var again = s.options(file)
        again.run = "second"
        let thirdRun = try await s.run(again)
        #expect(thirdRun.queued == 2 && thirdRun.delivered == 2)
        let fixed = try s.file("people.csv", "email,data.n\na@example.com,1\nb@example.com,2\n")
        #expect(try await s.run(s.options(fixed)).rejects == nil)
        #expect(!FileManager.default.fileExists(atPath: fixed + ".rejects.csv"), "a stale rejects file is removed")
    }

    /// Any pipeline imports, a webhook one too; without a header the columns are numbered; `--limit` stops early.
    @Test func aWebhookPipelineImportsAFileWithoutAHeaderUpToALimit() async throws {
        let s = try await Setup()
        defer { Task { await s.close() } }
        let pipeline = try s.file(
            "hook.yaml",
            """
            name: hook
            trigger:
              webhook: { path: /hooks/people, verify: none }
            actions:
              - crisp.profile: { email: '${{ email(event["1"]) }}', person: { nickname: '${{ event["2"] }}' } }
            """)
        var options = s.options(
            try s.file("people.csv", "ada@example.com,Ada\nbob@example.com,Bob\ncy@example.com,Cy\n"))
        options.pipeline = pipeline
        options.header = false
        options.limit = 2
        let summary = try await s.run(options)
        #expect(summary.read == 2 && summary.delivered == 2 && summary.exitCode == 0, "\(summary)")
        #expect(try await s.profile("bob@example.com")["person"]["nickname"] == "Bob")
        #expect(s.sandbox.state.profileCount == 2, "the third row is beyond the limit")
    }

    /// A wrong file is refused before any row is read, saying what is wrong and where.
    @Test func aFileWithoutTheColumnsOrWithABadDataKeyIsRefusedAtOnce() async throws {
        let s = try await Setup()
        defer { Task { await s.close() } }
        await #expect {
            try await s.run(s.options(try s.file("a.csv", "mail,name\nada@example.com,Ada\n")))
        } throws: { "\($0)".contains("lacks the column(s) email") }
        await #expect {
            try await s.run(s.options(try s.file("b.csv", "email,data.bad key\nada@example.com,1\n")))
        } throws: { "\($0)".contains("b.csv:1: column 2 'data.bad key'") }
        await #expect {
            try await s.run(s.options(try s.file("c.csv", "email,name,name\nada@example.com,1,2\n")))
        } throws: { "\($0)".contains("named 'name' like column 2") }
        var other = s.options(try s.file("d.csv", "email\na@example.com\n"))
        other.pipeline = "no-such-pipeline"
        await #expect { try await s.run(other) } throws: { "\($0)".contains("no pipeline named no-such-pipeline") }
        #expect(s.sandbox.state.profileCount == 0)
    }
}
