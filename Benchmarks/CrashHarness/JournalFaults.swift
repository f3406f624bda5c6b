#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Damaged journals, on copies of the crash run's data directory (docs/formats.md §Reading and recovery
/// rules): a torn tail is cut off at start-up and reported, and nothing acknowledged goes with it; a bad record
/// followed by valid ones stops start-up with the file and byte offset.
struct JournalFaultFigures {
    var tornTail = "not run"
    var corruptMiddle = "not run"
    var problems: [String] = []
}

enum JournalFaults {
    /// A reserved number outside the traffic whose last SMS becomes the torn record.
    static let sacrificial = NumberIdentity(index: 9_999_999, prefix: "torn")

    static func run(_ crash: CrashRun) -> JournalFaultFigures {
        var out = JournalFaultFigures()
        let data = crash.settings.dataDirectory
        guard let sms = appendSacrificialRecords(crash, &out) else { return out }
        let torn = data + "-torn"
        let corrupt = data + "-corrupt"
        for copy in [torn, corrupt] {
            try? FileManager.default.removeItem(atPath: copy)
            do { try FileManager.default.copyItem(atPath: data, toPath: copy) } catch {
                out.problems.append("cannot copy the data directory: \(error)")
                return out
            }
        }
        tornTail(crash, copy: torn, smsSent: sms, &out)
        corruptMiddle(crash, copy: corrupt, &out)
        return out
    }

    /// With the server up: reserve the sacrificial number and send SMS until the journal's newest records are
    /// past the newest snapshot; then SIGKILL. Returns how many SMS were acknowledged.
    static func appendSacrificialRecords(_ crash: CrashRun, _ out: inout JournalFaultFigures) -> Int? {
        guard let (server, _) = crash.startServer() else {
            out.problems.append("the server did not start for the journal-fault checks")
            return nil
        }
        defer { server.kill() }
        var requests = [RequestRenderer.reserve(sacrificial)]
        for index in 1...8 { requests.append(RequestRenderer.sms(sacrificial, uuid: "sms-torn-\(index)", time: ScriptBuilder.base + 60)) }
        var sent = 0
        for (index, request) in requests.enumerated() {
            guard let answer = try? HTTPClientConnection.once(port: server.port, request), (200..<300).contains(answer.status) else {
                out.problems.append("sacrificial request \(index) was not acknowledged")
                return nil
            }
            sent = index
            if index >= 3, lastSequence(server.port) > DataFiles.newestSnapshotSequence(crash.settings.dataDirectory) + 2 { break }
        }
        return sent
    }

    static func lastSequence(_ port: Int) -> UInt64 {
        let status = Checker.getJSON(port: port, "/admin/status")
        return ((status?["journal"] as? [String: Any])?["last_sequence"] as? NSNumber)?.uint64Value ?? 0
    }

    /// Cuts the last record short by 5 bytes (it becomes a write that was never acknowledged): the server must
    /// start, say it cut a torn tail, and show everything else; the sacrificial number then has one SMS fewer.
    static func tornTail(_ crash: CrashRun, copy: String, smsSent: Int, _ out: inout JournalFaultFigures) {
        guard let segment = DataFiles.segments(copy).last else { return }
        let dump = runCommand(crash.settings.binary, ["journal", "dump", "--data-dir", copy])
        guard let lastLine = dump.output.split(separator: "\n").last, payloadText(String(lastLine)).contains("sms-torn-\(smsSent)") else {
            out.problems.append("torn tail: the journal's last record is not the last sacrificial SMS")
            return
        }
        truncate(segment, off_t(DataFiles.size(segment) - 5))
        var settings = crash.settings
        settings.dataDirectory = copy
        settings.prefix = crash.settings.prefix + "-torn"
        let server: ServeProcess
        do {
            server = try ServeProcess(binary: settings.binary, dataDirectory: copy, environment: settings.environment,
                                      stderrPath: settings.runDirectory + "/serve-torn.stderr")
        } catch {
            out.problems.append("torn tail: cannot spawn serve")
            return
        }
        guard server.waitListening(), let millis = server.waitReady() else {
            out.problems.append("torn tail: serve did not get ready: \(server.standardError.suffix(600))")
            if server.process.isRunning { server.kill() }
            return
        }
        let reported = server.standardError.contains("torn tail cut from")
            && server.waitForLine(containing: "\"truncated_tails\":1", seconds: 5) != nil
        if !reported { out.problems.append("torn tail: the start did not report the truncation") }
        var random = SeededRandom(seed: crash.settings.seed)
        let check = Checker.check(port: server.port, ledger: crash.ledger, context: "torn tail copy", random: &random,
                                  otherIDs: [sacrificial.id])
        let smsIn = ((Checker.getJSON(port: server.port, "/api/numbers/\(sacrificial.id)")?["usage"] as? [String: Any])?["sms_in"] as? Int) ?? -1
        if smsIn != smsSent - 1 { out.problems.append("torn tail: the sacrificial number shows sms_in \(smsIn), expected \(smsSent - 1)") }
        out.problems += check.failures
        let status = server.stop()
        let verify = runCommand(settings.binary, ["journal", "verify", "--data-dir", copy])
        if status != 0 || verify.status != 0 { out.problems.append("torn tail: stop \(status), journal verify \(verify.status) \(verify.output)") }
        out.tornTail = "last record cut by 5 bytes: serve started in \(RunFigures.millis(millis)) ms, reported the cut (\(reported)), "
            + "\(check.numbersChecked) numbers equal the model (lost \(check.lost), twice \(check.twice), mismatches \(check.mismatches)), "
            + "journal verify afterwards exit \(verify.status)"
    }

    /// Flips one payload byte of the second-to-last record: start-up must refuse, naming the file and offset.
    static func corruptMiddle(_ crash: CrashRun, copy: String, _ out: inout JournalFaultFigures) {
        guard let (segment, offset, length) = secondToLastRecord(copy) else {
            out.problems.append("corrupt middle: no record to damage")
            return
        }
        let fd = open(segment, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return }
        var byte: UInt8 = 0
        let position = off_t(offset + 28 + length / 2)
        _ = pread(fd, &byte, 1, position)
        byte ^= 0x5A
        _ = pwrite(fd, &byte, 1, position)
        close(fd)
        let name = (segment as NSString).lastPathComponent
        let verify = runCommand(crash.settings.binary, ["journal", "verify", "--data-dir", copy])
        let verifyNames = verify.status != 0 && verify.output.contains(name) && verify.output.contains("\"offset\":\(offset)")
            && verify.output.contains("\"torn_tail\":false")
        guard let server = try? ServeProcess(binary: crash.settings.binary, dataDirectory: copy, environment: crash.settings.environment,
                                             stderrPath: crash.settings.runDirectory + "/serve-corrupt.stderr") else { return }
        let status = server.waitExit(seconds: 60)
        if status == nil { server.kill() }
        let message = server.standardError
        let named = message.contains(name) && message.contains(String(offset))
        if status == nil || status == 0 || !named {
            out.problems.append("corrupt middle: serve exit \(status.map(String.init) ?? "none (still running)"), "
                                + "message names file and offset: \(named): \(message.suffix(400))")
        }
        if !verifyNames { out.problems.append("corrupt middle: journal verify exit \(verify.status): \(verify.output)") }
        out.corruptMiddle = "one byte flipped in the record at \(name) offset \(offset) (not the last): serve exit "
            + "\(status.map(String.init) ?? "none") naming the file and offset (\(named)): \"\(lastLine(message))\"; journal verify exit \(verify.status)"
    }

    /// A `journal dump` line's payload as text (it prints binary payloads as base64).
    static func payloadText(_ line: String) -> String {
        if let range = line.range(of: "\"payload_base64\":\""),
           let data = Data(base64Encoded: String(line[range.upperBound...].prefix { $0 != "\"" })) {
            return String(decoding: data, as: UTF8.self)
        }
        return line
    }

    static func lastLine(_ text: String) -> String {
        String(text.split(separator: "\n").last { !$0.isEmpty } ?? "").replacingOccurrences(of: "\"", with: "'")
    }

    /// The segment, offset and payload length of the record before the last one (docs/formats.md framing).
    static func secondToLastRecord(_ data: String) -> (String, Int, Int)? {
        var records: [(String, Int, Int)] = []
        for segment in DataFiles.segments(data).suffix(2) {
            guard let bytes = FileManager.default.contents(atPath: segment).map(Array.init) else { continue }
            var offset = 64
            while offset + 28 <= bytes.count {
                let length = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2]) << 16 | Int(bytes[offset + 3]) << 24
                guard offset + 28 + length <= bytes.count else { break }
                records.append((segment, offset, length))
                offset += 28 + length
            }
        }
        return records.count >= 2 ? records[records.count - 2] : nil
    }
}
