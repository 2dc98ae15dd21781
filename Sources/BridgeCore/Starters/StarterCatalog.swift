/// The starters `crisp-bridge init` knows: one per product (the example pipelines) and one per generic sender.
public enum StarterCatalog {
    /// Every starter, sorted by name.
    public static var all: [Starter] { generated.sorted { $0.name < $1.name } }

    /// The starter named `name` (`query-key` finds `query_key`).
    public static func starter(named name: String) -> Starter? {
        let wanted = name.lowercased().replacingOccurrences(of: "-", with: "_")
        return generated.first { $0.name.replacingOccurrences(of: "-", with: "_") == wanted }
    }
}
