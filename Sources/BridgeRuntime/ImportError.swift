/// Why `import` cannot start or go on: the runtime's one error type, with an import's message.
public typealias ImportError = Bridge.StartupError

extension Bridge.StartupError {
    init(_ message: String) {
        self.init(description: message)
    }
}
