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
    /// With an admin token, `queries` serve the admin API (`POST /admin/reload` when it has a reloader);
    /// `console` is the console at `/console`.
    static func router(
        catalog: PipelineCatalog, store: any BridgeStore, bodyLimit: Int, metrics: (@Sendable () -> String)?,
        adminToken: String? = nil, quota: CrispQuota? = nil,
        queries: ConsoleQueries, console: ConsoleRoutes? = nil, clock: any BridgeClock = SystemClock(),
        draining: ShutdownDrain.State = .init(), instance: String = BridgeOptions.defaultInstanceID, logger: Logger
    ) -> Router<BridgeRequestContext> {
        let router = Router(context: BridgeRequestContext.self)
        if let adminToken, !adminToken.isEmpty {
            AdminRoutes.add(to: router, queries: queries, token: adminToken)
        }
        console?.add(to: router)
        if let metrics {
            router.get("/metrics") { _, _ in
                var headers = HTTPFields()
                headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: metrics())))
            }
        }
        router.get("/healthz") { _, _ in WebhookIntake.json(200, ["status": "ok"]) }
        router.get("/readyz") { _, _ in
            // Shutting down: a load balancer takes the instance out while it still answers (--drain-delay).
            if draining.draining { return WebhookIntake.json(503, ["status": "shutting down"]) }
            do {
                try await store.ping()
                // Which instance answers, and the version of each pipeline it serves: a reload that reached one
                // instance and not another shows in one look at each.
                let loaded = catalog.current.pipelines.values
                var answer: [String: JSONValue] = [
                    "status": "ready", "pipelines": .number(Double(loaded.count)), "instance": .string(instance),
                    "versions": .object(
                        Dictionary(uniqueKeysWithValues: loaded.map { ($0.name, .string($0.version)) })),
                ]
                // Still ready while Crisp's quota is used up: intake goes on storing; delivery resumes later.
                if let since = quota?.exhaustedSince {
                    answer["crisp"] = .string(
                        "daily quota used up since \(BridgeTime.iso(since)); delivery paused, intake goes on")
                }
                return WebhookIntake.json(200, .object(answer))
            } catch {
                return WebhookIntake.json(503, ["status": "store unreachable", "error": .string("\(error)")])
            }
        }
        // Both wrap only requests no route above took: the pipelines' paths (which a reload may change), else 404.
        router.add(middleware: UnknownRouteMiddleware(logger: logger))
        router.add(middleware: PipelineRoutes(catalog: catalog, bodyLimit: bodyLimit, logger: logger))
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
