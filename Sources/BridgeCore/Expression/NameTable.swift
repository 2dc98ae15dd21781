/// The names an expression may use and the frame slot each one lives in, built up as a pipeline loads.
///
/// Names are resolved once, at load time; at run time an expression reads its values from a flat frame.
struct NameTable: Sendable {
    private(set) var visible: [String: Int] = [:]
    /// Every slot handed out so far, including lambda parameters: the size of a frame.
    private(set) var slotCount = 0
    /// Names that will be defined further down, so a premature use can say so.
    var laterNames: [String: String] = [:]

    /// Makes `name` visible and returns its slot (a new one unless it is already declared).
    @discardableResult
    mutating func declare(_ name: String) -> Int {
        if let slot = visible[name] { return slot }
        let slot = slotCount
        slotCount += 1
        visible[name] = slot
        laterNames[name] = nil
        return slot
    }

    /// Makes `name` visible as an existing slot (one taken with `reserveSlot`).
    mutating func bind(_ name: String, to slot: Int) {
        visible[name] = slot
        laterNames[name] = nil
    }

    /// A fresh slot that is not (yet) visible under any name: lambda parameters use these.
    mutating func reserveSlot() -> Int {
        slotCount += 1
        return slotCount - 1
    }

    /// Takes over the slots another table (a copy with fewer names visible) handed out, so none is used twice.
    mutating func absorbSlots(of other: NameTable) {
        slotCount = max(slotCount, other.slotCount)
    }

    mutating func withVisible(_ names: [String: Int]) {
        visible = names
    }
}
