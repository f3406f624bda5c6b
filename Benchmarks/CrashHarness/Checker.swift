import Foundation

/// Compares what the server shows (walking `GET /api/numbers` pages, plus `GET /api/numbers/{id}` for a
/// sample) with the reference model over the acknowledged deliveries. A delivery in doubt may or may not have
/// landed: each number is accepted if it equals the model with or without the in-doubt delivery's atoms (any
/// subset of them, since a CDR batch is several records).
struct CheckOutcome {
    var numbersChecked = 0
    var lost = 0
    var twice = 0
    var mismatches = 0
    var versionDecreases = 0
    var phantoms = 0
    var failures: [String] = []
    /// Numbers per state in the last check.
    var states: [String: Int] = [:]

    var clean: Bool { lost == 0 && twice == 0 && mismatches == 0 && versionDecreases == 0 && phantoms == 0 && failures.isEmpty }

    mutating func merge(_ other: CheckOutcome, keepStates: Bool = false) {
        numbersChecked += other.numbersChecked
        lost += other.lost
        twice += other.twice
        mismatches += other.mismatches
        versionDecreases += other.versionDecreases
        phantoms += other.phantoms
        failures += other.failures
        if !keepStates { states = other.states }
    }
}

enum Checker {
    static func check(port: Int, ledger: Ledger, context: String, random: inout SeededRandom, otherIDs: Set<String> = []) -> CheckOutcome {
        var outcome = CheckOutcome()
        guard let listed = listAll(port: port, failures: &outcome.failures) else { return outcome }
        var known = otherIDs
        for index in ledger.numbers.indices where ledger.touched[index] {
            let id = ledger.numbers[index].id
            known.insert(id)
            outcome.numbersChecked += 1
            compare(index, listed[id], ledger: ledger, context: context, outcome: &outcome)
        }
        for id in listed.keys where !known.contains(id) {
            outcome.phantoms += 1
            note(&outcome, "\(context): \(id) is listed but no delivery ever named it")
        }
        sample(port: port, ledger: ledger, listed: listed, context: context, random: &random, outcome: &outcome)
        return outcome
    }

    static func compare(_ index: Int, _ json: [String: Any]?, ledger: Ledger, context: String, outcome: inout CheckOutcome) {
        let id = ledger.numbers[index].id
        let observed = observe(json)
        outcome.states[observed.exists ? observed.state : "absent", default: 0] += 1
        let acked = ledger.ackedAtoms(index)
        let maybe = ledger.maybeAtoms(index)
        if let version = json?["version"] as? Int {
            if version < ledger.maxVersion[index] {
                outcome.versionDecreases += 1
                note(&outcome, "\(context): \(id) version went down from \(ledger.maxVersion[index]) to \(version)")
            }
            ledger.maxVersion[index] = max(ledger.maxVersion[index], version)
        }
        if let usage = json?["usage"] as? [String: Any], let month = usage["month"] as? String, month != "2026-11" {
            note(&outcome, "\(context): \(id) usage month \(month), every usage event was in 2026-11")
        }
        let subsets = maybe.count <= 10 ? (1 << maybe.count) : 1
        for mask in 0..<subsets {
            var atoms = acked
            for (bit, atom) in maybe.enumerated() where mask & (1 << bit) != 0 { atoms.insert(atom) }
            if ReferenceModel.expected(atoms) == observed { return }
        }
        let low = ReferenceModel.expected(acked)
        let high = ReferenceModel.expected(acked.union(maybe))
        let lost = max(0, low.calls - observed.calls) + max(0, low.smsIn - observed.smsIn) + max(0, low.voicemails - observed.voicemails)
            + (low.exists && !observed.exists ? 1 : 0)
        let twice = max(0, observed.calls - high.calls) + max(0, observed.smsIn - high.smsIn) + max(0, observed.voicemails - high.voicemails)
        if lost > 0 { outcome.lost += lost } else if twice > 0 { outcome.twice += twice } else { outcome.mismatches += 1 }
        let doubt = maybe.isEmpty ? "" : " (in doubt: \(ledger.scripts[index][ledger.cursor[index]].label))"
        note(&outcome, "\(context): \(id) shows [\(observed)], the model says [\(low)]\(doubt); acknowledged in order: "
             + ledger.delivered(index).joined(separator: "; "))
    }

    /// The fields the model predicts, read from the number JSON (absent: the number does not exist).
    static func observe(_ json: [String: Any]?) -> ExpectedNumber {
        var out = ExpectedNumber()
        guard let json else { return out }
        out.exists = true
        out.state = json["state"] as? String ?? "?"
        out.reason = json["state_reason"] as? String
        out.paidThrough = ((json["stripe"] as? [String: Any])?["paid_through"] as? NSNumber)?.int64Value
        if let usage = json["usage"] as? [String: Any] {
            out.calls = usage["calls"] as? Int ?? 0
            out.callSeconds = usage["call_seconds"] as? Int ?? 0
            out.smsIn = usage["sms_in"] as? Int ?? 0
            out.voicemails = usage["voicemails"] as? Int ?? 0
        }
        return out
    }

    /// Every number, page by page (bounded by the page count a run can produce).
    static func listAll(port: Int, failures: inout [String]) -> [String: [String: Any]]? {
        var numbers: [String: [String: Any]] = [:]
        var cursor: String?
        for _ in 0..<10_000 {
            var target = "/api/numbers?limit=500"
            if let cursor { target += "&cursor=\(cursor)" }
            guard let object = getJSON(port: port, target) else {
                failures.append("GET \(target) failed")
                return nil
            }
            for number in object["numbers"] as? [[String: Any]] ?? [] {
                if let id = number["id"] as? String { numbers[id] = number }
            }
            guard let next = object["next_cursor"] as? String else { return numbers }
            cursor = next
        }
        failures.append("GET /api/numbers did not reach its last page")
        return nil
    }

    /// A few numbers read one by one must agree with the list.
    static func sample(port: Int, ledger: Ledger, listed: [String: [String: Any]], context: String,
                       random: inout SeededRandom, outcome: inout CheckOutcome) {
        let ids = ledger.numbers.indices.filter { ledger.touched[$0] }
        guard !ids.isEmpty else { return }
        for _ in 0..<min(5, ids.count) {
            let id = ledger.numbers[random.pick(ids)].id
            let single = getJSON(port: port, "/api/numbers/\(id)")
            if observe(single) != observe(listed[id]) {
                outcome.mismatches += 1
                note(&outcome, "\(context): GET /api/numbers/\(id) shows [\(observe(single))], the list [\(observe(listed[id]))]")
            }
        }
    }

    static func getJSON(port: Int, _ target: String) -> [String: Any]? {
        let request = HTTPClientConnection.request("GET", target, headers: [Credentials.bearer])
        guard let answer = try? HTTPClientConnection.once(port: port, request), answer.status == 200 else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any]
    }

    static func note(_ outcome: inout CheckOutcome, _ text: String) {
        if outcome.failures.count < 20 { outcome.failures.append(text) }
    }
}
