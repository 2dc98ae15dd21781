import BridgeCore
import BridgeStore
import CrispPeople
import Foundation
import Hummingbird
import Logging
import NIOCore

/// The HTTP side of `serve`: one route per pipeline, `/healthz` and `/readyz`.
public enum BridgeServer {
    public static let methods: [HTTPRequest.Method] = [.get, .post, .put, .patch, .delete, .head, .options, .trace]

    /// The router: each pipeline's path with its method (other methods answer 405), and health routes.
    static func router(
        pipelines: [Pipeline], store: any BridgeStore, context: TransformContext, bodyLimit: Int,
        metrics: (@Sendable () -> String)?, recorder: RequestRecorder? = nil, adminToken: String? = nil,
        signal: WorkSignal? = nil, quota: CrispQuota? = nil, logger: Logger
    ) -> Router<BasicRequestContext> {
        let router = Router()
        if let adminToken, !adminToken.isEmpty { AdminRoutes.add(to: router, store: store, token: adminToken) }
        if let metrics {
            router.get("/metrics") { _, _ in
                var headers = HTTPFields()
                headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: metrics())))
            }
        }
        router.get("/healthz") { _, _ in WebhookIntake.json(200, ["status": "ok"]) }
        router.get("/readyz") { _, _ in
            do {
                try await store.ping()
                var answer: [String: JSONValue] = ["status": "ready", "pipelines": .number(Double(pipelines.count))]
                // Still ready while Crisp's quota is used up: intake goes on storing; delivery resumes later.
                if let since = quota?.exhaustedSince {
                    answer["crisp"] = .string(
                        "daily quota used up since \(since.formatted(.iso8601)); delivery paused, intake goes on")
                }
                return WebhookIntake.json(200, .object(answer))
            } catch {
                return WebhookIntake.json(503, ["status": "store unreachable", "error": .string("\(error)")])
            }
        }
        for pipeline in pipelines where pipeline.trigger.csv == nil && pipeline.trigger.poll == nil {
            let intake = WebhookIntake(
                pipeline: pipeline, store: store, context: context, recorder: recorder, signal: signal,
                logger: logger)
            let path = RouterPath(pipeline.trigger.path)
            for method in methods {
                if method.rawValue == pipeline.trigger.method {
                    router.on(path, method: method) { request, _ -> Response in
                        let body: ByteBuffer
                        do {
                            body = try await request.body.collect(upTo: bodyLimit)
                        } catch is NIOTooManyBytesError {
                            return refuse(
                                413, "the body is larger than \(bodyLimit) bytes", pipeline: pipeline.name,
                                logger: logger)
                        } catch {
                            // A garbage chunk size, a truncated chunk, a connection closed mid-body.
                            return refuse(
                                400, "the body could not be read (malformed chunked encoding or length): \(error)",
                                pipeline: pipeline.name, logger: logger)
                        }
                        return await intake.handle(request, body: body)
                    }
                } else {
                    router.on(path, method: method) { request, _ in
                        refuse(
                            405,
                            "\(request.method.rawValue) is not accepted: use \(pipeline.trigger.method) on \(pipeline.trigger.path)",
                            pipeline: pipeline.name, logger: logger)
                    }
                }
            }
        }
        router.add(middleware: UnknownRouteMiddleware(logger: logger))
        return router
    }

    /// A refusal before the pipeline sees the request: answered as JSON, counted by status, logged.
    static func refuse(_ status: Int, _ reason: String, pipeline: String, logger: Logger) -> Response {
        var log = logger
        log[metadataKey: "pipeline"] = "\(pipeline)"
        log.notice("refused \(status): \(reason)")
        BridgeMetrics.request(pipeline: pipeline, outcome: String(status))
        return WebhookIntake.json(status, ["error": .string(reason)])
    }
}
