import AsyncHTTPClient
import BridgeCore
import Foundation
import Testing

/// `crisp-bridge import` as a user runs it: against a rate-limited sandbox, killed half-way and run again.
extension ProcessTests {
    @Suite struct ImportProcessTests {
        /// Rows in the suite; `CRISP_BRIDGE_IMPORT_ROWS=5000` for the full run.
        static let rows = Int(ProcessInfo.processInfo.environment["CRISP_BRIDGE_IMPORT_ROWS"] ?? "") ?? 400

        @Test func aKilledImportRunAgainDeliversEveryValidRowOnceAndReportsTheRest() async throws {
            let h = try RuntimeHarness()
            defer { h.close() }
            try await h.startSandbox(["--rate-limit", "50"])
            // Every tenth row has no valid email.
            var csv = "email,first_name,last_name,data.n\n"
            var valid: Set<String> = []
            for i in 0..<Self.rows {
                let email = i % 10 == 7 ? "row\(i)-at-example.com" : "row\(i)@example.com"
                if i % 10 != 7 { valid.insert(email) }
                csv += "\(email),Row,\(i),\(i)\n"
            }
            let file = h.folder + "/people.csv"
            try Data(csv.utf8).write(to: URL(fileURLWithPath: file))
            let arguments = [
                "import", file, "--pipelines", Self.pipelines, "--store", "sqlite:" + h.storePath, "--crisp-rate",
                "45",
            ]
            let environment = [
                "CRISP_API_URL": h.sandboxURL, "CRISP_WEBSITE_ID": RuntimeHarness.website,
                "CRISP_IDENTIFIER": "sandbox-identifier", "CRISP_KEY": "sandbox-key",
            ]
            let first = try ChildProcess(arguments, environment: environment)
            let half = valid.count / 2
            #expect(
                try await h.eventually(timeout: .seconds(600)) {
                    try await RuntimeHarness.sandboxPeople(at: h.sandboxURL).count >= half
                })
            first.signal(SIGKILL)
            _ = try? await first.waitForExit()
            let before = try await RuntimeHarness.sandboxPeople(at: h.sandboxURL).count
            #expect(before < valid.count, "the kill came after everything was delivered")

            let second = try ChildProcess(arguments, environment: environment)
            let status = try await second.waitForExit(timeout: .seconds(600))
            #expect(status == 2, "rows were rejected: \(second.output)")
            let people = try await RuntimeHarness.sandboxPeople(at: h.sandboxURL)
            #expect(Set(people.keys) == valid, "every valid row, and only those")
            #expect(people.values.allSatisfy { $0.events == 0 })
            for i in [0, Self.rows / 2, Self.rows - 1] where i % 10 != 7 {
                #expect(people["row\(i)@example.com"]?.data == ["n": .string(String(i))])
            }
            // No profile was added twice, and no row was sent again but those in flight at the kill: every
            // profile POST counts, whatever its answer (a re-sent one is refused as people_exists). A 429 did
            // nothing and must be sent again. The import's concurrency, 8, bounds the POSTs in flight at the kill.
            let handled = try await Self.requests(h.sandboxURL).filter { $0["status"] != 429 }
            let posts = handled.filter {
                $0["method"] == "POST" && $0["path"].stringValue?.hasSuffix("/people/profile") == true
            }
            #expect(posts.filter { $0["status"] == 201 }.count == valid.count, "\(Self.statuses(of: posts))")
            #expect(
                (valid.count...valid.count + 8).contains(posts.count),
                "\(posts.count) profile POSTs for \(valid.count) contacts: \(Self.statuses(of: posts))")
            // One data write per contact, but for those written when the import was killed: a merge of the same
            // values may be sent again (the import's concurrency, 8, bounds them).
            let patches = handled.filter {
                $0["method"] == "PATCH" && $0["path"].stringValue?.contains("/people/data/") == true
            }
            #expect(
                (valid.count...valid.count + 8).contains(patches.count),
                "\(patches.count) data PATCHes for \(valid.count) contacts: \(Self.statuses(of: patches))")
            let rejects = try String(contentsOfFile: file + ".rejects.csv", encoding: .utf8)
            let rejected = rejects.split(separator: "\n").dropFirst()
            #expect(rejected.count == Self.rows - valid.count, "each invalid row once: \(rejects.prefix(300))")
            #expect(rejected.allSatisfy { $0.contains("not a valid email") })
            #expect(second.output.contains("stored by an earlier run"), "\(second.output)")
        }

        /// `import --dry-run` on an export prints the column mapping first, then the first rows as planned;
        /// `--map` is checked before anything is read.
        @Test func aDryRunPrintsTheMappingThenTheFirstRowsAsPlanned() async throws {
            let folder = NSTemporaryDirectory() + "crisp-bridge-map-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let file = folder + "/export.csv"
            var csv = "E-mail,Given Name,Surname,Organisation,Tags,Favourite Colour\n"
            for i in 0..<5 { csv += "p\(i)@example.com,P,\(i),Org \(i),vip,blue\n" }
            try Data(csv.utf8).write(to: URL(fileURLWithPath: file))
            let base = ["import", file, "--pipelines", Self.pipelines, "--dry-run"]
            let dry = try ChildProcess(base + ["--map", "Favourite Colour=data.colour"], workingDirectory: folder)
            #expect(try await dry.waitForExit() == 0, "\(dry.output)")
            let lines = dry.output.components(separatedBy: "\n")
            #expect(lines.first == "import: the columns of \(file) fill these fields:", "\(dry.output)")
            for expected in [
                "  E-mail → email", "  Given Name → first_name", "  Surname → last_name", "  Organisation → company",
                "  Tags → segments", "  Favourite Colour → data.colour (mapping)",
            ] {
                #expect(lines.contains(expected), "\(expected) in \(dry.output)")
            }
            let planned = lines.filter { $0.hasPrefix("import: line ") }
            #expect(planned.count == 3, "the first three rows: \(dry.output)")
            #expect(planned.first?.hasPrefix("import: line 2 as planned: {") == true)
            #expect(planned.first?.contains(#""nickname":"P 0""#) == true && planned[0].contains(#""colour":"blue""#))
            #expect(dry.output.contains("5 row(s) read"))

            for (map, message) in [
                ("Colour", "write it as \"Column Name=field\""), ("=email", "the column's name is missing"),
                ("Colour=data.colour", "names the column 'Colour', which the header does not have"),
                ("Tags=labels", "'labels', which is not a field of the pipeline"),
            ] {
                let refused = try ChildProcess(base + ["--map", map], workingDirectory: folder)
                #expect(try await refused.waitForExit() != 0)
                #expect(refused.output.contains(message), "--map \(map): \(refused.output)")
            }
        }

        /// How many requests got each status, e.g. `[201: 180, 409: 3]`.
        static func statuses(of requests: [JSONValue]) -> [Int: Int] {
            requests.reduce(into: [:]) { counts, request in
                counts[Int(request["status"].numberValue ?? 0), default: 0] += 1
            }
        }

        static func requests(_ sandboxURL: String) async throws -> [JSONValue] {
            let response = try await HTTPClient.shared.execute(
                HTTPClientRequest(url: sandboxURL.replacingOccurrences(of: "/v1/", with: "") + "/_sandbox/requests"),
                timeout: .seconds(30))
            let bytes = try await response.body.collect(upTo: 256 << 20)
            return try JSONValue.parse(Data(bytes.readableBytesView))["requests"].arrayValue ?? []
        }

        static let pipelines =
            URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path + "/pipelines"
    }
}
