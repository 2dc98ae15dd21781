import AsyncHTTPClient
import BridgeCore
import Foundation
import NIOCore
import NIOHTTP1

extension CrispClient {
    /// An answer that passed: the HTTP status and the envelope's `data` (nil for HEAD or when absent).
    struct Answer: Sendable {
        let status: Int
        let data: JSONValue?
    }

    /// One API call with the retry policy: retryable failures are tried again after a backoff (or Crisp's
    /// `Retry-After`); a daily-quota answer and anything permanent go straight to the caller.
    ///
    /// A non-idempotent call gives `alreadyDone`: before it is sent again after a failure that may have come
    /// after the write (`mayHaveBeenWritten`), that check runs, and when it finds the write the call succeeds
    /// without sending it twice.
    func call(
        _ method: HTTPMethod, _ path: String, body: JSONValue? = nil,
        alreadyDone: (() async throws(CrispError) -> Bool)? = nil
    ) async throws(CrispError) -> Answer {
        let policy = configuration.retry
        var attempt = 1
        while true {
            do {
                return try await send(method, path, body: body)
            } catch {
                guard error.isRetryable, attempt < policy.maxAttempts, error.status != 423 else { throw error }
                var wait = policy.delay(after: attempt)
                if let requested = error.retryAfter {
                    if requested > policy.maxWaitInCall { throw error }
                    wait = max(wait, requested)
                }
                do {
                    try await Task.sleep(for: wait)
                } catch {
                    throw CrispError(kind: .network, reason: "cancelled", message: "the call was cancelled")
                }
                // Looked at after the wait: a request that timed out may still have been running at Crisp. When
                // the look itself fails, the original failure is what the caller sees.
                if let alreadyDone, error.mayHaveBeenWritten {
                    let found: Bool
                    do {
                        found = try await alreadyDone()
                    } catch _ {
                        throw error
                    }
                    if found { return Answer(status: 200, data: nil) }
                }
                attempt += 1
            }
        }
    }

    /// One HTTP exchange, paced by the throttle, decoded: 2xx gives the envelope's data; anything else a
    /// classified `CrispError`.
    func send(_ method: HTTPMethod, _ path: String, body: JSONValue?) async throws(CrispError) -> Answer {
        try quota?.admit()
        await throttle?.acquire()
        do {
            let answer = try await exchange(method, path, body: body)
            quota?.sent(method: method.rawValue, path: path, status: answer.status, failure: nil)
            return answer
        } catch {
            quota?.sent(method: method.rawValue, path: path, status: error.status, failure: error.reason)
            if error.isRateLimit { await throttle?.slowDown() }
            throw error
        }
    }

    private func exchange(_ method: HTTPMethod, _ path: String, body: JSONValue?) async throws(CrispError) -> Answer {
        var request = HTTPClientRequest(url: configuration.baseURL + path)
        request.method = method
        let credentials = Data("\(configuration.identifier):\(configuration.key)".utf8).base64EncodedString()
        request.headers.add(name: "Authorization", value: "Basic \(credentials)")
        request.headers.add(name: "X-Crisp-Tier", value: configuration.tier)
        request.headers.add(name: "User-Agent", value: configuration.userAgent)
        request.headers.add(name: "Accept", value: "application/json")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body.jsonText))
        }
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await httpClient.execute(
                request, timeout: .milliseconds(configuration.requestTimeout.milliseconds))
            bytes = try await response.body.collect(upTo: 8 << 20)
        } catch  where UnsentRequest.matches(error) {
            throw CrispError(kind: .unsent, reason: "unsent", message: "\(method) \(path) was not sent: \(error)")
        } catch let error as HTTPClientError {
            switch error {
            case .connectTimeout, .deadlineExceeded, .readTimeout, .writeTimeout:
                throw CrispError(kind: .timeout, reason: "timeout", message: "\(method) \(path): no answer in time")
            default:
                throw CrispError(kind: .network, reason: "network", message: "\(method) \(path): \(error)")
            }
        } catch is CancellationError {
            // The process is stopping (its shutdown timeout passed): the answer, if any, is not known.
            throw CrispError(
                kind: .network, reason: "cancelled",
                message: "\(method) \(path): cut short by the shutdown (no answer known; the event stays pending)")
        } catch {
            throw CrispError(kind: .network, reason: "network", message: "\(method) \(path): \(error)")
        }
        let status = Int(response.status.code)
        let envelope = bytes.readableBytes == 0 ? nil : try? JSONValue.parse(Data(bytes.readableBytesView))
        if (200..<300).contains(status), envelope?["error"] != .bool(true) {
            if method != .HEAD, bytes.readableBytes > 0, envelope == nil {
                throw CrispError(
                    kind: .invalidResponse, status: status, reason: "invalid_response",
                    message: "\(method) \(path): the answer is not JSON")
            }
            let data = envelope?["data"]
            return Answer(status: status, data: data?.isNull == true ? nil : data)
        }
        let reason = envelope?["reason"].stringValue ?? (method == .HEAD ? Self.headReason(status) : "http_error")
        let message = envelope?["data"]["message"].stringValue ?? "\(method) \(path) answered \(status)"
        throw CrispError(
            kind: .http, status: status, reason: reason, message: message,
            retryAfter: Self.retryAfter(response.headers, status: status))
    }

    /// The reason a HEAD answer implies, as Crisp's clients name them (HEAD answers have no body).
    static func headReason(_ status: Int) -> String {
        switch status {
        case 401: "unauthorized"
        case 403: "not_allowed"
        case 404: "not_found"
        default: "http_error"
        }
    }

    /// `Retry-After` in seconds when sent; for 423 (daily quota) a long wait even without one, as Crisp's own
    /// import tool does (60 s).
    static func retryAfter(_ headers: HTTPHeaders, status: Int) -> Duration? {
        if let text = headers.first(name: "Retry-After"),
            let seconds = Double(text.trimmingCharacters(in: .whitespaces)),
            seconds >= 0
        {
            return .milliseconds(Int64(seconds * 1000))
        }
        return status == 423 ? .seconds(60) : nil
    }
}
