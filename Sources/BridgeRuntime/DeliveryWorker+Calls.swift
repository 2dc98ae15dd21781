import AsyncHTTPClient
import BridgeCore
import BridgeStore
import Foundation
import Logging

extension DeliveryWorker {
    /// Carries out an `http` action's call and reports the step. An answer of 5xx, 408 or 429 (the other side did
    /// not do it) is retried. Without an idempotency key the call is marked in flight first and sent at most once:
    /// when a crash or a lost answer leaves it in doubt, the event ends dead with its replay command instead of
    /// risking a second row or record. With one, the same key goes out on every attempt and a call in doubt is sent
    /// again.
    func performCall(
        _ call: HTTPCall, at index: Int, of count: Int, _ event: StoredEvent, _ contact: String?, advance: Bool,
        _ log: Logger
    ) async throws(BridgeStoreError) -> DeliveryStep {
        let shown = "http: " + call.shown
        let progress = advance ? index + 1 : event.progress
        let safeToRepeat = call.idempotencyHeader != nil
        var request = call.request
        if let header = call.idempotencyHeader {
            request.headers[header.lowercased()] = HTTPCall.idempotencyKey(
                pipeline: event.pipeline, eventID: event.dedupeID, index: index)
        } else if event.inflightSince != nil, index == event.progress {
            return .failed(
                index: index,
                DeliveryFailure(
                    reason:
                        "\(shown) may have been received before a crash; it has no idempotency_key, so it is not sent again (replay the event to send it)",
                    retryable: false))
        }
        if let grant = call.serviceAccount {
            do {
                request.headers["authorization"] = try await tokens.authorization(
                    keyFile: grant.keyFile, scopes: grant.scopes)
            } catch {
                return .failed(
                    index: index,
                    DeliveryFailure(
                        reason: "\(shown): \(error.reason)", status: nil,
                        retryable: error.status.map { $0 >= 500 || $0 == 429 } ?? true, retryAfter: error.retryAfter))
            }
        }
        if !safeToRepeat {
            try await saveProgress(event, index, contact: contact, inflightSince: Date())
        }
        let clock = ContinuousClock()
        let start = clock.now
        let response: FetchResponse
        do {
            response = try await context.fetcher.fetch(request)
        } catch {
            BridgeMetrics.crispCall(operation: "http", result: "no_answer", duration: clock.now - start)
            let problem = call.scrub((error as? BridgeCoreError)?.message ?? "\(error)")
            if Self.neverSent(error) {
                // Not sent (no connection was made, or the request was refused before it went out): nothing is
                // in doubt.
                try await saveProgress(event, index, contact: contact, inflightSince: nil)
                return .failed(
                    index: index,
                    DeliveryFailure(reason: "\(shown) was not sent: \(problem)", retryable: !(error is BridgeCoreError))
                )
            }
            if safeToRepeat {
                return .failed(index: index, DeliveryFailure(reason: "\(shown) failed: \(problem)", retryable: true))
            }
            return .failed(
                index: index,
                DeliveryFailure(
                    reason:
                        "\(shown) got no answer (\(problem)): it may have been received; it has no idempotency_key, so it is not sent again (replay the event to send it)",
                    retryable: false))
        }
        let status = response.status
        BridgeMetrics.crispCall(operation: "http", result: String(status), duration: clock.now - start)
        let detail = call.scrub(String(decoding: response.body.prefix(300), as: UTF8.self))
            .replacingOccurrences(of: "\n", with: " ")
        // A 500, 502 or 504 may come after the other side did the work (a gateway, a crash after the write): in
        // doubt for a call that cannot be sent twice.
        if !safeToRepeat, [500, 502, 504].contains(status) {
            return .failed(
                index: index,
                DeliveryFailure(
                    reason:
                        "\(shown) answered \(status)\(detail.isEmpty ? "" : ": \(detail)"): it may have been carried out; it has no idempotency_key, so it is not sent again (replay the event to send it)",
                    status: status, retryable: false))
        }
        guard (200..<300).contains(status) else {
            // The other side answered: it says what it did, nothing is in doubt.
            try await saveProgress(event, index, contact: contact, inflightSince: nil)
            if status == 401, let grant = call.serviceAccount {
                await tokens.forget(keyFile: grant.keyFile, scopes: grant.scopes)
            }
            let retryable =
                status >= 500 || [408, 429].contains(status) || (status == 401 && call.serviceAccount != nil)
            return .failed(
                index: index,
                DeliveryFailure(
                    // A 423 from another API is not Crisp's daily quota: it is not passed on as one.
                    reason: "\(shown) answered \(status)" + (detail.isEmpty ? "" : ": \(detail)"),
                    status: status == 423 ? nil : status,
                    retryable: retryable, rateLimited: status == 429,
                    retryAfter: PollFailure.retryAfter(response.headers["retry-after"], now: Date())))
        }
        log.debug("\(shown) answered \(status)")
        try await saveProgress(event, progress, contact: contact, inflightSince: nil)
        return .performed(index: index, count: count)
    }

    /// Whether a failed call certainly never reached the other side: no connection could be made, or the
    /// request was refused before it went out (a header with a line break). Anything else — a timeout, a dropped
    /// connection, an answer too large — may have come after the other side received it.
    static func neverSent(_ error: any Error) -> Bool {
        if let error = error as? BridgeCoreError { return error.message.hasPrefix("the header ") }
        if let error = error as? HTTPClientError, error == .connectTimeout { return true }
        let kind = String(describing: type(of: error))
        return kind == "NIOConnectionError" || String(describing: error).contains("Connection refused")
    }
}
