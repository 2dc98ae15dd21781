import Foundation
import Testing

@testable import BridgeRuntime

/// `--env-file` and `NAME_FILE`: how serve reads its variables, at start and on every reload.
@Suite struct EnvironmentSourcesTests {
    let folder: String

    init() throws {
        folder = NSTemporaryDirectory() + "crisp-bridge-env-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ text: String) throws -> String {
        let path = folder + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func anEnvFileIsReadOverTheProcessEnvironmentWithQuotesCommentsAndExport() throws {
        let file = try write(
            "bridge.env",
            """
            # secrets of the course shop
            export STRIPE_SECRET=whsec_abc   # the signing secret
            AIRTABLE_TOKEN='pat.x#y'
            GREETING="line one\\nsaid \\"hi\\""
            EMPTY=

            SHARED=from-file
            """)
        let environment = try EnvironmentSources(process: ["SHARED": "from-process", "PATH": "/bin"], files: [file])
            .resolve(wanted: [])
        #expect(environment["STRIPE_SECRET"] == "whsec_abc")
        #expect(environment["AIRTABLE_TOKEN"] == "pat.x#y")
        #expect(environment["GREETING"] == "line one\nsaid \"hi\"")
        #expect(environment["EMPTY"] == "")
        #expect(environment["SHARED"] == "from-file", "the file is read over the environment (a reload can change it)")
        #expect(environment["PATH"] == "/bin")
    }

    @Test func aFileSavedOnWindowsAndQuotesWithCommentsAreRead() throws {
        let file = try write("windows.env", "A=1\r\nB=\"x\" # \"y\"\r\nC=\"say \\\"hi\\\"\"\r\n")
        let environment = try EnvironmentSources(process: [:], files: [file]).resolve(wanted: [])
        #expect(
            environment["A"] == "1" && environment["B"] == "x" && environment["C"] == "say \"hi\"", "\(environment)")
        let secret = try write("crlf_secret", "s3cret\r\n")
        #expect(
            try EnvironmentSources(process: ["KEY_FILE": secret]).resolve(wanted: ["KEY"])["KEY"] == "s3cret")
    }

    @Test func aBadLineSaysWhereAndAMissingFileSaysSo() throws {
        let file = try write("bad.env", "OK=1\nnot a variable\n")
        #expect(throws: Bridge.StartupError.self) {
            try EnvironmentSources(process: [:], files: [file]).resolve(wanted: [])
        }
        do {
            _ = try EnvironmentSources(process: [:], files: [file]).resolve(wanted: [])
        } catch {
            #expect(error.description.contains("bad.env:2: not NAME=VALUE"), "\(error)")
        }
        let quote = try write("quote.env", "A=\"open\n")
        do {
            _ = try EnvironmentSources(process: [:], files: [quote]).resolve(wanted: [])
            Issue.record("an unclosed quote was taken")
        } catch {
            #expect(error.description.contains("quote.env:1: the value's \" is not closed"), "\(error)")
        }
        do {
            _ = try EnvironmentSources(process: [:], files: [folder + "/none.env"]).resolve(wanted: [])
            Issue.record("a missing file was taken")
        } catch {
            #expect(error.description.contains("none.env does not exist"), "\(error)")
        }
        do {
            _ = try EnvironmentSources(process: [:], files: [folder]).resolve(wanted: [])
            Issue.record("a folder was taken")
        } catch {
            #expect(error.description.contains("is a folder, not a file"), "\(error)")
        }
        let huge = try write("huge.env", String(repeating: "A=1\n", count: 300_000))
        do {
            _ = try EnvironmentSources(process: [:], files: [huge]).resolve(wanted: [])
            Issue.record("a 1.2 MB env file was taken")
        } catch {
            #expect(error.description.contains("larger than 1 MiB"), "\(error)")
        }
    }

    @Test func nameFileReadsASecretMountedAsAFileForTheNamesThePipelinesRead() throws {
        let secret = try write("stripe_secret", "whsec_from_file\n")
        let sources = EnvironmentSources(
            process: [
                "STRIPE_SECRET_FILE": secret, "CRISP_KEY_FILE": secret, "SSL_CERT_FILE": folder + "/missing.pem",
            ])
        let environment = try sources.resolve(wanted: ["STRIPE_SECRET"])
        #expect(environment["STRIPE_SECRET"] == "whsec_from_file", "the line break echo adds is not the secret's")
        #expect(environment["CRISP_KEY"] == "whsec_from_file", "CRISP_ and BRIDGE_ names always")
        #expect(environment["SSL_CERT"] == nil, "a name no pipeline reads is left alone, even unreadable")
        do {
            _ = try EnvironmentSources(process: ["STRIPE_SECRET_FILE": folder + "/missing"]).resolve(
                wanted: ["STRIPE_SECRET"])
            Issue.record("an unreadable secret file was taken")
        } catch {
            #expect(error.description.contains("STRIPE_SECRET_FILE names"), "\(error)")
        }
        do {
            _ = try EnvironmentSources(process: ["STRIPE_SECRET_FILE": secret, "STRIPE_SECRET": "x"]).resolve(
                wanted: ["STRIPE_SECRET"])
            Issue.record("both were taken")
        } catch {
            #expect(error.description.contains("both STRIPE_SECRET and STRIPE_SECRET_FILE are set"), "\(error)")
        }
    }
}
