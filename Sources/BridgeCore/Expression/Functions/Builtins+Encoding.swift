import Crypto
import Foundation

extension Builtins {
    static let encodings: [BuiltinFunction] = [
        BuiltinFunction(
            "sha256(text)", arity: 1...1, "The SHA-256 digest of the text's UTF-8 bytes, as lower-case hex.",
            examples: [(#"sha256("abc")"#, #""ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad""#)]
        ) { args throws(FunctionError) in
            guard let s = try Arguments.text(args, 0) else { return .null }
            return .string(SHA256.hash(data: Data(s.utf8)).hexString)
        },
        BuiltinFunction(
            "base64(text)", arity: 1...1, "The text's UTF-8 bytes in Base64.",
            examples: [(#"base64("crisp-bridge:secret")"#, #""Y3Jpc3AtYnJpZGdlOnNlY3JldA==""#)]
        ) { args throws(FunctionError) in
            guard let s = try Arguments.text(args, 0) else { return .null }
            return .string(Data(s.utf8).base64EncodedString())
        },
        BuiltinFunction(
            "url_encode(text)", arity: 1...1,
            "Percent-encodes everything but letters, digits and `-._~`, for a URL path segment or query value.",
            examples: [(#"url_encode("ada+crm@example.com")"#, #""ada%2Bcrm%40example.com""#)]
        ) { args throws(FunctionError) in
            guard let s = try Arguments.text(args, 0) else { return .null }
            return .string(percentEncode(s))
        },
        BuiltinFunction(
            "json(value)", arity: 1...1, "The value as compact JSON text, object members sorted by name.",
            examples: [(#"json({b: [1, "x"], a: null})"#, #""{\"a\":null,\"b\":[1,\"x\"]}""#)]
        ) { args throws(FunctionError) in
            .string(args[0].jsonText)
        },
    ]

    /// RFC 3986 percent-encoding of everything outside the unreserved set.
    static func percentEncode(_ s: String) -> String {
        PercentEncoding.encode(s)
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}

extension Sequence where Element == UInt8 {
    /// Lower-case hex of the bytes.
    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension Digest {
    var hexString: String { Array(self).hexString }
}
