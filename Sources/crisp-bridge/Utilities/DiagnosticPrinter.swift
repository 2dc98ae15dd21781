import BridgeCore
import Foundation

/// Prints diagnostics to standard error, `file:line:col: error: message` with the source line and a caret.
enum DiagnosticPrinter {
    static func print(_ diagnostics: [Diagnostic]) {
        for d in diagnostics { printError(d.description) }
    }

    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
