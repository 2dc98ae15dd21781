import Crypto
import Foundation
import Yams

/// Loads pipeline files into checked `Pipeline`s, reporting every problem of every file at once.
public enum PipelineLoader {
    /// The result of loading: the pipelines that loaded, and all diagnostics (errors and warnings).
    public struct Result: Sendable {
        public var pipelines: [Pipeline] = []
        public var diagnostics: [Diagnostic] = []
        /// Every file read, pipelines and tests alike.
        public var files: [String] = []
    }

    static let topKeys = PipelineFormat.top.names
    static let triggerKeys = PipelineFormat.trigger.names
    static let pollKeys = PipelineFormat.poll.names
    static let csvKeys = PipelineFormat.csv.names
    static let webhookKeys = PipelineFormat.webhook.names
    static let fetchKeys = PipelineFormat.call.names
    static let methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]

    /// Loads the pipelines at `paths` (files, or folders whose `*.yaml` files are pipelines, `*.test.yaml` aside),
    /// and checks that names and paths are unique across them.
    public static func load(paths: [String]) -> Result {
        var result = Result()
        let files: [String]
        do {
            files = try pipelineFiles(in: paths)
        } catch {
            result.diagnostics.append(
                Diagnostic(
                    .error, error.message, at: SourceLocation(file: paths.joined(separator: " "), line: 1, column: 1)))
            return result
        }
        for file in files {
            result.files.append(file)
            let (pipeline, diagnostics) = load(file: file)
            result.diagnostics += diagnostics
            if let pipeline { result.pipelines.append(pipeline) }
        }
        var names: [String: Pipeline] = [:]
        var routes: [String: Pipeline] = [:]
        for p in result.pipelines {
            if let other = names[p.name] {
                result.diagnostics.append(
                    Diagnostic(
                        .error, "duplicate pipeline name '\(p.name)' (also in \(other.file)); names must be unique",
                        at: SourceLocation(file: p.file, line: 1, column: 1)))
            }
            names[p.name] = names[p.name] ?? p
            guard p.trigger.csv == nil, p.trigger.poll == nil else { continue }
            let route = "\(p.trigger.method) \(p.trigger.pathPattern.shape)"
            if let other = routes[route] {
                result.diagnostics.append(
                    Diagnostic(
                        .error,
                        "duplicate webhook path \(p.trigger.path) (also in \(other.file)); each pipeline needs its own",
                        at: p.trigger.location))
            }
            routes[route] = routes[route] ?? p
        }
        return result
    }

    /// Loads one pipeline file.
    public static func load(file: String) -> (Pipeline?, [Diagnostic]) {
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8)
        else {
            return (
                nil,
                [
                    Diagnostic(
                        .error, "cannot read this file (missing, unreadable or not UTF-8)",
                        at: SourceLocation(file: file, line: 1, column: 1))
                ]
            )
        }
        return load(source: SourceFile(path: file, text: text))
    }

    /// Loads a pipeline from its text.
    public static func load(source: SourceFile) -> (Pipeline?, [Diagnostic]) {
        var loader = PipelineFileLoader(reader: YAMLReader(source: source))
        var pipeline = loader.load()
        pipeline?.version = version(of: source.text)
        let diagnostics = loader.reader.diagnostics.diagnostics
        return (diagnostics.hasErrors ? nil : pipeline, diagnostics)
    }

    /// A pipeline file's version: the first 12 hex digits of the SHA-256 of its text.
    public static func version(of text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).prefix(6).map { String(format: "%02x", $0) }.joined()
    }

    /// The pipeline files of `paths`: files as given; in a folder, its `*.yaml`/`*.yml` files that are not tests.
    public static func pipelineFiles(in paths: [String]) throws(BridgeCoreError) -> [String] {
        try files(
            in: paths, matching: { ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) && !isTestFile($0) },
            recursive: false)
    }

    /// The test files of `paths`: files as given; in a folder and its sub-folders, `*.test.yaml`.
    public static func testFiles(in paths: [String]) throws(BridgeCoreError) -> [String] {
        try files(in: paths, matching: isTestFile, recursive: true)
    }

    static func isTestFile(_ name: String) -> Bool {
        name.hasSuffix(".test.yaml") || name.hasSuffix(".test.yml")
    }

    private static func files(
        in paths: [String], matching: (String) -> Bool, recursive: Bool
    ) throws(BridgeCoreError) -> [String] {
        var out: [String] = []
        let fm = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw BridgeCoreError(.io, "\(path): no such file or folder")
            }
            if !isDirectory.boolValue {
                out.append(path)
                continue
            }
            let base = path.hasSuffix("/") ? String(path.dropLast()) : path
            let entries: [String]
            if recursive {
                entries = (fm.enumerator(atPath: base)?.compactMap { $0 as? String }) ?? []
            } else {
                entries = (try? fm.contentsOfDirectory(atPath: base)) ?? []
            }
            out += entries.filter { matching(($0 as NSString).lastPathComponent) }.sorted().map { "\(base)/\($0)" }
        }
        return out
    }
}

/// The state of loading one pipeline file.
struct PipelineFileLoader {
    var reader: YAMLReader
    var names = NameTable()

    init(reader: YAMLReader) {
        self.reader = reader
        for name in Slot.names { names.declare(name) }
    }

    mutating func load() -> Pipeline? {
        guard let root = reader.compose() else { return nil }
        let fileName = ((reader.source.path as NSString).lastPathComponent as NSString).deletingPathExtension
        guard
            let top = reader.mapping(
                root, "the pipeline", allowed: PipelineLoader.topKeys, required: ["trigger", "actions"])
        else { return nil }
        let entry = { (key: String) in top.first { $0.key == key } }

        let name = entry("name").flatMap { reader.string($0.value, "name") } ?? fileName
        let description = entry("description").flatMap { reader.string($0.value, "description") }
        let alwaysWrite = entry("always_write").flatMap { reader.boolean($0.value, "always_write") } ?? false

        // Names defined further down, so an early use says where they come from.
        let fetchEntries = entry("fetch").flatMap { reader.mapping($0.value, "fetch") } ?? []
        let letEntries = entry("let").flatMap { reader.mapping($0.value, "let") } ?? []
        for f in fetchEntries {
            names.laterNames[f.key] =
                "it is fetched by fetch.\(f.key) (line \(reader.location(f.keyNode).line)), which runs after the trigger's each, id and when"
        }
        for l in letEntries {
            names.laterNames[l.key] =
                "it is defined by a later let (line \(reader.location(l.keyNode).line)); move that let above this use"
        }

        let trigger = entry("trigger").flatMap { loadTrigger($0.value) }
        var fetches: [FetchStep] = []
        for f in fetchEntries {
            if let step = loadFetch(f) {
                fetches.append(step)
                names.bind(f.key, to: step.slot)
            } else {
                names.declare(f.key)
            }
        }
        var lets: [LetBinding] = []
        for l in letEntries {
            if Slot.names.contains(l.key) || fetchEntries.contains(where: { $0.key == l.key }) {
                reader.diagnostics.error(
                    "let '\(l.key)' hides a name that is already defined; choose another",
                    at: reader.location(l.keyNode))
            }
            let expression = reader.expression(l.value, "let \(l.key)", names: &names)
            let slot = names.declare(l.key)
            if let expression { lets.append(LetBinding(name: l.key, slot: slot, expression: expression)) }
        }
        let skips = entry("skip").map { loadSkips($0.value) } ?? []
        let actions = entry("actions").map { loadActions($0.value) } ?? []
        var orderKey: OrderKeyRule?
        if let orderEntry = entry("order_key") {
            // It is known at intake: it sees the request and the event, not fetches or lets.
            var eventNames = names
            eventNames.withVisible(names.visible.filter { Slot.names.contains($0.key) })
            orderKey = reader.expression(orderEntry.value, "order_key", names: &eventNames).map(OrderKeyRule.expression)
            names.absorbSlots(of: eventNames)
        } else {
            orderKey = OrderKeyRule.email(of: actions, lets: lets, fetchSlots: Set(fetches.map(\.slot)))
        }

        guard let trigger else { return nil }
        let warnings = reader.diagnostics.diagnostics.filter { $0.severity == .warning }
        return Pipeline(
            name: name, description: description, file: reader.source.path, trigger: trigger, orderKey: orderKey,
            alwaysWrite: alwaysWrite, fetches: fetches, lets: lets, skips: skips, actions: actions,
            slotCount: names.slotCount,
            warnings: warnings)
    }

    mutating func loadTrigger(_ node: Node) -> Trigger? {
        guard let entries = reader.mapping(node, "trigger", allowed: PipelineLoader.triggerKeys) else {
            return nil
        }
        let entry = { (key: String) in entries.first { $0.key == key } }
        let kinds = ["webhook", "csv", "poll"].compactMap(entry)
        guard let kind = kinds.first else {
            reader.diagnostics.error(
                "trigger needs `webhook:` (a route and its sender), `poll:` (an API asked on a schedule) or `csv:` (rows of `crisp-bridge import`)",
                at: reader.location(node))
            return nil
        }
        if kinds.count > 1 {
            reader.diagnostics.error(
                "trigger has both `\(kind.key):` and `\(kinds[1].key):`: give one (any pipeline can import a CSV too)",
                at: reader.location(kinds[1].keyNode))
            return nil
        }
        switch kind.key {
        case "csv": return loadCSVTrigger(kind.value, entries: entries)
        case "poll": return loadPollTrigger(kind.value, entries: entries)
        default: break
        }
        guard let webhookNode = entry("webhook")?.value,
            let webhook = reader.mapping(
                webhookNode, "trigger.webhook", allowed: PipelineLoader.webhookKeys, required: ["path", "verify"])
        else { return nil }
        let webhookEntry = { (key: String) in webhook.first { $0.key == key } }

        var path = "/"
        var pathLocation = reader.location(webhookNode)
        if let p = webhookEntry("path"), let text = reader.string(p.value, "trigger.webhook.path") {
            pathLocation = reader.location(p.value)
            if !text.hasPrefix("/") || text.contains(" ") || text.contains("?") || text.contains("#") {
                reader.diagnostics.error(
                    "the webhook path must start with '/' and have no spaces, '?' or '#', e.g. /hooks/hubspot",
                    at: pathLocation)
            } else if case .failure(let error) = PathPattern.parse(text) {
                reader.diagnostics.error(error.message, at: pathLocation)
            }
            path = text
        }
        var method = "POST"
        if let m = webhookEntry("method"), let text = reader.string(m.value, "trigger.webhook.method") {
            method = text.uppercased()
            if !PipelineLoader.methods.contains(method) {
                reader.diagnostics.error(
                    "unknown method '\(text)' (use one of \(PipelineLoader.methods.joined(separator: ", ")))",
                    at: reader.location(m.value))
            }
        }
        // An empty body is refused (400) where one is expected, unless the pipeline says it is optional.
        var bodyOptional = method == "GET" || method == "DELETE"
        if let b = webhookEntry("body"), let text = reader.string(b.value, "trigger.webhook.body") {
            switch text {
            case "optional": bodyOptional = true
            case "required": bodyOptional = false
            default:
                reader.diagnostics.error(
                    "trigger.webhook.body is 'required' (an empty body is refused with 400) or 'optional'",
                    at: reader.location(b.value))
            }
        }
        guard let verifyNode = webhookEntry("verify")?.value, let (sender, settings) = loadVerify(verifyNode) else {
            return nil
        }

        // `each` sees the request; `id` and `when` see the event too.
        var requestNames = names
        requestNames.withVisible(names.visible.filter { $0.key != "event" })
        let each = entry("each").flatMap { reader.expression($0.value, "each", names: &requestNames) }
        names.absorbSlots(of: requestNames)
        let id: CompiledExpression?
        if let idEntry = entry("id") {
            id = reader.expression(idEntry.value, "id", names: &names)
        } else if let defaultID = sender.defaultID {
            var diagnostics = DiagnosticCollector(source: reader.source)
            id = CompiledExpression.compile(
                defaultID, origin: ExpressionOrigin(contiguousAt: reader.location(verifyNode), length: 1),
                names: &names,
                diagnostics: &diagnostics)
        } else {
            id = nil
        }
        let when = entry("when").flatMap { reader.expression($0.value, "when", names: &names) }
        let pattern = (try? PathPattern.parse(path).get()) ?? PathPattern(segments: [.literal(path)], text: path)
        return Trigger(
            path: path, pathPattern: pattern, method: method, bodyOptional: bodyOptional, location: pathLocation,
            sender: sender,
            senderSettings: settings, csv: nil, poll: nil, each: each,
            id: id, when: when)
    }

    /// `trigger.csv: { columns: [...] }`: each row of an imported file is the body, keyed by the header.
    mutating func loadCSVTrigger(_ node: Node, entries: [YAMLReader.Entry]) -> Trigger? {
        let location = reader.location(node)
        var columns: [String] = []
        var fields: [String] = []
        var mapping: [String: String] = [:]
        if case .mapping = node {
            guard let csv = reader.mapping(node, "trigger.csv", allowed: PipelineLoader.csvKeys) else { return nil }
            columns = csv.first(where: { $0.key == "columns" }).map { names($0.value, "trigger.csv.columns") } ?? []
            fields = csv.first(where: { $0.key == "fields" }).map { names($0.value, "trigger.csv.fields") } ?? []
            if let given = csv.first(where: { $0.key == "mapping" }),
                let entries = reader.mapping(given.value, "trigger.csv.mapping")
            {
                for entry in entries {
                    guard let field = reader.string(entry.value, "the field of column '\(entry.key)'") else { continue }
                    if !field.isEmpty, !fields.isEmpty, !fields.contains(field), !field.hasPrefix("data.") {
                        reader.diagnostics.error(
                            "column '\(entry.key)' is mapped to '\(field)', which is not in trigger.csv.fields (\(fields.joined(separator: ", "))), nor data.KEY",
                            at: reader.location(entry.value))
                    }
                    mapping[entry.key] = field
                }
            }
        } else if case .scalar(let scalar) = node, scalar.style == .plain, YAMLReader.isNull(scalar.string) {
            // `csv:` alone: any columns.
        } else {
            reader.diagnostics.error(
                "trigger.csv takes `{ columns: [email, …] }` (the columns a file must have) or nothing",
                at: location)
            return nil
        }
        let entry = { (key: String) in entries.first { $0.key == key } }
        var requestNames = names
        requestNames.withVisible(names.visible.filter { $0.key != "event" })
        let each = entry("each").flatMap { reader.expression($0.value, "each", names: &requestNames) }
        names.absorbSlots(of: requestNames)
        let id = entry("id").flatMap { reader.expression($0.value, "id", names: &names) }
        let when = entry("when").flatMap { reader.expression($0.value, "when", names: &names) }
        return Trigger(
            path: "", pathPattern: PathPattern(segments: [], text: ""), method: "POST", bodyOptional: false,
            location: location, sender: NoneVerifier(), senderSettings: [],
            csv: CSVTrigger(columns: columns, fields: fields, mapping: mapping, location: location), poll: nil,
            each: each, id: id, when: when)
    }

    /// A list of names (columns, fields): text, none empty, none twice.
    private mutating func names(_ node: Node, _ what: String) -> [String] {
        var names: [String] = []
        for item in reader.sequence(node, what) ?? [] {
            guard let name = reader.string(item, "a name in \(what)") else { continue }
            if name.isEmpty || names.contains(name) {
                reader.diagnostics.error(
                    name.isEmpty ? "a name in \(what) cannot be empty" : "'\(name)' is listed twice in \(what)",
                    at: reader.location(item))
            }
            names.append(name)
        }
        return names
    }

    mutating func loadVerify(_ node: Node) -> (any SenderVerifier, [(key: String, value: ValueTemplate)])? {
        let registry = SenderRegistry.builtins
        let senderName: String
        var settingsNode: Node?
        var keyNode = node
        if case .scalar(let s) = node {
            senderName = s.string
        } else if let entries = reader.mapping(node, "verify"), entries.count == 1 {
            senderName = entries[0].key
            settingsNode = entries[0].value
            keyNode = entries[0].keyNode
        } else {
            reader.diagnostics.error(
                "verify names one sender, e.g. `verify: { hubspot: { client_secret: … } }` (senders: \(registry.names.joined(separator: ", ")))",
                at: reader.location(node))
            return nil
        }
        guard let sender = registry[senderName] else {
            var message = "unknown sender '\(senderName)'"
            if let s = closest(to: senderName, in: registry.names) { message += "; did you mean '\(s)'?" }
            reader.diagnostics.error(
                message + " (senders: \(registry.names.joined(separator: ", ")))", at: reader.location(keyNode))
            return nil
        }
        var settings: [(key: String, value: ValueTemplate)] = []
        // Settings (secrets) see only the environment.
        var envNames = NameTable()
        for name in Slot.names { envNames.declare(name) }
        envNames.withVisible(["env": Slot.env])
        if let settingsNode, !(settingsNode.scalar.map { YAMLReader.isNull($0.string) } ?? false) {
            let entries =
                reader.mapping(
                    settingsNode, "verify.\(senderName)", allowed: sender.settings, required: sender.requiredSettings)
                ?? []
            for e in entries {
                let template = reader.template(e.value, names: &envNames)
                if case .literal(let value, let location) = template,
                    let problem = e.key.hasSuffix("_seconds")
                        ? SignatureCheck.secondsProblem(value) : sender.settingProblem(e.key, value)
                {
                    reader.diagnostics.error("verify.\(senderName).\(e.key): \(problem)", at: location)
                }
                settings.append((e.key, template))
            }
        } else if !sender.requiredSettings.isEmpty {
            reader.diagnostics.error(
                "verify.\(senderName) needs \(sender.requiredSettings.joined(separator: ", "))",
                at: reader.location(keyNode))
        }
        let given = Set(settings.map(\.key))
        var literal: [String: JSONValue] = [:]
        for setting in settings {
            if case .literal(let value, _) = setting.value { literal[setting.key] = value }
        }
        if let problem = sender.settingsProblem(literal: literal, given: given) {
            reader.diagnostics.error("verify.\(senderName): \(problem)", at: reader.location(keyNode))
        }
        if !sender.alternativeSettings.isEmpty,
            !sender.alternativeSettings.contains(where: { given.isSuperset(of: $0) })
        {
            let choices = sender.alternativeSettings.map { $0.joined(separator: " and ") }.joined(separator: ", or ")
            reader.diagnostics.error("verify.\(senderName) needs \(choices)", at: reader.location(keyNode))
        }
        if let warning = sender.loadWarning(given: given) {
            reader.diagnostics.warning(warning, at: reader.location(keyNode))
        }
        return (sender, settings)
    }

    mutating func loadFetch(_ entry: YAMLReader.Entry) -> FetchStep? {
        guard
            let fields = reader.mapping(
                entry.value, "fetch.\(entry.key)", allowed: PipelineFormat.fetchCall.names, required: ["url"])
        else { return nil }
        if Slot.names.contains(entry.key) {
            reader.diagnostics.error(
                "fetch '\(entry.key)' hides a built-in name; choose another", at: reader.location(entry.keyNode))
        }
        var fetchNames = names
        defer { names = fetchNames }
        var step = loadCall(
            fields, label: "fetch.\(entry.key)", name: entry.key, at: reader.location(entry.keyNode),
            names: &fetchNames)
        if let auth = fields.first(where: { $0.key == "auth" }) {
            let signIn = loadAuth(
                auth.value, label: "fetch.\(entry.key).auth", names: &fetchNames)
            step?.oauth2 = signIn?.oauth2
            step?.serviceAccount = signIn?.account
        }
        return step
    }

    /// A call's fields (`url`, `method`, `query`, `headers`, `body`): a fetch's or a poll's request. Its templates
    /// use `names`.
    mutating func loadCall(
        _ fields: [YAMLReader.Entry], label: String, name: String, at location: SourceLocation,
        names: inout NameTable, defaultMethod: String = "GET"
    ) -> FetchStep? {
        let field = { (key: String) in fields.first { $0.key == key } }
        var method = defaultMethod
        if let m = field("method"), let text = reader.string(m.value, "\(label).method") {
            method = text.uppercased()
            if !PipelineLoader.methods.contains(method) {
                reader.diagnostics.error("unknown method '\(text)'", at: reader.location(m.value))
            }
        }
        guard let urlNode = field("url")?.value else { return nil }
        let url = reader.template(urlNode, names: &names)
        let origin: FetchOrigin
        switch FetchOrigin.literal(of: url) {
        case .success(let value): origin = value
        case .failure(let error):
            reader.diagnostics.error("\(label).url: \(error.message)", at: reader.location(urlNode))
            return nil
        }
        var pairs: [String: [(key: String, value: ValueTemplate)]] = [:]
        for key in ["query", "headers"] {
            guard let node = field(key)?.value, let entries = reader.mapping(node, "\(label).\(key)") else { continue }
            pairs[key] = entries.map { ($0.key, reader.template($0.value, names: &names)) }
        }
        let body = field("body").map { reader.template($0.value, names: &names) }
        return FetchStep(
            name: name, slot: names.reserveSlot(), method: method, url: url, origin: origin,
            query: pairs["query"] ?? [],
            headers: pairs["headers"] ?? [], body: body, location: location)
    }

    /// `http:` in `actions`: a call like a fetch's (POST unless `method` says otherwise), with `idempotency_key`
    /// (the header name) and `auth`.
    mutating func loadHTTP(_ node: Node, at location: SourceLocation) -> HTTPStep? {
        guard
            let fields = reader.mapping(
                node, "http", allowed: PipelineFormat.httpAction.names, required: ["url"])
        else { return nil }
        let field = { (key: String) in fields.first { $0.key == key } }
        var header: String?
        if let key = field("idempotency_key"), let name = reader.string(key.value, "http.idempotency_key") {
            if name.isEmpty || name.contains(where: { $0 == ":" || $0 == " " || $0 == "\r" || $0 == "\n" }) {
                reader.diagnostics.error(
                    "http.idempotency_key is the name of the header that carries the key, e.g. Idempotency-Key",
                    at: reader.location(key.value))
            }
            header = name
        }
        var callNames = names
        defer { names = callNames }
        var account: GoogleServiceAccountAuth?
        var oauth2: OAuth2Refresh?
        if let auth = field("auth"), let signIn = loadAuth(auth.value, label: "http.auth", names: &callNames) {
            (account, oauth2) = signIn
        }
        let callFields = fields.filter { PipelineFormat.call.names.contains($0.key) }
        guard
            var call = loadCall(
                callFields, label: "http", name: "http", at: location, names: &callNames, defaultMethod: "POST")
        else { return nil }
        call.oauth2 = oauth2
        return HTTPStep(call: call, idempotencyHeader: header, serviceAccount: account)
    }

    /// `skip:`: rules that stop an event as skipped, with a reason, once the fetches and `let` values are known.
    mutating func loadSkips(_ node: Node) -> [SkipRule] {
        guard let items = reader.sequence(node, "skip") else { return [] }
        var rules: [SkipRule] = []
        for item in items {
            guard
                let entries = reader.mapping(
                    item, "a skip rule", allowed: PipelineFormat.skipRule.names, required: ["when", "reason"])
            else { continue }
            let here = reader.location(item)
            guard let whenNode = entries.first(where: { $0.key == "when" })?.value,
                let reasonNode = entries.first(where: { $0.key == "reason" })?.value
            else { continue }
            let condition = reader.expression(whenNode, "skip.when", names: &names)
            let reason = reader.template(reasonNode, names: &names)
            if let condition { rules.append(SkipRule(when: condition, reason: reason, location: here)) }
        }
        return rules
    }

    mutating func loadActions(_ node: Node) -> [ActionStep] {
        guard let items = reader.sequence(node, "actions") else { return [] }
        if items.isEmpty {
            reader.diagnostics.error("actions is empty: list at least one Crisp action", at: reader.location(node))
        }
        let registry = CrispActionRegistry.builtins
        var steps: [ActionStep] = []
        for item in items {
            guard let all = reader.mapping(item, "an action") else { continue }
            // Beside its kind, an action may have a `when:` of its own.
            let condition = all.first { $0.key == "when" }
            let entries = all.filter { $0.key != "when" }
            guard let entry = entries.first else {
                reader.diagnostics.error(
                    "an action needs its kind beside when: (\((registry.names + ["http"]).joined(separator: ", ")))",
                    at: reader.location(item))
                continue
            }
            if entries.count > 1 {
                reader.diagnostics.error(
                    "an action has one key (its kind) and may have when:; indent '\(entries[1].key)' under '\(entry.key)'",
                    at: reader.location(entries[1].keyNode))
                continue
            }
            let here = reader.location(entry.keyNode)
            let when = condition.flatMap { reader.expression($0.value, "\(entry.key).when", names: &names) }
            if entry.key == "http" {
                if let step = loadHTTP(entry.value, at: here) {
                    steps.append(ActionStep(kind: .http(step), location: here, when: when))
                }
                continue
            }
            guard let action = registry[entry.key] else {
                var message = "unknown action '\(entry.key)'"
                let names = registry.names + ["http"]
                if let s = closest(to: entry.key, in: names) { message += "; did you mean '\(s)'?" }
                reader.diagnostics.error(message + " (actions: \(names.joined(separator: ", ")))", at: here)
                continue
            }
            guard reader.mapping(entry.value, entry.key, required: action.required) != nil else { continue }
            guard case .object(let all, let at) = reader.template(entry.value, names: &names) else { continue }
            // `website_id` is every Crisp action's: the website written to, beside the action's own fields.
            let website = all.first { $0.key == "website_id" }?.value
            let members = all.filter { $0.key != "website_id" }
            let fields = ValueTemplate.object(members, at)
            FieldSchema.object(action.fields).check(fields, path: "", diagnostics: &reader.diagnostics)
            if let website {
                FieldSchema.text.check(website, path: "website_id", diagnostics: &reader.diagnostics)
            }
            action.check(members, at: here, diagnostics: &reader.diagnostics)
            steps.append(
                ActionStep(kind: .crisp(action, fields: fields), location: here, when: when, website: website))
        }
        return steps
    }
}
