extension ZohoChannel: CustomStringConvertible {
    /// The notify URL with every query value redacted (the key, whatever its parameter's name), as it may be
    /// printed or logged.
    public var shownNotifyURL: String {
        guard let mark = notifyURL.firstIndex(of: "?") else { return notifyURL }
        let pairs = notifyURL[notifyURL.index(after: mark)...].split(separator: "&").map {
            ($0.split(separator: "=", maxSplits: 1).first.map(String.init) ?? "") + "=redacted"
        }
        return String(notifyURL[..<mark]) + "?" + pairs.joined(separator: "&")
    }

    /// The channel without its secrets: no token, no access token, the URL key redacted.
    public var description: String {
        "ZohoChannel(pipeline: \(pipeline), channel: \(channelID), events: \(events.joined(separator: ",")), notify_url: \(shownNotifyURL))"
    }
}
