/// A value shown as a JSON object whose members it can list in key order: the one list serves both its value
/// (`json`) and its text written straight to bytes (`writeJSON(to:)`), without a dictionary built and sorted for
/// every plan line.
protocol OrderedJSONObject {
    /// Calls `body` with each member in ascending key order, the order `JSONValue.jsonText` writes keys in.
    func forEachMember(_ body: (_ key: String, _ value: JSONValue) -> Void)
}

extension OrderedJSONObject {
    /// The members as a JSON object.
    var json: JSONValue {
        var members: [String: JSONValue] = [:]
        forEachMember { members[$0] = $1 }
        return .object(members)
    }

    /// Appends `json.jsonText` as UTF-8 to `out`.
    func writeJSON(to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        var last: String?
        forEachMember { key, value in
            // A member listed out of order would print differently from `json.jsonText`: caught in debug builds.
            assert(last.map { $0 < key } ?? true, "\(Self.self).forEachMember lists \(key) after \(last ?? "")")
            if last != nil { out.append(UInt8(ascii: ",")) }
            last = key
            JSONValue.writeString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            value.writeJSON(to: &out)
        }
        out.append(UInt8(ascii: "}"))
    }
}
