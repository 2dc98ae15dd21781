/// A stand-alone expression compiled once and run over many sets of named values (`crisp-bridge eval --lines`).
public struct PreparedExpression: Sendable {
    /// The expression as written.
    public let text: String
    /// The names the expression reads, in order of first use: every run needs a value for each.
    public let names: [String]
    private let compiled: CompiledExpression
    private let slots: [Int]
    private let slotCount: Int

    fileprivate init(text: String, names: [String], compiled: CompiledExpression, slots: [Int], slotCount: Int) {
        self.text = text
        self.names = names
        self.compiled = compiled
        self.slots = slots
        self.slotCount = slotCount
    }

    /// Runs the expression with `values` in scope (names it does not read are ignored). A missing name and run
    /// failures throw `BridgeCoreError` of kind `.evaluation`.
    public func evaluate(_ values: [String: JSONValue]) throws(BridgeCoreError) -> JSONValue {
        var frame = [JSONValue](repeating: .null, count: slotCount)
        for (name, slot) in zip(names, slots) {
            guard let value = values[name] else {
                var message = "no value for '\(name)'"
                if let suggestion = closest(to: name, in: values.keys.filter { !names.contains($0) }) {
                    message += "; did you mean '\(suggestion)'?"
                }
                let given = values.keys.sorted().joined(separator: ", ")
                throw BridgeCoreError(.evaluation, message + " (given: \(given))")
            }
            frame[slot] = value
        }
        return try compiled.evaluate(&frame)
    }
}

extension ExpressionLanguage {
    /// Compiles `text` once, taking every name it reads as an input. Syntax errors, unknown functions and wrong
    /// arities throw `BridgeCoreError` of kind `.invalidFile` with their diagnostics.
    public static func prepare(_ text: String) throws(BridgeCoreError) -> PreparedExpression {
        let free = (try? Parser.parse(text))?.freeNames ?? []
        var names = NameTable()
        let slots = free.map { names.declare($0) }
        let compiled = try compileStandalone(text, names: &names)
        return PreparedExpression(
            text: text, names: free, compiled: compiled, slots: slots, slotCount: names.slotCount)
    }
}
