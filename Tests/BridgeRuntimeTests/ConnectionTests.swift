#if os(Linux)
    import Foundation
    import Testing

    /// What `serve` does with clients that hold connections or send broken HTTP, and how it counts refusals.
    extension ProcessTests {
        @Suite struct ConnectionTests {
            @Test func idleConnectionsAndSlowHeadsAreClosedAfterTheIdleTimeout() async throws {
                let h = try RuntimeHarness()
                defer { h.close() }
                try await h.startSandbox()
                try await h.startServe(["--idle-timeout", "1"])
                let clock = ContinuousClock()

                let idle = try RawConnection(port: h.servePort)
                var start = clock.now
                #expect(idle.readToEnd() == "")
                #expect(clock.now - start < .seconds(5), "an idle connection was held \(clock.now - start)")

                let slow = try RawConnection(port: h.servePort)
                start = clock.now
                var open = true
                for byte in "POST /hooks/signup HTTP/1.1\r\nHost: x\r\nX-Slow: ".utf8 where open {
                    open = slow.send([byte])
                    try await Task.sleep(for: .milliseconds(200))
                    if clock.now - start > .seconds(10) { break }
                }
                // Either a send failed or the server closed: the slow head was not kept for 10 s.
                #expect(!open || slow.readToEnd() == "")
                #expect(clock.now - start < .seconds(10), "a slow head was held \(clock.now - start)")
            }

            @Test func brokenChunkedBodiesAnswer400AndEveryRefusalIsCountedAndLogged() async throws {
                let h = try RuntimeHarness()
                defer { h.close() }
                try await h.startSandbox()
                try await h.startServe(["--log-level", "notice"])
                let credentials = Data("test:\(RuntimeHarness.password)".utf8).base64EncodedString()
                let head =
                    "POST /hooks/signup HTTP/1.1\r\nHost: x\r\nAuthorization: Basic \(credentials)\r\n"
                    + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                for body in ["ZZZ\r\n{}\r\n0\r\n\r\n", "2\r\n{\"a\": 1}\r\n0\r\n\r\n"] {
                    let connection = try RawConnection(port: h.servePort)
                    #expect(connection.send(head + body))
                    let answer = connection.readToEnd()
                    #expect(answer.hasPrefix("HTTP/1.1 400"), "\(answer)")
                    #expect(answer.contains("the body could not be read"), "\(answer)")
                }
                _ = try await h.post(body: String(repeating: "x", count: (1 << 20) + 1))
                _ = try await h.post(body: "{}", method: .GET)
                _ = try await h.post("/hooks/nowhere", body: "{}")
                let metrics = try await h.text("/metrics")
                for (pipeline, status, count) in [
                    ("signup", "400", 2), ("signup", "413", 1), ("signup", "405", 1), ("", "404", 1),
                ] {
                    #expect(
                        metrics.contains(
                            #"crisp_bridge_requests_total{pipeline="\#(pipeline)",outcome="\#(status)"} \#(count)"#),
                        "\(status) not counted: \(metrics)")
                }
                let log = h.serve?.output ?? ""
                for status in ["400", "413", "405", "404"] { #expect(log.contains("refused \(status): "), "\(status)") }
            }
        }
    }
#endif
