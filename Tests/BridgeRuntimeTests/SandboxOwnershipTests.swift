import Foundation
import Testing

@testable import BridgeRuntime

/// One built-in sandbox per state file: the first process owns it, the next ones join, and a dead owner's
/// leftovers never send anyone to a closed port.
@Suite struct SandboxOwnershipTests {
    let file = NSTemporaryDirectory() + "crisp-bridge-owner-" + UUID().uuidString + "/sandbox.json"

    @Test func theFirstOwnsTheNextJoinsAndAFreedFileIsOwnedAgain() async throws {
        guard case .owner(let owner) = try await SandboxOwnership.claim(file) else {
            Issue.record("the first claim did not own the file")
            return
        }
        let published = SandboxOwnership.Owner(
            baseURL: "http://127.0.0.1:18181/v1/", websiteID: "w", identifier: "i", key: "k", pid: getpid())
        owner.publish(published)
        guard case .joined(let joined) = try await SandboxOwnership.claim(file, wait: .seconds(1)) else {
            Issue.record("the second claim did not join")
            return
        }
        #expect(joined == published)
        owner.withdraw()
        owner.release()
        guard case .owner(let next) = try await SandboxOwnership.claim(file, wait: .seconds(1)) else {
            Issue.record("a released file was not owned again")
            return
        }
        next.release()
    }

    @Test func anOwnerThatDiedIsNotJoinedAndAnUnpublishedOneIsWaitedForThenNamed() async throws {
        guard case .owner(let owner) = try await SandboxOwnership.claim(file) else { return }
        // Still holding the lock but never published (starting): the claim waits, then says what to do.
        await #expect {
            try await SandboxOwnership.claim(file, wait: .milliseconds(300))
        } throws: { "\($0)".contains("has not said where it listens") }
        // A published owner whose process is gone (a pid no process has) is not joined.
        owner.publish(.init(baseURL: "http://127.0.0.1:1/v1/", websiteID: "w", identifier: "i", key: "k", pid: 999_999))
        await #expect {
            try await SandboxOwnership.claim(file, wait: .milliseconds(300))
        } throws: { "\($0)".contains("has not said where it listens") }
        owner.release()
    }
}
