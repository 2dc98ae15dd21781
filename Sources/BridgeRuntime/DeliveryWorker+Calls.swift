import AsyncHTTPClient
import BridgeCore
import BridgeStore
import CrispPeople
import Foundation
import Logging

extension DeliveryWorker {
    /// Sends an `http` action's call and reports how it went (`SendResult.answered` classifies the answer; the
    /// lifecycle decides what follows). With an idempotency key, the same key goes out on every attempt.
    func send(_ call: HTTPCall, at index: Int, _ event: StoredEvent, _ log: Logger) async -> SendResult {
        let shown = "http: " + call.shown
        var request = call.request
        if let header = call.idempotencyHeader {
            request.headers[header.lowercased()] = HTTPCall.idempotencyKey(
                pipeline: event.pipeline, eventID: event.dedupeID, index: index)
        }
        if let grant = call.serviceAccount {
            do {
                request.headers["authorization"] = try await tokens.authorization(
                    keyFile: grant.keyFile, scopes: grant.scopes)
            } catch {
                // The token was not had: the call itself was not sent.
                let retryable =
                    error.status.map { SendResult.answered(status: $0, reason: "", retryAfter: nil).retryable } ?? true
                return .notSent(reason: "\(shown): \(error.reason)", retryable: retryable)
            }
        }
        let timer = ContinuousClock()
        let start = timer.now
        let response: FetchResponse
        do {
            response = try await context.fetcher.fetch(request)
        } catch {
            BridgeMetrics.crispCall(operation: "http", result: "no_answer", duration: timer.now - start)
            let problem = call.scrub((error as? BridgeCoreError)?.message ?? "\(error)")
            if UnsentRequest.matches(error) || HTTPFetcher.refusedBeforeSending(error) {
                return .notSent(reason: "\(shown) was not sent: \(problem)", retryable: !(error is BridgeCoreError))
            }
            return .inDoubt(DeliveryFailure(reason: "\(shown) got no answer (\(problem))", retryable: true))
        }
        let status = response.status
        BridgeMetrics.crispCall(operation: "http", result: String(status), duration: timer.now - start)
        if status == 401, let grant = call.serviceAccount {
            await tokens.forget(keyFile: grant.keyFile, scopes: grant.scopes)
        }
        let detail = call.scrub(String(decoding: response.body.prefix(300), as: UTF8.self))
            .replacingOccurrences(of: "\n", with: " ")
        log.debug("\(shown) answered \(status)")
        return SendResult.answered(
            status: status, reason: "\(shown) answered \(status)" + (detail.isEmpty ? "" : ": \(detail)"),
            retryAfter: PollFailure.retryAfter(response.headers["retry-after"], now: self.clock.now()),
            // A 401 with a service account: the token is taken again on the next attempt.
            retryableStatuses: call.serviceAccount != nil ? [401] : [])
    }
}
