/// An expression checked at load time and ready to run: names resolved to frame slots, functions bound.
///
/// Immutable, and a class so that templates and steps share one instance: handing it to every evaluation costs
/// one reference count, not one per field.
public final class CompiledExpression: Sendable {
    /// The expression as written.
    public let text: String
    let root: Expr
    let origin: ExpressionOrigin
    /// Whether it calls a function that notes the values it leaves out (most expressions do not: they never
    /// look for the plan's collector).
    private let mayDropValues: Bool

    init(text: String, root: Expr, origin: ExpressionOrigin) {
        self.text = text
        self.root = root
        self.origin = origin
        self.mayDropValues = root.mayDropValues
    }

    /// Where the expression starts in its file.
    public var location: SourceLocation { origin.location(at: 0) }

    /// Parses and resolves `text`. Problems are added to `diagnostics` at their exact place; nil when any.
    static func compile(
        _ text: String, origin: ExpressionOrigin, names: inout NameTable, diagnostics: inout DiagnosticCollector
    ) -> CompiledExpression? {
        let parsed: Expr
        do {
            parsed = try Parser.parse(text)
        } catch {
            diagnostics.error(error.message, at: origin.location(at: error.offset))
            return nil
        }
        var compiler = ExpressionCompiler(names: names)
        let root = compiler.compile(parsed)
        names = compiler.names
        for error in compiler.errors {
            diagnostics.error(error.message, at: origin.location(at: error.offset))
        }
        return compiler.errors.isEmpty ? CompiledExpression(text: text, root: root, origin: origin) : nil
    }

    /// Runs the expression. A failure is a `BridgeCoreError` of kind `.evaluation` at the failing part's place.
    func evaluate(_ frame: inout [JSONValue]) throws(BridgeCoreError) -> JSONValue {
        do {
            let value = try Evaluator.evaluate(root, &frame)
            if mayDropValues { DroppedValues.current?.place(origin) }
            return value
        } catch {
            if mayDropValues { DroppedValues.current?.place(origin) }
            throw BridgeCoreError(.evaluation, error.message, at: origin.location(at: error.span.offset))
        }
    }
}

/// Evaluates stand-alone expressions over named values: for `crisp-bridge functions`, tests and tools.
public enum ExpressionLanguage {
    /// Compiles and runs `text` with `values` in scope. Load problems and run failures throw `BridgeCoreError`.
    public static func evaluate(_ text: String, _ values: [String: JSONValue] = [:]) throws(BridgeCoreError)
        -> JSONValue
    {
        var names = NameTable()
        let ordered = values.keys.sorted()
        for name in ordered { names.declare(name) }
        let compiled = try compileStandalone(text, names: &names)
        var frame = [JSONValue](repeating: .null, count: names.slotCount)
        for name in ordered { frame[names.visible[name]!] = values[name]! }
        return try compiled.evaluate(&frame)
    }

    /// Compiles a stand-alone expression with `names` in scope; problems throw with their diagnostics.
    static func compileStandalone(_ text: String, names: inout NameTable) throws(BridgeCoreError)
        -> CompiledExpression
    {
        let source = SourceFile(path: "<expression>", text: text)
        var diagnostics = DiagnosticCollector(source: source)
        let origin = ExpressionOrigin(
            contiguousAt: source.location(line: 1, column: 1), length: text.unicodeScalars.count)
        guard let compiled = CompiledExpression.compile(text, origin: origin, names: &names, diagnostics: &diagnostics)
        else {
            throw BridgeCoreError(.invalidFile, "the expression is not valid", diagnostics: diagnostics.diagnostics)
        }
        return compiled
    }
}
