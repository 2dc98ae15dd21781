import Foundation
import Testing

@testable import BridgeCore

/// The JSON Schemas come from the loader's own tables: committed copies are current, every key is described, and
/// the names editors offer are the registries' names.
@Suite struct FormatSchemaTests {
    @Test(arguments: FormatSchema.Document.allCases)
    func theCommittedSchemaIsCurrent(_ document: FormatSchema.Document) throws {
        let committed = try String(
            contentsOfFile: Paths.repository + "/schema/\(document.fileName)", encoding: .utf8)
        #expect(
            committed == FormatSchema.text(of: document),
            "schema/\(document.fileName) is stale: run `crisp-bridge schema \(document.rawValue) > schema/\(document.fileName)`"
        )
    }

    @Test(arguments: FormatSchema.Document.allCases)
    func everyKeyHasADescription(_ document: FormatSchema.Document) {
        var undescribed: [String] = []
        func walk(_ value: JSONValue, _ path: String) {
            switch value {
            case .object(let members):
                if let properties = members["properties"]?.objectValue {
                    for (key, schema) in properties {
                        if (schema.objectValue?["description"]?.stringValue ?? "").isEmpty {
                            undescribed.append("\(path)/\(key)")
                        }
                    }
                }
                for (key, member) in members { walk(member, "\(path)/\(key)") }
            case .array(let items):
                for (i, item) in items.enumerated() { walk(item, "\(path)/\(i)") }
            default:
                break
            }
        }
        walk(document == .pipeline ? FormatSchema.pipeline : FormatSchema.test, "")
        #expect(undescribed.isEmpty, "keys without a description: \(undescribed.sorted())")
    }

    @Test func theSchemaNamesWhatTheLoaderKnows() throws {
        let schema = FormatSchema.pipeline
        let definitions = try #require(schema.objectValue?["definitions"]?.objectValue)
        func names(_ definition: String) -> [String] {
            (definitions[definition]?.objectValue?["enum"]?.arrayValue ?? []).compactMap(\.stringValue)
        }
        #expect(names("sender") == SenderRegistry.builtins.names)
        #expect(names("action") == CrispActionRegistry.builtins.names)
        #expect(names("function") == FunctionRegistry.builtins.sorted.map(\.name))
        #expect(names("color") == FieldSchema.colors)
        let top = try #require(schema.objectValue?["properties"]?.objectValue)
        #expect(Set(top.keys) == Set(PipelineLoader.topKeys))
        let actions = try #require(
            top["actions"]?.objectValue?["items"]?.objectValue?["properties"]?.objectValue)
        #expect(Set(actions.keys) == Set(CrispActionRegistry.builtins.names + ["http", "when"]))
        let http = try #require(actions["http"]?.objectValue?["properties"]?.objectValue)
        #expect(Set(http.keys) == Set(PipelineFormat.httpAction.names))
        let profile = try #require(actions["crisp.profile"]?.objectValue?["properties"]?.objectValue)
        #expect(Set(profile.keys) == Set(ProfileAction.schema.keys).union(["website_id"]))
    }

    @Test func customDataKeysFollowCrispsRule() throws {
        let pattern = try Regex(FormatSchema.customDataKeyPattern)
        for key in ["plan", "hubspot_id", "a-b", String(repeating: "k", count: 50), "Plan"] {
            #expect((try? pattern.wholeMatch(in: key)) != nil, "\(key)")
            #expect(CustomDataKey.isValidIgnoringCase(key))
        }
        for key in ["", "has space", "é", String(repeating: "k", count: 51), "a.b"] {
            #expect((try? pattern.wholeMatch(in: key)) == nil, "\(key)")
            #expect(!CustomDataKey.isValidIgnoringCase(key))
        }
    }
}
