import Hummingbird
import Logging

/// Answers a path no pipeline (or health, metrics or admin route) listens on with a short JSON error, like
/// the other refusals, counted as `crisp_bridge_requests_total{pipeline="",outcome="404"}` and logged.
struct UnknownRouteMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            // The path is not echoed: it is the client's text, and may carry a secret in a query.
            return BridgeServer.refuse(
                404, "no pipeline listens on this path (\(request.method.rawValue))", pipeline: "", logger: logger)
        }
    }
}
