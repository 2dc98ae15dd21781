import Testing

@testable import BridgeCore

/// A pipeline's reads of environment variables, and which of them are unset without a default.
@Suite struct EnvironmentReferenceTests {
    static let pipeline = """
        name: shared-token
        trigger:
          webhook:
            path: /hooks/shared
            verify:
              query_key: { parameter: key, value: "${{ env.SHARED_KEY }}" }
          when: query.token == env.TOKEN
        let:
          region: default(env.REGION, "GB")
          plan: env["PLAN"] ?? "free"
        actions:
          - crisp.data:
              email: ada@example.com
              merge: { source: "crm-${{ env.SOURCE }}" }
        """

    @Test func everyReadIsFoundAtItsPlaceWithWhetherItHasADefault() throws {
        let (pipeline, diagnostics) = loadPipeline(Self.pipeline, file: "shared.yaml")
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        let references = try #require(pipeline).environmentReferences
        #expect(references.map(\.name) == ["SHARED_KEY", "TOKEN", "REGION", "PLAN", "SOURCE"])
        #expect(references.map(\.hasDefault) == [false, false, true, true, false])
        let token = try #require(references.first { $0.name == "TOKEN" })
        #expect(token.location.description == "shared.yaml:7:24")
    }

    @Test func anUnsetVariableWithoutADefaultIsReportedWithItsNameAndPlace() throws {
        let pipeline = try #require(loadPipeline(Self.pipeline, file: "shared.yaml").0)
        let unset = pipeline.unsetEnvironment(["SHARED_KEY": "k"], severity: .error)
        #expect(unset.map(\.location.description) == ["shared.yaml:7:24", "shared.yaml:14:33"])
        #expect(unset.allSatisfy { $0.severity == .error })
        #expect(unset[0].message.contains("env.TOKEN is not set"))
        #expect(unset[0].message.contains("default(env.TOKEN, …)"))
        #expect(pipeline.unsetEnvironment(["SHARED_KEY": "k", "TOKEN": "t", "SOURCE": ""], severity: .error).isEmpty)
    }

    @Test func theVariablesOfAVerifySettingAreNamed() throws {
        let pipeline = try #require(loadPipeline(Self.pipeline).0)
        #expect(pipeline.environmentNames(ofSetting: "value") == ["SHARED_KEY"])
        #expect(pipeline.environmentNames(ofSetting: "parameter") == [])
    }
}
