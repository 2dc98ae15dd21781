import BridgeCore
import Hummingbird
import Logging
import NIOCore

/// Routes requests to the webhook pipelines of the current `PipelineCatalog` snapshot, so a reload changes the
/// routes without restarting the server. It runs only for requests no fixed route (health, metrics, admin) took:
/// a pipeline's path with another method answers 405; a path no pipeline listens on goes on (to the 404).
struct PipelineRoutes: RouterMiddleware {
    typealias Context = BridgeRequestContext
    let catalog: PipelineCatalog
    let bodyLimit: Int
    let logger: Logger

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        // The snapshot is taken once: this request finishes with the pipeline version it started with.
        let matchings = catalog.current.intakes.compactMap { intake in
            intake.pipeline.trigger.pathPattern.matching(path).map { (intake, $0) }
        }
        let intakes = matchings.compactMap { if case .matched = $0.1 { $0.0 } else { nil } }
        guard let first = intakes.first else {
            // A path of a pipeline's shape whose parameter decodes to a separator or a control character.
            if let (intake, refused) = matchings.first, case .refused(let reason) = refused {
                return BridgeServer.refuse(400, reason, pipeline: intake.pipeline.name, logger: logger)
            }
            return try await next(request, context)
        }
        guard let intake = intakes.first(where: { $0.pipeline.trigger.method == request.method.rawValue }) else {
            let pipeline = first.pipeline
            return BridgeServer.refuse(
                405,
                "\(request.method.rawValue) is not accepted: use \(pipeline.trigger.method) on \(pipeline.trigger.path)",
                pipeline: pipeline.name, logger: logger)
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: bodyLimit)
        } catch is NIOTooManyBytesError {
            return BridgeServer.refuse(
                413, "the body is larger than \(bodyLimit) bytes", pipeline: intake.pipeline.name, logger: logger)
        } catch {
            // A garbage chunk size, a truncated chunk, a connection closed mid-body.
            return BridgeServer.refuse(
                400, "the body could not be read (malformed chunked encoding or length): \(error)",
                pipeline: intake.pipeline.name, logger: logger)
        }
        return await intake.handle(request, body: body, source: context.source(of: request))
    }
}
