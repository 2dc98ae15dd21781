import Foundation
import Synchronization

extension Builtins {
    static let text: [BuiltinFunction] = [
        BuiltinFunction(
            "lower(text)", arity: 1...1, "Lower-cases text. `null` stays `null`; a number is a type error.",
            examples: [(#"lower("Ada@Example.COM")"#, #""ada@example.com""#), ("lower(null)", "null")]
        ) { args throws(FunctionError) in
            try Arguments.string(args, 0).map { .string($0.lowercased()) } ?? .null
        },
        BuiltinFunction(
            "upper(text)", arity: 1...1, "Upper-cases text.",
            examples: [(#"upper("gb")"#, #""GB""#)]
        ) { args throws(FunctionError) in
            try Arguments.string(args, 0).map { .string($0.uppercased()) } ?? .null
        },
        BuiltinFunction(
            "trim(text)", arity: 1...1, "Removes white space (including line breaks) at both ends.",
            examples: [(#"trim("  ada@example.com \n")"#, #""ada@example.com""#)]
        ) { args throws(FunctionError) in
            try Arguments.string(args, 0).map { .string($0.trimmed) } ?? .null
        },
        BuiltinFunction(
            "split(text, separator)", arity: 2...2, "Splits text at every separator; empty pieces are kept.",
            examples: [(#"split("a,b,,c", ",")"#, #"["a","b","","c"]"#)]
        ) { args throws(FunctionError) in
            guard let s = try Arguments.string(args, 0) else { return .null }
            guard let sep = try Arguments.string(args, 1), !sep.isEmpty else {
                throw FunctionError("argument 2 (the separator) must be a non-empty string")
            }
            return .array(s.components(separatedBy: sep).map { .string($0) })
        },
        BuiltinFunction(
            "join(list, separator)", arity: 1...2,
            "Joins a list's elements with the separator (default none). `null` and empty elements are left out, "
                + "so a missing last name gives no trailing space. Numbers and booleans are written as text.",
            examples: [
                (#"join(["Ada", "Lovelace"], " ")"#, #""Ada Lovelace""#),
                (#"join(["Ada", null, ""], " ")"#, #""Ada""#),
            ]
        ) { args throws(FunctionError) in
            guard let list = try Arguments.array(args, 0) else { return .null }
            let sep = try Arguments.string(args, 1) ?? ""
            // Written straight into the result, without a list of the parts first.
            var joined = ""
            var first = true
            for (i, element) in list.enumerated() {
                let part: String
                switch element {
                case .null: continue
                case .string(let s): part = s
                case .number(let n): part = JSONValue.format(number: n)
                case .bool(let b): part = b ? "true" : "false"
                default: throw FunctionError("element \(i) of the list is \(element.typeName); only text can be joined")
                }
                if part.isEmpty { continue }
                if !first { joined += sep }
                joined += part
                first = false
            }
            return .string(joined)
        },
        BuiltinFunction(
            "replace(text, search, replacement)", arity: 3...3, "Replaces every occurrence of `search`.",
            examples: [(#"replace("+44 20 7946", " ", "")"#, #""+44207946""#)]
        ) { args throws(FunctionError) in
            guard let s = try Arguments.string(args, 0) else { return .null }
            guard let search = try Arguments.string(args, 1), !search.isEmpty else {
                throw FunctionError("argument 2 (what to search for) must be a non-empty string")
            }
            return .string(s.replacingOccurrences(of: search, with: try Arguments.text(args, 2) ?? ""))
        },
        BuiltinFunction(
            "regex_match(text, pattern)", arity: 2...2,
            "Whether the regular expression (ICU syntax) matches anywhere in the text. `null` text gives `false`.",
            examples: [
                (#"regex_match("ada@example.com", "@example\\.com$")"#, "true"),
                (#"regex_match(null, "x")"#, "false"),
            ]
        ) { args throws(FunctionError) in
            guard let s = try Arguments.string(args, 0) else { return .bool(false) }
            let regex = try RegexCache.shared.regex(try Arguments.string(args, 1) ?? "")
            return .bool(regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil)
        },
        BuiltinFunction(
            "regex_replace(text, pattern, replacement)", arity: 3...3,
            "Replaces every match of the regular expression; `$1`… in the replacement insert captured groups.",
            examples: [
                (#"regex_replace("(020) 7946-0018", "[^0-9]", "")"#, #""02079460018""#),
                (#"regex_replace("Lovelace, Ada", "^(\\w+), (\\w+)$", "$2 $1")"#, #""Ada Lovelace""#),
            ]
        ) { args throws(FunctionError) in
            guard let s = try Arguments.string(args, 0) else { return .null }
            let regex = try RegexCache.shared.regex(try Arguments.string(args, 1) ?? "")
            let template = try Arguments.text(args, 2) ?? ""
            return .string(
                regex.stringByReplacingMatches(
                    in: s, range: NSRange(s.startIndex..., in: s), withTemplate: template))
        },
        BuiltinFunction(
            "starts_with(text, prefix)", arity: 2...2, "Whether the text starts with the prefix.",
            examples: [(#"starts_with("+44 20", "+")"#, "true")]
        ) { args throws(FunctionError) in
            guard let s = try Arguments.string(args, 0), let p = try Arguments.string(args, 1) else {
                return .bool(false)
            }
            return .bool(s.hasPrefix(p))
        },
        BuiltinFunction(
            "ends_with(text, suffix)", arity: 2...2, "Whether the text ends with the suffix.",
            examples: [(#"ends_with("ada@example.com", "@example.com")"#, "true")]
        ) { args throws(FunctionError) in
            guard let s = try Arguments.string(args, 0), let p = try Arguments.string(args, 1) else {
                return .bool(false)
            }
            return .bool(s.hasSuffix(p))
        },
    ]
}

/// Compiled regular expressions by pattern, shared across events.
final class RegexCache: Sendable {
    static let shared = RegexCache()
    private let cache = Mutex<[String: NSRegularExpression]>([:])

    func regex(_ pattern: String) throws(FunctionError) -> NSRegularExpression {
        if let hit = cache.withLock({ $0[pattern] }) { return hit }
        let compiled: NSRegularExpression
        do {
            compiled = try NSRegularExpression(pattern: pattern)
        } catch {
            throw FunctionError("'\(pattern)' is not a valid regular expression")
        }
        cache.withLock { cache in
            if cache.count > 1000 { cache.removeAll() }
            cache[pattern] = compiled
        }
        return compiled
    }
}
