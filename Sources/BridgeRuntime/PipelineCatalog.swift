import BridgeCore
import Synchronization

/// The pipelines a running bridge serves, replaced whole by a reload.
///
/// Readers take the current snapshot and keep it for the work they started: a request in flight finishes with the
/// pipeline version it started with. Events stored earlier are planned with the version current when they are
/// delivered. A pipeline that a reload removed keeps its last version for delivery only (its route is gone), so
/// its stored events are still delivered rather than dropped.
final class PipelineCatalog: Sendable {
    /// One version of the whole set.
    struct Snapshot: Sendable {
        /// The pipelines, by name.
        let pipelines: [String: Pipeline]
        /// The webhook routes, in the order they are tried (literal segments before parameters).
        let intakes: [WebhookIntake]
        /// 1 at start, one more per reload that changed something.
        let generation: Int
        /// The names of the pipelines loaded or retired (a reload removed them; their stored events are still
        /// delivered), sorted: the events this instance claims (it leaves the others to an instance that has
        /// their pipeline).
        let names: [String]
        /// The variables the pipelines read (`EnvironmentSources`, resolved at start and by each reload).
        let environment: [String: String]
        /// 1 at start, one more per reload that changed a variable's value.
        let environmentVersion: Int
    }

    /// What a reload changed, by pipeline name.
    struct Changes: Sendable, Equatable {
        var added: [String] = []
        var changed: [String] = []
        var removed: [String] = []
        var unchanged: [String] = []
        /// The variables whose value changed (names only: values are secrets).
        var variables: [String] = []

        var isEmpty: Bool { added.isEmpty && changed.isEmpty && removed.isEmpty && variables.isEmpty }

        var summary: String {
            var parts: [String] = []
            if !added.isEmpty { parts.append("added \(added.joined(separator: ", "))") }
            if !changed.isEmpty { parts.append("changed \(changed.joined(separator: ", "))") }
            if !removed.isEmpty { parts.append("removed \(removed.joined(separator: ", "))") }
            if !variables.isEmpty { parts.append("new value of \(variables.joined(separator: ", "))") }
            return parts.isEmpty ? "nothing changed" : parts.joined(separator: "; ")
        }
    }

    private struct State {
        var current: Snapshot
        /// Last versions of pipelines a reload removed: still planning their stored events.
        var retired: [String: Pipeline] = [:]
        /// Every version served since start, by name and version: an event part-way through a plan goes on with
        /// the version that made it.
        var versions: [String: Pipeline] = [:]
    }

    private let state: Mutex<State>
    private let makeIntake: @Sendable (Pipeline, [String: String]) -> WebhookIntake?
    private let generationsContinuation: AsyncStream<Int>.Continuation
    /// The generation of each reload that changed something (for the one service that follows reloads: polls).
    let generations: AsyncStream<Int>

    /// `makeIntake` gives a webhook pipeline's intake with the environment it reads (nil for other triggers, or
    /// where nothing listens).
    init(
        _ pipelines: [Pipeline], environment: [String: String] = [:],
        makeIntake: @escaping @Sendable (Pipeline, [String: String]) -> WebhookIntake? = { _, _ in nil }
    ) {
        self.makeIntake = makeIntake
        (generations, generationsContinuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
        var state = State(
            current: Self.snapshot(
                pipelines, retired: [], generation: 1, environment: environment, environmentVersion: 1,
                makeIntake: { makeIntake($0, environment) }))
        for pipeline in pipelines { state.versions["\(pipeline.name)@\(pipeline.version)"] = pipeline }
        self.state = Mutex(state)
    }

    /// The current set.
    var current: Snapshot { state.withLock { $0.current } }

    /// The pipeline that plans an event of `name`: the loaded one, else the last version of one a reload removed.
    func pipeline(named name: String) -> Pipeline? {
        state.withLock { $0.current.pipelines[name] ?? $0.retired[name] }
    }

    /// The version `version` of the pipeline `name`, if this process served it since it started.
    func pipeline(named name: String, version: String) -> Pipeline? {
        state.withLock { $0.versions["\(name)@\(version)"] }
    }

    /// Swaps in a new set at once and says what changed (by file content, `Pipeline.version`).
    @discardableResult
    func replace(with pipelines: [Pipeline], environment: [String: String]) -> Changes {
        let next = Dictionary(pipelines.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        return state.withLock { state in
            var changes = Changes()
            for (name, pipeline) in next.sorted(by: { $0.key < $1.key }) {
                switch state.current.pipelines[name]?.version {
                case nil: changes.added.append(name)
                case pipeline.version: changes.unchanged.append(name)
                default: changes.changed.append(name)
                }
            }
            changes.removed = state.current.pipelines.keys.filter { next[$0] == nil }.sorted()
            let before = state.current.environment
            changes.variables = Set(before.keys).union(environment.keys).filter { before[$0] != environment[$0] }
                .filter { name in pipelines.contains { $0.environmentReferences.contains { $0.name == name } } }
                .sorted()
            guard !changes.isEmpty else { return changes }
            for name in changes.removed { state.retired[name] = state.current.pipelines[name] }
            for pipeline in pipelines { state.versions["\(pipeline.name)@\(pipeline.version)"] = pipeline }
            for name in next.keys { state.retired[name] = nil }
            // Unchanged pipelines keep their intake (its secret names are computed once) while no variable
            // changed.
            let kept = Dictionary(
                state.current.intakes.filter {
                    changes.unchanged.contains($0.pipeline.name) && changes.variables.isEmpty
                }
                .map { ($0.pipeline.name, $0) }, uniquingKeysWith: { first, _ in first })
            state.current = Self.snapshot(
                pipelines, retired: Array(state.retired.keys), generation: state.current.generation + 1,
                environment: environment,
                environmentVersion: state.current.environmentVersion + (changes.variables.isEmpty ? 0 : 1),
                makeIntake: { kept[$0.name] ?? self.makeIntake($0, environment) })
            generationsContinuation.yield(state.current.generation)
            return changes
        }
    }

    private static func snapshot(
        _ pipelines: [Pipeline], retired: [String], generation: Int, environment: [String: String],
        environmentVersion: Int, makeIntake: (Pipeline) -> WebhookIntake?
    ) -> Snapshot {
        let intakes =
            pipelines
            .filter { $0.trigger.csv == nil && $0.trigger.poll == nil }
            .compactMap(makeIntake)
            .sorted { $0.pipeline.trigger.pathPattern.precedes($1.pipeline.trigger.pathPattern) }
        return Snapshot(
            pipelines: Dictionary(pipelines.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first }),
            intakes: intakes, generation: generation, names: Set(pipelines.map(\.name) + retired).sorted(),
            environment: environment, environmentVersion: environmentVersion)
    }
}
