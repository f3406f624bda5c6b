import Foundation
import Server
import Snapshot
import TestSupport
import Testing

/// CDR streaming against the real binary: gzip bodies sent by curl with `Expect: 100-continue`, one durable
/// batch per request, resends answered as duplicates, unreadable records, corrupt gzip and decompression bombs.
@Suite struct DIDWWCDRServeTests {
    static func record(_ id: String, duration: Int = 9, success: Bool = true, isLast: Bool? = true) -> String {
        let last = isLast.map { ",\"is_last_cdr\":\($0)" } ?? ""
        return #"{"type":"inbound-cdr","id":"\#(id)","attributes":{"did_number":"442071838750","src_number":"447700900123","time_start":"2019-10-31 14:50:18.930234","time_connect":null,"time_end":"2019-10-31 14:50:27.946403","duration":\#(duration),"success":\#(success)\#(last)}}"#
    }

    static func gzip(_ lines: [String]) -> [UInt8] { GzipBody.compress(Array((lines.joined(separator: "\n") + "\n").utf8)) }

    static func post(_ address: String, _ body: [UInt8], token: String? = DIDWWServeTests.token) async throws -> String {
        var headers = ["Content-Type: text/plain", "Content-Encoding: gzip", "Expect: 100-continue"]
        if let token { headers.append("X-NumNinja-Token: " + token) }
        return try await DIDWWServeTests.send("POST", "http://\(address)/api/webhooks/didww/cdr", body: body, headers: headers)
    }

    @Test func gzipBatchesAreJournaledOnceDeduplicatedAndBadBodiesRefused() async throws {
        let data = DIDWWServeTests.scratch("cdr")
        defer { try? FileManager.default.removeItem(atPath: data.path) }
        let environment = DIDWWServeTests.environment(extra: ["NUMNINJA_MAX_DECOMPRESSED_BYTES": "1000000",
                                                              "NUMNINJA_API_TOKEN": "cdr_admin_token"])
        let (process, address, _) = try await ServeCommandTests.startServe(data: data, environment: environment)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        // A two-leg call and an unanswered one.
        let batch = Self.gzip([Self.record("leg-1", duration: 30, isLast: false), Self.record("leg-2", duration: 12),
                               Self.record("missed", duration: 0, success: false, isLast: nil)])
        let first = try await Self.post(address, batch)
        #expect(first.hasPrefix("HTTP/1.1 100 Continue"), "curl waited for 100-continue: \(first)")
        #expect(first.contains("HTTP/1.1 200") && first.hasSuffix("{\"received\": 3, \"duplicates\": 0}"), "\(first)")
        // DIDWW resends the whole batch after a lost answer: all duplicates.
        let resend = try await Self.post(address, batch)
        #expect(resend.hasSuffix("{\"received\": 3, \"duplicates\": 3}"), "\(resend)")

        // One unreadable record among a new one and a known one: acknowledged, the rest journaled.
        let mixed = Self.gzip([Self.record("new-1"), "{\"type\":\"inbound-cdr\",\"id\":\"broken\",\"attributes\":{}}", Self.record("leg-1")])
        let partial = try await Self.post(address, mixed)
        #expect(partial.hasSuffix("{\"received\": 3, \"duplicates\": 1, \"unreadable\": 1}"), "\(partial)")
        // The unreadable record is parked for an operator, once: the same batch again is all duplicates.
        let again = try await Self.post(address, mixed)
        #expect(again.hasSuffix("{\"received\": 3, \"duplicates\": 3, \"unreadable\": 1}"), "\(again)")
        let parked = try await DIDWWServeTests.send("GET", "http://\(address)/admin/unroutable",
                                                    headers: ["Authorization: Bearer cdr_admin_token"])
        #expect(parked.components(separatedBy: "\"unreadable_record\"").count - 1 == 1, "\(parked)")
        #expect(parked.contains("attributes.did_number"), "the reason names the missing field: \(parked)")

        // Token first, then the body: corrupt gzip, gzip that is not JSON lines, a bomb over the cap.
        #expect(try await Self.post(address, batch, token: nil).contains("HTTP/1.1 401"))
        #expect(try await Self.post(address, batch, token: "wrong").contains("\"unauthorized\""))
        var corrupt = batch
        corrupt[corrupt.count / 2] ^= 0xFF
        corrupt[corrupt.count / 2 + 1] ^= 0xFF
        let corruptAnswer = try await Self.post(address, corrupt)
        #expect(corruptAnswer.contains("HTTP/1.1 400") && corruptAnswer.contains("\"invalid_payload\""), "\(corruptAnswer)")
        let truncated = try await Self.post(address, Array(batch.prefix(batch.count - 10)))
        #expect(truncated.contains("HTTP/1.1 400") && truncated.contains("\"invalid_payload\""), "\(truncated)")
        let notJSON = try await Self.post(address, GzipBody.compress(Array("<html>\nnot a cdr\n".utf8)))
        #expect(notJSON.contains("HTTP/1.1 400") && notJSON.contains("\"invalid_payload\""), "\(notJSON)")
        let bomb = GzipBody.compress([UInt8](repeating: UInt8(ascii: "\n"), count: 4_000_000))
        #expect(bomb.count < 20_000)
        let bombAnswer = try await Self.post(address, bomb)
        #expect(bombAnswer.contains("HTTP/1.1 413") && bombAnswer.contains("\"payload_too_large\""), "\(bombAnswer)")
        let tooMany = Self.gzip((0...1000).map { Self.record("many-\($0)") })
        let tooManyAnswer = try await Self.post(address, tooMany)
        #expect(tooManyAnswer.contains("HTTP/1.1 413"), "\(tooManyAnswer)")

        #expect(try await ServeCommandTests.stop(process) == 0)
        // leg-1, leg-2, missed, new-1 and the unreadable record: five records, each parked (no number owns
        // +442071838750 yet).
        let summary = try DIDWWServeTests.recovered(data)
        #expect(summary["last_sequence"] as? Int == 5 && summary["parked"] as? Int == 5, "\(summary)")
    }
}
