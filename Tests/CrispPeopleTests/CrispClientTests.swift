import BridgeCore
import CrispPeople
import CrispSandbox
import Foundation
import Testing

/// The client against the sandbox over real loopback HTTP.
@Suite struct CrispClientTests {
    @Test func upsertCreatesThenMergesWithoutASecondProfile() async throws {
        let f = try await SandboxFixture.start()
        defer { Task { await f.close() } }
        let client = f.client

        let created = try await client.upsertProfile(
            ProfileUpsert(
                email: "ada@example.com", person: ["nickname": "Ada Lovelace", "phone": "+442079460018"],
                company: ["name": "Analytical Engines"], segments: ["hubspot"]))
        guard case .created(let id) = created else {
            Issue.record("\(created)")
            return
        }
        let updated = try await client.upsertProfile(
            ProfileUpsert(
                email: "ada@example.com", person: ["geolocation": ["country": "GB"]],
                company: ["domain": "engines.example"], segments: ["lead", "hubspot"], notepad: "met at a fair"))
        #expect(updated == .updated(peopleID: id))
        let unchanged = try await client.upsertProfile(ProfileUpsert(email: "ada@example.com", segments: ["lead"]))
        #expect(unchanged == .unchanged(peopleID: id))

        let profile = try #require(try await client.profile("ada@example.com"))
        #expect(profile["people_id"] == .string(id))
        #expect(
            profile["person"] == [
                "nickname": "Ada Lovelace", "phone": "+442079460018", "geolocation": ["country": "GB"],
            ])
        #expect(profile["company"] == ["name": "Analytical Engines", "domain": "engines.example"])
        #expect(profile["segments"] == ["hubspot", "lead"])
        #expect(profile["notepad"] == "met at a fair")
        #expect(try await client.profileCount() == 1)
        #expect(try await client.profileExists("ada@example.com"))
        #expect(try await client.profileExists(id))
        #expect(try await !client.profileExists("nobody@example.com"))
        #expect(try await client.profile("nobody@example.com") == nil)
    }

    @Test func requestsCarryTheTierAndAUserAgentNamingTheBridge() async throws {
        let f = try await SandboxFixture.start()
        defer { Task { await f.close() } }
        _ = try await f.client.profileCount()
        let seen = try #require(f.sandbox.state.requests.first)
        #expect(seen.tier == "plugin")
        #expect(seen.userAgent?.hasPrefix("crisp-bridge/") == true)
    }

    @Test func aNewProfileWithoutANicknameGetsTheEmailsLocalPart() async throws {
        let f = try await SandboxFixture.start()
        defer { Task { await f.close() } }
        _ = try await f.client.upsertProfile(ProfileUpsert(email: "grace.hopper@example.com"))
        #expect(try await f.client.profile("grace.hopper@example.com")?["person"]["nickname"] == "grace.hopper")
    }

    @Test func emailsArePercentEncodedInPaths() async throws {
        let f = try await SandboxFixture.start()
        defer { Task { await f.close() } }
        _ = try await f.client.upsertProfile(ProfileUpsert(email: "ada+crm@example.com", person: ["nickname": "Ada"]))
        try await f.client.mergeData("ada+crm@example.com", ["plan": "pro"])
        #expect(try await f.client.data("ada+crm@example.com") == ["plan": "pro"])
        #expect(try await f.client.profile("ada crm@example.com") == nil)
        let paths = f.sandbox.state.requests.map(\.path)
        #expect(paths.contains { $0.hasSuffix("/people/data/ada%2Bcrm@example.com") }, "\(paths)")
    }

    @Test func dataMergeReplaceAndUnset() async throws {
        let f = try await SandboxFixture.start()
        defer { Task { await f.close() } }
        let c = f.client
        _ = try await c.upsertProfile(ProfileUpsert(email: "a@x.io", person: ["nickname": "A"]))
        try await c.writeData(DataUpdate(email: "a@x.io", mode: .merge, data: ["a": 1, "b": "two"]))
        try await c.writeData(DataUpdate(email: "a@x.io", mode: .merge, data: ["b": "2", "c": true]))
        #expect(try await c.data("a@x.io") == ["a": 1, "b": "2", "c": true])
        try await c.writeData(DataUpdate(email: "a@x.io", mode: .merge, data: ["d": 4], unset: ["a", "c"]))
        #expect(try await c.data("a@x.io") == ["b": "2", "d": 4])
        try await c.writeData(DataUpdate(email: "a@x.io", mode: .replace, data: ["only": "this"]))
        #expect(try await c.data("a@x.io") == ["only": "this"])
        try await c.replaceData("a@x.io", [:])
        #expect(try await c.data("a@x.io") == [:])
    }

    @Test func eventsSegmentsSubscriptionListsAndRemoval() async throws {
        let f = try await SandboxFixture.start()
        defer { Task { await f.close() } }
        let c = f.client
        for i in 1...25 {
            _ = try await c.upsertProfile(
                ProfileUpsert(email: "p\(i)@x.io", person: ["nickname": .string("Person \(i)")]))
        }
        try await c.addEvent(
            ProfileEvent(email: "p1@x.io", text: "Created in HubSpot", data: ["source": "form"], color: "orange"))
        try await c.addEvent(ProfileEvent(email: "p1@x.io", text: "Second"))
        let events = try await c.events("p1@x.io")
        #expect(events.map { $0["text"] } == ["Second", "Created in HubSpot"])
        #expect(events[1]["data"] == ["source": "form"])
        #expect(events[1]["color"] == "orange")

        try await c.changeSegments(SegmentsUpdate(email: "p1@x.io", add: ["vip", "lead"]))
        try await c.changeSegments(SegmentsUpdate(email: "p1@x.io", add: ["customer"], remove: ["lead"]))
        #expect(try await c.profile("p1@x.io")?["segments"] == ["vip", "customer"])

        #expect(try await c.isSubscribed("p1@x.io"))
        try await c.setSubscribed("p1@x.io", false)
        #expect(try await !c.isSubscribed("p1@x.io"))

        #expect(try await c.listProfiles(page: 1).count == 20)
        #expect(try await c.listProfiles(page: 2).count == 5)
        #expect(try await c.listProfiles(page: 3).isEmpty)
        #expect(try await c.listProfiles(page: 1, perPage: 50).count == 25)
        #expect(try await c.listProfiles(searchText: "Person 2").count == 7)  // 2, 20…25

        try await c.removeProfile("p25@x.io")
        #expect(try await c.profileCount() == 24)
    }

    @Test func plannedOperationsRunInOrderAndCreateMissingProfiles() async throws {
        let f = try await SandboxFixture.start()
        defer { Task { await f.close() } }
        try await f.client.execute(.data(DataUpdate(email: "new@x.io", mode: .merge, data: ["k": "v"])))
        try await f.client.execute(.event(ProfileEvent(email: "other@x.io", text: "Hi")))
        try await f.client.execute(
            .profile(ProfileUpsert(email: "new@x.io", person: ["nickname": "New"], segments: ["s"])))
        #expect(try await f.client.data("new@x.io") == ["k": "v"])
        #expect(try await f.client.profile("new@x.io")?["person"]["nickname"] == "New")
        #expect(try await f.client.events("other@x.io").count == 1)
        #expect(try await f.client.profileCount() == 2)
    }

    @Test func concurrentUpsertsForOneEmailMakeOneProfile() async throws {
        let f = try await SandboxFixture.start()
        defer { Task { await f.close() } }
        let results = try await withThrowingTaskGroup(of: CrispClient.UpsertResult.self) { group in
            for i in 0..<16 {
                group.addTask {
                    try await f.client.upsertProfile(
                        ProfileUpsert(email: "race@example.com", person: ["nickname": "Racer"], segments: ["s\(i % 4)"])
                    )
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 16)
        #expect(Set(results.map(\.peopleID)).count == 1)
        #expect(results.filter { if case .created = $0 { true } else { false } }.count == 1)
        #expect(try await f.client.profileCount() == 1)
        let reasons = f.sandbox.state.requests.map(\.reason)
        #expect(reasons.filter { $0 == "added" }.count == 1)
    }

    @Test func aRateLimitStormIsRiddenOutWithBackoff() async throws {
        let f = try await SandboxFixture.start(
            SandboxConfiguration(rateLimit: 10),
            retry: .init(
                maxAttempts: 30, initialDelay: .milliseconds(100), maxDelay: .seconds(1), maxWaitInCall: .seconds(5)))
        defer { Task { await f.close() } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<30 {
                group.addTask {
                    _ = try await f.client.upsertProfile(
                        ProfileUpsert(email: "storm\(i)@x.io", person: ["nickname": "S"]))
                }
            }
            try await group.waitForAll()
        }
        #expect(try await f.client.profileCount() == 30)
        let statuses = f.sandbox.state.requests.map(\.status)
        #expect(statuses.contains(429), "the storm should have hit the rate limit")
    }

    @Test func serverErrorsAreRetryableAndRetriedAway() async throws {
        let failing = try await SandboxFixture.start(SandboxConfiguration(failRate: 1), retry: .none)
        do {
            _ = try await failing.client.profileCount()
            Issue.record("no error")
        } catch {
            #expect([500, 503].contains(error.status ?? 0))
            #expect(error.isRetryable)
            #expect(error.kind == .http)
        }
        await failing.close()

        let flaky = try await SandboxFixture.start(
            SandboxConfiguration(failRate: 0.5),
            retry: .init(
                maxAttempts: 25, initialDelay: .milliseconds(1), maxDelay: .milliseconds(10), maxWaitInCall: .seconds(1)
            ))
        for i in 0..<10 {
            _ = try await flaky.client.upsertProfile(ProfileUpsert(email: "f\(i)@x.io", person: ["nickname": "F"]))
        }
        #expect(flaky.sandbox.state.profileCount == 10)
        #expect(flaky.sandbox.state.requests.contains { $0.status >= 500 })
        await flaky.close()

    }

    @Test func anEventWhoseAnswerIsLostAfterCrispStoredItIsPostedOnce() async throws {
        let retry = CrispClient.RetryPolicy(
            maxAttempts: 8, initialDelay: .milliseconds(1), maxDelay: .milliseconds(5), maxWaitInCall: .seconds(1))
        let lost = try await SandboxFixture.start(SandboxConfiguration(failAfterWriteRate: 1), retry: retry)
        // every write is stored, then answered 503: the profile exists although its creation "failed"
        let created = try await lost.raw(
            .POST, lost.people("profile"), body: #"{"email":"e@x.io","person":{"nickname":"E"}}"#)
        #expect([500, 503].contains(created.status))
        #expect(lost.sandbox.state.profileCount == 1)
        let event = ProfileEvent(email: "e@x.io", text: "Signed up", data: ["plan": "pro"], color: "green")
        do {
            try await lost.client.addEvent(event)
        } catch {
            Issue.record("posting failed: \(error)")  // each try was stored: the events below say how often
        }
        #expect(try await lost.client.events("e@x.io").count == 1)
        let posts = lost.sandbox.state.requests.filter { $0.method == "POST" && $0.path.contains("/events/") }
        #expect(posts.count == 1, "posted once, then found by looking: \(posts.map(\.status))")
        await lost.close()

        let flaky = try await SandboxFixture.start(SandboxConfiguration(failAfterWriteRate: 0.3), retry: retry)
        for i in 0..<30 {
            _ = try await flaky.raw(
                .POST, flaky.people("profile"), body: #"{"email":"f\#(i)@x.io","person":{"nickname":"F"}}"#)
            try await flaky.client.addEvent(ProfileEvent(email: "f\(i)@x.io", text: "Signed up", data: [:], color: nil))
        }
        for i in 0..<30 { #expect(try await flaky.client.events("f\(i)@x.io").count == 1, "f\(i)") }
        #expect(flaky.sandbox.state.requests.contains { $0.status >= 500 })
        await flaky.close()

        // Answers that come after the client gave up (its timeout): stored all the same, looked for, not re-sent.
        let late = try await SandboxFixture.start(
            SandboxConfiguration(failAfterWriteRate: 0.5, lateAnswerMilliseconds: 700), retry: retry,
            requestTimeout: .milliseconds(300))
        for i in 0..<12 {
            _ = try await late.raw(
                .POST, late.people("profile"), body: #"{"email":"l\#(i)@x.io","person":{"nickname":"L"}}"#)
            do {
                try await late.client.addEvent(
                    ProfileEvent(email: "l\(i)@x.io", text: "Signed up", data: [:], color: nil))
            } catch {
                Issue.record("l\(i): \(error)")
            }
        }
        try await Task.sleep(for: .milliseconds(800))  // the late answers land
        for i in 0..<12 { #expect(try await late.client.events("l\(i)@x.io").count == 1, "l\(i)") }
        await late.close()
    }

    @Test func aWrongKeyIsPermanentWithCrispsReason() async throws {
        let f = try await SandboxFixture.start(key: "wrong-key")
        defer { Task { await f.close() } }
        do {
            _ = try await f.client.profileCount()
            Issue.record("no error")
        } catch {
            #expect(error.status == 401)
            #expect(error.reason == "unauthorized")
            #expect(!error.isRetryable)
            #expect(error.shortDescription == "401 unauthorized")
            #expect(!error.description.contains("wrong-key"))
        }
        #expect(f.sandbox.state.requests.count == 1, "a permanent failure is not retried")
    }

    @Test func invalidDataIsPermanent() async throws {
        let f = try await SandboxFixture.start()
        defer { Task { await f.close() } }
        do {
            try await f.client.addEvent(ProfileEvent(email: "a@x.io", text: String(repeating: "x", count: 81)))
            Issue.record("no error")
        } catch {
            #expect(error.status == 404 || error.status == 400)
            #expect(!error.isRetryable)
        }
        _ = try await f.client.upsertProfile(ProfileUpsert(email: "a@x.io"))
        do {
            try await f.client.addEvent(ProfileEvent(email: "a@x.io", text: String(repeating: "x", count: 81)))
            Issue.record("no error")
        } catch {
            #expect(error.status == 400)
            #expect(error.reason == "invalid_data")
            #expect(!error.isRetryable)
        }
    }

    @Test func theDailyQuotaIsRetryableAfterALongWaitAndNotWaitedForInTheCall() async throws {
        let f = try await SandboxFixture.start(SandboxConfiguration(dailyQuota: 2))
        defer { Task { await f.close() } }
        _ = try await f.client.profileCount()
        _ = try await f.client.profileCount()
        let clock = ContinuousClock()
        let start = clock.now
        do {
            _ = try await f.client.profileCount()
            Issue.record("no error")
        } catch {
            #expect(error.status == 423)
            #expect(error.reason == "quota_limit_exceeded")
            #expect(error.isRetryable)
            #expect(error.retryAfter == .seconds(60))
        }
        #expect(clock.now - start < .seconds(5))
        #expect(f.sandbox.state.requests.count == 3)
    }

    /// No server: the request never left, which is worth retrying and leaves nothing in doubt.
    @Test func noServerIsARetryableUnsentError() async throws {
        let client = CrispClient(
            configuration: .init(
                baseURL: "http://127.0.0.1:1/v1/", websiteID: "w", identifier: "i", key: "k",
                connectTimeout: .seconds(1), requestTimeout: .seconds(2), retry: .none))
        defer { Task { try? await client.shutdown() } }
        do {
            _ = try await client.profileCount()
            Issue.record("no error")
        } catch {
            #expect(error.kind == .unsent)
            #expect(error.isRetryable)
            #expect(!error.mayHaveBeenWritten)
            #expect(error.status == nil)
        }
    }

    @Test func configurationFromTheEnvironmentNamesWhatIsMissing() throws {
        #expect(throws: CrispError.self) { try CrispClient.Configuration.fromEnvironment(["CRISP_KEY": "k"]) }
        do {
            _ = try CrispClient.Configuration.fromEnvironment(["CRISP_KEY": "k"])
        } catch {
            #expect(error.message.contains("CRISP_WEBSITE_ID, CRISP_IDENTIFIER"))
        }
        let c = try CrispClient.Configuration.fromEnvironment([
            "CRISP_WEBSITE_ID": "w", "CRISP_IDENTIFIER": "i", "CRISP_KEY": "k", "CRISP_API_URL": "http://h:1/v1",
        ])
        #expect(c.baseURL == "http://h:1/v1/")
        #expect(c.tier == "plugin")
    }

    /// `CRISP_API_URL` without its `/v1/` sent every request to a route that does not exist (404 for every event):
    /// the base is taken with or without it, and what is not an http(s) URL is refused with the expected form.
    @Test func theAPIURLIsTakenWithOrWithoutItsVersion() throws {
        func base(_ url: String) throws(CrispError) -> String {
            try CrispClient.Configuration.fromEnvironment([
                "CRISP_WEBSITE_ID": "w", "CRISP_IDENTIFIER": "i", "CRISP_KEY": "k", "CRISP_API_URL": url,
            ]).baseURL
        }
        for url in [
            "http://127.0.0.1:18182", "http://127.0.0.1:18182/", "http://127.0.0.1:18182/v1",
            "http://127.0.0.1:18182/v1/",
        ] {
            #expect(try base(url) == "http://127.0.0.1:18182/v1/", "\(url)")
        }
        #expect(try base("https://proxy.example/crisp") == "https://proxy.example/crisp/v1/")
        #expect(try base(" https://api.crisp.chat/v1/ ") == "https://api.crisp.chat/v1/")
        for bad in ["127.0.0.1:18182", "ftp://h/v1/", "http:///v1/", "https://h/v1/?x=1"] {
            #expect("\(bad)") { try base(bad) } throws: {
                ($0 as? CrispError)?.message.contains("e.g. https://api.crisp.chat/v1/") == true
            }
        }
    }
}
